//! What sanitising every body costs: renders each Markdown body of an
//! archive with and without the sanitising step and prints both totals.
//!
//! ```text
//! cargo run --release --example gen_archive -- --out /dev/shm/a --incidents 2000
//! cargo run --release --example sanitize_cost -- /dev/shm/a
//! ```
//!
//! "without" renders as `unsafe_html = true` does, which is what a body
//! without raw HTML cost before every body was sanitised.

use std::time::{Duration, Instant};

use rca_site::markdown::{render, NoLinks, Source};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let root = std::env::args().nth(1).expect("usage: sanitize_cost ARCHIVE_DIR");
    let mut bodies: Vec<String> = Vec::new();
    for e in walkdir::WalkDir::new(std::path::Path::new(&root).join("content")) {
        let Ok(e) = e else { continue };
        if e.path().extension().is_some_and(|x| x == "md") {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            // The body is what follows the closing `---` of the front matter.
            let body = text.strip_prefix("---").and_then(|t| t.split_once("\n---\n")).map_or(text.as_str(), |(_, b)| b);
            bodies.push(body.to_string());
        }
    }
    let bytes: usize = bodies.iter().map(String::len).sum();
    let raw = bodies.iter().filter(|b| b.contains('<')).count();
    println!("{} bodies, {} bytes, {} with a '<'", bodies.len(), bytes, raw);
    let time = |unsafe_html: bool| -> Duration {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                for b in &bodies {
                    std::hint::black_box(render(b, &Source { path: "x.md", body_line: 1 }, &NoLinks, unsafe_html));
                }
                t.elapsed()
            })
            .min()
            .unwrap_or_default()
    };
    let without = time(true);
    let with = time(false);
    println!(
        "render without sanitising: {:.0} ms; with: {:.0} ms (+{:.0}%, {:.2} ms per body), one thread",
        without.as_secs_f64() * 1e3,
        with.as_secs_f64() * 1e3,
        (with.as_secs_f64() / without.as_secs_f64() - 1.0) * 100.0,
        (with - without).as_secs_f64() * 1e3 / bodies.len().max(1) as f64
    );
}
