//! `rca-site check`: everything `build` validates, without writing.
//!
//! Drafts and internal incidents are checked too: a broken draft should
//! fail the pull request that adds it, not the later one that publishes it.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{root_dir, EXIT_CONTENT, EXIT_USAGE};
use crate::diagnostics::{format_report, Diagnostics, Format};
use crate::model::Include;
use crate::pipeline::{build_site_owned, BuildOptions};
use crate::source::Snapshot;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Text,
    Github,
    Json,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The archive repository (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// How to print problems: text (file:line:col: message), github (workflow annotations) or json.
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
}

pub fn run(args: CheckArgs, quiet: bool) -> i32 {
    let root = match root_dir(&args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let snapshot = match Snapshot::from_dir(&root) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: reading {}: {e}", root.display());
            return EXIT_USAGE;
        }
    };
    let opts = BuildOptions { include: Include { drafts: true, internal: true }, ..BuildOptions::default() };
    // The build frees the snapshot; the configuration is read again below.
    let config_file = snapshot.files.get(crate::config::CONFIG_FILE).cloned();
    let mut built = build_site_owned(snapshot, &opts, &crate::output::Discard);
    // The output folder `build` would replace: an unsafe one is an error
    // here as it is there.
    let config = config_file.as_deref().and_then(|b| std::str::from_utf8(b).ok());
    let output = config
        .map(|t| crate::config::Config::parse(t, &mut Diagnostics::new()).output)
        .unwrap_or_else(|| "public".into());
    if let Err(refusal) = crate::output::output_dir(&root, &root.join(&output), false) {
        built.diagnostics.push(super::build::output_diagnostic(config, &output, &refusal));
    }
    let format = match args.format {
        FormatArg::Text => Format::Text,
        FormatArg::Github => Format::Github,
        FormatArg::Json => Format::Json,
    };
    let report = format_report(&built.diagnostics, format);
    match format {
        Format::Text => eprint!("{report}"),
        _ => print!("{report}"),
    }
    let errors = built.diagnostics.error_count();
    if !quiet && format == Format::Text {
        eprintln!(
            "Checked {} incident{}: {errors} error{}, {} warning{}",
            built.incidents,
            if built.incidents == 1 { "" } else { "s" },
            if errors == 1 { "" } else { "s" },
            built.diagnostics.warning_count(),
            if built.diagnostics.warning_count() == 1 { "" } else { "s" },
        );
    }
    if errors > 0 {
        EXIT_CONTENT
    } else {
        0
    }
}
