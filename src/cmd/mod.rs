//! The command line: one file per subcommand.

mod build;
mod check;
pub(crate) mod init;
mod new;
#[cfg(feature = "serve")]
mod serve;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Exit code: content errors (the archive has problems).
pub const EXIT_CONTENT: i32 = 1;
/// Exit code: usage errors (bad flags, missing directories).
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(name = "rca-site", version, about = "Publish incident postmortems as a searchable static website")]
pub struct Cli {
    /// No progress output on stderr (errors are still printed).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into the output directory.
    Build(build::BuildArgs),
    /// Validate the archive without writing anything.
    Check(check::CheckArgs),
    /// Write a new incident file from the template and print its path.
    New(new::NewArgs),
    #[cfg(feature = "serve")]
    /// Build into memory, serve over HTTP, rebuild on change and reload open tabs.
    Serve(serve::ServeArgs),
    /// Write an rca-site.toml that publishes an existing repository of postmortems in place.
    Init(init::InitArgs),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_USAGE } else { 0 };
        }
    };
    match cli.command {
        Command::Build(args) => build::run(args, cli.quiet),
        Command::Check(args) => check::run(args, cli.quiet),
        Command::New(args) => new::run(args, cli.quiet),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args, cli.quiet),
        Command::Init(args) => init::run(args, cli.quiet),
    }
}

/// `--root`, checked to be a directory.
fn root_dir(root: &Option<PathBuf>) -> Result<PathBuf, i32> {
    let root = root.clone().unwrap_or_else(|| PathBuf::from("."));
    if !root.is_dir() {
        eprintln!("error: --root {}: not a directory", root.display());
        return Err(EXIT_USAGE);
    }
    Ok(root)
}
