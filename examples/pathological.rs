//! Times a whole build (in memory, nothing written) of a one-incident
//! archive whose body is a pathological Markdown shape, per shape and size.
//!
//! ```text
//! cargo run --release --example pathological -- [--bytes N] [CASE...]
//! ```
//!
//! Without cases every shape of `tests/it/harness/pathological.rs` runs; the
//! default size is 1 MB. Each line prints the case, the size and the build
//! time, and the time at a quarter of the size, so growth shows at a glance
//! (linear: about 4x).

#[path = "../tests/it/harness/pathological.rs"]
mod pathological;

use std::time::{Duration, Instant};

/// The allocator of the binary, so times match `rca-site build`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rca_site::output::Discard;
use rca_site::pipeline::{build_site, BuildOptions};
use rca_site::source::Snapshot;

fn time_build(case: &str, bytes: usize) -> (Duration, usize) {
    let body = pathological::body(case, bytes);
    let snapshot = Snapshot::from_files(pathological::archive(&body));
    let started = Instant::now();
    let cpu = pathological::cpu_time();
    let built = build_site(&snapshot, &BuildOptions::default(), &Discard);
    let took = started.elapsed();
    if std::env::var_os("PATHOLOGICAL_CPU").is_some() {
        eprintln!("  {case} {bytes}: wall {took:?}, cpu {:?}", pathological::cpu_time() - cpu);
    }
    if built.diagnostics.has_errors() {
        eprintln!("{case}: {} error(s)", built.diagnostics.error_count());
    }
    if std::env::var_os("PATHOLOGICAL_STAGES").is_some() {
        let t = &built.timings;
        eprintln!(
            "  {case} {bytes}: parse {:?}, markdown {:?}, render {:?} (search {:?})",
            t.parse, t.markdown, t.render, t.search
        );
    }
    (took, body.len())
}

fn main() {
    let mut bytes = 1_000_000usize;
    let mut cases: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bytes" => bytes = args.next().and_then(|v| v.parse().ok()).expect("--bytes N"),
            _ => cases.push(a),
        }
    }
    if cases.is_empty() {
        cases = pathological::CASES.iter().map(|s| s.to_string()).collect();
    }
    println!("{:<16} {:>10} {:>10} {:>10} {:>6}", "case", "bytes", "quarter", "full", "ratio");
    for case in &cases {
        let (q, _) = time_build(case, bytes / 4);
        let (t, len) = time_build(case, bytes);
        println!(
            "{case:<16} {len:>10} {:>8.0}ms {:>8.0}ms {:>6.1}",
            q.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() / q.as_secs_f64().max(1e-9)
        );
    }
}
