//! `rca-site.toml`: the site configuration. Every key has a default, and an
//! unknown key is an error so that a typo is never silently ignored.
//!
//! It also owns the grammar of its values that other stages read the same
//! way: a glob of `incidents`/`exclude` ([`compile_glob`], which
//! src/select.rs builds its sets from) and a `[fields]` template
//! ([`check_template`], [`template_keys`], which src/parse/ fills in), and
//! the usual names of incident keys in other archives ([`field_for`], for
//! `init` and parse's hints). So the configuration imports no stage above it.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diagnostics::{Diagnostics, Pos};

pub const CONFIG_FILE: &str = "rca-site.toml";

/// The parsed site configuration.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub title: String,
    /// Absolute base URL without trailing slash, or "" when unset (links in
    /// the feed and sitemap are then root-relative).
    pub base_url: String,
    pub description: String,
    pub repo_url: Option<String>,
    /// Ordered, most severe first.
    pub severities: Vec<String>,
    pub output: String,
    pub show_authors: bool,
    /// Emails typed in incidents, causes and pages are masked unless true.
    pub show_emails: bool,
    pub unsafe_html: bool,
    pub severity_descriptions: BTreeMap<String, String>,
    /// `[services]`, `[tags]`: display names of terms, by slug or by any
    /// spelling of it (`learning-platform = "Learning platform"`).
    pub services: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
    pub related: RelatedConfig,
    /// Globs (relative to the root) of the incident files.
    pub incidents: Vec<String>,
    /// Globs of files that match `incidents` but are not incidents.
    pub exclude: Vec<String>,
    /// rca-site key → the archive's own key(s) or a template over them.
    pub fields: BTreeMap<String, FieldSource>,
    /// The archive's own keys to keep and show: key → label.
    pub extra: BTreeMap<String, String>,
    /// Set (never read from the file) when `--base-url` differs from a
    /// `base_url` the file sets: a deploy preview, which asks search engines
    /// not to index it (see src/share.rs).
    #[serde(skip)]
    pub deploy_preview: bool,
    pub pagination: PaginationConfig,
}

/// `[pagination]`: how many entries one page of a list shows (incidents,
/// a term, a severity, the action-item board).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PaginationConfig {
    pub per_page: usize,
}

impl Default for PaginationConfig {
    fn default() -> Self {
        PaginationConfig { per_page: 100 }
    }
}

/// Where `[fields]` takes an rca-site key from: one of the archive's keys
/// or a `"{key} template"`, or a list of them (the first present and
/// non-empty wins).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum FieldSource {
    One(String),
    FirstOf(Vec<String>),
}

impl FieldSource {
    /// The alternatives, in order.
    pub fn alternatives(&self) -> &[String] {
        match self {
            FieldSource::One(s) => std::slice::from_ref(s),
            FieldSource::FirstOf(v) => v,
        }
    }
}

/// Whether a `[fields]` entry is a template (`"{company} {product} incident"`).
pub fn is_template(s: &str) -> bool {
    s.contains('{')
}

/// Checks a `[fields]` alternative: a key, or a template whose braces pair
/// up around key names.
pub fn check_template(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("an empty key; expected the name of one of your front-matter keys".into());
    }
    if !is_template(s) {
        return if s.contains('}') {
            Err(format!("{s:?} has `}}` without `{{`; expected e.g. \"{{company}} incident\""))
        } else {
            Ok(())
        };
    }
    let mut rest = s;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(format!("{s:?} has `}}` without `{{`; expected e.g. \"{{company}} incident\""));
        }
        let Some(close) = rest[open..].find('}') else {
            return Err(format!("{s:?} has `{{` without `}}`; expected e.g. \"{{company}} incident\""));
        };
        let key = &rest[open + 1..open + close];
        if key.trim().is_empty() || key.contains('{') {
            return Err(format!("{s:?}: expected a key name between `{{` and `}}`"));
        }
        rest = &rest[open + close + 1..];
    }
    Ok(())
}

pub fn template_keys(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else { break };
        out.push(rest[open + 1..open + close].trim().to_string());
        rest = &rest[open + close + 1..];
    }
    out
}

/// The incident key an archive's own key usually means.
pub fn field_for(key: &str) -> Option<&'static str> {
    let k = key.to_ascii_lowercase().replace('-', "_");
    Some(match k.as_str() {
        "start_time" | "started_at" | "start" | "begin" | "began" | "start_date" | "began_at" | "starttime" => {
            "started"
        }
        "end_time" | "ended_at" | "end" | "finish" | "end_date" | "resolved_at" | "endtime" => "resolved",
        "detected_at" | "detection_time" => "detected",
        "mitigated_at" | "mitigation_time" => "mitigated",
        "categories" | "category" | "root_causes" | "root_cause" | "cause" | "contributing_factors" => "causes",
        "keywords" | "labels" | "label" | "tag" => "tags",
        "component" | "components" | "service" | "product" | "products" | "system" | "systems" => "services",
        "name" | "headline" | "subject" => "title",
        "description" | "abstract" | "tldr" | "synopsis" => "summary",
        "sev" | "priority" | "severity_level" => "severity",
        "incident_date" | "occurred_at" | "occurred" | "day" => "date",
        "slug" | "incident_id" => "id",
        _ => return None,
    })
}

/// Compiles one `incidents` or `exclude` glob as git would read it: `*` stays inside a folder,
/// `**` crosses folders.
pub fn compile_glob(glob: &str) -> Result<globset::Glob, String> {
    let g = glob.trim().trim_start_matches("./");
    if g.is_empty() {
        return Err("an empty glob; expected e.g. \"postmortems/*.md\"".into());
    }
    if g.starts_with('/') || g.split('/').any(|p| p == "..") {
        return Err(format!(
            "glob {glob:?} leaves the archive; expected a path relative to the root, e.g. \"postmortems/*.md\""
        ));
    }
    globset::GlobBuilder::new(g)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("glob {glob:?}: {}", e.kind()))
}

/// The default `incidents` glob: today's layout.
pub const DEFAULT_INCIDENTS: &str = "content/incidents/**/*.md";

/// The incident keys `[fields]` may map.
pub const MAPPABLE_KEYS: [&str; 20] = [
    "title",
    "date",
    "published",
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
];

/// Weights of the automatic "related incidents" score.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RelatedConfig {
    pub max: usize,
    pub causes: u32,
    pub services: u32,
    pub tags: u32,
    pub threshold: u32,
}

impl Default for RelatedConfig {
    fn default() -> Self {
        RelatedConfig { max: 5, causes: 3, services: 2, tags: 1, threshold: 3 }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Incident archive".into(),
            base_url: String::new(),
            description: "Public postmortems".into(),
            repo_url: None,
            severities: ["SEV1", "SEV2", "SEV3", "SEV4"].map(String::from).to_vec(),
            output: "public".into(),
            show_authors: false,
            show_emails: false,
            unsafe_html: false,
            severity_descriptions: BTreeMap::new(),
            services: BTreeMap::new(),
            tags: BTreeMap::new(),
            related: RelatedConfig::default(),
            incidents: vec![DEFAULT_INCIDENTS.to_string()],
            exclude: Vec::new(),
            fields: BTreeMap::new(),
            extra: BTreeMap::new(),
            deploy_preview: false,
            pagination: PaginationConfig::default(),
        }
    }
}

impl Config {
    /// Parses `rca-site.toml`. On error the defaults are returned alongside
    /// the diagnostics so that the remaining files can still be checked.
    pub fn parse(text: &str, diags: &mut Diagnostics) -> Config {
        let mut config = match toml::from_str::<Config>(text) {
            Ok(c) => c,
            Err(e) => {
                let pos = e.span().map_or(Pos::START, |s| Pos::of_offset(text, s.start));
                let msg = e.message().trim().replace('\n', " ");
                diags.error(CONFIG_FILE, pos, msg);
                return Config::default();
            }
        };
        config.base_url = config.base_url.trim().trim_end_matches('/').to_string();
        if let Some(repo) = &config.repo_url {
            let repo = repo.trim().trim_end_matches('/').to_string();
            config.repo_url = if repo.is_empty() { None } else { Some(repo) };
        }
        config.validate(text, diags);
        config
    }

    fn validate(&self, text: &str, diags: &mut Diagnostics) {
        let pos_of = |key: &str| {
            text.find(&format!("{key} ")).or_else(|| text.find(key)).map_or(Pos::START, |o| Pos::of_offset(text, o))
        };
        let mut seen = std::collections::HashSet::new();
        for s in &self.severities {
            if crate::slugs::slugify(s).is_empty() {
                diags.error(
                    CONFIG_FILE,
                    pos_of("severities"),
                    format!("severity {s:?} has no letters or digits; expected a name like \"SEV1\""),
                );
            } else if !seen.insert(crate::slugs::slugify(s)) {
                diags.error(CONFIG_FILE, pos_of("severities"), format!("severity {s:?} is listed twice"));
            }
        }
        for key in self.severity_descriptions.keys() {
            if !self.severities.contains(key) {
                diags.error(
                    CONFIG_FILE,
                    pos_of(key),
                    format!("severity_descriptions has {key:?}, which is not one of {}", self.severities.join(", ")),
                );
            }
        }
        let at_value = |key: &str| value_pos(text, key).unwrap_or_else(|| pos_of(key));
        if !self.base_url.is_empty() && !is_http_url(&self.base_url) {
            diags.error(
                CONFIG_FILE,
                at_value("base_url"),
                format!(
                    "base_url {:?} must be an absolute http(s) URL, e.g. \"https://incidents.example.com\"",
                    self.base_url
                ),
            );
        }
        if let Some(repo) = self.repo_url.as_deref().filter(|r| !is_http_url(r)) {
            diags.error(
                CONFIG_FILE,
                at_value("repo_url"),
                format!(
                    "repo_url {repo:?} must be an absolute http(s) URL, e.g. \"https://github.com/example/incidents\""
                ),
            );
        }
        if self.pagination.per_page == 0 {
            let pos = table_value_pos(text, "pagination", "per_page").unwrap_or_else(|| pos_of("per_page"));
            diags.error(CONFIG_FILE, pos, "pagination.per_page must be at least 1, e.g. per_page = 100");
        }
        if self.output.trim().is_empty() {
            diags.error(CONFIG_FILE, at_value("output"), "output must name a directory, e.g. \"public\"");
        }
        self.validate_adoption(text, diags);
    }

    /// `incidents`, `exclude`, `[fields]` and `[extra]`.
    fn validate_adoption(&self, text: &str, diags: &mut Diagnostics) {
        let pos_of = |needle: &str| text.find(needle).map_or(Pos::START, |o| Pos::of_offset(text, o));
        for (key, globs) in [("incidents", &self.incidents), ("exclude", &self.exclude)] {
            for g in globs {
                if let Err(e) = compile_glob(g) {
                    diags.error(CONFIG_FILE, pos_of(&format!("{g:?}")), format!("{key}: {e}"));
                }
            }
        }
        if self.incidents.is_empty() {
            diags.error(
                CONFIG_FILE,
                pos_of("incidents"),
                format!("incidents must list at least one glob, e.g. [{DEFAULT_INCIDENTS:?}]"),
            );
        }
        for (key, source) in &self.fields {
            let pos = pos_of(&format!("{key} ="));
            if !MAPPABLE_KEYS.contains(&key.as_str()) {
                diags.error(
                    CONFIG_FILE,
                    pos,
                    format!("[fields] {key:?} is not an incident key; expected one of {}", MAPPABLE_KEYS.join(", ")),
                );
            }
            for alt in source.alternatives() {
                if let Err(e) = check_template(alt) {
                    diags.error(CONFIG_FILE, pos, format!("[fields] {key}: {e}"));
                }
            }
        }
        for (key, label) in &self.extra {
            if label.trim().is_empty() {
                diags.error(
                    CONFIG_FILE,
                    pos_of(&format!("{key} =")),
                    format!("[extra] {key} has an empty label; expected e.g. {key} = \"Source\""),
                );
            }
        }
    }

    /// The path part of `base_url` ("" or "/sub/dir"), prefixed to every
    /// root-relative link so a site can live below a sub-path.
    pub fn base_path(&self) -> String {
        let rest = self.base_url.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        match rest.find('/') {
            Some(i) => rest[i..].trim_end_matches('/').to_string(),
            None => String::new(),
        }
    }

    /// Rank (1 = most severe) of a severity name, if it is configured.
    pub fn severity_rank(&self, name: &str) -> Option<usize> {
        self.severities.iter().position(|s| s == name).map(|i| i + 1)
    }
}

/// An absolute `http://` or `https://` URL with a host and no whitespace
/// or control characters: anything else (`javascript:`, `//host`, a
/// relative path) must never become a link on every page.
fn is_http_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")) else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\\' | '`'))
}

/// Where the value of the top-level `key` starts in `rca-site.toml`, for
/// errors about a value (not its key, not 1:1).
pub fn value_pos(text: &str, key: &str) -> Option<Pos> {
    let table = toml::de::DeTable::parse(text).ok()?;
    let value = table.get_ref().iter().find(|(k, _)| k.get_ref().as_ref() == key)?.1;
    Some(Pos::of_offset(text, value.span().start))
}

/// Where the value of `key` in the table `[table]` starts.
fn table_value_pos(text: &str, table: &str, key: &str) -> Option<Pos> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let t = doc.get_ref().iter().find(|(k, _)| k.get_ref().as_ref() == table)?.1;
    let toml::de::DeValue::Table(t) = t.get_ref() else { return None };
    let value = t.iter().find(|(k, _)| k.get_ref().as_ref() == key)?.1;
    Some(Pos::of_offset(text, value.span().start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        let mut d = Diagnostics::new();
        let c = Config::parse("", &mut d);
        assert!(d.is_empty());
        assert_eq!(c, Config::default());
    }

    #[test]
    fn unknown_key_is_an_error_with_position() {
        let mut d = Diagnostics::new();
        Config::parse("title = \"x\"\ntitel = \"y\"\n", &mut d);
        let s = d.sorted()[0].to_string();
        assert!(s.starts_with("rca-site.toml:2:1: unknown field `titel`"), "{s}");
    }

    #[test]
    fn urls_must_be_http_with_the_error_at_the_value() {
        let mut d = Diagnostics::new();
        Config::parse("title = \"x\"\nrepo_url   =  \"javascript:alert(1)\"\nbase_url = \"ftp://x\"\n", &mut d);
        let all: Vec<String> = d.sorted().iter().map(|x| x.to_string()).collect();
        assert!(
            all[0].starts_with("rca-site.toml:2:15: repo_url \"javascript:alert(1)\" must be an absolute http(s) URL"),
            "{all:?}"
        );
        assert!(all[1].starts_with("rca-site.toml:3:12: base_url \"ftp://x\""), "{all:?}");
        for bad in ["//evil.example", "https://", "https://a b", "http:/x", "/relative", "data:text/html,x"] {
            let mut d = Diagnostics::new();
            Config::parse(&format!("repo_url = {bad:?}\n"), &mut d);
            assert!(d.has_errors(), "{bad}");
        }
        for good in ["https://github.com/example/incidents", "HTTP://git.example:8080/x/", ""] {
            let mut d = Diagnostics::new();
            Config::parse(&format!("repo_url = {good:?}\n"), &mut d);
            assert!(d.is_empty(), "{good}");
        }
    }

    #[test]
    fn per_page_must_be_positive_with_the_error_at_the_value() {
        let mut d = Diagnostics::new();
        let c = Config::parse("title = \"x\"\n[pagination]\nper_page =  0\n", &mut d);
        let s = d.sorted()[0].to_string();
        assert!(s.starts_with("rca-site.toml:3:13: pagination.per_page must be at least 1"), "{s}");
        assert_eq!(c.pagination.per_page, 0);
        let mut d = Diagnostics::new();
        Config::parse("[pagination]\nper_page = -3\n", &mut d);
        assert!(d.sorted()[0].to_string().starts_with("rca-site.toml:2:12:"), "{:?}", d.sorted());
        let mut d = Diagnostics::new();
        Config::parse("[pagination]\nper_pag = 3\n", &mut d);
        assert!(
            d.sorted()[0].to_string().starts_with("rca-site.toml:2:1: unknown field `per_pag`"),
            "{:?}",
            d.sorted()
        );
        let mut d = Diagnostics::new();
        assert_eq!(Config::parse("[pagination]\nper_page = 7\n", &mut d).pagination.per_page, 7);
        assert!(d.is_empty());
        assert_eq!(Config::parse("", &mut d).pagination.per_page, 100);
    }

    #[test]
    fn base_path_from_url() {
        let c = Config { base_url: "https://x.github.io/archive".into(), ..Config::default() };
        assert_eq!(c.base_path(), "/archive");
        let c = Config { base_url: "https://x.example".into(), ..Config::default() };
        assert_eq!(c.base_path(), "");
    }

    #[test]
    fn templates_checked() {
        assert!(check_template("{company} {product} incident").is_ok());
        assert!(check_template("{company").is_err());
        assert!(check_template("company}").is_err());
        assert!(check_template("{}").is_err());
        assert!(check_template("start_time").is_ok());
    }

    #[test]
    fn archive_keys_map_to_incident_keys() {
        assert_eq!(field_for("start_time"), Some("started"));
        assert_eq!(field_for("Keywords"), Some("tags"));
        assert_eq!(field_for("archive_url"), None);
    }

    #[test]
    fn bad_globs() {
        assert!(compile_glob("a/[b").is_err());
        assert!(compile_glob("../x/*.md").is_err());
        assert!(compile_glob("/etc/*").is_err());
        assert!(compile_glob("  ").is_err());
    }
}
