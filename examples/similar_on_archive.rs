//! Times the similar-incident stage (src/related.rs) on a real archive
//! directory and counts the incidents that get at least one similar
//! incident: what "Similar incidents" shows on their pages.
//!
//! cargo run --release --example similar_on_archive -- DIR [--runs R] [--repeat K]
//! Reads DIR/content/incidents/**.md with the default configuration (the
//! archive's rca-site.toml, if any, is not read), builds the archive, then
//! runs the stage R times (default 3) and prints the median, min and max
//! wall time in milliseconds. `--repeat K` files every incident K times
//! (new ids, dates a day apart per copy): a K-times larger archive whose
//! copies share all their words, the worst case for the posting lists.

use std::time::Instant;

use rca_site::archive::Archive;
use rca_site::config::Config;
use rca_site::diagnostics::Diagnostics;
use rca_site::model::Include;
use rca_site::{parse, related};

fn main() {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("usage: similar_on_archive DIR [--runs R]");
    let (mut runs, mut repeat) = (3, 1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|r| r.parse().ok()).unwrap_or(3),
            "--repeat" => repeat = args.next().and_then(|r| r.parse().ok()).unwrap_or(1),
            _ => {}
        }
    }
    let snapshot = rca_site::source::Snapshot::from_dir(std::path::Path::new(&root)).expect("reading the archive");
    let config = Config::default();
    let mut diags = Diagnostics::new();
    let incidents: Vec<rca_site::model::Incident> = snapshot
        .under("content/incidents/")
        .filter(|(p, _)| p.ends_with(".md"))
        .filter_map(|(p, b)| parse::collect(parse::parse_incident(p, b, &config), &mut diags))
        .collect();
    let incidents: Vec<rca_site::model::Incident> = (0..repeat)
        .flat_map(|k| {
            incidents.iter().map(move |i| {
                let mut c = i.clone();
                if k > 0 {
                    c.id = format!("{}-copy-{k}", i.id);
                    c.source_path = format!("{}-copy-{k}.md", i.source_path);
                    c.date = i.date.checked_add(jiff::Span::new().days(k as i64)).unwrap_or(i.date);
                    c.related.clear();
                }
                c
            })
        })
        .collect();
    let archive = Archive::build(config, Include::default(), incidents, Vec::new(), Vec::new(), None, &mut diags);
    let n = archive.incidents.len();
    let mut times = Vec::new();
    let mut with_similar = 0;
    let mut suggestions = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let r = related::compute(&archive.incidents, |k| archive.related(k), &archive.config.related);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        with_similar = r.iter().filter(|s| !s.is_empty()).count();
        suggestions = r.iter().map(Vec::len).sum::<usize>();
    }
    times.sort_by(f64::total_cmp);
    if std::env::var_os("TEXT_ONLY").is_some() {
        let t = Instant::now();
        std::hint::black_box(related::TextIndex::build(&archive.incidents));
        println!("text index alone: {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "{n} incidents: similar-incident stage median {:.0} ms (min {:.0}, max {:.0}, {runs} runs); {with_similar} incidents have at least one similar incident, {suggestions} suggestions in all",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}
