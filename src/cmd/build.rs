//! `rca-site build`

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use super::{root_dir, EXIT_CONTENT, EXIT_USAGE};
use crate::diagnostics::{format_report, Format};
use crate::git::{GitError, HistorySource};
use crate::model::Include;
use crate::output::{Refusal, Staging};
use crate::pipeline::{build_site_owned, BuildOptions};
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
    /// Replace the output folder even if rca-site did not write it (it has
    /// files and no .rca-site marker). The archive, folders that contain
    /// it, and content/, theme/ and .git/ are refused all the same.
    #[arg(long)]
    pub force: bool,
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
    let (out, real) = match output_dir(&root, &snapshot, args.out.as_deref(), args.force) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let staging = match Staging::new(&real) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: cannot write next to {}: {e}", real.display());
            return EXIT_CONTENT;
        }
    };
    if staging.stale_removed > 0 && !quiet {
        let n = staging.stale_removed;
        eprintln!(
            "Removed {n} staging folder{} left next to {} by an interrupted build",
            if n == 1 { "" } else { "s" },
            real.display()
        );
    }
    let opts = BuildOptions {
        include: Include { drafts: args.drafts, internal: args.internal },
        base_url: args.base_url,
        build_date: args.build_date,
        history: Some(HistorySource::Repository { root: root.clone(), rev: args.rev.clone() }),
    };
    let built = build_site_owned(snapshot, &opts, &staging);
    eprint!("{}", format_report(&built.diagnostics, Format::Text));
    if built.diagnostics.has_errors() {
        drop(staging);
        let n = built.diagnostics.error_count();
        eprintln!(
            "error: build failed with {n} error{}; the previous output was left untouched",
            if n == 1 { "" } else { "s" }
        );
        return EXIT_CONTENT;
    }
    // The output may have changed while the site was built (files put into
    // an empty folder, a link pointed elsewhere): decide again just before
    // replacing it.
    match crate::output::output_dir(&root, &out, args.force) {
        Ok(now) if now.real == real => {}
        Ok(now) => {
            eprintln!(
                "error: {} now leads to {} instead of {}; the site was not written",
                out.display(),
                now.real.display(),
                real.display()
            );
            return EXIT_CONTENT;
        }
        Err(refusal) => {
            eprintln!("error: {} {refusal}; it changed during the build, and the site was not written", out.display());
            return EXIT_CONTENT;
        }
    }
    let swap_start = Instant::now();
    let about = format!(
        "version = \"{}\"\nincidents = {}\npages = {}\ndrafts = {}\ninternal = {}\n",
        env!("CARGO_PKG_VERSION"),
        built.incidents,
        built.pages,
        args.drafts,
        args.internal
    );
    if let Err(e) = staging.commit_with(&about) {
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

/// The output folder (as given, for messages) and the real folder to
/// replace, or the exit code after saying why it may not be replaced. An
/// unsafe `--out` is a usage error; an unsafe `output` in rca-site.toml is
/// reported at its value, like any other error in the archive.
fn output_dir(root: &Path, snapshot: &Snapshot, flag: Option<&Path>, force: bool) -> Result<(PathBuf, PathBuf), i32> {
    if let Some(out) = flag {
        return match crate::output::output_dir(root, out, force) {
            Ok(o) => Ok((out.to_path_buf(), o.real)),
            Err(refusal) => {
                eprintln!("error: --out {} {refusal}", out.display());
                Err(if matches!(refusal, Refusal::Protected(_)) { EXIT_USAGE } else { EXIT_CONTENT })
            }
        };
    }
    let text = snapshot.get(crate::config::CONFIG_FILE).and_then(|b| std::str::from_utf8(b).ok());
    let mut d = crate::diagnostics::Diagnostics::new();
    let output = text.map(|t| crate::config::Config::parse(t, &mut d).output).unwrap_or_else(|| "public".into());
    let out = root.join(&output);
    match crate::output::output_dir(root, &out, force) {
        Ok(o) => Ok((out, o.real)),
        Err(refusal) => {
            eprintln!("{}", output_diagnostic(text, &output, &refusal));
            Err(EXIT_CONTENT)
        }
    }
}

/// An unsafe `output`, as an error at its value in rca-site.toml (or, when
/// the default is used, naming the folder).
pub(super) fn output_diagnostic(
    config: Option<&str>,
    output: &str,
    refusal: &Refusal,
) -> crate::diagnostics::Diagnostic {
    use crate::diagnostics::{Diagnostic, Pos};
    match config.and_then(|t| crate::config::value_pos(t, "output")) {
        Some(pos) => Diagnostic::error(crate::config::CONFIG_FILE, pos, format!("output {output:?} {refusal}")),
        None => Diagnostic::error(output, Pos::UNKNOWN, format!("(the default output folder) {refusal}")),
    }
}
