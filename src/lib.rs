//! rca-site turns a git repository of incident postmortems into a public,
//! searchable, cross-linked static website.
//!
//! The pipeline, one module per stage:
//! [`source`] (files) → [`parse`] (front matter, validation) → [`archive`]
//! (the link graph and taxonomies) → [`markdown`] (bodies) → [`render`]
//! (templates) and [`feeds`] → [`output`] (atomic write).
//! [`site`] runs the stages; [`cmd`] holds the subcommands.

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
pub mod markdown;
pub mod mask;
pub mod model;
pub mod output;
pub mod paginate;
pub mod parse;
pub mod related;
pub mod render;
pub mod search;
pub mod sections;
pub mod select;
pub mod serve;
pub mod share;
pub mod site;
pub mod slugs;
pub mod source;
pub mod stats;
pub mod text;
pub mod theme;
pub mod timeline;
pub mod yaml;
