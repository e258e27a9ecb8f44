//! Builds an archive and keeps only `/stats/` (and the theme's static
//! files), to weigh and look at the stats page of a large archive without
//! writing the whole site:
//!
//! ```sh
//! cargo run --release --example stats_page -- --root DIR --out DIR [--build-date YYYY-MM-DD]
//! ```
//!
//! Every page is still rendered (the figures are those of a real build);
//! only the sink drops the rest. No git history is read: `/stats/` is built
//! from front matter alone.

use std::path::PathBuf;
use std::sync::Mutex;

use rca_site::output::Sink;
use rca_site::render::OutputFile;
use rca_site::site::{build_site, BuildOptions};
use rca_site::source::Snapshot;

struct Keep {
    out: PathBuf,
    sizes: Mutex<Vec<(String, usize)>>,
}

impl Sink for Keep {
    fn put(&self, file: OutputFile) -> std::io::Result<()> {
        let path = file.path.clone();
        let keep = path == "stats/index.html"
            || (!path.contains('/') && !path.ends_with(".html") && !path.ends_with(".json") && !path.ends_with(".xml"));
        if path.ends_with(".html") {
            self.sizes.lock().unwrap().push((path.clone(), file.bytes.len()));
        }
        if keep {
            let to = self.out.join(&path);
            std::fs::create_dir_all(to.parent().unwrap())?;
            std::fs::write(to, &file.bytes)?;
        }
        Ok(())
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let root = PathBuf::from(arg("--root").expect("--root DIR"));
    let out = PathBuf::from(arg("--out").expect("--out DIR"));
    let opts =
        BuildOptions { build_date: arg("--build-date").map(|d| d.parse().expect("date")), ..BuildOptions::default() };
    let snapshot = Snapshot::from_dir(&root).expect("read the archive");
    let keep = Keep { out, sizes: Mutex::new(Vec::new()) };
    let built = build_site(&snapshot, &opts, &keep);
    let mut sizes = keep.sizes.into_inner().unwrap();
    sizes.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let stats = sizes.iter().find(|(p, _)| p == "stats/index.html").map_or(0, |(_, n)| *n);
    println!(
        "incidents {}  pages {}  stats/index.html {} bytes ({:.1} KB)",
        built.incidents,
        sizes.len(),
        stats,
        stats as f64 / 1024.0
    );
    for (p, n) in sizes.iter().take(5) {
        println!("  largest: {p} {n}");
    }
}
