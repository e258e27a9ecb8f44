//! The theme: the built-in templates and static files, each replaceable by a
//! file of the same path in the archive's own `theme/`.

use std::collections::BTreeMap;

use crate::markup::{first_tag, is_block, last_tag};
use crate::source::Snapshot;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));
}

/// Template name → its source.
pub type Templates = BTreeMap<String, ThemeFile<String>>;

/// Templates (name → source) and static assets (path → bytes) after
/// applying the archive's overrides.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: Templates,
    pub assets: BTreeMap<String, Vec<u8>>,
}

/// A template with where it came from, for error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeFile<T> {
    pub contents: T,
    /// `theme/templates/x.html` in the archive, or `(built-in) templates/x.html`.
    pub origin: String,
}

impl Theme {
    /// Built-in files first, then the archive's `theme/` over them.
    pub fn load(snapshot: &Snapshot) -> Theme {
        let mut theme = Theme::built_in().clone();
        for (path, bytes) in snapshot.under("theme/") {
            let rel = &path["theme/".len()..];
            theme.add(rel, bytes, path.to_string(), false);
        }
        theme
    }

    /// The built-in files, prepared once per process (serve loads the
    /// theme on every rebuild; unindenting them took 3 ms of it).
    fn built_in() -> &'static Theme {
        static BUILT_IN: std::sync::OnceLock<Theme> = std::sync::OnceLock::new();
        BUILT_IN.get_or_init(|| {
            let mut theme = Theme::default();
            for (path, bytes) in embedded::FILES {
                theme.add(path, bytes, format!("(built-in theme) {path}"), true);
            }
            theme
        })
    }

    /// `built_in`: one of our own templates, whose line breaks between block
    /// elements are also dropped (see [`join_blocks`]); an archive's own
    /// templates keep theirs, as their stylesheet may lay out what they hold
    /// differently.
    fn add(&mut self, rel: &str, bytes: &[u8], origin: String, built_in: bool) {
        if let Some(name) = rel.strip_prefix("templates/") {
            let mut contents = unindent(&String::from_utf8_lossy(bytes));
            if built_in {
                contents = join_blocks(&contents);
            }
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

/// The closing delimiter of the Tera comment, statement or expression that is
/// still open at the end of `line`, given the one open at its start: a line
/// break inside one is Tera's, not the page's (and a comment cannot nest).
fn still_open(line: &str, mut open: Option<&'static str>) -> Option<&'static str> {
    let mut rest = line;
    loop {
        match open {
            Some(close) => match rest.find(close) {
                Some(at) => {
                    rest = &rest[at + close.len()..];
                    open = None;
                }
                None => return open,
            },
            None => {
                let next = ["{#", "{%", "{{"].iter().filter_map(|d| rest.find(d).map(|at| (at, *d))).min();
                let (at, delim) = next?;
                rest = &rest[at + 2..];
                open = Some(match delim {
                    "{#" => "#}",
                    "{%" => "%}",
                    _ => "}}",
                });
            }
        }
    }
}

/// Template source (after [`unindent`]) without the line breaks that
/// follow a block element's tag (`</li>`, `<div class="x">`) or precede
/// one (see [`crate::markup`]), outside `<pre>` and `<textarea>` and Tera's
/// own tags and comments: in normal flow whitespace next to
/// a block starts or ends a line and shows nothing, and in flex and grid
/// boxes it is dropped; at 10,000 incidents those line breaks weigh
/// megabytes. Each one is kept inside a template comment (`{#` line break
/// `#}`), which renders nothing, so errors keep their line numbers. Between
/// inline elements (`</a>` / `<span>`) a line break is a space, and stays.
fn join_blocks(src: &str) -> String {
    let mut out = String::with_capacity(src.len() + src.len() / 8);
    let mut verbatim = 0usize;
    let mut open = None;
    let mut lines = src.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        let lower = line.to_ascii_lowercase();
        for tag in ["pre", "textarea"] {
            let opened = lower.matches(&format!("<{tag}>")).count() + lower.matches(&format!("<{tag} ")).count();
            let closed = lower.matches(&format!("</{tag}>")).count();
            verbatim = (verbatim + opened).saturating_sub(closed);
        }
        open = still_open(line, open);
        match (line.strip_suffix('\n'), lines.peek()) {
            (Some(body), Some(next))
                if verbatim == 0 && open.is_none() && (is_block(last_tag(body)) || is_block(first_tag(next))) =>
            {
                out.push_str(body);
                out.push_str("{#\n#}");
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{join_blocks, unindent};

    #[test]
    fn join_blocks_drops_line_breaks_next_to_blocks_only() {
        let src = "<ul>\n<li>a</li>\n<li class=\"x\">b</li>\n</ul>\n<p><a href=\"/\">x</a>\n<span>y</span>\n{%- if z %}\n<p>z</p>\n";
        assert_eq!(
            join_blocks(src),
            "<ul>{#\n#}<li>a</li>{#\n#}<li class=\"x\">b</li>{#\n#}</ul>{#\n#}<p><a href=\"/\">x</a>\n<span>y</span>\n{%- if z %}{#\n#}<p>z</p>\n"
        );
        // Not inside <pre>, and the line count is the same.
        let pre = "<div>\n<pre>\n<p>kept</p>\n</pre>\n<div>";
        assert_eq!(join_blocks(pre), "<div>{#\n#}<pre>\n<p>kept</p>\n</pre>{#\n#}<div>");
        assert_eq!(join_blocks(src).lines().count(), src.lines().count());
        // Nor inside a Tera comment or a statement spread over lines.
        let tera = "{#- a comment that names\n<li> and </li>\n-#}\n{%- set x = [\n\"<p>\"] %}\n<p>";
        assert_eq!(
            join_blocks(tera),
            "{#- a comment that names\n<li> and </li>\n-#}\n{%- set x = [\n\"<p>\"] %}{#\n#}<p>"
        );
    }

    #[test]
    fn joined_templates_render_without_those_line_breaks() {
        let mut tera = tera::Tera::default();
        let src = join_blocks("<ul>\n{%- for x in xs %}\n<li>{{ x }}</li>\n{%- endfor %}\n</ul>\n<p>a</p>\n<p>b <em>c</em>\n<em>d</em></p>\n");
        tera.add_raw_template("t", &src).unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("xs", &[1, 2]);
        assert_eq!(
            tera.render("t", &ctx).unwrap(),
            "<ul><li>1</li><li>2</li></ul><p>a</p><p>b <em>c</em>\n<em>d</em></p>\n"
        );
    }

    #[test]
    fn unindent_strips_indentation_but_not_inside_pre() {
        let src = "<ul>\n  <li>a</li>\n\t<li>b</li>\n</ul>\n<pre>\n  kept\n</pre>\n  <p>x</p>";
        assert_eq!(unindent(src), "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<pre>\n  kept\n</pre>\n<p>x</p>");
        assert_eq!(unindent("<textarea rows=2>\n  t\n</textarea>\n  y"), "<textarea rows=2>\n  t\n</textarea>\ny");
    }
}
