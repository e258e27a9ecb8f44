//! A seeded mutation fuzzer over real archives, on stable Rust.
//!
//! Seeds are the repository's own example archive (`content/`) and every
//! archive under `tests/fixtures/`. Each input takes one seed and mutates
//! its files: byte flips, line duplication, deletion and swaps, splices from
//! other files, truncation, and *generated* text spliced in — YAML special
//! values, HTML entities, multi-byte characters and mixed scripts, very long
//! tokens, deep nesting, odd dates, duplicate keys, tabs — so that shapes a
//! byte flip never reaches ("Q&A: réécriture") are tried too.
//!
//! For every input the whole pipeline runs in-process (as `check` does,
//! drafts and internal incidents included) and must:
//! - not panic,
//! - finish within a time limit,
//! - report every error with a file, and with a line and column inside it
//!   when the file is content or configuration.
//!
//! Some inputs are also written to disk and given to the binary's `check`
//! and `build`, which must report the same errors.
//!
//! `cargo test --test it fuzz::` runs a short seeded pass; the long run is
//! `RCA_FUZZ_SECS=600 cargo test --release --test it fuzz:: -- --ignored --nocapture`.
//! Environment: `RCA_FUZZ_SEED` (u64), `RCA_FUZZ_SECS` (long run),
//! `RCA_FUZZ_INPUTS` (short pass), `RCA_FUZZ_TIMEOUT_MS` (per input),
//! `RCA_FUZZ_COMPARE_EVERY` (every n-th input is compared with the binary;
//! 0: never),
//! `RCA_FUZZ_DEBUG=1` (print every error message, to see where inputs stop).
//! Failing inputs are saved under `target/tmp/fuzz-failures/`.

use crate::harness as common;

use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use rca_site::diagnostics::{Diagnostic, Severity};
use rca_site::model::Include;
use rca_site::output::Discard;
use rca_site::pipeline::{build_site, BuildOptions};
use rca_site::source::Snapshot;

type Archive = Vec<(String, Vec<u8>)>;

// ---- Random numbers: SplitMix64, so a seed means the same inputs everywhere.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---- Seeds

fn read_archive(root: &Path) -> Archive {
    let mut files = Vec::new();
    for top in ["rca-site.toml", "content", "theme"] {
        let p = root.join(top);
        if !p.exists() {
            continue;
        }
        for e in walkdir::WalkDir::new(&p).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() {
                let rel = e.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                files.push((rel, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    files
}

fn seeds() -> Vec<Archive> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut roots = vec![repo.clone(), fixtures().join("good"), fixtures().join("insight")];
    let mut invalid: Vec<PathBuf> =
        std::fs::read_dir(fixtures().join("invalid")).unwrap().map(|e| e.unwrap().path()).collect();
    invalid.sort();
    roots.extend(invalid);
    roots.iter().map(|r| read_archive(r)).filter(|a| !a.is_empty()).collect()
}

// ---- Generated text

const YAML_SPECIALS: &[&str] = &[
    "~",
    "null",
    "Null",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    ".inf",
    "-.inf",
    ".nan",
    "0x1F",
    "0o17",
    "1e400",
    "-0",
    "!!binary aGVsbG8=",
    "!!str 12",
    "!custom x",
    "&anchor x",
    "*anchor",
    "<<: *anchor",
    "? complex key",
    "|",
    ">-",
    "|+",
    "'single''quote'",
    "\"\\u00e9\\x41\\n\"",
    "\"\\ud800\"",
    "[",
    "]",
    "{",
    "}",
    "[a, [b, [c]]]",
    "{a: {b: {c: d}}}",
    "---",
    "...",
    "%YAML 1.2",
    "%TAG ! tag:x,2000:",
    "\"unterminated",
    "'unterminated",
    "- - - x",
    ": x",
    "x: y: z",
    "#comment",
    "\"\"",
    "''",
    "[]",
    "{}",
    "!!map {}",
    "!!seq []",
    "2021-02-10",
    "12:30",
    "1_000",
    "+1",
    "0b101",
];

const KEYS: &[&str] = &[
    "title",
    "date",
    "id",
    "summary",
    "severity",
    "status",
    "visibility",
    "kind",
    "services",
    "tags",
    "causes",
    "related",
    "started",
    "detected",
    "mitigated",
    "resolved",
    "impact",
    "trigger",
    "detection",
    "action_items",
    "aliases",
    "published",
    "unknown_key",
    "Title",
    "date ",
];

const DATES: &[&str] = &[
    "0000-00-00",
    "2021-02-30",
    "2021-13-01",
    "99999-01-01",
    "-0001-01-01",
    "1628-01-01",
    "2021-02-10T25:00:00Z",
    "2021-02-10T09:00:00+25:00",
    "2021-02-10 18:00",
    "2021",
    "2021-02",
    "20210210",
    "10/02/2021",
    "2021-02-10T09:00:00.123456789Z",
    "9999-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "2021-W06",
    "tomorrow",
    "2021-02-10T09:00:00",
];

const ENTITIES: &[&str] = &[
    "&amp;",
    "&#x1F600;",
    "&#0;",
    "&#xD800;",
    "&#99999999;",
    "&nbsp;",
    "&Q",
    "Q&A: réécriture failed.",
    "&é",
    "&&&",
    "&lt;script&gt;",
    "&#x26;",
    "&amp",
    "&;",
    "& é",
    "&#",
    "&x",
    "AT&T’s",
];

const SCRIPTS: &[&str] = &[
    "é",
    "ü",
    "ß",
    "日本語",
    "中文",
    "한국어",
    "العربية",
    "עברית",
    "русский",
    "ελληνικά",
    "हिन्दी",
    "ไทย",
    "👩\u{200d}🚒",
    "🏳️\u{200d}🌈",
    "e\u{301}",
    "\u{200b}",
    "\u{feff}",
    "\u{2028}",
    "\u{2029}",
    "\u{202e}",
    "\u{fffd}",
    "\u{10ffff}",
    "İ",
    "ǅ",
    "ﬁ",
    "𝔘𝔫𝔦",
    "Ⅻ",
    "\u{85}",
    "\t",
    "\r",
    "\r\n",
    "\u{0}",
    "\u{7f}",
];

const MARKDOWN: &[&str] = &[
    "## Heading {#custom-id}",
    "## T {#o\"x\"}",
    "# Title",
    "Title\n=====",
    "[x](../a.md)",
    "[x](other.md#frag)",
    "[[x]]",
    "[[]]",
    "[[a|b]]",
    "![img](x.png)",
    "<https://example.com>",
    "<mailto:a@b.c>",
    "a@b.example",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "[^1]\n\n[^1]: note",
    "```\nunclosed",
    "~~~rust\nfn x(){}\n~~~",
    "<div><script>alert(1)</script>",
    "<a href=\"javascript:x\">j</a>",
    "- [ ] task\n- [x] done",
    "> quote\n>> nested",
    "***bold italic***",
    "`code",
    "\\",
    "<!-- comment",
    "## Timeline\n\n- 09:00 start\n- 2021-02-10 10:00 end",
    "All times in CET",
    "| 09:00 | x |",
    "* * *",
    "1. one\n   1. two",
    "$$",
    "<details><summary>s</summary>x</details>",
];

fn long_token(rng: &mut Rng) -> String {
    let n = *rng.pick(&[81, 200, 256, 300, 1000, 5000]);
    let unit = *rng.pick(&["a", "ab-", "é", "日", "-", " ", "x y "]);
    unit.repeat(n / unit.len().max(1) + 1)
}

fn nesting(rng: &mut Rng) -> String {
    let n = *rng.pick(&[10, 100, 500, 2000]);
    match rng.below(8) {
        0 => "> ".repeat(n) + "deep",
        1 => (0..n.min(300)).map(|d| format!("{}- item\n", "  ".repeat(d))).collect(),
        2 => "[".repeat(n) + &"]".repeat(n),
        3 => "*".repeat(n),
        4 => "<div>".repeat(n) + &"</div>".repeat(n),
        5 => "[a, ".repeat(n) + &"]".repeat(n),
        6 => "{a: ".repeat(n) + &"}".repeat(n),
        _ => "#".repeat(n.min(10)) + " h",
    }
}

/// `&` followed by a few ASCII letters and a multi-byte character: the
/// shape of entity-decoding bugs ("Q&A: réécriture").
fn ampersand_then_multibyte(rng: &mut Rng) -> String {
    let letters: String = (0..rng.below(8)).map(|_| (b'A' + rng.below(26) as u8) as char).collect();
    let sep = *rng.pick(&["", ": ", " ", ";", "#", "#x"]);
    format!("Our Q&{letters}{sep}{}{} text.", rng.pick(SCRIPTS), rng.pick(SCRIPTS))
}

fn generated_text(rng: &mut Rng) -> String {
    match rng.below(12) {
        11 => ampersand_then_multibyte(rng),
        0 => rng.pick(YAML_SPECIALS).to_string(),
        1 => format!("{}: {}", rng.pick(KEYS), generated_value(rng)),
        2 => rng.pick(DATES).to_string(),
        3 => rng.pick(ENTITIES).to_string(),
        4 => (0..1 + rng.below(6)).map(|_| *rng.pick(SCRIPTS)).collect(),
        5 => long_token(rng),
        6 => nesting(rng),
        7 => rng.pick(MARKDOWN).to_string(),
        8 => format!("\t{}:\t{}", rng.pick(KEYS), generated_value(rng)),
        9 => format!("{} {} {}", rng.pick(SCRIPTS), rng.pick(ENTITIES), rng.pick(SCRIPTS)),
        _ => format!(
            "- title: {}\n  status: {}\n  due: {}",
            generated_value(rng),
            rng.pick(&["open", "done", "x"]),
            rng.pick(DATES)
        ),
    }
}

fn generated_value(rng: &mut Rng) -> String {
    match rng.below(7) {
        0 => rng.pick(YAML_SPECIALS).to_string(),
        1 => rng.pick(DATES).to_string(),
        2 => format!("\"{}\"", rng.pick(ENTITIES)),
        3 => format!("[{}, {}]", rng.pick(SCRIPTS), rng.pick(YAML_SPECIALS)),
        4 => format!("\"{}\"", long_token(rng)),
        5 => format!("\"/{}/\"", rng.pick(SCRIPTS)),
        _ => format!("\"{}{}\"", rng.pick(SCRIPTS), rng.pick(MARKDOWN).replace('"', "'").replace('\n', " ")),
    }
}

// ---- Mutations

/// Byte offset of a char boundary near `at` (text mutations keep UTF-8
/// valid most of the time; byte flips do not).
fn boundary(s: &[u8], mut at: usize) -> usize {
    at = at.min(s.len());
    while at < s.len() && (s[at] & 0xC0) == 0x80 {
        at += 1;
    }
    at
}

fn line_starts(s: &[u8]) -> Vec<usize> {
    std::iter::once(0).chain(s.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i + 1)).collect()
}

fn mutate_bytes(rng: &mut Rng, file: &mut Vec<u8>, donor: &[u8]) {
    const INTERESTING: &[u8] = b"\0\n\r\t :-#&<>[]{}\"'|*!?%@`\\\xc3\xa9\xff\x80";
    let lines = line_starts(file);
    match rng.below(14) {
        0 if !file.is_empty() => {
            // Byte flips.
            for _ in 0..1 + rng.below(4) {
                let i = rng.below(file.len());
                file[i] = if rng.chance(50) { *rng.pick(INTERESTING) } else { file[i] ^ (1 << rng.below(8)) };
            }
        }
        1 if lines.len() > 1 => {
            // Duplicate a line (in front matter: a duplicate key).
            let l = rng.below(lines.len() - 1);
            let line = file[lines[l]..lines[l + 1]].to_vec();
            let at = lines[rng.below(lines.len())];
            file.splice(at..at, line);
        }
        2 if lines.len() > 1 => {
            let l = rng.below(lines.len() - 1);
            file.drain(lines[l]..lines[l + 1]);
        }
        3 if lines.len() > 2 => {
            // Swap two lines.
            let a = rng.below(lines.len() - 1);
            let b = rng.below(lines.len() - 1);
            let (a, b) = (a.min(b), a.max(b));
            if a != b {
                let la = file[lines[a]..lines[a + 1]].to_vec();
                let lb = file[lines[b]..lines[b + 1]].to_vec();
                file.splice(lines[b]..lines[b + 1], la);
                file.splice(lines[a]..lines[a + 1], lb);
            }
        }
        4 if !donor.is_empty() => {
            // Splice a piece of another file.
            let from = boundary(donor, rng.below(donor.len()));
            let to = boundary(donor, from + rng.below(400));
            let at = boundary(file, rng.below(file.len() + 1));
            file.splice(at..at, donor[from..to].iter().copied());
        }
        5 => {
            let at = boundary(file, rng.below(file.len() + 1));
            file.truncate(at);
        }
        6..=9 => {
            // Generated text on a line of its own.
            let at = lines[rng.below(lines.len())];
            let mut text = generated_text(rng).into_bytes();
            text.push(b'\n');
            file.splice(at..at, text);
        }
        10 | 11 => {
            // Generated text inside a line (a value, a word).
            let at = boundary(file, rng.below(file.len() + 1));
            file.splice(at..at, generated_text(rng).into_bytes());
        }
        _ => {
            // Replace a value after the first `: ` of a random line.
            if lines.len() > 1 {
                let l = rng.below(lines.len() - 1);
                let line = &file[lines[l]..lines[l + 1] - 1];
                if let Some(c) = line.windows(2).position(|w| w == b": ") {
                    let (from, to) = (lines[l] + c + 2, lines[l + 1] - 1);
                    file.splice(from..to, generated_value(rng).into_bytes());
                }
            }
        }
    }
}

/// Where the body starts: after the line that closes the front matter.
fn body_offset(file: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(file).ok()?;
    let rest = text.strip_prefix("---\n")?;
    let close = rest.find("\n---\n")?;
    Some(4 + close + 5)
}

/// A new incident file made only of generated parts.
/// With `valid_front_matter`, only the body is generated (title and date
/// are plain), so the file reaches rendering.
fn generated_incident(rng: &mut Rng, valid_front_matter: bool) -> Vec<u8> {
    let mut s = String::from("---\n");
    if valid_front_matter {
        let title: String =
            (0..1 + rng.below(4)).map(|_| *rng.pick(SCRIPTS)).filter(|c| c.chars().all(|c| !c.is_control())).collect();
        s.push_str(&format!(
            "title: \"Generated {}\"\ndate: 2021-0{}-1{}\n",
            title.replace(['"', '\\'], ""),
            1 + rng.below(9),
            rng.below(10)
        ));
    } else {
        s.push_str(&format!("title: {}\n", generated_value(rng)));
        s.push_str(&format!("date: {}\n", rng.pick(DATES)));
        for _ in 0..rng.below(6) {
            s.push_str(&format!("{}: {}\n", rng.pick(KEYS), generated_value(rng)));
        }
    }
    s.push_str("---\n");
    for _ in 0..1 + rng.below(8) {
        s.push_str(&generated_text(rng));
        s.push_str(if rng.chance(70) { "\n\n" } else { " " });
    }
    s.into_bytes()
}

/// One input from a seed. A third of the inputs change only the bodies of
/// Markdown files (and add files with valid front matter), so that they
/// get past validation into rendering and search; the rest change anything.
fn mutate(rng: &mut Rng, seed: &Archive, all: &[Archive]) -> Archive {
    let mut files = seed.clone();
    let bodies_only = rng.chance(35);
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        if files.is_empty() || rng.chance(10) {
            let name = match rng.below(4) {
                0 => format!("content/incidents/{}.md", rng.pick(SCRIPTS).replace(['/', '\0', '\n', '\r'], "x")),
                1 => format!("content/incidents/{}.md", "long-name-".repeat(1 + rng.below(18))),
                2 => "content/causes/generated.md".to_string(),
                _ => format!("content/incidents/gen-{}.md", rng.below(1000)),
            };
            let text = generated_incident(rng, bodies_only);
            // A generated name may be one the seed has ("\r" becomes x.md): replace it.
            match files.iter_mut().find(|(p, _)| *p == name) {
                Some(f) => f.1 = text,
                None => files.push((name, text)),
            }
            continue;
        }
        // Prefer Markdown and the configuration over theme files.
        let candidates: Vec<usize> = (0..files.len())
            .filter(|&i| {
                files[i].0.ends_with(".md") || (!bodies_only && (files[i].0.ends_with(".toml") || rng.chance(5)))
            })
            .collect();
        let Some(&i) = candidates.get(rng.below(candidates.len())) else { continue };
        let donor_archive = rng.pick(all);
        let donor = donor_archive.get(rng.below(donor_archive.len())).map(|f| f.1.clone()).unwrap_or_default();
        let body_at = if bodies_only || rng.chance(30) { body_offset(&files[i].1) } else { None };
        let (head, mut part) = match body_at {
            Some(at) => (files[i].1[..at].to_vec(), files[i].1[at..].to_vec()),
            None if bodies_only => continue,
            None => (Vec::new(), std::mem::take(&mut files[i].1)),
        };
        for _ in 0..1 + rng.below(3) {
            mutate_bytes(rng, &mut part, &donor);
        }
        files[i].1 = [head, part].concat();
    }
    files
}

// ---- Running one input

/// What went wrong with one input.
enum Finding {
    Panic { message: String, location: String },
    Hang,
    Unpositioned(String),
    Disagree { check: BTreeSet<String>, build: BTreeSet<String> },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Panic { message, location } => write!(f, "panic at {location}: {message}"),
            Finding::Hang => write!(f, "no result within the time limit"),
            Finding::Unpositioned(e) => write!(f, "error without a position: {e}"),
            Finding::Disagree { check, build } => {
                let only = |a: &BTreeSet<String>, b: &BTreeSet<String>| {
                    a.difference(b).cloned().collect::<Vec<_>>().join("\n  ")
                };
                write!(
                    f,
                    "check and build disagree\n only check:\n  {}\n only build:\n  {}",
                    only(check, build),
                    only(build, check)
                )
            }
        }
    }
}

/// The panic of the input being run: recorded by the hook on whichever
/// thread panicked (the pipeline runs on rayon's pool, not on the worker).
static LAST_PANIC: std::sync::Mutex<Option<(String, String)>> = std::sync::Mutex::new(None);

/// Panics in fuzz workers and in their rayon pool are recorded instead of
/// printing a backtrace for each; every other thread keeps the default
/// hook. The hook is process-wide and the other tests of this binary run
/// the pipeline on rayon's global pool, so the fuzz pipeline runs on a pool
/// of its own whose threads it can tell by name.
fn install_quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().map(str::to_string);
            if !name.as_deref().is_some_and(|n| n.starts_with("fuzz-")) {
                return default(info);
            }
            let message = match info.payload().downcast_ref::<&str>() {
                Some(s) => s.to_string(),
                None => info.payload().downcast_ref::<String>().cloned().unwrap_or_else(|| "(non-string panic)".into()),
            };
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            let mut last = LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_none() {
                *last = Some((message, location));
            }
        }));
    });
}

fn run_pipeline(files: Archive) -> Result<Vec<Diagnostic>, (String, String)> {
    let snapshot = Snapshot::from_files(files);
    let opts = BuildOptions {
        include: Include { drafts: true, internal: true },
        build_date: Some(jiff::civil::date(2024, 6, 1)),
        ..BuildOptions::default()
    };
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    let pool = POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new().thread_name(|i| format!("fuzz-rayon-{i}")).build().expect("fuzz rayon pool")
    });
    match panic::catch_unwind(AssertUnwindSafe(|| pool.install(|| build_site(&snapshot, &opts, &Discard)))) {
        Ok(built) => Ok(built.diagnostics.sorted().into_iter().cloned().collect()),
        Err(_) => Err(LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_default()),
    }
}

/// Files whose errors are about their content and so need a line.
fn needs_line(file: &str) -> bool {
    file == "rca-site.toml" || (file.starts_with("content/") && file.ends_with(".md"))
}

fn check_positions(files: &Archive, diags: &[Diagnostic]) -> Option<Finding> {
    for d in diags.iter().filter(|d| d.severity == Severity::Error) {
        if d.file.is_empty() {
            return Some(Finding::Unpositioned(format!("no file: {}", d.message)));
        }
        if needs_line(&d.file) {
            let Some((_, bytes)) = files.iter().find(|(p, _)| *p == d.file) else {
                // An error about a file that is not there (e.g. a missing content/ folder) has no line.
                continue;
            };
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
            if d.line == 0 || d.line > lines {
                return Some(Finding::Unpositioned(format!("{d} (the file has {lines} lines)")));
            }
        }
    }
    None
}

struct Outcome {
    finding: Option<Finding>,
    /// Errors the pipeline reported (each checked for a position).
    errors: usize,
}

fn run_one(files: &Archive, timeout: Duration) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let input = files.clone();
    *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = None;
    std::thread::Builder::new()
        .name("fuzz-worker".into())
        .stack_size(8 << 20)
        .spawn(move || {
            let _ = tx.send(run_pipeline(input));
        })
        .expect("spawn a fuzz worker");
    match rx.recv_timeout(timeout) {
        Err(_) => Outcome { finding: Some(Finding::Hang), errors: 0 },
        Ok(Err((message, location))) => Outcome { finding: Some(Finding::Panic { message, location }), errors: 0 },
        Ok(Ok(diags)) => {
            if std::env::var_os("RCA_FUZZ_DEBUG").is_some() {
                for d in diags.iter().filter(|d| d.severity == Severity::Error) {
                    eprintln!("DEBUG {}", d.message.chars().take(60).collect::<String>());
                }
            }
            Outcome {
                finding: check_positions(files, &diags),
                errors: diags.iter().filter(|d| d.severity == Severity::Error).count(),
            }
        }
    }
}

/// The error lines of `check` and `build --drafts --internal` on the input
/// written to disk: they must be the same.
fn compare_with_binary(files: &Archive) -> Option<Finding> {
    let tmp = TempDir::new("fuzz-cmp");
    let root = tmp.path().join("archive");
    for (path, bytes) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        if std::fs::write(&p, bytes).is_err() {
            return None; // a name this file system cannot hold: nothing to compare
        }
    }
    let errors = |o: &std::process::Output| -> BTreeSet<String> {
        stderr(o)
            .lines()
            .filter(|l| {
                !l.contains("warning: ")
                    && !l.starts_with("Checked ")
                    && !l.starts_with("Built ")
                    && !l.starts_with("error: build failed")
            })
            .map(str::to_string)
            .collect()
    };
    let r = root.to_str().unwrap();
    let out = tmp.path().join("public");
    let check = rca(&["check", "--root", r]);
    let build = rca(&[
        "build",
        "--drafts",
        "--internal",
        "--build-date",
        "2024-06-01",
        "--root",
        r,
        "--out",
        out.to_str().unwrap(),
    ]);
    let (c, b) = (errors(&check), errors(&build));
    // A panic shows as exit 101 and is reported by the in-process run.
    if check.status.code() == Some(101) || build.status.code() == Some(101) {
        return None;
    }
    (c != b || check.status.code() != build.status.code()).then_some(Finding::Disagree { check: c, build: b })
}

fn save(files: &Archive, n: usize, seed: u64) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-failures").join(format!("seed-{seed}-input-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, bytes) in files {
        let p = dir.join(path);
        let _ = std::fs::create_dir_all(p.parent().unwrap());
        let _ = std::fs::write(p, bytes);
    }
    dir
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

struct Report {
    inputs: usize,
    /// Inputs with at least one error, and the errors in all.
    failing: usize,
    errors: usize,
    compared: usize,
    findings: Vec<String>,
}

/// Runs inputs until `inputs` are done or `deadline` passes.
fn fuzz(seed: u64, inputs: Option<usize>, deadline: Option<Instant>, compare_every: usize) -> Report {
    install_quiet_hook();
    let timeout = Duration::from_millis(env_num("RCA_FUZZ_TIMEOUT_MS", 5000));
    let seeds = seeds();
    assert!(seeds.len() > 20, "expected the example archive and the fixtures as seeds");
    let mut rng = Rng(seed);
    let mut report = Report { inputs: 0, failing: 0, errors: 0, compared: 0, findings: Vec::new() };
    loop {
        if inputs.is_some_and(|n| report.inputs >= n) || deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let n = report.inputs;
        // The first three seeds are valid archives (the example, good,
        // insight): mostly start from one, so inputs reach rendering.
        let base = if rng.chance(70) { &seeds[rng.below(3)] } else { rng.pick(&seeds) };
        let files = mutate(&mut rng, base, &seeds);
        report.inputs += 1;
        let outcome = run_one(&files, timeout);
        report.failing += usize::from(outcome.errors > 0);
        report.errors += outcome.errors;
        let mut finding = outcome.finding;
        let hung = matches!(finding, Some(Finding::Hang));
        if finding.is_none() && compare_every > 0 && n.is_multiple_of(compare_every) {
            report.compared += 1;
            finding = compare_with_binary(&files);
        }
        if let Some(f) = finding {
            let dir = save(&files, n, seed);
            report.findings.push(format!("input {n} (saved in {}): {f}", dir.display()));
            if hung {
                // The worker thread is still running; later timings would mislead.
                break;
            }
        }
    }
    report
}

fn summary(r: &Report, seed: u64, elapsed: Duration) -> String {
    format!(
        "fuzz: seed {seed}: {} inputs in {:.1} s ({} with errors, {} errors checked for a position), {} compared with check/build, {} findings",
        r.inputs,
        elapsed.as_secs_f64(),
        r.failing,
        r.errors,
        r.compared,
        r.findings.len()
    )
}

/// The short seeded pass of every `cargo test`.
#[test]
fn short_seeded_pass() {
    let seed = env_num("RCA_FUZZ_SEED", 0x5eed_0007);
    let inputs = env_num("RCA_FUZZ_INPUTS", 200) as usize;
    let started = Instant::now();
    let r = fuzz(seed, Some(inputs), None, env_num("RCA_FUZZ_COMPARE_EVERY", 20) as usize);
    eprintln!("{}", summary(&r, seed, started.elapsed()));
    assert_eq!(r.inputs, inputs);
    assert!(r.findings.is_empty(), "{}\n{}", summary(&r, seed, started.elapsed()), r.findings.join("\n"));
}

/// The long run: `RCA_FUZZ_SECS` seconds (default 600).
#[test]
#[ignore = "long: run with --ignored, RCA_FUZZ_SECS and --release"]
fn long_run() {
    let seed = env_num("RCA_FUZZ_SEED", jiff::Timestamp::now().as_second() as u64);
    let secs = env_num("RCA_FUZZ_SECS", 600);
    let started = Instant::now();
    let r = fuzz(seed, None, Some(started + Duration::from_secs(secs)), env_num("RCA_FUZZ_COMPARE_EVERY", 50) as usize);
    eprintln!("{}", summary(&r, seed, started.elapsed()));
    for f in &r.findings {
        eprintln!("{f}");
    }
    assert!(r.findings.is_empty(), "{}", summary(&r, seed, started.elapsed()));
}

/// The mutator itself: deterministic for a seed, and it does produce the
/// shapes it is meant to (so a pass means something).
#[test]
fn the_mutator_is_deterministic_and_reaches_generated_shapes() {
    let seeds = seeds();
    let run = |seed: u64| -> Vec<Archive> {
        let mut rng = Rng(seed);
        (0..200).map(|_| mutate(&mut rng, rng_pick_clone(&seeds, seed), &seeds)).collect()
    };
    let a = run(7);
    assert_eq!(a, run(7));
    assert_ne!(a, run(8));
    let text: String = a.iter().flatten().map(|(_, b)| String::from_utf8_lossy(b).into_owned()).collect();
    for shape in ["&", "é", "\t", "[[", "- title:"] {
        assert!(text.contains(shape), "no input contains {shape:?}");
    }
    assert!(
        a.iter().any(|files| files.iter().any(|(p, _)| p.starts_with("content/incidents/gen-"))),
        "no generated file"
    );
    // One file per path, as on disk (the position check looks files up by path).
    for files in &a {
        let paths: BTreeSet<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths.len(), files.len(), "two files at one path");
    }
}

fn rng_pick_clone(seeds: &[Archive], seed: u64) -> &Archive {
    &seeds[(seed as usize) % seeds.len()]
}
