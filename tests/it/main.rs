//! The integration tests, in one binary (one link instead of one per file),
//! a module per area. `harness` builds or serves a fixture archive with the
//! real binary and asks about the output.

mod harness;

mod adopt;
mod architecture;
mod build;
mod check;
mod crosslinks;
mod fuzz;
mod git;
mod incident_page;
mod insight;
mod listing;
mod pagination;
mod safety_check;
mod safety_leaks;
mod safety_markdown;
mod safety_output;
mod search;
mod serve;
mod share;
mod snapshots;
mod stats_page;
