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
            let contents = unindent(&String::from_utf8_lossy(bytes));
            self.templates.insert(name.to_string(), ThemeFile { contents, origin });
        } else if let Some(asset) = rel.strip_prefix("static/") {
            self.assets.insert(asset.to_string(), bytes.to_vec());
        }
    }
}

/// Template source without the indentation of its lines, outside `<pre>`
/// and `<textarea>`: a line break already separates what the indentation
/// did, so pages look the same and weigh about 1 KB less each (10 MB at
/// 10,000 incidents). Lines are kept, so errors keep their line numbers.
fn unindent(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let mut verbatim = 0usize;
    for line in src.split_inclusive('\n') {
        out.push_str(if verbatim > 0 { line } else { line.trim_start_matches([' ', '\t']) });
        let lower = line.to_ascii_lowercase();
        for tag in ["pre", "textarea"] {
            let opened = lower.matches(&format!("<{tag}>")).count() + lower.matches(&format!("<{tag} ")).count();
            let closed = lower.matches(&format!("</{tag}>")).count();
            verbatim = (verbatim + opened).saturating_sub(closed);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unindent;

    #[test]
    fn unindent_strips_indentation_but_not_inside_pre() {
        let src = "<ul>\n  <li>a</li>\n\t<li>b</li>\n</ul>\n<pre>\n  kept\n</pre>\n  <p>x</p>";
        assert_eq!(unindent(src), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<pre>\n  kept\n</pre>\n<p>x</p>");
        assert_eq!(unindent("<textarea rows=2>\n  t\n</textarea>\n  y"), "<textarea rows=2>\n  t\n</textarea>\ny");
    }
}
