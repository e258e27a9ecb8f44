//! Parse + validate: turns one Markdown file with YAML front matter into an
//! [`Incident`], [`CauseDoc`] or [`Page`], collecting every problem with the
//! line and column *in the file* and what was expected.
//!
//! Each file is parsed on its own (no cross-file knowledge), so this stage
//! runs in parallel; cross-file rules (duplicate ids, links) live in
//! `archive`.

use std::borrow::Cow;

use serde::Deserialize;

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::model::*;
use crate::slugs::{is_slug, slugify};
use crate::yaml::{self, Spanned};

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
    let mut line = 2;
    for l in lines {
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
        line += 1;
    }
    Err(Diagnostic::error(
        path,
        Pos::START,
        "front matter opened here is never closed; expected a line `---` after the last front-matter key",
    ))
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
fn front_matter<T: for<'de> Deserialize<'de>>(path: &str, split: &Split) -> Result<(T, Vec<Diagnostic>), Vec<Diagnostic>> {
    // Borrowed until an unknown key has to be blanked (the rare path).
    let mut text: Cow<str> = Cow::Borrowed(if split.yaml.trim().is_empty() { "{}" } else { split.yaml });
    let mut unknown = Vec::new();
    loop {
        match yaml::from_str::<T>(&text) {
            Ok(v) => return Ok((v, unknown)),
            Err(e) => {
                let d = Diagnostic::error(path, in_file(split, e.pos), format!("front matter: {}", e.message));
                let retry = e.message.starts_with("unknown field") && unknown.len() < 50 && blank_entry(text.to_mut(), e.pos);
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
    let out: Vec<&str> = lines.iter().enumerate().map(|(i, l)| if i + 1 >= pos.line && i < end { "" } else { l }).collect();
    *text = out.join("\n");
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIncident {
    title: Option<S<String>>,
    date: Option<S<String>>,
    id: Option<S<String>>,
    summary: Option<S<String>>,
    severity: Option<S<String>>,
    status: Option<S<String>>,
    visibility: Option<S<String>>,
    kind: Option<S<String>>,
    services: Option<Vec<S<String>>>,
    tags: Option<Vec<S<String>>>,
    causes: Option<Vec<S<String>>>,
    related: Option<Vec<S<String>>>,
    started: Option<S<String>>,
    detected: Option<S<String>>,
    mitigated: Option<S<String>>,
    resolved: Option<S<String>>,
    impact: Option<S<String>>,
    trigger: Option<S<String>>,
    detection: Option<S<String>>,
    action_items: Option<Vec<S<RawActionItem>>>,
    aliases: Option<Vec<S<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActionItem {
    title: Option<S<String>>,
    owner: Option<S<String>>,
    status: Option<S<String>>,
    #[serde(rename = "type")]
    kind: Option<S<String>>,
    due: Option<S<String>>,
    link: Option<S<String>>,
}

/// Validation context for one file: its path, split and the diagnostics.
struct Checker<'a> {
    path: &'a str,
    split: Split<'a>,
    diags: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn pos<T>(&self, s: &S<T>) -> Pos {
        in_file(&self.split, yaml::pos(s))
    }

    fn error(&mut self, pos: Pos, msg: String) {
        self.diags.push(Diagnostic::error(self.path, pos, msg));
    }

    /// A required, non-empty text value.
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
        self.split
            .yaml
            .lines()
            .position(|l| l.starts_with(&prefix))
            .map(|i| Pos::new(self.split.yaml_line + i, 1))
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
            self.error(p, format!("{key} {:?} is not a valid date; expected YYYY-MM-DD (e.g. 2021-02-10) or RFC 3339", v.value));
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
                self.error(pos, format!("{key} entry {:?} has no letters or digits; expected a name like \"release-pipeline\"", s.value));
                continue;
            }
            if out.iter().any(|t| t.slug == slug) {
                continue;
            }
            out.push(Term { name, slug, pos });
        }
        out
    }
}

/// Parses and validates one incident file.
pub fn parse_incident(path: &str, bytes: &[u8], config: &Config) -> Result<Incident, Vec<Diagnostic>> {
    let text = decode(path, bytes).map_err(|d| vec![d])?;
    let split = split(path, text).map_err(|d| vec![d])?;
    let (raw, unknown): (RawIncident, _) = front_matter(path, &split)?;
    let mut c = Checker { path, split, diags: unknown };

    let title = c.required("title", raw.title, "\"Release tag koa.2 could not be installed\"");
    let date = c
        .required("date", raw.date.clone(), "2021-02-10")
        .and_then(|_| raw.date.as_ref().and_then(|d| c.date("date", d)));

    let stem = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".md");
    let id = match raw.id {
        Some(s) => {
            let id = s.value.trim().to_string();
            if !is_slug(&id) {
                let p = c.pos(&s);
                let suggestion = slugify(&id);
                let hint = if suggestion.is_empty() { String::new() } else { format!(", e.g. {suggestion:?}") };
                c.error(p, format!("id {id:?} is not a valid id; expected lowercase letters, digits and hyphens{hint}"));
            }
            id
        }
        None => {
            let id = slugify(stem);
            if id.is_empty() {
                c.error(Pos::START, format!("cannot make an id from the file name {stem:?}; add `id: some-name` to the front matter"));
            }
            id
        }
    };

    let severity = raw.severity.as_ref().and_then(|s| {
        let want = s.value.trim();
        match config.severities.iter().position(|x| x.eq_ignore_ascii_case(want)) {
            Some(i) => Some((config.severities[i].clone(), i + 1)),
            None => {
                let p = c.pos(s);
                c.error(p, format!("severity {:?} is not one of {}", s.value, config.severities.join(", ")));
                None
            }
        }
    });
    let status = raw.status.as_ref().and_then(|s| c.one_of("status", s, &Status::ALL)).unwrap_or(Status::Published);
    let visibility = raw
        .visibility
        .as_ref()
        .and_then(|s| c.one_of("visibility", s, &Visibility::ALL))
        .unwrap_or(Visibility::Public);
    let kind = raw.kind.as_ref().and_then(|s| c.one_of("kind", s, &Kind::ALL));

    let services = c.terms("services", raw.services);
    let tags = c.terms("tags", raw.tags);
    let causes = c.terms("causes", raw.causes);
    let mut related = Vec::new();
    for r in raw.related.unwrap_or_default() {
        let pos = c.pos(&r);
        let rid = r.value.trim().to_string();
        if !is_slug(&rid) {
            c.error(pos, format!("related id {rid:?} is not a valid id; expected lowercase letters, digits and hyphens"));
        } else if rid == id {
            c.error(pos, format!("related lists the incident itself ({rid:?}); expected ids of other incidents"));
        } else if !related.iter().any(|x: &IdRef| x.id == rid) {
            related.push(IdRef { id: rid, pos });
        }
    }

    let timestamps = timestamps(&mut c, [&raw.started, &raw.detected, &raw.mitigated, &raw.resolved]);

    let mut action_items = Vec::new();
    for item in raw.action_items.unwrap_or_default() {
        let item_pos = c.pos(&item);
        let r = item.value;
        let title = match Checker::text(r.title) {
            Some(t) => t,
            None => {
                c.error(item_pos, "action item without `title`; expected e.g. `- title: \"Add a health check\"`".into());
                continue;
            }
        };
        let status = r.status.as_ref().and_then(|s| c.one_of("action item status", s, &ActionStatus::ALL));
        if r.status.is_none() {
            c.error(item_pos, format!("action item {title:?} has no `status`; expected one of open, in-progress, done, wont-do"));
        }
        let kind = r.kind.as_ref().and_then(|s| c.one_of("action item type", s, &ActionType::ALL));
        let due = r.due.as_ref().and_then(|d| c.date("due", d));
        let link = match r.link {
            Some(l) => {
                let url = l.value.trim().to_string();
                if url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/') {
                    Some(url)
                } else {
                    let p = c.pos(&l);
                    c.error(p, format!("link {url:?} is not a web address; expected an http(s) URL"));
                    None
                }
            }
            None => None,
        };
        if let Some(status) = status {
            action_items.push(ActionItem { title, owner: Checker::text(r.owner), status, kind, due, link });
        }
    }

    // Checked by the archive stage, which also knows every generated path.
    let aliases: Vec<Alias> = raw.aliases.unwrap_or_default().into_iter().map(|a| Alias { pos: c.pos(&a), raw: a.value }).collect();

    if !c.diags.is_empty() {
        return Err(c.diags);
    }
    let (title, date) = match (title, date) {
        (Some((t, _)), Some(d)) => (t, d),
        _ => return Err(c.diags),
    };
    Ok(Incident {
        id,
        source_path: path.to_string(),
        title,
        date,
        summary: Checker::text(raw.summary).unwrap_or_default(),
        severity,
        status,
        visibility,
        kind,
        services,
        tags,
        causes,
        related,
        timestamps,
        impact: Checker::text(raw.impact),
        trigger: Checker::text(raw.trigger),
        detection: Checker::text(raw.detection),
        action_items: crate::actions::or_from_body(action_items, c.split.body),
        aliases,
        body: c.split.body.to_string(),
        body_line: c.split.body_line,
        history: Default::default(),
        former_ids: Vec::new(),
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
                None => c.error(
                    p,
                    format!(
                        "{} {:?} is not a valid timestamp; expected RFC 3339 (2021-02-10T09:00:00Z) or \"YYYY-MM-DD HH:MM\" in UTC",
                        Timestamps::NAMES[i],
                        s.value
                    ),
                ),
            }
        }
    }
    let mut last: Option<(usize, jiff::Timestamp)> = None;
    for (i, v) in parsed.iter().enumerate() {
        if let Some((ts, p)) = v {
            if let Some((j, prev)) = last {
                if *ts < prev {
                    c.error(
                        *p,
                        format!(
                            "{} ({}) is before {} ({}); expected started <= detected <= mitigated <= resolved",
                            Timestamps::NAMES[i],
                            crate::dates::rfc3339(*ts),
                            Timestamps::NAMES[j],
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
    let mut c = Checker { path, split, diags: unknown };
    let stem = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".md");
    let slug = slugify(stem);
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
    let mut c = Checker { path, split, diags: unknown };
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
        let i = parse_incident("content/incidents/2021/Koa2 Install.md", b"---\ntitle: T\ndate: 2021-02-10\n---\nBody\n", &Config::default())
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
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e[0].contains("missing required key `title`"));
        assert!(e.iter().any(|x| x.starts_with("content/incidents/x.md:2:7: date \"2021-13-01\" is not a valid date")));
        assert!(e.iter().any(|x| x.contains("status \"pubished\" is not one of draft, review, published")));
        assert!(e.iter().any(|x| x.contains("kind \"outrage\" is not one of outage, degradation")));
    }

    #[test]
    fn timestamps_in_order() {
        let e = errors("---\ntitle: T\ndate: 2021-02-10\nstarted: 2021-02-10T10:00:00Z\ndetected: 2021-02-10 09:00\n---\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].starts_with("content/incidents/x.md:5:11: detected (2021-02-10T09:00:00Z) is before started"), "{}", e[0]);
    }

    #[test]
    fn unknown_key_and_unclosed() {
        let e = errors("---\ntitle: T\ndate: 2021-02-10\nseverty: SEV1\n---\n");
        assert!(e[0].starts_with("content/incidents/x.md:4:1: front matter: unknown field `severty`"), "{}", e[0]);
        let e = errors("---\ntitle: T\n");
        assert!(e[0].contains("never closed"));
        let e = errors("");
        assert!(e[0].contains("empty file"));
        let e = errors("# just markdown\n");
        assert!(e[0].contains("missing front matter"));
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
        let i = parse_incident("x.md", "\u{feff}---\r\ntitle: T\r\ndate: 2021-02-10\r\n---\r\nBody\r\n".as_bytes(), &Config::default()).unwrap();
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
