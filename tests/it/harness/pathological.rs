//! Pathological Markdown bodies for the linear-time tests and the
//! `pathological` benchmark: each shape that has made Markdown tools
//! quadratic, generated at a size in bytes.
//!
//! Shared by `tests/safety_markdown.rs` and `examples/pathological.rs`
//! (through `#[path]`), so the test asserts on what the benchmark measures.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::time::Duration;

/// CPU time of this process so far (user + system, from /proc; zero where
/// there is none), in 10 ms steps. On a machine shared with other work,
/// wall time says more about the neighbours than about the build.
pub fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // utime and stime are the 12th and 13th fields after the command name,
    // which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, r)| r).split_whitespace().collect();
    let ticks: u64 = fields.get(11..13).map_or(0, |f| f.iter().filter_map(|t| t.parse::<u64>().ok()).sum());
    Duration::from_millis(ticks * 10)
}

/// Every shape, by name.
pub const CASES: &[&str] = &[
    "headings",
    "same-headings",
    "nested-divs",
    "nested-lists",
    "nested-quotes",
    "indented-lists",
    "long-line",
    "wide-table",
    "footnotes",
    "emphasis",
    "brackets",
    "entities",
];

/// A body of about `bytes` bytes in the shape `case`.
pub fn body(case: &str, bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 64);
    let mut n = 0usize;
    let until = |s: &String| s.len() < bytes;
    match case {
        // Tens of thousands of distinct headings (TOC, anchors, ids).
        "headings" => {
            while until(&s) {
                let _ = write!(s, "## Section {n}\n\n");
                n += 1;
            }
        }
        // The same heading again and again (anchor de-duplication).
        "same-headings" => {
            while until(&s) {
                s.push_str("## T\n\n");
            }
        }
        // Raw HTML nested as deep as the size allows.
        "nested-divs" => {
            let depth = bytes / 11;
            s.push_str(&"<div>".repeat(depth));
            s.push('x');
            s.push_str(&"</div>".repeat(depth));
        }
        // Lists nested 10,000 deep on one line, repeated.
        "nested-lists" => {
            while until(&s) {
                s.push_str(&"- ".repeat(10_000));
                s.push_str("x\n\n");
            }
        }
        "nested-quotes" => {
            while until(&s) {
                s.push_str(&"> ".repeat(10_000));
                s.push_str("x\n\n");
            }
        }
        // Nesting by indentation, one level per line.
        "indented-lists" => {
            let mut depth = 0;
            while until(&s) {
                let _ = writeln!(s, "{}- item {n}", "  ".repeat(depth));
                n += 1;
                depth = if depth >= 300 { 0 } else { depth + 1 };
            }
        }
        // One line of ordinary prose.
        "long-line" => {
            while until(&s) {
                let _ = write!(s, "word{n} *em* `c` [l](x) ");
                n += 1;
            }
            s.push('\n');
        }
        // A table 5,000 columns wide, rows until the size is reached.
        "wide-table" => {
            let cols = 5_000;
            s.push_str(&"| h ".repeat(cols));
            s.push_str("|\n");
            s.push_str(&"|---".repeat(cols));
            s.push_str("|\n");
            while until(&s) {
                s.push_str(&"| c ".repeat(cols));
                s.push_str("|\n");
            }
        }
        // References and definitions of tens of thousands of footnotes.
        "footnotes" => {
            let count = bytes / 40;
            for i in 0..count {
                let _ = writeln!(s, "Text[^n{i}]");
            }
            s.push('\n');
            for i in 0..count {
                let _ = writeln!(s, "[^n{i}]: Note {i}");
            }
        }
        // Unmatched and interleaved emphasis delimiters.
        "emphasis" => {
            while until(&s) {
                s.push_str("*a _b **c __d ***e ");
                n += 1;
                if n.is_multiple_of(2000) {
                    s.push_str("\n\n");
                }
            }
        }
        // Unclosed link brackets and link-looking text.
        "brackets" => {
            while until(&s) {
                s.push_str("[a [b](c [d]( ");
                n += 1;
                if n.is_multiple_of(2000) {
                    s.push_str("\n\n");
                }
            }
        }
        // Entities, valid and not, next to multi-byte text.
        "entities" => {
            while until(&s) {
                s.push_str("Q&A: réécriture &amp; &#x65E5; &bogus; &#99999999; 日本 ");
                n += 1;
                if n.is_multiple_of(500) {
                    s.push_str("\n\n");
                }
            }
        }
        other => panic!("no pathological case {other:?}"),
    }
    s
}

/// The files of an archive of one incident with `body`.
pub fn archive(body: &str) -> Vec<(String, Vec<u8>)> {
    let incident = format!(
        "---\ntitle: \"Pathological\"\ndate: 2024-01-02\nsummary: \"A body in a hard shape.\"\nseverity: SEV2\n---\n{body}"
    );
    vec![
        ("rca-site.toml".to_string(), b"title = \"P\"\nbase_url = \"https://p.example.com\"\n".to_vec()),
        ("content/incidents/2024/pathological.md".to_string(), incident.into_bytes()),
    ]
}
