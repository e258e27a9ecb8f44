//! `rca-site build`

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use super::{root_dir, EXIT_CONTENT, EXIT_USAGE};
use crate::diagnostics::{format_report, Format};
use crate::git::{GitError, HistorySource};
use crate::model::Include;
use crate::output::Staging;
use crate::site::{build_site, BuildOptions};
use crate::source::Snapshot;

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The archive repository (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Output directory (default: `output` from rca-site.toml, "public", under --root).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Include draft and review incidents.
    #[arg(long)]
    pub drafts: bool,
    /// Include internal incidents.
    #[arg(long)]
    pub internal: bool,
    /// Override base_url (e.g. a deploy preview's URL).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// The day "overdue" and "last 90 days" are measured from (default:
    /// today, UTC). Hidden: for reproducible builds and tests.
    #[arg(long, value_name = "YYYY-MM-DD", hide = true, value_parser = parse_build_date)]
    pub build_date: Option<jiff::civil::Date>,
    /// Build from this commit's tree (a branch, tag or commit) instead of
    /// the working tree; history is taken up to that commit.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
}

fn parse_build_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse().map_err(|_| format!("expected a date as YYYY-MM-DD, got {s:?}"))
}

pub fn run(args: BuildArgs, quiet: bool) -> i32 {
    let started = Instant::now();
    let root = match root_dir(&args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let read_start = Instant::now();
    let snapshot = match &args.rev {
        None => match Snapshot::from_dir(&root) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: reading {}: {e}", root.display());
                return EXIT_USAGE;
            }
        },
        Some(rev) => match crate::git::snapshot_at(&root, rev) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return match e {
                    GitError::BadRev(_) | GitError::NotARepository(_) => EXIT_USAGE,
                    GitError::Read(_) => EXIT_CONTENT,
                };
            }
        },
    };
    let read_time = read_start.elapsed();
    let out = args.out.unwrap_or_else(|| root.join(config_output(&snapshot)));
    if let Err(msg) = check_output_dir(&root, &out) {
        eprintln!("error: {msg}");
        return EXIT_USAGE;
    }
    let staging = match Staging::new(&out) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot write next to {}: {e}", out.display());
            return EXIT_CONTENT;
        }
    };
    let opts = BuildOptions {
        include: Include { drafts: args.drafts, internal: args.internal },
        base_url: args.base_url,
        build_date: args.build_date,
        history: Some(HistorySource::Repository { root: root.clone(), rev: args.rev.clone() }),
    };
    let built = build_site(&snapshot, &opts, &staging);
    eprint!("{}", format_report(&built.diagnostics, Format::Text));
    if built.diagnostics.has_errors() {
        drop(staging);
        let n = built.diagnostics.error_count();
        eprintln!("error: build failed with {n} error{}; the previous output was left untouched", if n == 1 { "" } else { "s" });
        return EXIT_CONTENT;
    }
    let swap_start = Instant::now();
    if let Err(e) = staging.commit() {
        eprintln!("error: replacing {}: {e}; the previous output was left untouched", out.display());
        return EXIT_CONTENT;
    }
    if !quiet {
        let t = &built.timings;
        eprintln!(
            "Built {} incident{} ({} left out), {} pages → {} in {} ms (read {} ms, history {} ms, parse {} ms, markdown {} ms, render+write {} ms, search {} ms, swap {} ms)",
            built.incidents,
            if built.incidents == 1 { "" } else { "s" },
            built.left_out,
            built.pages,
            out.display(),
            started.elapsed().as_millis(),
            read_time.as_millis(),
            t.history.as_millis(),
            t.parse.as_millis(),
            t.markdown.as_millis(),
            t.render.saturating_sub(t.search).as_millis(),
            t.search.as_millis(),
            swap_start.elapsed().as_millis()
        );
    }
    0
}

fn config_output(snapshot: &Snapshot) -> String {
    let mut d = crate::diagnostics::Diagnostics::new();
    snapshot
        .get(crate::config::CONFIG_FILE)
        .and_then(|b| std::str::from_utf8(b).ok())
        .map(|t| crate::config::Config::parse(t, &mut d).output)
        .unwrap_or_else(|| "public".into())
}

/// The output directory is replaced wholesale: refuse anything that would
/// swallow the archive itself.
fn check_output_dir(root: &Path, out: &Path) -> Result<(), String> {
    let root = root.canonicalize().map_err(|e| format!("{}: {e}", root.display()))?;
    let abs = if out.is_absolute() { out.to_path_buf() } else { std::env::current_dir().map_err(|e| e.to_string())?.join(out) };
    let parent = abs.parent().and_then(|p| p.canonicalize().ok());
    let resolved = match (parent, abs.file_name()) {
        (Some(p), Some(n)) => p.join(n),
        _ => abs.clone(),
    };
    if resolved.parent().is_none() || root.starts_with(&resolved) {
        return Err(format!("--out {} would replace the archive itself; choose a directory inside it, e.g. public", out.display()));
    }
    for protected in ["content", "theme", ".git"] {
        if resolved.starts_with(root.join(protected)) {
            return Err(format!("--out {} is inside {protected}/; choose another directory, e.g. public", out.display()));
        }
    }
    Ok(())
}
