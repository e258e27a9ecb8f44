//! The crate's modules import one another in one direction: no cycle, and
//! the lower layer (the stages up to the link graph and the numbers) never
//! reaches up into pages, outputs, search, serve or the commands.
//!
//! Reads every `crate::NAME` path in src/ (use lines, inline paths, test
//! modules; not comments), as tools/module_cycles.py does, and maps each
//! file to its top-level module (src/git/walk.rs is `git`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module → module it imports → the first `file:line` that does.
type Edges = BTreeMap<String, BTreeMap<String, String>>;

/// The modules below the page layer: what the build reads, parses and
/// links, and the numbers it derives, all without HTML.
const LOWER: &[&str] = &[
    "actions",
    "archive",
    "config",
    "dates",
    "diagnostics",
    "escape",
    "facts",
    "git",
    "graph",
    "hash",
    "markdown",
    "markup",
    "mask",
    "model",
    "parse",
    "related",
    "sections",
    "select",
    "slugs",
    "sort",
    "source",
    "stats",
    "text",
    "timeline",
    "yaml",
];

fn top_module(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// The text with `//` comments blanked out (line numbers kept), so a path
/// named in a doc comment is not an import.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            // `//` inside a string (a URL) is rare in src/ and only hides an
            // edge, never invents one.
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level names after each `crate::` in `code`, with the byte
/// offset where the path starts: `crate::a::b` gives `a`,
/// `crate::{a::b, c::{d, e}}` gives `a` and `c`.
fn crate_paths(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = code[from..].find("crate::") {
        let at = from + k;
        from = at + "crate::".len();
        let preceded_by_ident = code[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        if preceded_by_ident {
            continue;
        }
        let rest = &code[from..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => items.push(std::mem::take(&mut item)),
                    _ if depth == 1 => item.push(c),
                    _ => {}
                }
            }
            items.push(item);
            for i in items {
                let name: String = i.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.push((at, name));
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            out.push((at, name));
        }
    }
    out
}

fn edges() -> Edges {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.expect("src/ is readable");
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(&src).expect("inside src/");
            if let Some(m) = top_module(rel) {
                files.push((m, path.to_path_buf()));
            }
        }
    }
    let modules: BTreeSet<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
    let mut edges = Edges::new();
    for (m, path) in &files {
        let text = std::fs::read_to_string(path).expect("a source file is UTF-8");
        let code = without_comments(&text);
        for (at, name) in crate_paths(&code) {
            if name != *m && modules.contains(name.as_str()) {
                let line = code[..at].matches('\n').count() + 1;
                let rel = path.strip_prefix(src.parent().unwrap()).unwrap().display().to_string();
                edges.entry(m.clone()).or_default().entry(name).or_insert(format!("{rel}:{line}"));
            }
        }
        edges.entry(m.clone()).or_default();
    }
    edges
}

/// The strongly connected groups of more than one module (Tarjan).
fn cycles(edges: &Edges) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a Edges,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        groups: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.edges.get(v).into_iter().flat_map(|e| e.keys()) {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                s.groups.push(group);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.groups
}

/// Each group with the edges inside it, one `a -> b file:line` a line.
fn describe(groups: &[Vec<String>], edges: &Edges) -> String {
    let mut out = String::new();
    for g in groups {
        out.push_str(&format!("cycle: {}\n", g.join(", ")));
        for a in g {
            for (b, at) in &edges[a] {
                if g.contains(b) {
                    out.push_str(&format!("  {a} -> {b}  {at}\n"));
                }
            }
        }
    }
    out
}

#[test]
fn the_reader_finds_every_kind_of_crate_path() {
    let code = "use crate::a::B;\nuse crate::{c::D, e::{F, G}, h};\nlet x = crate::i::j(); mycrate::k;";
    let names: Vec<String> = crate_paths(code).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["a", "c", "e", "h", "i"]);
    assert_eq!(without_comments("x // crate::a\n/// crate::b\ny"), "x \n\ny");
}

#[test]
fn tarjan_finds_a_cycle_and_only_the_cycle() {
    let mut e = Edges::new();
    for (a, b) in [("x", "y"), ("y", "z"), ("z", "x"), ("z", "w")] {
        e.entry(a.into()).or_default().insert(b.into(), "f.rs:1".into());
    }
    e.entry("w".into()).or_default();
    assert_eq!(cycles(&e), [vec!["x".to_string(), "y".into(), "z".into()]]);
    e.get_mut("z").unwrap().remove("x");
    assert!(cycles(&e).is_empty());
}

#[test]
fn the_lower_layer_imports_nothing_above_it() {
    let edges = edges();
    for m in LOWER {
        assert!(edges.contains_key(*m), "src/{m} is gone: update LOWER in tests/it/architecture.rs");
    }
    let upward: Vec<String> = LOWER
        .iter()
        .flat_map(|m| edges[*m].iter().map(move |(to, at)| (m, to, at)))
        .filter(|(_, to, _)| !LOWER.contains(&to.as_str()))
        .map(|(m, to, at)| format!("  {m} -> {to}  {at}"))
        .collect();
    assert!(
        upward.is_empty(),
        "modules of the lower layer import pages, outputs or commands; move the item they use down:\n{}",
        upward.join("\n")
    );
    let lower: Edges = LOWER.iter().map(|m| (m.to_string(), edges[*m].clone())).collect();
    let groups = cycles(&lower);
    assert!(groups.is_empty(), "import cycles in the lower layer:\n{}", describe(&groups, &lower));
}

#[test]
fn no_module_imports_itself_through_others() {
    let edges = edges();
    let groups = cycles(&edges);
    assert!(groups.is_empty(), "import cycles between modules:\n{}", describe(&groups, &edges));
}
