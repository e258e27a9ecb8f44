//! `rca-site.toml`: the site configuration. Every key has a default, and an
//! unknown key is an error so that a typo is never silently ignored.

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
    pub unsafe_html: bool,
    pub severity_descriptions: BTreeMap<String, String>,
    pub related: RelatedConfig,
    /// Globs (relative to the root) of the incident files.
    pub incidents: Vec<String>,
    /// Globs of files that match `incidents` but are not incidents.
    pub exclude: Vec<String>,
    /// rca-site key → the archive's own key(s) or a template over them.
    pub fields: BTreeMap<String, FieldSource>,
    /// The archive's own keys to keep and show: key → label.
    pub extra: BTreeMap<String, String>,
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

/// The default `incidents` glob: today's layout.
pub const DEFAULT_INCIDENTS: &str = "content/incidents/**/*.md";

/// The incident keys `[fields]` may map.
pub const MAPPABLE_KEYS: [&str; 20] = [
    "title", "date", "published", "id", "summary", "severity", "status", "visibility", "kind", "services", "tags", "causes",
    "related", "started", "detected", "mitigated", "resolved", "impact", "trigger", "detection",
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
            unsafe_html: false,
            severity_descriptions: BTreeMap::new(),
            related: RelatedConfig::default(),
            incidents: vec![DEFAULT_INCIDENTS.to_string()],
            exclude: Vec::new(),
            fields: BTreeMap::new(),
            extra: BTreeMap::new(),
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
                diags.error(CONFIG_FILE, pos_of("severities"), format!("severity {s:?} has no letters or digits; expected a name like \"SEV1\""));
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
        if !self.base_url.is_empty() && !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            diags.error(
                CONFIG_FILE,
                pos_of("base_url"),
                format!("base_url {:?} must be an absolute http(s) URL, e.g. \"https://incidents.example.com\"", self.base_url),
            );
        }
        if self.output.trim().is_empty() {
            diags.error(CONFIG_FILE, pos_of("output"), "output must name a directory, e.g. \"public\"");
        }
        self.validate_adoption(text, diags);
    }

    /// `incidents`, `exclude`, `[fields]` and `[extra]`.
    fn validate_adoption(&self, text: &str, diags: &mut Diagnostics) {
        let pos_of = |needle: &str| text.find(needle).map_or(Pos::START, |o| Pos::of_offset(text, o));
        for (key, globs) in [("incidents", &self.incidents), ("exclude", &self.exclude)] {
            for g in globs {
                if let Err(e) = crate::select::compile(g) {
                    diags.error(CONFIG_FILE, pos_of(&format!("{g:?}")), format!("{key}: {e}"));
                }
            }
        }
        if self.incidents.is_empty() {
            diags.error(CONFIG_FILE, pos_of("incidents"), format!("incidents must list at least one glob, e.g. [{DEFAULT_INCIDENTS:?}]"));
        }
        for (key, source) in &self.fields {
            let pos = pos_of(&format!("{key} ="));
            if !MAPPABLE_KEYS.contains(&key.as_str()) {
                diags.error(CONFIG_FILE, pos, format!("[fields] {key:?} is not an incident key; expected one of {}", MAPPABLE_KEYS.join(", ")));
            }
            for alt in source.alternatives() {
                if let Err(e) = crate::parse::check_template(alt) {
                    diags.error(CONFIG_FILE, pos, format!("[fields] {key}: {e}"));
                }
            }
        }
        for (key, label) in &self.extra {
            if label.trim().is_empty() {
                diags.error(CONFIG_FILE, pos_of(&format!("{key} =")), format!("[extra] {key} has an empty label; expected e.g. {key} = \"Source\""));
            }
        }
    }

    /// The path part of `base_url` ("" or "/sub/dir"), prefixed to every
    /// root-relative link so a site can live below a sub-path.
    pub fn base_path(&self) -> String {
        let rest = self
            .base_url
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or("");
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
    fn base_path_from_url() {
        let c = Config { base_url: "https://x.github.io/archive".into(), ..Config::default() };
        assert_eq!(c.base_path(), "/archive");
        let c = Config { base_url: "https://x.example".into(), ..Config::default() };
        assert_eq!(c.base_path(), "");
    }
}
