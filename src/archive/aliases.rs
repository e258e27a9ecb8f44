//! Old URLs that must keep working: an incident's `aliases:` entries and
//! the ids it had before its file was renamed. The archive checks them
//! (a path that is safe in `_redirects` and in a folder name, that shadows
//! no file rca-site writes) and keeps one [`Redirect`] per old path;
//! src/feeds.rs writes the redirect pages and `_redirects`.

use crate::diagnostics::Pos;

/// One old URL that must keep working: an `aliases:` entry, or an id the
/// incident had before its file was renamed (from git).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// `/old/url/` or `/old/page.html`, as [`alias_path`] spells it.
    pub from: String,
    /// Index of the target in [`super::Archive::incidents`].
    pub to: usize,
    /// Where the old URL comes from, for errors.
    pub origin: RedirectOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectOrigin {
    /// An `aliases:` entry: the file and the entry's position.
    Alias { file: String, pos: Pos },
    /// A former id of the incident in this file, read from git history.
    FormerId { file: String },
}

/// Files written at the site root that an alias must not shadow; `search/`
/// holds the search index and `__rca/` is where `serve` answers live reloads.
const RESERVED: &[&str] = &[
    "index.html",
    "404.html",
    "feed.xml",
    "sitemap.xml",
    "robots.txt",
    "incidents.json",
    "_redirects",
    "style.css",
    "search.js",
    "incidents.js",
    "search",
    "listing",
    "__rca",
];

/// Longest segment of an alias: a folder or file name in the output.
const MAX_SEGMENT: usize = 200;

/// Checks an `aliases:` entry and gives the path it redirects from:
/// `old/url` or `/old/url` → `/old/url/`; `/old.html` stays a file.
///
/// The path is written as it is into `_redirects`, where whitespace
/// separates fields, `*` and `:name` are placeholders, `!` forces a rule,
/// `?` matches query parameters and `#` starts a comment, and into a folder
/// name in the output: so only letters, digits, `-`, `.`, `_`, `~` and `/`
/// are accepted, without `.`, `..` or empty segments.
pub fn alias_path(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.contains("://") {
        return Err(format!("alias {raw:?} is a full URL; expected a path on this site such as /old/url/"));
    }
    if let Some(c) = t.chars().find(|&c| !(c.is_ascii_alphanumeric() || "-._~/".contains(c))) {
        let what = match c {
            c if c.is_whitespace() => "whitespace".to_string(),
            c if c.is_control() => format!("the control character U+{:04X}", c as u32),
            c => format!("{c:?}"),
        };
        return Err(format!(
            "alias {raw:?} contains {what}; expected only letters, digits, '-', '.', '_', '~' and '/' (in _redirects, whitespace, '*', '!', '?', '#' and ':' change the rule)"
        ));
    }
    let inner = t.trim_start_matches('/').trim_end_matches('/');
    if inner.is_empty() {
        return Err(format!("alias {raw:?} is the home page; expected an old URL path such as /old/url/"));
    }
    if inner.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
        return Err(format!(
            "alias {raw:?} has an empty, '.' or '..' segment; expected a plain path such as /old/url/"
        ));
    }
    if let Some(seg) = inner.split('/').find(|seg| seg.len() > MAX_SEGMENT) {
        return Err(format!(
            "alias {raw:?} has a segment of {} characters; expected at most {MAX_SEGMENT} (each segment becomes a file name)",
            seg.len()
        ));
    }
    let first = inner.split('/').next().unwrap_or(inner);
    if RESERVED.contains(&first) {
        let owner = if first == "__rca" { "which `rca-site serve` answers itself" } else { "which rca-site writes" };
        return Err(format!(
            "alias {raw:?} would shadow /{first}, {owner}; expected an old URL that no generated file uses"
        ));
    }
    if inner.ends_with(".html") {
        Ok(format!("/{inner}"))
    } else {
        Ok(format!("/{inner}/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_normalised() {
        assert_eq!(alias_path("old/url"), Ok("/old/url/".into()));
        assert_eq!(alias_path(" /old/url// "), Ok("/old/url/".into()));
        assert_eq!(alias_path("/a/b.html"), Ok("/a/b.html".into()));
        assert_eq!(alias_path("/Wiki/Outage_2019~1.v2"), Ok("/Wiki/Outage_2019~1.v2/".into()));
        for bad in [
            "/../etc/",
            "/a/./b",
            "/a//b",
            "https://x",
            "/",
            "",
            "/a b/",
            "/a\u{0}/",
            "/*",
            "/a!",
            "/a?b",
            "/a#b",
            "/:splat",
            "/é/",
            "/a%20b/",
        ] {
            assert!(alias_path(bad).is_err(), "{bad:?} accepted");
        }
        assert!(alias_path(&format!("/{}/", "x".repeat(MAX_SEGMENT))).is_ok());
        assert!(alias_path(&format!("/{}/", "x".repeat(MAX_SEGMENT + 1))).is_err());
        for reserved in ["/feed.xml", "/_redirects/", "/__rca/events", "/search/x/", "/index.html", "/style.css"] {
            assert!(alias_path(reserved).unwrap_err().contains("would shadow"), "{reserved}");
        }
    }
}
