//! `rca-site init`: writes the rca-site.toml that publishes an existing
//! repository of postmortems in place, without moving or editing a file.
//!
//! It finds the postmortems by what they contain (postmortem headings or
//! front matter with incident-like keys), whatever the folder, then
//! describes them: the globs that select them, `[fields]` for the keys it
//! recognises, `[extra]` for every other key, and the severities it saw.
//! What it cannot decide it says, so the user knows what to edit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use clap::Args;

use super::{root_dir, EXIT_USAGE};
use crate::config::{field_for, Config, CONFIG_FILE};
use crate::parse::{self, INCIDENT_KEYS};
use crate::yaml::{self, Spanned, Value};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The repository of postmortems (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Replace an existing rca-site.toml.
    #[arg(long)]
    pub force: bool,
}

/// Keys that give a date when the incident's own start is missing.
fn is_fallback_date(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.ends_with("published_at") || k == "published_on" || k == "created_at" || k == "reported_at"
}

/// Headings postmortems have and other documents rarely do.
const POSTMORTEM_HEADINGS: [&str; 14] = [
    "timeline",
    "root cause",
    "root causes",
    "contributing factors",
    "contributing factor",
    "action items",
    "impact",
    "lessons learned",
    "remediation",
    "five whys",
    "5 whys",
    "resolution",
    "detection",
    "trigger",
];

/// One file that looks like a postmortem.
struct Found {
    path: String,
    /// Front-matter keys in the order written, with their scalar values.
    keys: Vec<(String, Vec<String>)>,
    has_h1: bool,
}

pub fn run(args: InitArgs, quiet: bool) -> i32 {
    let root = match root_dir(&args.root) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let target = root.join(CONFIG_FILE);
    if target.exists() && !args.force {
        eprintln!(
            "error: {} already exists; rca-site init never overwrites it (pass --force to replace it)",
            target.display()
        );
        return EXIT_USAGE;
    }
    let survey = survey(&root);
    if survey.found.is_empty() {
        eprintln!(
            "error: found no postmortems under {} (Markdown files with headings like `## Timeline` or `## Root cause`, or front matter with a title or date); nothing written",
            root.display()
        );
        return EXIT_USAGE;
    }
    let plan = plan(&root, &survey);
    let mut check = crate::diagnostics::Diagnostics::new();
    Config::parse(&plan.toml, &mut check);
    if check.has_errors() {
        eprintln!("error: rca-site init made an invalid rca-site.toml (a bug): {:?}", check.sorted());
        return EXIT_USAGE;
    }
    if let Err(e) = std::fs::write(&target, &plan.toml) {
        eprintln!("error: writing {}: {e}", target.display());
        return EXIT_USAGE;
    }
    if !quiet {
        for line in &plan.report {
            eprintln!("{line}");
        }
    }
    println!("{}", target.display());
    0
}

/// What the repository holds.
struct Survey {
    found: Vec<Found>,
    /// Text files (Markdown or without an extension) that are not postmortems.
    others: Vec<String>,
    /// README, LICENSE, templates: never incidents.
    set_aside: Vec<String>,
}

fn survey(root: &Path) -> Survey {
    let mut s = Survey { found: Vec::new(), others: Vec::new(), set_aside: Vec::new() };
    let skip = |e: &walkdir::DirEntry| {
        e.depth() > 0
            && (crate::source::is_ignored(e.file_name())
                || (e.file_type().is_dir()
                    && (matches!(e.file_name().to_str(), Some("target" | "node_modules" | "theme"))
                        || e.path().join("incidents.json").is_file())))
    };
    for entry in walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !skip(e))
        .flatten()
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else { continue };
        let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let rel = rel.join("/");
        let name = rel.rsplit('/').next().unwrap_or(&rel).to_string();
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        let markdown = matches!(ext.as_deref(), Some("md" | "markdown"));
        // Without an extension: `PM2019-009 - Kubernetes outage`, not `Makefile.lock`.
        let bare = ext.is_none()
            || name.rsplit_once('.').is_some_and(|(_, e)| e.contains(' ') || e.chars().all(|c| c.is_ascii_digit()));
        if rel == CONFIG_FILE
            || rel.starts_with("content/causes/")
            || rel.starts_with("content/pages/")
            || rel == "content/_index.md"
        {
            continue;
        }
        if !(markdown || bare) {
            continue;
        }
        if crate::select::is_never_incident(&name) {
            if markdown || bare {
                s.set_aside.push(rel);
            }
            continue;
        }
        let Ok(bytes) = std::fs::read(entry.path()) else { continue };
        if bytes.len() > 4 << 20 {
            continue;
        }
        let Ok(text) = std::str::from_utf8(&bytes) else { continue };
        match inspect(&rel, text) {
            Some(f) => s.found.push(f),
            None => s.others.push(rel),
        }
    }
    s
}

/// The file as a postmortem, if it looks like one.
fn inspect(path: &str, text: &str) -> Option<Found> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let split = parse::split_optional(path, text).ok()?;
    let mut keys = Vec::new();
    if !split.yaml.trim().is_empty() {
        if let Ok(Spanned { value: Value::Map(m), .. }) = yaml::from_str::<Spanned<Value>>(split.yaml) {
            for (k, v) in m {
                let values = match v.value {
                    Value::Text(t) => vec![t],
                    Value::List(l) => l.into_iter().filter_map(|x| x.value.as_text().map(str::to_string)).collect(),
                    _ => Vec::new(),
                };
                keys.push((k.value, values));
            }
        }
    }
    let recognisable = keys.iter().any(|(k, _)| k == "title" || k == "date" || field_for(k).is_some());
    let mut headings = 0;
    let mut has_h1 = false;
    let mut prev = "";
    for line in split.body.lines() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix('#') {
            let level = 1 + h.chars().take_while(|c| *c == '#').count();
            let name = h.trim_start_matches('#').trim().trim_end_matches(':').to_ascii_lowercase();
            has_h1 |= level == 1 && !name.is_empty();
            if POSTMORTEM_HEADINGS.iter().any(|p| name == *p || name.starts_with(&format!("{p} "))) {
                headings += 1;
            }
        } else if !prev.is_empty() && !t.is_empty() && t.chars().all(|c| c == '=') {
            has_h1 = true;
        }
        prev = t;
    }
    (recognisable || headings >= 1).then(|| Found { path: path.to_string(), keys, has_h1 })
}

/// The configuration and the report.
struct Plan {
    toml: String,
    report: Vec<String>,
}

/// A glob that matches `name` literally.
fn escape_glob(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

fn is_markdown(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    l.ends_with(".md") || l.ends_with(".markdown")
}

fn plan(root: &Path, s: &Survey) -> Plan {
    let mut report = Vec::new();
    // Globs: a whole folder's Markdown files when all of them are
    // postmortems, else the files by name.
    let mut by_folder: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in &s.found {
        by_folder.entry(folder_of(&f.path)).or_default().push(&f.path);
    }
    let mut incidents: Vec<String> = Vec::new();
    let mut where_: Vec<String> = Vec::new();
    for (folder, files) in &by_folder {
        let prefix = if folder.is_empty() { String::new() } else { format!("{}/", escape_glob(folder)) };
        let other_md = s.others.iter().any(|o| folder_of(o) == *folder && is_markdown(o));
        let (md, bare): (Vec<&&str>, Vec<&&str>) = files.iter().partition(|p| is_markdown(p));
        if !md.is_empty() {
            if other_md {
                incidents.extend(md.iter().map(|p| escape_glob(p)));
            } else {
                incidents.push(format!("{prefix}*.md"));
            }
        }
        incidents.extend(bare.iter().map(|p| escape_glob(p)));
        where_.push(format!(
            "{} ({})",
            if folder.is_empty() { "the root".to_string() } else { format!("{folder}/") },
            files.len()
        ));
    }
    report.push(format!("found {} postmortems in {}", s.found.len(), where_.join(", ")));
    let selection_config = Config { incidents: incidents.clone(), ..Config::default() };
    let selection = crate::select::Selection::new(&selection_config);
    let exclude: Vec<String> = s
        .set_aside
        .iter()
        .filter(|p| selection.is_incident(p) || by_folder.contains_key(folder_of(p)))
        .map(|p| escape_glob(p))
        .collect();
    if !s.set_aside.is_empty() {
        report.push(format!("set aside (never incidents): {}", s.set_aside.join(", ")));
    }

    // Keys: how many files have each, and the values of a few.
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for f in &s.found {
        for (k, _) in &f.keys {
            if !count.contains_key(k.as_str()) {
                order.push(k);
            }
            *count.entry(k).or_default() += 1;
        }
    }
    let native = |k: &str| INCIDENT_KEYS.contains(&k);
    let mut fields: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut extra: Vec<&str> = Vec::new();
    let mut by_count: Vec<&str> = order.clone();
    by_count.sort_by_key(|k| std::cmp::Reverse(count[k]));
    for k in &by_count {
        if native(k) {
            continue;
        }
        match field_for(k) {
            Some(target) => fields.entry(target).or_default().push(k.to_string()),
            None if !is_fallback_date(k) => extra.push(k),
            None => {}
        }
    }
    // The date: the day it began, else a date-like key.
    let mut date: Vec<String> = Vec::new();
    if count.contains_key("date") {
        date.push("date".into());
    }
    date.extend(fields.get("started").cloned().unwrap_or_default());
    date.extend(fields.get("date").cloned().unwrap_or_default());
    date.extend(by_count.iter().filter(|k| is_fallback_date(k)).map(|k| k.to_string()));
    if date.iter().any(|d| d != "date") {
        fields.insert("date", date);
    }
    // A mapped key beside the native one: the native one first.
    for (target, keys) in fields.iter_mut() {
        if *target != "date" && count.contains_key(target) {
            keys.insert(0, target.to_string());
        }
    }

    // Severities: the values seen, in their natural order.
    let severity_keys: Vec<String> = fields.get("severity").cloned().unwrap_or_else(|| vec!["severity".into()]);
    let mut severities: BTreeSet<String> = BTreeSet::new();
    for f in &s.found {
        if let Some((_, v)) = f.keys.iter().find(|(k, _)| severity_keys.contains(k)) {
            severities.extend(v.iter().map(|x| x.trim().to_string()).filter(|x| !x.is_empty()));
        }
    }
    let mut severities: Vec<String> = severities.into_iter().collect();
    severities.sort_by_key(|s| natural_key(s));

    let no_title =
        s.found
            .iter()
            .filter(|f| {
                !f.has_h1
                    && !f.keys.iter().any(|(k, v)| {
                        (k == "title" || fields.get("title").is_some_and(|t| t.contains(k))) && !v.is_empty()
                    })
            })
            .count();
    if no_title > 0 {
        let files = if no_title == 1 { "1 file has".to_string() } else { format!("{no_title} files have") };
        report.push(format!(
            "{files} no title (no `title:` and no `# Title` heading): titled by the file name, or an error for a file named by an id; map one under [fields] title (e.g. title = [\"title\", \"{{company}} {{product}} incident\"])"
        ));
    }
    let no_date = s
        .found
        .iter()
        .filter(|f| {
            !f.keys
                .iter()
                .any(|(k, v)| (k == "date" || fields.get("date").is_some_and(|d| d.contains(k))) && !v.is_empty())
        })
        .count();
    if no_date > 0 {
        let files = if no_date == 1 { "1 file has".to_string() } else { format!("{no_date} files have") };
        report.push(format!(
            "{files} no date in the front matter: their date is read from the `## Timeline` section, the file name or the title, else they are listed under \"Date unknown\""
        ));
    }
    for (native_key, allowed) in
        [("status", &["draft", "review", "published"][..]), ("visibility", &["public", "internal"][..])]
    {
        let odd: BTreeSet<&str> = s
            .found
            .iter()
            .flat_map(|f| {
                f.keys.iter().filter(|(k, _)| k == native_key).flat_map(|(_, v)| v.iter().map(String::as_str))
            })
            .filter(|v| !allowed.contains(&v.trim().to_ascii_lowercase().as_str()))
            .collect();
        if !odd.is_empty() {
            report.push(format!(
                "`{native_key}:` has values rca-site does not know ({}); expected {}: rename the key in the files or edit them",
                odd.into_iter().collect::<Vec<_>>().join(", "),
                allowed.join(", ")
            ));
        }
    }

    let title = readme_title(root, &s.set_aside).unwrap_or_else(|| {
        root.canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "Incident archive".into())
    });

    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let list = |v: &[String]| format!("[{}]", v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", "));
    let key = |k: &str| {
        if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            k.to_string()
        } else {
            q(k)
        }
    };
    let mut t = String::new();
    t.push_str("# Written by `rca-site init`: the postmortems are published where they are.\n");
    t.push_str("# Edit freely; `rca-site check` says what is still missing.\n");
    t.push_str(&format!("title = {}\n", q(&title)));
    t.push_str(&format!("severities = {}\n", list(&severities)));
    t.push_str(&format!("incidents = {}\n", list(&incidents)));
    t.push_str(&format!("exclude = {}\n", list(&exclude)));
    if !fields.is_empty() {
        t.push_str("\n[fields]                # rca-site key = your key, or [your keys, first present wins]\n");
        for (target, keys) in &fields {
            let value = if keys.len() == 1 { q(&keys[0]) } else { list(keys) };
            t.push_str(&format!("{target} = {value}\n"));
        }
    }
    if !extra.is_empty() {
        t.push_str("\n[extra]                 # your keys kept and shown on the incident page: key = \"Label\"\n");
        for k in &extra {
            t.push_str(&format!("{} = {}\n", key(k), q(&parse::label_of(k))));
        }
    }
    if !fields.is_empty() {
        let mapped: Vec<String> = fields.iter().map(|(t, k)| format!("{} → {t}", k.join("/"))).collect();
        report.push(format!("mapped: {}", mapped.join(", ")));
    }
    if !extra.is_empty() {
        report.push(format!("kept under [extra]: {}", extra.join(", ")));
    }
    report.push(if severities.is_empty() {
        "no severities seen: severities = [] (the site shows none)".to_string()
    } else {
        format!("severities seen: {}", severities.join(", "))
    });
    report.push(format!("wrote {CONFIG_FILE}; next: rca-site check, then rca-site build"));
    Plan { toml: t, report }
}

/// `SEV2` → ("SEV", 2): `SEV10` sorts after `SEV9`.
fn natural_key(s: &str) -> (String, u64, String) {
    let head: String = s.chars().take_while(|c| !c.is_ascii_digit()).collect();
    let digits: String = s[head.len()..].chars().take_while(|c| c.is_ascii_digit()).collect();
    (head.to_ascii_lowercase(), digits.parse().unwrap_or(u64::MAX), s.to_string())
}

/// The first `# Heading` of the README at the root.
fn readme_title(root: &Path, set_aside: &[String]) -> Option<String> {
    let readme = set_aside.iter().find(|p| !p.contains('/') && p.to_ascii_uppercase().starts_with("README"))?;
    let text = std::fs::read_to_string(root.join(readme)).ok()?;
    let mut body = text.clone();
    crate::parse::take_first_h1(&mut body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_postmortems() {
        assert!(inspect("a.md", "# Outage\n\n## Timeline\n- 10:00 paged\n").is_some());
        assert!(inspect("a.md", "---\nstart_time: 2020-01-01\n---\nText\n").is_some());
        assert!(inspect("a.md", "# Notes\n\nShopping list\n").is_none());
        assert!(inspect("a.md", "---\nlayout: post\n---\n# Hello\n").is_none());
    }

    #[test]
    fn fields_and_order() {
        let mut v = vec!["SEV10".to_string(), "SEV2".into(), "SEV1".into()];
        v.sort_by_key(|s| natural_key(s));
        assert_eq!(v, ["SEV1", "SEV2", "SEV10"]);
        assert_eq!(escape_glob("a [b]*.md"), "a \\[b\\]\\*.md");
    }
}
