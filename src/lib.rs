//! rca-site turns a git repository of incident postmortems into a public,
//! searchable, cross-linked static website.
//!
//! The map, in the order a build runs ([`pipeline`] runs the stages; each
//! module's own doc comment says what it owns and why):
//!
//! - commands: [`cmd`] (one file per subcommand);
//! - the pipeline: [`pipeline`] (the stages, their timings) and [`reuse`]
//!   (what a build may keep from the last one: nothing for `build`, serve's
//!   cache for `serve`);
//! - read: [`source`] (the snapshot of files), [`select`] (which files are incidents);
//! - history: [`git`] (one walk, dates, revisions, former ids);
//! - parse: [`parse`] (front matter, validation), [`config`], [`yaml`], [`dates`],
//!   [`slugs`], [`mask`] (emails); the data between stages: [`model`], [`diagnostics`];
//! - link: [`archive`] (which incidents show, taxonomies, cross-file rules),
//!   [`related`] (similar incidents), [`graph`] (backlinks, cause recurrence),
//!   [`sort`] (large values sorted by moving each once, for the board);
//! - bodies: [`markdown`], [`sections`] (named sections as data), [`markup`]
//!   (lighter HTML: line breaks next to blocks, optional end tags);
//! - insight (numbers, no HTML): [`timeline`], [`stats`], [`actions`] (the board);
//! - pages (the plan and the views, one file per family): [`pages`] — each
//!   family declares its pages, builds their views and fingerprints their
//!   inputs; [`facts`] (an incident page's facts line, where its body is
//!   cut), [`charts`] (SVG), [`paginate`], [`share`] (page metadata,
//!   robots.txt), [`text`], [`escape`];
//! - render: [`render`] (the templates through Tera, the pages into the
//!   sink), [`theme`];
//! - outputs: [`feeds`] (feed, sitemap, JSON, redirects), [`output`] (the
//!   files and the atomic write), [`listing`] (the incident table's rows);
//! - search: [`search`] (the sharded index; its page is the pages
//!   family `pages::search`);
//! - serve (Cargo feature `serve`, on by default): `serve` — the live
//!   preview, its HTTP server, watcher and cache (a [`reuse::Reuse`]).
//!
//! No module imports itself through others: `tests/it/architecture.rs`
//! reads every `crate::` path in src/ and fails on an import cycle, or on a
//! module of the lower layer (read, history, parse, link, insight) that
//! imports a page, output or command module; `tools/module_cycles.py`
//! prints the same graph's cycles from the command line.

pub mod actions;
pub mod archive;
pub mod charts;
pub mod cmd;
pub mod config;
pub mod dates;
pub mod diagnostics;
pub mod escape;
pub mod facts;
pub mod feeds;
pub mod git;
pub mod graph;
pub mod hash;
pub mod listing;
pub mod markdown;
pub mod markup;
pub mod mask;
pub mod model;
pub mod output;
pub mod pages;
pub mod paginate;
pub mod parse;
pub mod pipeline;
pub mod related;
pub mod render;
pub mod reuse;
pub mod search;
pub mod sections;
pub mod select;
#[cfg(feature = "serve")]
pub mod serve;
pub mod share;
pub mod slugs;
pub mod sort;
pub mod source;
pub mod stats;
pub mod text;
pub mod theme;
pub mod timeline;
pub mod yaml;
