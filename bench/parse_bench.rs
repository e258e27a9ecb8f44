//! Times the parse stage's parts on one thread: the whole of
//! `parse::parse_incident` over every incident of an archive, and the YAML
//! front matter alone (with positions, as rca-site reads it; without the
//! depth budget; and without positions, into `serde_json::Value`), so a
//! change to src/yaml.rs or src/parse/ can be measured without a build.
//!
//! ```text
//! cargo run --release --example parse_bench -- --root /dev/shm/corpus-rca [--runs 5]
//! ```
//!
//! Prints, for each part, the fastest and the median of `--runs` passes
//! over all incidents (one thread, so other work on the machine shows less
//! than in a build; the fastest pass is the steadier figure).

use std::time::{Duration, Instant};

use rca_site::config::Config;
use rca_site::yaml::{Spanned, Value};

fn main() {
    let mut root = None;
    let mut runs = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--root" => root = args.next(),
            "--runs" => runs = args.next().and_then(|r| r.parse().ok()).unwrap_or(5),
            other => {
                eprintln!("parse_bench: unknown argument {other:?}; usage: parse_bench --root DIR [--runs N]");
                std::process::exit(2);
            }
        }
    }
    let Some(root) = root else {
        eprintln!("usage: parse_bench --root DIR [--runs N]");
        std::process::exit(2);
    };
    let snapshot = rca_site::source::Snapshot::from_dir(std::path::Path::new(&root)).unwrap_or_else(|e| {
        eprintln!("parse_bench: reading {root}: {e}");
        std::process::exit(1);
    });
    let config = Config::default();
    let files: Vec<(&str, &[u8])> = snapshot.under("content/incidents/").filter(|(p, _)| p.ends_with(".md")).collect();
    let yamls: Vec<&str> = files
        .iter()
        .filter_map(|(p, b)| {
            let text = rca_site::parse::decode(p, b).ok()?;
            rca_site::parse::split_optional(p, text).ok().map(|s| s.yaml)
        })
        .collect();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let yaml_bytes: usize = yamls.iter().map(|y| y.len()).sum();
    println!(
        "{} incident files, {:.1} MB; front matter {:.1} MB",
        files.len(),
        bytes as f64 / 1e6,
        yaml_bytes as f64 / 1e6
    );

    let mut budgetless = serde_saphyr::Options::default();
    budgetless.budget = None;
    type Part<'a> = (&'a str, Box<dyn Fn() -> usize + 'a>);
    let parts: Vec<Part> = vec![
        (
            "parse_incident (whole file)",
            Box::new(|| files.iter().filter(|(p, b)| rca_site::parse::parse_incident(p, b, &config).is_ok()).count()),
        ),
        (
            "yaml::from_str::<Spanned<Value>>",
            Box::new(|| yamls.iter().filter(|y| rca_site::yaml::from_str::<Spanned<Value>>(y).is_ok()).count()),
        ),
        (
            "the same without the budget",
            Box::new(|| {
                yamls
                    .iter()
                    .filter(|y| serde_saphyr::from_str_with_options::<Spanned<Value>>(y, budgetless.clone()).is_ok())
                    .count()
            }),
        ),
        (
            "serde_json::Value (no positions)",
            Box::new(|| yamls.iter().filter(|y| serde_saphyr::from_str::<serde_json::Value>(y).is_ok()).count()),
        ),
    ];
    for (name, f) in &parts {
        let mut times: Vec<Duration> = Vec::new();
        let mut ok = 0;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            ok = f();
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "{name:<36} fastest {:7.1} ms  median {:7.1} ms  ({ok} of {} parsed)",
            times[0].as_secs_f64() * 1e3,
            times[times.len() / 2].as_secs_f64() * 1e3,
            files.len()
        );
    }
}
