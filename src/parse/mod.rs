//! Parse + validate: turns one Markdown file with YAML front matter into an
//! [`Incident`], [`CauseDoc`] or [`Page`], collecting every problem with the
//! line and column *in the file* and what was expected.
//!
//! Each file is parsed on its own (no cross-file knowledge), so this stage
//! runs in parallel; cross-file rules (duplicate ids, links) live in
//! `archive`. What a file says without front matter is read by
//! src/parse/infer.rs (title, date) and src/parse/action_items.rs (the
//! action items of its own "Action items" section).

mod action_items;
mod infer;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::config::{is_template, template_keys, Config};
use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::model::*;
use crate::slugs::{is_slug, slugify};
use crate::yaml::{self, Mapping, Spanned, Value};

pub use action_items::is_actions_heading;
pub use infer::{is_opaque_name, take_first_h1, timeline_date, title_from_file_name};

type S<T> = Spanned<T>;

/// A file split into its front matter and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split<'a> {
    pub yaml: &'a str,
    /// File line of the first YAML line (the line after the opening `---`).
    pub yaml_line: usize,
    pub body: &'a str,
    /// File line the body starts on.
    pub body_line: usize,
}

/// Decodes a file as UTF-8 (dropping a byte-order mark).
pub fn decode<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, Diagnostic> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.strip_prefix('\u{feff}').unwrap_or(text)),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
            let pos = Pos::of_offset(valid, valid.len());
            Err(Diagnostic::error(
                path,
                pos,
                format!(
                    "invalid UTF-8 (byte 0x{:02x}); expected a UTF-8 text file — re-save it as UTF-8",
                    bytes[e.valid_up_to()]
                ),
            ))
        }
    }
}

/// Splits `---`-delimited YAML front matter from the Markdown body.
pub fn split<'a>(path: &str, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error(
            path,
            Pos::START,
            "empty file; expected YAML front matter between two `---` lines, then the Markdown body",
        ));
    }
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Err(Diagnostic::error(
            path,
            Pos::START,
            "missing front matter; expected the file to start with a line `---`, then `title:`, `date:` …, then a closing `---`",
        ));
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for (line, l) in (2..).zip(lines) {
        let t = l.trim_end();
        if t == "---" || t == "..." {
            let body_start = offset + l.len();
            return Ok(Split {
                yaml: &text[yaml_start..offset],
                yaml_line: 2,
                body: &text[body_start..],
                body_line: line + 1,
            });
        }
        offset += l.len();
    }
    Err(Diagnostic::error(
        path,
        Pos::START,
        "front matter opened here is never closed; expected a line `---` after the last front-matter key",
    ))
}

/// Like [`split`], for incidents, whose front matter is optional: a file
/// that does not start with `---` is all body.
pub fn split_optional<'a>(path: &str, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    if text.trim().is_empty() {
        return Err(Diagnostic::error(
            path,
            Pos::START,
            "empty file; expected a `# Title` line and the postmortem, or YAML front matter between two `---` lines",
        ));
    }
    if text.split_inclusive('\n').next().unwrap_or("").trim_end() != "---" {
        return Ok(Split { yaml: "", yaml_line: 1, body: text, body_line: 1 });
    }
    split(path, text)
}

/// Moves a position inside the YAML block to a position in the file.
fn in_file(split: &Split, p: Pos) -> Pos {
    Pos::new(p.line + split.yaml_line - 1, p.column)
}

/// Deserializes the front matter, reporting a YAML error at its file position.
///
/// An unknown key stops the YAML crate at once, which would hide every other
/// mistake in the file until it is fixed. So an unknown key written at the
/// start of its line is reported, its lines are blanked (keeping every line
/// number), and the rest is parsed again: the author sees all problems at once.
fn front_matter<T: for<'de> Deserialize<'de>>(
    path: &str,
    split: &Split,
) -> Result<(T, Vec<Diagnostic>), Vec<Diagnostic>> {
    // Borrowed until an unknown key has to be blanked (the rare path).
    let mut text: Cow<str> = Cow::Borrowed(if split.yaml.trim().is_empty() { "{}" } else { split.yaml });
    let mut unknown = Vec::new();
    loop {
        match yaml::from_str::<T>(&text) {
            Ok(v) => return Ok((v, unknown)),
            Err(e) => {
                let d = Diagnostic::error(path, in_file(split, e.pos), format!("front matter: {}", e.message));
                let retry =
                    e.message.starts_with("unknown field") && unknown.len() < 50 && blank_entry(text.to_mut(), e.pos);
                unknown.push(d);
                if !retry {
                    return Err(unknown);
                }
            }
        }
    }
}

/// Blanks the mapping entry whose key starts at `pos` (the key's line and
/// the more-indented lines under it). Returns false when the key does not
/// start its line (flow style), where blanking would lose other keys.
fn blank_entry(text: &mut String, pos: Pos) -> bool {
    let lines: Vec<&str> = text.split('\n').collect();
    let Some(line) = lines.get(pos.line.wrapping_sub(1)) else { return false };
    let indent = line.len() - line.trim_start().len();
    if line.get(..indent).is_none_or(|p| p.chars().count() + 1 != pos.column) || line.trim_start().starts_with('{') {
        return false;
    }
    let mut end = pos.line;
    while end < lines.len() {
        let l = lines[end];
        let l_indent = l.len() - l.trim_start().len();
        if l.trim().is_empty() || l_indent > indent {
            end += 1;
        } else {
            break;
        }
    }
    let out: Vec<&str> =
        lines.iter().enumerate().map(|(i, l)| if i + 1 >= pos.line && i < end { "" } else { l }).collect();
    *text = out.join("\n");
    true
}

/// Every key an incident's front matter may hold: the keys `[fields]` may
/// map ([`crate::config::MAPPABLE_KEYS`]), then the two that only the
/// front matter itself can give.
pub const INCIDENT_KEYS: [&str; crate::config::MAPPABLE_KEYS.len() + 2] = {
    let mut keys = [""; crate::config::MAPPABLE_KEYS.len() + 2];
    let mut i = 0;
    while i < crate::config::MAPPABLE_KEYS.len() {
        keys[i] = crate::config::MAPPABLE_KEYS[i];
        i += 1;
    }
    keys[crate::config::MAPPABLE_KEYS.len()] = "action_items";
    keys[crate::config::MAPPABLE_KEYS.len() + 1] = "aliases";
    keys
};

const ACTION_ITEM_KEYS: [&str; 6] = ["title", "owner", "status", "type", "due", "link"];

/// A value the incident takes, and the archive key it was read from (its
/// name in error messages).
type Taken = (S<Value>, String);

/// The front matter seen through `[fields]` and `[extra]`: each rca-site
/// key with the value it takes, the `[extra]` fields, and an error for
/// every key that is neither.
struct Resolved {
    values: HashMap<&'static str, Taken>,
    extra: Vec<ExtraField>,
}

fn resolve(path: &str, split: &Split, mut entries: Mapping, config: &Config, diags: &mut Vec<Diagnostic>) -> Resolved {
    let lookup = |key: &str| entries.iter().position(|(k, _)| k.value == key);
    // What each rca-site key takes: an entry (by index, moved out at the
    // end rather than copied) or a filled template.
    enum Pick {
        Entry(usize),
        Made(S<Value>),
    }
    let mut picks: Vec<(&'static str, Pick, String)> = Vec::new();
    // Archive keys some mapping reads (taken or not: a file may lack one).
    let mut read: HashSet<String> = HashSet::new();
    for key in INCIDENT_KEYS {
        let Some(source) = config.fields.get(key) else {
            if let Some(i) = lookup(key) {
                picks.push((key, Pick::Entry(i), key.to_string()));
            }
            continue;
        };
        let mut taken = false;
        for alt in source.alternatives() {
            if is_template(alt) {
                read.extend(template_keys(alt));
                if !taken {
                    if let Some(v) = render_template(alt, &entries) {
                        picks.push((key, Pick::Made(v), key.to_string()));
                        taken = true;
                    }
                }
            } else {
                read.insert(alt.trim().to_string());
                if !taken {
                    if let Some(i) = lookup(alt.trim()).filter(|&i| !entries[i].1.value.is_empty()) {
                        picks.push((key, Pick::Entry(i), alt.trim().to_string()));
                        taken = true;
                    }
                }
            }
        }
    }
    let mut extra = Vec::new();
    for (key, label) in &config.extra {
        if let Some(i) = lookup(key).filter(|&i| !entries[i].1.value.is_empty()) {
            extra.push(ExtraField {
                key: key.clone(),
                label: label.trim().to_string(),
                values: flatten(&entries[i].1.value),
            });
        }
    }
    for (k, _) in &entries {
        let key = k.value.as_str();
        let native_unmapped = INCIDENT_KEYS.contains(&key) && !config.fields.contains_key(key);
        if native_unmapped || read.contains(key) || config.extra.contains_key(key) {
            continue;
        }
        let pos = in_file(split, yaml::pos(k));
        let msg = if INCIDENT_KEYS.contains(&key) {
            let from = config.fields[key].alternatives().join(", ");
            format!(
                "front matter: `{key}` is not read: rca-site.toml [fields] takes {key} from {from}; add \"{key}\" to that list, or keep it under [extra] ({key} = \"{}\")",
                label_of(key)
            )
        } else {
            unknown_key_message(key)
        };
        diags.push(Diagnostic::error(path, pos, msg));
    }
    // An entry read by two keys (start_time for date and started) is copied once.
    let mut uses = vec![0usize; entries.len()];
    for (_, pick, _) in &picks {
        if let Pick::Entry(i) = pick {
            uses[*i] += 1;
        }
    }
    let mut values: HashMap<&'static str, Taken> = HashMap::with_capacity(picks.len());
    for (key, pick, from) in picks {
        let v = match pick {
            Pick::Made(v) => v,
            Pick::Entry(i) => {
                uses[i] -= 1;
                if uses[i] == 0 {
                    let slot = &mut entries[i].1;
                    S::new(std::mem::replace(&mut slot.value, Value::Null), slot.referenced, slot.defined)
                } else {
                    entries[i].1.clone()
                }
            }
        };
        values.insert(key, (v, from));
    }
    Resolved { values, extra }
}

/// What to do about a key rca-site does not know: map it or keep it.
fn unknown_key_message(key: &str) -> String {
    let close = INCIDENT_KEYS
        .iter()
        .filter(|k| strsim::damerau_levenshtein(k, key) <= 2)
        .min_by_key(|k| strsim::damerau_levenshtein(k, key));
    let target = match close {
        Some(k) => k,
        None => guess_target(key),
    };
    let hint = close.map_or(String::new(), |k| format!(" (did you mean `{k}`?)"));
    format!(
        "front matter: unknown key `{key}`{hint}; expected one of {}, or, to use your own key, map it in rca-site.toml under [fields] ({target} = \"{key}\") or keep it under [extra] ({key} = \"{}\")",
        INCIDENT_KEYS.join(", "),
        label_of(key)
    )
}

/// The incident key an unknown key most likely means, for the example in
/// the message.
fn guess_target(key: &str) -> &'static str {
    crate::config::field_for(key).unwrap_or("summary")
}

/// `source_published_at` → "Source published at".
pub fn label_of(key: &str) -> String {
    let words = key.replace(['_', '-'], " ");
    let mut c = words.trim().chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The values of an `[extra]` key as text.
fn flatten(v: &Value) -> Vec<String> {
    match v {
        Value::Null => Vec::new(),
        Value::Text(t) => vec![t.trim().to_string()],
        Value::List(l) => l.iter().flat_map(|x| flatten(&x.value)).filter(|s| !s.is_empty()).collect(),
        Value::Map(m) => m.iter().map(|(k, v)| format!("{}: {}", k.value, flatten(&v.value).join(", "))).collect(),
    }
}

/// Fills a template from the front matter: missing or empty keys are left
/// out and spaces collapse. `None` when no key it names has a value. The
/// result is placed where the first key used was written.
fn render_template(t: &str, entries: &Mapping) -> Option<S<Value>> {
    let mut out = String::new();
    let mut first: Option<&S<Value>> = None;
    let mut rest = t;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        let key = rest[open + 1..open + close].trim();
        if let Some((_, v)) = entries.iter().find(|(k, v)| k.value == key && !v.value.is_empty()) {
            out.push_str(&flatten(&v.value).join(", "));
            first.get_or_insert(v);
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let first = first?;
    let text = out.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(S::new(Value::Text(text), first.referenced, first.defined))
}

/// Validation context for one file: its path, split, the front matter as
/// resolved, and the diagnostics.
struct Checker<'a> {
    path: &'a str,
    split: Split<'a>,
    diags: Vec<Diagnostic>,
    /// Each rca-site key's value, taken out when read.
    values: HashMap<&'static str, Taken>,
    /// The archive key each rca-site key was read from, for messages.
    names: HashMap<&'static str, String>,
}

impl Checker<'_> {
    fn pos<T>(&self, s: &S<T>) -> Pos {
        in_file(&self.split, yaml::pos(s))
    }

    fn error(&mut self, pos: Pos, msg: String) {
        self.diags.push(Diagnostic::error(self.path, pos, msg));
    }

    /// A required, non-empty text value (causes and pages).
    fn required(&mut self, key: &str, v: Option<S<String>>, example: &str) -> Option<(String, Pos)> {
        match v {
            Some(s) if !s.value.trim().is_empty() => {
                let p = self.pos(&s);
                Some((s.value.trim().to_string(), p))
            }
            Some(s) => {
                let p = self.pos(&s);
                self.error(p, format!("`{key}` is empty; expected e.g. `{key}: {example}`"));
                None
            }
            None => {
                let p = self.key_pos(key).unwrap_or(Pos::START);
                self.error(p, format!("missing required key `{key}`; expected e.g. `{key}: {example}`"));
                None
            }
        }
    }

    /// Where `key:` stands in the front matter, for errors about a key
    /// whose value is absent.
    fn key_pos(&self, key: &str) -> Option<Pos> {
        let prefix = format!("{key}:");
        self.split.yaml.lines().position(|l| l.starts_with(&prefix)).map(|i| Pos::new(self.split.yaml_line + i, 1))
    }

    fn warning(&mut self, pos: Pos, msg: String) {
        self.diags.push(Diagnostic::warning(self.path, pos, msg));
    }

    /// The name of the key `key` was read from (the archive's own key when
    /// `[fields]` maps it).
    fn name(&self, key: &str) -> String {
        self.names
            .get(key)
            .or_else(|| self.values.get(key).map(|(_, from)| from))
            .map_or_else(|| key.to_string(), String::clone)
    }

    /// A single text value; an error for a list or mapping.
    fn scalar(&mut self, key: &'static str) -> Option<S<String>> {
        let (v, from) = self.take(key)?;
        match v.value {
            Value::Text(t) => Some(S::new(t, v.referenced, v.defined)),
            Value::Null => None,
            _ => {
                let p = self.pos(&v);
                self.error(p, format!("front matter: {from}: expected a single value (text), not a list or mapping"));
                None
            }
        }
    }

    /// A list of text values; a single value is a list of one.
    fn list(&mut self, key: &'static str) -> Option<Vec<S<String>>> {
        let (v, from) = self.take(key)?;
        self.list_of(&from, &v)
    }

    /// Takes a key's value out (each is read once), keeping the name of
    /// the archive key it came from.
    fn take(&mut self, key: &'static str) -> Option<Taken> {
        let (v, from) = self.values.remove(key)?;
        self.names.insert(key, from.clone());
        Some((v, from))
    }

    fn list_of(&mut self, from: &str, v: &S<Value>) -> Option<Vec<S<String>>> {
        match &v.value {
            Value::Null => None,
            Value::Text(t) if t.trim().is_empty() => None,
            Value::Text(t) => Some(vec![S::new(t.clone(), v.referenced, v.defined)]),
            Value::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    match &item.value {
                        Value::Text(t) => out.push(S::new(t.clone(), item.referenced, item.defined)),
                        Value::Null => {}
                        _ => {
                            let p = self.pos(item);
                            self.error(p, format!("front matter: {from}: expected a list of names, e.g. [a, b], not a nested list or mapping"));
                        }
                    }
                }
                Some(out)
            }
            Value::Map(_) => {
                let p = self.pos(v);
                self.error(p, format!("front matter: {from}: expected a list, e.g. [a, b]"));
                None
            }
        }
    }

    fn text(v: Option<S<String>>) -> Option<String> {
        v.map(|s| s.value.trim().to_string()).filter(|s| !s.is_empty())
    }

    /// One of a fixed set of values (case-insensitive).
    fn one_of<T: Copy>(&mut self, key: &str, v: &S<String>, allowed: &[(&str, T)]) -> Option<T> {
        let want = v.value.trim().to_ascii_lowercase();
        if let Some((_, t)) = allowed.iter().find(|(name, _)| *name == want) {
            return Some(*t);
        }
        let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
        let p = self.pos(v);
        self.error(p, format!("{key} {:?} is not one of {}", v.value, names.join(", ")));
        None
    }

    fn date(&mut self, key: &str, v: &S<String>) -> Option<jiff::civil::Date> {
        let d = crate::dates::parse_date(&v.value);
        if d.is_none() {
            let p = self.pos(v);
            self.error(
                p,
                format!("{key} {:?} is not a valid date; expected YYYY-MM-DD (e.g. 2021-02-10) or RFC 3339", v.value),
            );
        }
        d
    }

    fn terms(&mut self, key: &str, v: Option<Vec<S<String>>>) -> Vec<Term> {
        let mut out: Vec<Term> = Vec::new();
        for s in v.unwrap_or_default() {
            let name = s.value.trim().to_string();
            let slug = slugify(&name);
            let pos = self.pos(&s);
            if slug.is_empty() {
                self.error(
                    pos,
                    format!(
                        "{key} entry {:?} has no letters or digits; expected a name like \"release-pipeline\"",
                        s.value
                    ),
                );
                continue;
            }
            if out.iter().any(|t| t.slug == slug) {
                continue;
            }
            out.push(Term { name, slug, pos });
        }
        out
    }

    /// The action items of the front matter, each a mapping of
    /// [`ACTION_ITEM_KEYS`].
    fn action_items(&mut self) -> Vec<ActionItem> {
        let Some((v, _)) = self.take("action_items") else { return Vec::new() };
        let items = match v.value {
            Value::List(items) => items,
            Value::Null => return Vec::new(),
            _ => {
                let p = self.pos(&v);
                self.error(p, "front matter: action_items: expected a list of `- title: …` entries".into());
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for item in items {
            let item_pos = self.pos(&item);
            let Value::Map(m) = &item.value else {
                self.error(
                    item_pos,
                    "front matter: expected a mapping of `key: value` lines, e.g. `- title: \"Add a health check\"`"
                        .into(),
                );
                continue;
            };
            let get = |c: &mut Self, key: &str| -> Option<S<String>> {
                let (_, v) = m.iter().find(|(k, _)| k.value == key)?;
                match &v.value {
                    Value::Text(t) => Some(S::new(t.clone(), v.referenced, v.defined)),
                    Value::Null => None,
                    _ => {
                        let p = c.pos(v);
                        c.error(p, format!("front matter: action item {key}: expected a single value (text), not a list or mapping"));
                        None
                    }
                }
            };
            for (k, _) in m {
                if !ACTION_ITEM_KEYS.contains(&k.value.as_str()) {
                    let p = self.pos(k);
                    self.error(
                        p,
                        format!(
                            "front matter: unknown field `{}`, expected one of: {}",
                            k.value,
                            ACTION_ITEM_KEYS.join(", ")
                        ),
                    );
                }
            }
            let (title, owner, status_v, kind_v, due_v, link_v) = (
                get(self, "title"),
                get(self, "owner"),
                get(self, "status"),
                get(self, "type"),
                get(self, "due"),
                get(self, "link"),
            );
            let title = match Checker::text(title) {
                Some(t) => t,
                None => {
                    self.error(
                        item_pos,
                        "action item without `title`; expected e.g. `- title: \"Add a health check\"`".into(),
                    );
                    continue;
                }
            };
            let status = status_v.as_ref().and_then(|s| self.one_of("action item status", s, &ActionStatus::ALL));
            if status_v.is_none() {
                self.error(
                    item_pos,
                    format!("action item {title:?} has no `status`; expected one of open, in-progress, done, wont-do"),
                );
            }
            let kind = kind_v.as_ref().and_then(|s| self.one_of("action item type", s, &ActionType::ALL));
            let due = due_v.as_ref().and_then(|d| self.date("due", d));
            let link = match link_v {
                Some(l) => {
                    let url = l.value.trim().to_string();
                    if url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/') {
                        Some(url)
                    } else {
                        let p = self.pos(&l);
                        self.error(p, format!("link {url:?} is not a web address; expected an http(s) URL"));
                        None
                    }
                }
                None => None,
            };
            if let Some(status) = status {
                out.push(ActionItem { title, owner: Checker::text(owner), status, kind, due, link });
            }
        }
        out
    }
}

/// Parses and validates one incident file. Front matter is optional; its
/// keys are read through rca-site.toml `[fields]` and `[extra]`, and what
/// it lacks (title, date) is looked for in the body and the file name.
pub fn parse_incident(path: &str, bytes: &[u8], config: &Config) -> Result<Incident, Vec<Diagnostic>> {
    let text = decode(path, bytes).map_err(|d| vec![d])?;
    let split = split_optional(path, text).map_err(|d| vec![d])?;
    let mut diags = Vec::new();
    let entries: Mapping = if split.yaml.trim().is_empty() {
        Vec::new()
    } else {
        match yaml::from_str::<S<Value>>(split.yaml) {
            Ok(S { value: Value::Map(m), .. }) => m,
            Ok(S { value: Value::Null, .. }) => Vec::new(),
            Ok(_) => {
                let d = Diagnostic::error(
                    path,
                    Pos::new(split.yaml_line, 1),
                    "front matter: expected a mapping of `key: value` lines",
                );
                return Err(vec![d]);
            }
            Err(e) => {
                return Err(vec![Diagnostic::error(
                    path,
                    in_file(&split, e.pos),
                    format!("front matter: {}", e.message),
                )])
            }
        }
    };
    let resolved = resolve(path, &split, entries, config, &mut diags);
    let mut c = Checker { path, split, diags, values: resolved.values, names: HashMap::new() };
    let mut body = c.split.body.to_string();

    let stem = crate::slugs::file_stem(path);
    let fm_title = c.scalar("title").filter(|t| !t.value.trim().is_empty());
    let title: Option<String> = match fm_title {
        Some(t) => {
            let t = infer::plain_title(&t.value);
            infer::drop_leading_h1(&mut body, &t);
            Some(t)
        }
        None => match infer::take_first_h1(&mut body) {
            Some(t) => Some(t),
            None if infer::is_opaque_name(stem) => {
                c.error(
                    Pos::START,
                    format!(
                        "no title: the file has no `title:` and no `# Title` heading, and its name {stem:?} is an id, not words; add a `# Title` line at the top, or map a title under [fields] in rca-site.toml"
                    ),
                );
                None
            }
            None => {
                let t = infer::title_from_file_name(stem);
                if t.is_empty() {
                    c.error(Pos::START, format!("no title: the file has no `title:`, no `# Title` heading and its name {stem:?} has no words; add a `# Title` line at the top"));
                    None
                } else {
                    c.warning(
                        Pos::START,
                        format!("no title: the file has no `title:` and no `# Title` heading; using its name, {t:?}"),
                    );
                    Some(t)
                }
            }
        },
    };

    let fm_date = c.scalar("date").filter(|d| !d.value.trim().is_empty());
    let date: Option<(jiff::civil::Date, DatePrecision, String)> = match &fm_date {
        Some(d) => match crate::dates::parse_date_precise(&d.value) {
            Some((day, precision)) => Some((day, precision, d.value.trim().to_string())),
            None => {
                let p = c.pos(d);
                c.error(
                    p,
                    format!(
                        "{} {:?} is not a valid date; expected YYYY, YYYY-MM, YYYY-MM-DD (e.g. 2021-02-10) or RFC 3339",
                        c.name("date"),
                        d.value
                    ),
                );
                None
            }
        },
        None => {
            let found = infer::timeline_date(&body)
                .or_else(|| infer::date_in(stem))
                .or_else(|| title.as_deref().and_then(infer::date_in));
            if found.is_none() && title.is_some() {
                c.warning(
                    Pos::START,
                    "no date: none in the front matter, the `## Timeline` section, the file name or the title; published under \"Date unknown\" (add `date: YYYY-MM-DD`, or map one under [fields] in rca-site.toml)".to_string(),
                );
            }
            found
        }
    };
    let published = c.scalar("published").filter(|d| !d.value.trim().is_empty()).and_then(|d| {
        let name = c.name("published");
        c.date(&name, &d)
    });

    let id = match c.scalar("id") {
        Some(s) => {
            let id = s.value.trim().to_string();
            if !is_slug(&id) {
                let p = c.pos(&s);
                let suggestion = slugify(&id);
                let hint = if suggestion.is_empty() { String::new() } else { format!(", e.g. {suggestion:?}") };
                c.error(
                    p,
                    format!("id {id:?} is not a valid id; expected lowercase letters, digits and hyphens{hint}"),
                );
            }
            id
        }
        None => {
            let id = crate::slugs::id_from_file_name(path);
            if id.is_empty() {
                c.error(
                    Pos::START,
                    format!("cannot make an id from the file name {stem:?}; add `id: some-name` to the front matter"),
                );
            }
            id
        }
    };

    let severity = c.scalar("severity").filter(|s| !s.value.trim().is_empty()).and_then(|s| {
        let want = s.value.trim();
        match config.severities.iter().position(|x| x.eq_ignore_ascii_case(want)) {
            Some(i) => Some((config.severities[i].clone(), i + 1)),
            None if config.severities.is_empty() => None,
            None => {
                let p = c.pos(&s);
                c.error(
                    p,
                    format!("{} {:?} is not one of {}", c.name("severity"), s.value, config.severities.join(", ")),
                );
                None
            }
        }
    });
    let one_of = |c: &mut Checker, key: &'static str, allowed| {
        let v = c.scalar(key).filter(|s| !s.value.trim().is_empty())?;
        let name = c.name(key);
        c.one_of(&name, &v, allowed)
    };
    let status = one_of(&mut c, "status", &Status::ALL).unwrap_or(Status::Published);
    let visibility = {
        let v = c.scalar("visibility").filter(|s| !s.value.trim().is_empty());
        let name = c.name("visibility");
        v.and_then(|v| c.one_of(&name, &v, &Visibility::ALL)).unwrap_or(Visibility::Public)
    };
    let kind = {
        let v = c.scalar("kind").filter(|s| !s.value.trim().is_empty());
        let name = c.name("kind");
        v.and_then(|v| c.one_of(&name, &v, &Kind::ALL))
    };

    let terms = |c: &mut Checker, key: &'static str| {
        let v = c.list(key);
        let name = c.name(key);
        c.terms(&name, v)
    };
    let services = terms(&mut c, "services");
    let tags = terms(&mut c, "tags");
    let causes = terms(&mut c, "causes");
    let mut related = Vec::new();
    for r in c.list("related").unwrap_or_default() {
        let pos = c.pos(&r);
        let rid = r.value.trim().to_string();
        if !is_slug(&rid) {
            c.error(
                pos,
                format!("related id {rid:?} is not a valid id; expected lowercase letters, digits and hyphens"),
            );
        } else if rid == id {
            c.error(pos, format!("related lists the incident itself ({rid:?}); expected ids of other incidents"));
        } else if !related.iter().any(|x: &IdRef| x.id == rid) {
            related.push(IdRef { id: rid, pos });
        }
    }

    let raw_ts = [c.scalar("started"), c.scalar("detected"), c.scalar("mitigated"), c.scalar("resolved")];
    let timestamps = timestamps(&mut c, [&raw_ts[0], &raw_ts[1], &raw_ts[2], &raw_ts[3]]);

    let action_items = c.action_items();

    // Checked by the archive stage, which also knows every generated path.
    let aliases: Vec<Alias> =
        c.list("aliases").unwrap_or_default().into_iter().map(|a| Alias { pos: c.pos(&a), raw: a.value }).collect();
    let summary = c.scalar("summary");
    let summary_pos = summary.as_ref().map_or(Pos::START, |s| c.pos(s));
    let summary = Checker::text(summary).unwrap_or_default();
    let impact = Checker::text(c.scalar("impact"));
    let trigger = Checker::text(c.scalar("trigger"));
    let detection = Checker::text(c.scalar("detection"));

    let Some(title) = title else { return Err(c.diags) };
    if c.diags.iter().any(|d| d.severity == crate::diagnostics::Severity::Error) {
        return Err(c.diags);
    }
    let (date, date_precision, date_text) =
        date.unwrap_or((jiff::civil::Date::MIN, DatePrecision::Unknown, String::new()));
    Ok(Incident {
        id,
        source_path: path.to_string(),
        title,
        date,
        date_precision,
        date_text,
        published,
        summary,
        summary_pos,
        severity,
        status,
        visibility,
        kind,
        services,
        tags,
        causes,
        related,
        timestamps,
        impact,
        trigger,
        detection,
        action_items: action_items::or_from_body(action_items, &body),
        aliases,
        body,
        body_line: c.split.body_line,
        history: Default::default(),
        former_ids: Vec::new(),
        extra: resolved.extra,
        warnings: c.diags,
        masked: false,
    })
}

/// Parses the four timestamps and checks started <= detected <= mitigated <= resolved.
fn timestamps(c: &mut Checker, raw: [&Option<S<String>>; 4]) -> Timestamps {
    let mut parsed: [Option<(jiff::Timestamp, Pos)>; 4] = [None; 4];
    for (i, v) in raw.iter().enumerate() {
        if let Some(s) = v {
            let p = c.pos(s);
            match crate::dates::parse_timestamp(&s.value) {
                Some(ts) => parsed[i] = Some((ts, p)),
                None => {
                    let name = c.name(Timestamps::NAMES[i]);
                    c.error(
                        p,
                        format!(
                            "{name} {:?} is not a valid timestamp; expected RFC 3339 (2021-02-10T09:00:00Z) or \"YYYY-MM-DD HH:MM\" in UTC",
                            s.value
                        ),
                    )
                }
            }
        }
    }
    let mut last: Option<(usize, jiff::Timestamp)> = None;
    for (i, v) in parsed.iter().enumerate() {
        if let Some((ts, p)) = v {
            if let Some((j, prev)) = last {
                if *ts < prev {
                    let (name, prev_name) = (c.name(Timestamps::NAMES[i]), c.name(Timestamps::NAMES[j]));
                    c.error(
                        *p,
                        format!(
                            "{} ({}) is before {} ({}); expected started <= detected <= mitigated <= resolved",
                            name,
                            crate::dates::rfc3339(*ts),
                            prev_name,
                            crate::dates::rfc3339(prev)
                        ),
                    );
                }
            }
            last = Some((i, *ts));
        }
    }
    let t = |i: usize| parsed[i].map(|(ts, _)| ts);
    Timestamps { started: t(0), detected: t(1), mitigated: t(2), resolved: t(3) }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCause {
    title: Option<S<String>>,
    aliases: Option<Vec<S<String>>>,
}

/// Parses `content/causes/<id>.md`.
pub fn parse_cause(path: &str, bytes: &[u8]) -> Result<CauseDoc, Vec<Diagnostic>> {
    let text = decode(path, bytes).map_err(|d| vec![d])?;
    let split = split(path, text).map_err(|d| vec![d])?;
    let (raw, unknown): (RawCause, _) = front_matter(path, &split)?;
    let mut c = Checker { path, split, diags: unknown, values: HashMap::new(), names: HashMap::new() };
    let stem = crate::slugs::file_stem(path);
    let slug = crate::slugs::id_from_file_name(path);
    if slug.is_empty() {
        c.error(Pos::START, format!("cannot make a cause id from the file name {stem:?}"));
    }
    let title = c.required("title", raw.title, "\"Missing monitoring\"");
    let aliases = c.terms("aliases", raw.aliases);
    match title {
        Some((title, _)) if c.diags.is_empty() => Ok(CauseDoc {
            slug,
            source_path: path.to_string(),
            title,
            aliases,
            body: split.body.to_string(),
            body_line: split.body_line,
            history: Default::default(),
        }),
        _ => Err(c.diags),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    title: Option<S<String>>,
    description: Option<S<String>>,
    /// Shorter title for the navigation bar.
    nav_title: Option<S<String>>,
}

/// Parses `content/pages/<id>.md` and `content/_index.md`.
pub fn parse_page(path: &str, bytes: &[u8], id: &str) -> Result<Page, Vec<Diagnostic>> {
    let text = decode(path, bytes).map_err(|d| vec![d])?;
    let split = split(path, text).map_err(|d| vec![d])?;
    let (raw, unknown): (RawPage, _) = front_matter(path, &split)?;
    let mut c = Checker { path, split, diags: unknown, values: HashMap::new(), names: HashMap::new() };
    let title = c.required("title", raw.title, "\"About this archive\"");
    match title {
        Some((title, _)) if c.diags.is_empty() => Ok(Page {
            id: id.to_string(),
            source_path: path.to_string(),
            title,
            description: Checker::text(raw.description).unwrap_or_default(),
            nav_title: Checker::text(raw.nav_title),
            body: split.body.to_string(),
            body_line: split.body_line,
            history: Default::default(),
        }),
        _ => Err(c.diags),
    }
}

/// Collects the errors of a per-file result into `diags`.
pub fn collect<T>(r: Result<T, Vec<Diagnostic>>, diags: &mut Diagnostics) -> Option<T> {
    match r {
        Ok(t) => Some(t),
        Err(ds) => {
            diags.extend(ds);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(src: &str) -> Vec<String> {
        match parse_incident("content/incidents/x.md", src.as_bytes(), &Config::default()) {
            Ok(_) => vec![],
            Err(ds) => ds.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn minimal_incident() {
        let i = parse_incident(
            "content/incidents/2021/Koa2 Install.md",
            b"---\ntitle: T\ndate: 2021-02-10\n---\nBody\n",
            &Config::default(),
        )
        .unwrap();
        assert_eq!(i.id, "koa2-install");
        assert_eq!(i.status, Status::Published);
        assert_eq!(i.body, "Body\n");
        assert_eq!(i.body_line, 5);
    }

    #[test]
    fn severity_error_has_file_position() {
        let e = errors("---\ntitle: T\ndate: 2021-02-10\nseverity: SEV9\n---\n");
        assert_eq!(e, ["content/incidents/x.md:4:11: severity \"SEV9\" is not one of SEV1, SEV2, SEV3, SEV4"]);
    }

    #[test]
    fn all_errors_of_a_file_are_reported() {
        let e = errors("---\ndate: 2021-13-01\nstatus: pubished\nkind: outrage\n---\n");
        let errs: Vec<&String> = e.iter().filter(|x| !x.contains("warning")).collect();
        assert_eq!(errs.len(), 3, "{e:?}");
        assert!(e.iter().any(|x| x.contains("warning: no title") && x.contains("\"X\"")), "{e:?}");
        assert!(e.iter().any(|x| x.starts_with("content/incidents/x.md:2:7: date \"2021-13-01\" is not a valid date")));
        assert!(e.iter().any(|x| x.contains("status \"pubished\" is not one of draft, review, published")));
        assert!(e.iter().any(|x| x.contains("kind \"outrage\" is not one of outage, degradation")));
    }

    #[test]
    fn timestamps_in_order() {
        let e =
            errors("---\ntitle: T\ndate: 2021-02-10\nstarted: 2021-02-10T10:00:00Z\ndetected: 2021-02-10 09:00\n---\n");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("content/incidents/x.md:5:11: detected (2021-02-10T09:00:00Z) is before started"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn unknown_key_and_unclosed() {
        let e = errors("---\ntitle: T\ndate: 2021-02-10\nseverty: SEV1\n---\n");
        assert!(
            e[0].starts_with(
                "content/incidents/x.md:4:1: front matter: unknown key `severty` (did you mean `severity`?)"
            ),
            "{}",
            e[0]
        );
        assert!(e[0].contains("[fields]") && e[0].contains("[extra] (severty = \"Severty\")"), "{}", e[0]);
        let e = errors("---\ntitle: T\n");
        assert!(e[0].contains("never closed"));
        let e = errors("");
        assert!(e[0].contains("empty file"));
    }

    fn adopt_config() -> Config {
        let toml = r#"
[fields]
title = ["title", "{company} {product} incident"]
date = ["start_time", "source_published_at"]
started = "start_time"
resolved = "end_time"
causes = "categories"
tags = "keywords"
services = "company"
[extra]
url = "Source"
product = "Product"
uuid = "UUID"
"#;
        let mut d = Diagnostics::new();
        let c = Config::parse(toml, &mut d);
        assert!(d.is_empty(), "{:?}", d.sorted());
        c
    }

    #[test]
    fn fields_map_the_archives_own_keys() {
        let src = "---\nuuid: 5\nurl: https://example.com/pm\ncompany: Acme\nproduct:  Cloud   DNS\nstart_time: 2019-07-02T13:42:00Z\nend_time: 2019-07-02T14:10:00Z\ncategories:\n- cloud\n- dns\nkeywords: [bgp]\n---\nBody\n";
        let i = parse_incident("data/a.md", src.as_bytes(), &adopt_config()).unwrap();
        assert_eq!(i.title, "Acme Cloud DNS incident");
        assert_eq!(i.date.to_string(), "2019-07-02");
        assert_eq!(i.date_precision, DatePrecision::Time);
        assert_eq!(i.causes.iter().map(|t| t.slug.as_str()).collect::<Vec<_>>(), ["cloud", "dns"]);
        assert_eq!(i.services[0].name, "Acme");
        assert!(i.timestamps.resolved.is_some());
        let extra: Vec<(&str, &str)> = i.extra.iter().map(|e| (e.label.as_str(), e.values[0].as_str())).collect();
        assert_eq!(extra, [("Product", "Cloud   DNS"), ("Source", "https://example.com/pm"), ("UUID", "5")]);
    }

    #[test]
    fn mapped_errors_name_the_archives_key() {
        let src = "---\ntitle: T\nstart_time: soon\nsource_published_at: 1628\n---\n";
        let e = parse_incident("a.md", src.as_bytes(), &adopt_config()).unwrap_err();
        let e: Vec<String> = e.iter().map(|d| d.to_string()).collect();
        assert!(e.iter().any(|x| x.starts_with("a.md:3:13: start_time \"soon\" is not a valid date")), "{e:?}");
        assert!(e.iter().any(|x| x.starts_with("a.md:3:13: start_time \"soon\" is not a valid timestamp")), "{e:?}");
        // The second alternative is used when the first is absent.
        let i = parse_incident("a.md", b"---\ntitle: T\nsource_published_at: 1628\n---\n", &adopt_config()).unwrap();
        assert_eq!((i.date.year(), i.date_precision, i.date_text.as_str()), (1628, DatePrecision::Year, "1628"));
    }

    /// An unknown key followed by an indentless list was reported as a YAML
    /// syntax error on the list and hid the file's other problems.
    #[test]
    fn unknown_key_with_an_indentless_list_is_one_error() {
        let src = "---\ntitle: T\nregions:\n- eu\n- us\nseverity: SEV9\n---\n";
        let e = errors(src);
        let errs: Vec<&String> = e.iter().filter(|x| !x.contains("warning")).collect();
        assert_eq!(errs.len(), 2, "{e:?}");
        assert!(errs[0].starts_with("content/incidents/x.md:3:1: front matter: unknown key `regions`"), "{e:?}");
        assert!(errs[1].starts_with("content/incidents/x.md:6:11: severity \"SEV9\""), "{e:?}");
        assert!(e.iter().any(|x| x.contains("warning: no date")), "{e:?}");
        assert!(!e.iter().any(|x| x.contains("did not find expected")), "{e:?}");
    }

    #[test]
    fn no_front_matter_title_and_date_from_the_body() {
        let src = "# Search was down\n\n## Timeline\n\n- 2019-03-12 14:02 paged\n";
        let i = parse_incident("postmortems/search.md", src.as_bytes(), &Config::default()).unwrap();
        assert_eq!(i.title, "Search was down");
        assert!(!i.body.contains("Search was down"), "the title is not shown twice");
        assert_eq!(i.body_line, 1);
        assert_eq!((i.date.to_string().as_str(), i.date_precision), ("2019-03-12", DatePrecision::Day));
        let i = parse_incident("PM2021-005 - All down", b"Some text\n", &Config::default()).unwrap();
        assert_eq!(i.title, "PM2021 005 All down");
        assert_eq!((i.date.year(), i.date_precision), (2021, DatePrecision::Year));
        assert!(i.warnings.iter().any(|w| w.message.contains("no title")));
        let i = parse_incident("x/notes.md", b"# Notes\nnothing\n", &Config::default()).unwrap();
        assert_eq!(i.date_precision, DatePrecision::Unknown);
        assert!(i.warnings.iter().any(|w| w.message.contains("Date unknown")));
        let e = parse_incident("x/3f2b8c9e-1d4a-4b7e-9c0f-2a6d8e1b5c3f.md", b"just text\n", &Config::default())
            .unwrap_err();
        assert!(e[0].to_string().starts_with("x/3f2b8c9e-1d4a-4b7e-9c0f-2a6d8e1b5c3f.md:1:1: no title"), "{}", e[0]);
        let i = parse_incident("a.md", b"---\ntitle: Same\ndate: 2021-02\n---\n# Same\nBody\n", &Config::default())
            .unwrap();
        assert!(!i.body.contains("Same"));
        assert_eq!((i.date_text.as_str(), i.date_precision), ("2021-02", DatePrecision::Month));
    }

    #[test]
    fn invalid_utf8_position() {
        let r = parse_incident("a.md", b"---\ntitle: caf\xe9\n", &Config::default());
        let e = r.unwrap_err()[0].to_string();
        assert!(e.starts_with("a.md:2:11: invalid UTF-8 (byte 0xe9)"), "{e}");
    }

    #[test]
    fn action_items() {
        let i = parse_incident(
            "x.md",
            b"---\ntitle: T\ndate: 2021-02-10\naction_items:\n  - title: A\n    status: in-progress\n    type: prevent\n    due: 2021-03-01\n---\n",
            &Config::default(),
        )
        .unwrap();
        assert_eq!(i.action_items[0].status, ActionStatus::InProgress);
        assert_eq!(i.action_items[0].kind, Some(ActionType::Prevent));
        let e = errors("---\ntitle: T\ndate: 2021-02-10\naction_items:\n  - title: A\n    status: later\n---\n");
        assert_eq!(e, ["content/incidents/x.md:6:13: action item status \"later\" is not one of open, in-progress, done, wont-do"]);
    }

    #[test]
    fn crlf_and_bom() {
        let i = parse_incident(
            "x.md",
            "\u{feff}---\r\ntitle: T\r\ndate: 2021-02-10\r\n---\r\nBody\r\n".as_bytes(),
            &Config::default(),
        )
        .unwrap();
        assert_eq!(i.title, "T");
    }

    /// Every prefix of a full incident, and the same with bytes replaced by
    /// troublesome ones, parses to a value or to errors: never a panic.
    #[test]
    fn never_panics_on_mangled_input() {
        let full = "---\ntitle: \"T: ü\"\ndate: 2021-02-10\nseverity: SEV2\nservices: [a, \"B c\"]\nstarted: 2021-02-09T16:00:00Z\nresolved: 2021-02-10 18:00\naction_items:\n  - title: x\n    status: open\n    due: 2021-03-01\naliases: [/old/]\n---\n## Body [[x]]\n";
        let config = Config::default();
        let bytes = full.as_bytes();
        for end in 0..=bytes.len() {
            let _ = parse_incident("p.md", &bytes[..end], &config);
        }
        for i in 0..bytes.len() {
            for b in [b'\n', b'"', b'[', b':', b'-', b'\t', 0xff, b'&', b'*', b'!', b'|', b'{'] {
                let mut v = bytes.to_vec();
                v[i] = b;
                let _ = parse_incident("p.md", &v, &config);
            }
        }
    }
}
