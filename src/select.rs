//! Which files are incidents: the `incidents` and `exclude` globs of
//! rca-site.toml.
//!
//! An archive that was not written for rca-site keeps its postmortems where
//! they are (the repository root, `postmortems/`, files without an
//! extension), beside a README, a LICENSE and a template that must never be
//! published. The selection is a plain value the source stage, the build,
//! `serve` and the history walk all ask, so they agree on the same files.

use globset::{GlobSet, GlobSetBuilder};

use crate::config::{compile_glob, Config, CONFIG_FILE};

/// The compiled `incidents` and `exclude` globs.
#[derive(Debug, Clone)]
pub struct Selection {
    incidents: GlobSet,
    exclude: GlobSet,
    /// Globs without wildcards: they name a file exactly, which lets a
    /// README or a template be an incident after all.
    exact: Vec<String>,
    /// The folder each `incidents` glob starts in ("" for the root).
    bases: Vec<String>,
    /// The `incidents` and `exclude` globs it was compiled from.
    globs: (Vec<String>, Vec<String>),
}

fn is_wild(glob: &str) -> bool {
    glob.contains(['*', '?', '[', '{'])
}

fn set(globs: &[String]) -> GlobSet {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        // Invalid globs are reported by the configuration's validation.
        if let Ok(g) = compile_glob(g) {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| GlobSet::empty())
}

/// Names no stage reads, whatever the globs say: hidden files and folders
/// (`.git/`, `.DS_Store`), editor backups and swap files (`#a.md#`, `a.md~`,
/// `.a.md.swp`) and temporary files.
pub fn is_ignored(name: &std::ffi::OsStr) -> bool {
    let name = name.to_string_lossy();
    name.starts_with('.')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
}

/// Files named like this are never incidents unless a glob names them
/// exactly: they sit beside the postmortems in most archives.
pub fn is_never_incident(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let stem = upper.split('.').next().unwrap_or("");
    matches!(stem, "README" | "LICENSE" | "LICENCE" | "COPYING" | "CONTRIBUTING" | "CHANGELOG" | "CODE_OF_CONDUCT")
        || upper.contains("TEMPLATE")
}

impl Selection {
    pub fn new(config: &Config) -> Selection {
        let norm = |g: &String| g.trim().trim_start_matches("./").to_string();
        let incidents: Vec<String> = config.incidents.iter().map(norm).collect();
        let bases = incidents
            .iter()
            .map(|g| {
                let fixed: Vec<&str> = g.split('/').take_while(|p| !is_wild(p)).collect();
                // A glob without wildcards names a file: its base is its folder.
                let n = if is_wild(g) { fixed.len() } else { fixed.len().saturating_sub(1) };
                fixed[..n].join("/")
            })
            .collect();
        Selection {
            incidents: set(&incidents),
            exclude: set(&config.exclude),
            exact: incidents.iter().filter(|g| !is_wild(g)).cloned().collect(),
            bases,
            globs: (incidents, config.exclude.clone()),
        }
    }

    /// Whether `other` was compiled from the same globs, and so selects
    /// the same files.
    pub fn same_as(&self, other: &Selection) -> bool {
        self.globs == other.globs
    }

    /// Whether the file at `path` (relative to the root, `/`-separated) is
    /// an incident.
    pub fn is_incident(&self, path: &str) -> bool {
        if self.exact.iter().any(|g| g == path) {
            return true;
        }
        if path == CONFIG_FILE
            || path == "content/_index.md"
            || ["theme/", "content/causes/", "content/pages/", ".git/"].iter().any(|p| path.starts_with(p))
            || path.split('/').any(|p| is_ignored(std::ffi::OsStr::new(p)) || p == "node_modules")
            || path.starts_with("target/")
        {
            return false;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        self.incidents.is_match(path) && !self.exclude.is_match(path) && !is_never_incident(name)
    }

    /// The folders the incident globs start in ("" for the root), without
    /// repeats and without folders inside another one listed.
    pub fn bases(&self) -> Vec<String> {
        let mut out: Vec<String> = self.bases.clone();
        out.sort();
        out.dedup();
        let all = out.clone();
        out.retain(|b| !all.iter().any(|o| o != b && (o.is_empty() || b.starts_with(&format!("{o}/")))));
        out
    }

    /// Whether every incident lies in `content/` (today's layout), which
    /// the source stage reads anyway.
    pub fn inside_content(&self) -> bool {
        self.bases().iter().all(|b| b == "content" || b.starts_with("content/"))
    }
}

/// The selection of the configuration in `rca-site.toml` (its text, if
/// any); a configuration with errors selects the default layout (the
/// errors are reported when the build parses it).
pub fn of_config_text(text: Option<&[u8]>) -> (Config, Selection) {
    let config = text
        .and_then(|b| std::str::from_utf8(b).ok())
        .map(|t| Config::parse(t, &mut crate::diagnostics::Diagnostics::new()))
        .unwrap_or_default();
    let selection = Selection::new(&config);
    (config, selection)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(incidents: &[&str], exclude: &[&str]) -> Selection {
        let config = Config {
            incidents: incidents.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            ..Config::default()
        };
        Selection::new(&config)
    }

    #[test]
    fn default_keeps_todays_layout() {
        let s = sel(&[crate::config::DEFAULT_INCIDENTS], &[]);
        assert!(s.is_incident("content/incidents/2021/a.md"));
        assert!(s.is_incident("content/incidents/a.md"));
        assert!(!s.is_incident("content/causes/a.md"));
        assert!(!s.is_incident("a.md"));
        assert!(!s.is_incident("content/incidents/README.md"));
        assert!(!s.is_incident("content/incidents/.a.md"));
        assert!(s.inside_content());
    }

    #[test]
    fn root_files_without_extension_templates_and_readmes() {
        let s = sel(&["*.md", "PM*"], &["drafts/*"]);
        assert!(s.is_incident("2019-03-12-db-failover.md"));
        assert!(s.is_incident("PM2019-009 - Kubernetes outage"));
        assert!(!s.is_incident("postmortems/x.md"), "`*` stays in its folder");
        assert!(!s.is_incident("README.md"));
        assert!(!s.is_incident("Postmortem template.md"));
        assert!(!s.is_incident("LICENSE"));
        assert!(!s.is_incident("rca-site.toml"));
        assert!(!sel(&["**/*.md"], &[]).is_incident("node_modules/x/CHANGES.md"));
        assert!(!sel(&["**/*.md"], &[]).is_incident("target/doc/x.md"));
        assert_eq!(s.bases(), [""]);
        assert!(!s.inside_content());
        let s = sel(&["postmortems/**/*", "README.md"], &["postmortems/old/**"]);
        assert!(s.is_incident("README.md"), "named exactly");
        assert!(s.is_incident("postmortems/2020/a"));
        assert!(!s.is_incident("postmortems/old/a.md"));
        assert_eq!(s.bases(), [""]);
    }
}
