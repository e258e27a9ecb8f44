//! `rca-site new "Title"`: starts a postmortem from the template.

use std::path::PathBuf;

use clap::Args;

use super::{root_dir, EXIT_CONTENT, EXIT_USAGE};
use crate::config::{Config, CONFIG_FILE};
use crate::diagnostics::{format_report, Diagnostics, Format};
use crate::slugs::slugify;

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The incident's title, e.g. "Uploads failed after the image rebuild".
    pub title: String,
    /// Severity, one of rca-site.toml `severities`.
    #[arg(long)]
    pub severity: Option<String>,
    /// Day the incident began, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// The archive repository (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

pub fn run(args: NewArgs, _quiet: bool) -> i32 {
    let root = match root_dir(&args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut diags = Diagnostics::new();
    let config = match std::fs::read_to_string(root.join(CONFIG_FILE)) {
        Ok(text) => Config::parse(&text, &mut diags),
        Err(_) => Config::default(),
    };
    if diags.has_errors() {
        eprint!("{}", format_report(&diags, Format::Text));
        return EXIT_CONTENT;
    }
    let title = args.title.trim();
    if let Some(c) = title.chars().find(|c| c.is_control()) {
        eprintln!("error: the title {title:?} contains the control character {c:?}; a title is one line of text");
        return EXIT_USAGE;
    }
    let slug = slugify(title);
    if slug.is_empty() {
        eprintln!("error: the title {title:?} has no letters or digits to make a file name from");
        return EXIT_USAGE;
    }
    let date = match &args.date {
        Some(d) => match crate::dates::parse_date(d) {
            // A four-digit year, as YYYY-MM-DD promises.
            Some(d) if d.to_string().len() == 10 => d,
            _ => {
                eprintln!("error: --date {d:?} is not a valid date; expected YYYY-MM-DD");
                return EXIT_USAGE;
            }
        },
        None => crate::dates::today(),
    };
    let severity = match &args.severity {
        Some(s) => match config.severities.iter().find(|x| x.eq_ignore_ascii_case(s)) {
            Some(s) => s.clone(),
            None => {
                eprintln!("error: --severity {s:?} is not one of {}", config.severities.join(", "));
                return EXIT_USAGE;
            }
        },
        None => config.severities.get(config.severities.len().saturating_sub(1) / 2).cloned().unwrap_or_default(),
    };
    let rel = format!("content/incidents/{}/{slug}.md", date.year());
    let path = root.join(&rel);
    if path.exists() {
        eprintln!("error: {rel} already exists; choose another title or edit that file");
        return EXIT_CONTENT;
    }
    if let Some(dir) = path.parent() {
        if let Err(e) = std::fs::create_dir_all(dir) {
            eprintln!("error: creating {}: {e}", dir.display());
            return EXIT_CONTENT;
        }
    }
    let text = template(title, &date.to_string(), &severity);
    let written = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).and_then(|mut f| {
        use std::io::Write;
        f.write_all(text.as_bytes())
    });
    if let Err(e) = written {
        eprintln!("error: writing {rel}: {e}");
        return EXIT_CONTENT;
    }
    println!("{rel}");
    0
}

/// The skeleton of a postmortem. It starts as a draft so that it cannot be
/// published half-written.
fn template(title: &str, date: &str, severity: &str) -> String {
    let quoted = title.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        r#"---
title: "{quoted}"
date: {date}
severity: {severity}
status: draft          # draft | review | published
summary: ""
kind: outage           # outage | degradation | security | data-loss | near-miss
services: []
tags: []
causes: []
# started: {date}T00:00:00Z
# detected: {date}T00:00:00Z
# mitigated: {date}T00:00:00Z
# resolved: {date}T00:00:00Z
impact: ""
trigger: ""
detection: ""
action_items: []
#  - title: "What will stop this from happening again"
#    owner: team-name
#    status: open       # open | in-progress | done | wont-do
#    type: prevent      # detect | mitigate | prevent | process
#    due: {date}
---

## Summary

What happened, in two or three sentences, for someone who reads nothing else.

## Impact

Who was affected, how, and for how long.

## Timeline

- {date} 00:00 UTC — First sign of trouble.

## Root cause

## Contributing causes

## Five whys

1. Why?

## What went well

## What went wrong

## Action items

## Lessons
"#
    )
}
