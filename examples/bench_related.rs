//! Times the cross-link stage on N synthetic incidents built in memory:
//! the automatic related incidents (src/related.rs) alone, and the whole
//! graph the renderer uses (backlinks, related, per-year scale, then every
//! incident's "has this happened before?" and every cause page's detail).
//!
//! The incidents have the shape of examples/gen_archive.rs: 150 causes
//! (Zipf s = 0.9, 1–3 per incident), 60 services (s = 0.8, 1–3), 80 tags
//! (s = 0.9, 1–4), with gen_archive's weights for those counts; dates over
//! 2010–2026, one or two body links each, an explicit `related` on every
//! fourth incident.
//!
//! cargo run --release --example bench_related -- [--incidents N]... [--runs R]
//! Prints, per N, the median, min and max over R runs, in milliseconds, of
//! the wall time and of the process's CPU time (all threads; /proc, 10 ms
//! ticks): other load on the machine inflates the first, hardly the second.

use std::time::{Duration, Instant};

use rca_site::archive::{Archive, Taxonomy};
use rca_site::config::Config;
use rca_site::diagnostics::{Diagnostics, Pos};
use rca_site::graph::{self, Graph};
use rca_site::markdown::Rendered;
use rca_site::model::*;
use rca_site::related;

#[path = "synth/random.rs"]
mod random;
use random::{Rng, Zipf};

fn terms(prefix: &str, ranks: Vec<usize>) -> Vec<Term> {
    ranks
        .into_iter()
        .map(|k| Term { name: format!("{prefix}-{k}"), slug: format!("{prefix}-{k}"), pos: Pos::START })
        .collect()
}

fn incidents(n: usize, seed: u64) -> Vec<Incident> {
    let mut rng = Rng::new(seed);
    let (causes, services, tags) = (Zipf::new(150, 0.9), Zipf::new(60, 0.8), Zipf::new(80, 0.9));
    let first = jiff::civil::date(2010, 1, 1);
    (0..n)
        .map(|k| {
            let c = 1 + rng.weighted(&[45, 35, 20]);
            let s = 1 + rng.weighted(&[50, 35, 15]);
            let t = 1 + rng.weighted(&[30, 35, 25, 10]);
            let related = if rng.below(4) == 0 {
                vec![IdRef { id: format!("inc-{}", rng.below(n)), pos: Pos::START }]
            } else {
                Vec::new()
            };
            Incident {
                id: format!("inc-{k}"),
                source_path: format!("content/incidents/inc-{k}.md"),
                title: format!("Incident {k}"),
                date: first.checked_add(jiff::Span::new().days(rng.below(6000) as i64)).unwrap_or(first),
                services: terms("service", services.sample_distinct(&mut rng, s)),
                tags: terms("tag", tags.sample_distinct(&mut rng, t)),
                causes: terms("cause", causes.sample_distinct(&mut rng, c)),
                related,
                body_line: 1,
                ..Incident::default()
            }
        })
        .collect()
}

/// CPU time of the whole process (all threads) in ms, from /proc (Linux);
/// 0 elsewhere. Other load on the machine inflates wall time, not this.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) * 10.0
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!("median {:8.1} ms  (min {:.1}, max {:.1})", v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let mut sizes = Vec::new();
    let mut runs = 5;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--incidents" => sizes.push(args.next().and_then(|v| v.parse().ok()).expect("--incidents N")),
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs R"),
            other => panic!("unknown argument {other}; expected --incidents N or --runs R"),
        }
    }
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    println!("threads: {}", rayon::current_num_threads());
    for n in sizes {
        let mut diags = Diagnostics::new();
        let archive = Archive::build(
            Config::default(),
            Include::default(),
            incidents(n, 0x5EED + n as u64),
            Vec::new(),
            Vec::new(),
            None,
            &mut diags,
        );
        let mut rng = Rng::new(0xB0D1E5);
        let bodies: Vec<Rendered> = (0..n)
            .map(|_| Rendered {
                links: (0..1 + rng.below(2)).map(|_| format!("inc-{}", rng.below(n))).collect(),
                ..Rendered::default()
            })
            .collect();
        let common =
            |tax: Taxonomy| archive.taxonomy(tax).iter().filter(|t| related::is_common(t.incidents.len(), n)).count();
        println!(
            "{n} incidents: {} causes, {} services, {} tags; common (no weight): {} causes, {} services, {} tags",
            archive.causes.len(),
            archive.services.len(),
            archive.tags.len(),
            common(Taxonomy::Causes),
            common(Taxonomy::Services),
            common(Taxonomy::Tags)
        );
        let (mut rel, mut whole, mut rel_cpu, mut whole_cpu) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut suggested = 0;
        for _ in 0..runs {
            let (t, c) = (Instant::now(), cpu_ms());
            let r = related::compute(&archive.incidents, |k| archive.related(k), &archive.config.related);
            rel.push(ms(t.elapsed()));
            rel_cpu.push(cpu_ms() - c);
            suggested = r.iter().map(Vec::len).sum::<usize>();

            let (t, c) = (Instant::now(), cpu_ms());
            let g = Graph::build(&archive, &bodies, None);
            let history: usize = (0..n).map(|k| g.cause_history(&archive, k).len()).sum();
            let details: usize = archive
                .causes
                .iter()
                .map(|c| {
                    graph::cause_detail(&archive, c).services.len()
                        + graph::occurrences(&archive, c, 0..c.incidents.len()).len()
                })
                .sum();
            whole.push(ms(t.elapsed()));
            whole_cpu.push(cpu_ms() - c);
            std::hint::black_box((history, details));
        }
        println!(
            "  related incidents: wall {}; cpu {}   ({:.2} suggestions per incident)",
            summary(rel),
            summary(rel_cpu),
            suggested as f64 / n as f64
        );
        println!("  whole graph stage: wall {}; cpu {}", summary(whole), summary(whole_cpu));
    }
}
