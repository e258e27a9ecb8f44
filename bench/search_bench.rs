//! Measures search on a real archive: the time the index adds to a build,
//! peak memory, and the bytes a reader's first query downloads.
//!
//!   cargo run --release --example search_bench -- --root DIR [--runs N] [--out DIR] [QUERY...]
//!
//! Each run is a full `build_site` into a sink that keeps only the search
//! files (so the rest of the site costs no memory here); the search stage
//! time is `Built::timings.search`. For each query it replays what
//! `theme/static/search.js` fetches on load: the manifest, the shards of
//! the query's words (the last one also as a prefix), the files of the
//! short facets (long ones load when unfolded) and the fragments of the
//! first page of results, and sums their sizes, raw
//! and gzip-compressed (`gzip -6`, as static hosts serve JSON); also
//! without the facet files, which the page fetches after showing results
//! when no filter is set. `--out` also writes the search files there.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rca_site::output::OutputFile;
use rca_site::output::Sink;
use rca_site::pipeline::{build_site, BuildOptions};
use rca_site::search::index::decode_postings;
use rca_site::search::tokenize::tokenize;
use rca_site::source::Snapshot;

const PAGE: usize = 10;

// As in src/main.rs, so allocation costs what it costs in `rca-site build`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Default)]
struct SearchOnly(Mutex<BTreeMap<String, Vec<u8>>>);

impl Sink for SearchOnly {
    fn put(&self, f: OutputFile) -> std::io::Result<()> {
        if f.path.starts_with("search/") || f.path == "search.js" {
            self.0.lock().unwrap().insert(f.path, f.bytes);
        }
        Ok(())
    }
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn gzip_len(bytes: &[u8]) -> usize {
    let mut child =
        Command::new("gzip").arg("-6").arg("-c").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("gzip");
    let mut stdin = child.stdin.take().unwrap();
    let data = bytes.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().expect("gzip");
    let _ = writer.join();
    out.stdout.len()
}

/// CPU time (user + system) of this process so far.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// The index alone, timed in wall and CPU time: the pipeline up to the
/// rendered bodies is rebuilt here (as in `site::build_site`).
fn time_index_alone(snapshot: &Snapshot, runs: usize) {
    use rayon::prelude::*;
    use rca_site::archive::Archive;
    use rca_site::config::Config;
    use rca_site::diagnostics::Diagnostics;
    use rca_site::markdown::{self, Source};
    use rca_site::model::{CauseDoc, Incident, Include};
    use rca_site::pages::Bodies;
    use rca_site::parse;

    let mut diags = Diagnostics::new();
    let config = snapshot
        .get("rca-site.toml")
        .map_or_else(Config::default, |b| Config::parse(std::str::from_utf8(b).unwrap_or(""), &mut diags));
    let files: Vec<(&str, &[u8])> = snapshot.under("content/incidents/").filter(|(p, _)| p.ends_with(".md")).collect();
    let parsed: Vec<_> = files.par_iter().map(|(p, b)| parse::parse_incident(p, b, &config)).collect();
    let incidents: Vec<Incident> = parsed.into_iter().filter_map(|r| parse::collect(r, &mut diags)).collect();
    let causes: Vec<CauseDoc> = snapshot
        .under("content/causes/")
        .filter(|(p, _)| p.ends_with(".md"))
        .filter_map(|(p, b)| parse::collect(parse::parse_cause(p, b), &mut diags))
        .collect();
    let archive = Archive::build(config, Include::default(), incidents, causes, Vec::new(), None, &mut diags);
    let md = |body: &str, path: &str, line: usize| {
        markdown::render(body, &Source { path, body_line: line }, &archive, false)
    };
    let bodies = Bodies {
        incidents: archive.incidents.par_iter().map(|i| md(&i.body, &i.source_path, i.body_line)).collect(),
        causes: archive.cause_docs.iter().map(|(s, c)| (s.clone(), md(&c.body, &c.source_path, c.body_line))).collect(),
        ..Bodies::default()
    };
    {
        // Phases, once, for orientation.
        use rca_site::search::{documents, index};
        let t = Instant::now();
        let docs = documents(&archive, &bodies, &Default::default());
        let t_docs = t.elapsed();
        let fields: Vec<Vec<index::Field>> = docs
            .iter()
            .map(|d| {
                vec![
                    index::Field { text: &d.title, weight: 4.0 },
                    index::Field { text: &d.summary, weight: 2.0 },
                    index::Field { text: &d.text, weight: 1.0 },
                ]
            })
            .collect();
        let t = Instant::now();
        let postings = index::build_postings(&fields);
        let t_post = t.elapsed();
        let t = Instant::now();
        let shards = index::shards(&postings);
        println!(
            "phases: documents {t_docs:?}, postings {t_post:?} ({} words, {} postings), shards {:?} ({} shards)",
            postings.words.len(),
            postings.words.iter().map(|w| w.1.len()).sum::<usize>(),
            t.elapsed(),
            shards.len()
        );
    }
    let rss_before = peak_rss_kb();
    let (mut walls, mut cpus) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu_time());
        let index = rca_site::search::build_index(&archive, &bodies, None);
        walls.push(t.elapsed());
        cpus.push(cpu_time() - c);
        drop(index);
    }
    let (wmin, wmax) = (*walls.iter().min().unwrap(), *walls.iter().max().unwrap());
    println!(
        "index alone ({} documents): wall median {:?} (min {wmin:?}, max {wmax:?}), CPU median {:?} over {} threads; peak RSS {} MB before, {} MB after",
        archive.incidents.len(),
        median(&mut walls),
        median(&mut cpus),
        rayon::current_num_threads(),
        rss_before / 1024,
        peak_rss_kb() / 1024
    );
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut root, mut runs, mut out, mut queries) = (None, 5usize, None, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--root" => root = args.next().map(PathBuf::from),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).unwrap_or(5),
            "--out" => out = args.next().map(PathBuf::from),
            q => queries.push(q.to_string()),
        }
    }
    let root = root.expect("--root DIR");
    if queries.is_empty() {
        queries = ["database failover", "certificate expiry", "timeout", "replication lag", "dns", "datab"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    let snapshot = Snapshot::from_dir(&root).expect("read archive");
    if std::env::var_os("INDEX_ONLY").is_some() {
        time_index_alone(&snapshot, runs);
        return;
    }
    let (mut search, mut total, mut render) = (Vec::new(), Vec::new(), Vec::new());
    let mut files = BTreeMap::new();
    for run in 0..runs {
        let sink = SearchOnly::default();
        let t = Instant::now();
        let built = build_site(&snapshot, &BuildOptions::default(), &sink);
        total.push(t.elapsed());
        search.push(built.timings.search);
        render.push(built.timings.render);
        eprintln!(
            "run {}: build {:?}, render+search {:?}, search {:?}, peak RSS so far {} MB",
            run + 1,
            t.elapsed(),
            built.timings.render,
            built.timings.search,
            peak_rss_kb() / 1024
        );
        files = sink.0.into_inner().unwrap();
    }
    let (min, max) =
        (search.iter().min().copied().unwrap_or_default(), search.iter().max().copied().unwrap_or_default());
    println!("runs: {runs}");
    println!("build_site (search files kept, rest discarded): median {:?}", median(&mut total));
    println!("render+search stage: median {:?}", median(&mut render));
    println!("search stage: median {:?} (min {min:?}, max {max:?})", median(&mut search));
    println!("peak RSS of this process: {} MB", peak_rss_kb() / 1024);

    let manifest_path = files.keys().find(|p| p.ends_with("/manifest.json")).expect("manifest").clone();
    let dir = manifest_path.trim_end_matches("manifest.json").to_string();
    let manifest: serde_json::Value = serde_json::from_slice(&files[&manifest_path]).unwrap();
    let shard_firsts: Vec<String> =
        manifest["shards"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
    let index_bytes: usize = files.iter().filter(|(p, _)| p.starts_with(&dir)).map(|(_, b)| b.len()).sum();
    let count = |part: &str| files.keys().filter(|p| p.starts_with(&format!("{dir}{part}"))).count();
    println!(
        "index: {} files, {} bytes ({} shards, {} fragments, {} facet files); manifest {} bytes",
        files.keys().filter(|p| p.starts_with(&dir)).count(),
        index_bytes,
        count("s/"),
        count("f/"),
        count("facet-"),
        files[&manifest_path].len()
    );
    if let Some(out) = &out {
        for (p, b) in &files {
            let path = out.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b).unwrap();
        }
    }

    let mut gz_cache: HashMap<String, usize> = HashMap::new();
    let mut gz = |p: &str| *gz_cache.entry(p.to_string()).or_insert_with(|| gzip_len(&files[p]));
    let shard_of = |w: &str| shard_firsts.partition_point(|f| f.as_str() <= w).saturating_sub(1);
    println!("first query (manifest + shards + facet files + {PAGE} fragments; search.js and the page not counted):");
    println!(
        "| query | results | shards | raw bytes | gzip bytes | before results show (no facet files): raw / gzip |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for q in &queries {
        let mut terms: Vec<String> = Vec::new();
        for t in tokenize(q) {
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
        let typing = !q.ends_with(' ');
        let mut fetched: BTreeSet<String> = BTreeSet::new();
        fetched.insert(manifest_path.clone());
        // search.js fetches a short facet's file with the first query; a
        // long one (more than LONG_FACET = 12 values, years aside) only when
        // the reader unfolds it or filters by it.
        for f in manifest["facets"].as_array().unwrap() {
            if f["key"] == "year" || f["values"].as_array().map_or(0, |v| v.len()) <= 12 {
                fetched.insert(format!("{dir}{}", f["file"].as_str().unwrap()));
            }
        }
        let mut scores: Option<HashMap<u32, f32>> = None;
        let mut shard_count = 0;
        for (n, term) in terms.iter().enumerate() {
            let prefix = typing && n == terms.len() - 1 && term.chars().count() >= 2;
            let first = shard_of(term);
            let mut shards = vec![first];
            let mut k = first + 1;
            while prefix && k < shard_firsts.len() && k < first + 3 && shard_firsts[k].starts_with(term.as_str()) {
                shards.push(k);
                k += 1;
            }
            let mut docs: HashMap<u32, f32> = HashMap::new();
            for s in shards {
                let path = format!("{dir}s/{s}.json");
                if fetched.insert(path.clone()) {
                    shard_count += 1;
                }
                let shard: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&files[&path]).unwrap();
                for (w, enc) in shard {
                    let weight = if &w == term {
                        1.0
                    } else if prefix && w.starts_with(term.as_str()) {
                        0.5
                    } else {
                        continue;
                    };
                    for (d, i) in decode_postings(enc.as_str().unwrap()) {
                        let v = i as f32 * weight;
                        let e = docs.entry(d).or_insert(0.0);
                        if *e < v {
                            *e = v;
                        }
                    }
                }
            }
            scores = Some(match scores {
                None => docs,
                Some(prev) => prev.into_iter().filter_map(|(d, s)| docs.get(&d).map(|v| (d, s + v))).collect(),
            });
        }
        let mut ranked: Vec<(u32, f32)> = scores.unwrap_or_default().into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (d, _) in ranked.iter().take(PAGE) {
            fetched.insert(format!("{dir}f/{d}.json"));
        }
        let raw: usize = fetched.iter().map(|p| files[p].len()).sum();
        let zipped: usize = fetched.iter().map(|p| gz(p)).sum();
        let early: Vec<&String> = fetched.iter().filter(|p| !p.contains("/facet-")).collect();
        let early_raw: usize = early.iter().map(|p| files[p.as_str()].len()).sum();
        let early_gz: usize = early.iter().map(|p| gz(p)).sum();
        println!("| {q} | {} | {shard_count} | {raw} | {zipped} | {early_raw} / {early_gz} |", ranked.len());
    }
    let js = files.get("search.js").map_or(0, |b| b.len());
    println!("search.js: {js} bytes raw, {} gzip", files.get("search.js").map_or(0, |b| gzip_len(b)));
}
