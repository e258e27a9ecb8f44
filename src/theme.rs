//! The theme: the built-in templates and static files, each replaceable by a
//! file of the same path in the archive's own `theme/`.

use std::collections::BTreeMap;

use crate::source::Snapshot;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));
}

/// Templates (name → source) and static assets (path → bytes) after
/// applying the archive's overrides.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: BTreeMap<String, ThemeFile<String>>,
    pub assets: BTreeMap<String, Vec<u8>>,
}

/// A template with where it came from, for error messages.
#[derive(Debug, Clone)]
pub struct ThemeFile<T> {
    pub contents: T,
    /// `theme/templates/x.html` in the archive, or `(built-in) templates/x.html`.
    pub origin: String,
}

impl Theme {
    /// Built-in files first, then the archive's `theme/` over them.
    pub fn load(snapshot: &Snapshot) -> Theme {
        let mut theme = Theme::default();
        for (path, bytes) in embedded::FILES {
            theme.add(path, bytes, format!("(built-in theme) {path}"));
        }
        for (path, bytes) in snapshot.under("theme/") {
            let rel = &path["theme/".len()..];
            theme.add(rel, bytes, path.to_string());
        }
        theme
    }

    fn add(&mut self, rel: &str, bytes: &[u8], origin: String) {
        if let Some(name) = rel.strip_prefix("templates/") {
            let contents = String::from_utf8_lossy(bytes).into_owned();
            self.templates.insert(name.to_string(), ThemeFile { contents, origin });
        } else if let Some(asset) = rel.strip_prefix("static/") {
            self.assets.insert(asset.to_string(), bytes.to_vec());
        }
    }
}
