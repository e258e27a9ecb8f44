//! Times one history walk (`rca_site::git::History::load`) on an archive,
//! for bench/history.sh.
//!
//! ```text
//! cargo run --release --example history_walk -- DIR [REV]
//! ```
//!
//! Prints `<milliseconds> <commits walked> <commits that changed content/> <files>`.

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next() else {
        eprintln!("usage: history_walk DIR [REV]");
        std::process::exit(2);
    };
    let rev = args.next();
    let start = Instant::now();
    match rca_site::git::History::load(std::path::Path::new(&root), rev.as_deref()) {
        Ok(Some(h)) => {
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            println!("{ms:.1} {} {} {}", h.commits, h.content_commits, h.files.len());
        }
        Ok(None) => {
            eprintln!("history_walk: {root} is not in a git repository");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("history_walk: {e}");
            std::process::exit(1);
        }
    }
}
