//! Render: the theme's templates (Tera) compiled once per build, their
//! errors reported at the template's own line, and every page of the plan
//! rendered in parallel into the sink.
//!
//! What each page shows is its family's view (src/pages/); this module
//! knows the templates and the sink, not what a page is made of.

use rayon::prelude::*;
use tera::Tera;

use crate::diagnostics::{Diagnostics, Pos};
use crate::output::Sink;
use crate::pages::{Page, Renderer};
use crate::theme::Theme;

/// Compiles the theme's templates, reporting syntax errors at their file
/// position.
pub fn compile_templates(theme: &Theme, diags: &mut Diagnostics) -> Option<Tera> {
    let mut tera = Tera::new();
    tera.autoescape_on(vec![".html", ".htm", ".xml"]);
    // `{{ x | inline }}`: a short field's inline Markdown as sanitised HTML.
    // `links=false` inside a link (a cause name that links to its page).
    tera.register_filter(
        "inline",
        |s: std::borrow::Cow<'_, str>, kw: tera::Kwargs, _: &tera::State| -> tera::TeraResult<tera::Value> {
            let html = match kw.get::<bool>("links")? {
                Some(false) => crate::markdown::render_inline_unlinked(&s),
                _ => crate::markdown::render_inline(&s),
            };
            Ok(tera::Value::safe_string(&html))
        },
    );
    let templates: Vec<(&str, &str)> = theme.templates.iter().map(|(n, f)| (n.as_str(), f.contents.as_str())).collect();
    match tera.add_raw_templates(templates) {
        Ok(()) => Some(tera),
        Err(e) => {
            report_tera_error(theme, &e, diags);
            None
        }
    }
}

pub fn report_tera_error(theme: &Theme, e: &tera::Error, diags: &mut Diagnostics) {
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let origin = theme
                .templates
                .get(r.filename())
                .map_or_else(|| format!("theme/templates/{}", r.filename()), |t| t.origin.clone());
            let span = r.span();
            diags.error(origin, Pos::new(span.start_line, span.start_col + 1), format!("template: {}", r.message()));
        }
        _ => diags.error("theme/templates", Pos::UNKNOWN, format!("template: {e}")),
    }
}

/// Renders the HTML pages of the site into `sink`, in parallel, but
/// those `kept` says are kept as they were (`kept[n]`: `pages[n]`; an
/// empty `kept`: none), and returns the paths of all of them.
pub fn render_all(
    renderer: &Renderer<'_>,
    pages: &[Page],
    kept: &[bool],
    theme: &Theme,
    sink: &dyn Sink,
    diags: &mut Diagnostics,
) -> Vec<String> {
    let results: Vec<Result<String, RenderError>> = pages
        .par_iter()
        .enumerate()
        .map(|(n, page)| {
            if kept.get(n) == Some(&true) {
                return Ok(page.path.clone());
            }
            let file = renderer.render_page(page).map_err(RenderError::Template)?;
            debug_assert_eq!(file.path, page.path);
            let path = file.path.clone();
            sink.put(file).map_err(|e| RenderError::Write(path.clone(), e))?;
            Ok(path)
        })
        .collect();
    let mut paths = Vec::with_capacity(results.len());
    let mut reported = false;
    for r in results {
        match r {
            Ok(p) => paths.push(p),
            Err(RenderError::Write(path, e)) => diags.error("", Pos::UNKNOWN, format!("writing {path}: {e}")),
            // One broken template fails every page that uses it; say it once.
            Err(RenderError::Template(e)) if !reported => {
                reported = true;
                report_tera_error(theme, &e, diags);
            }
            Err(RenderError::Template(_)) => {}
        }
    }
    paths
}

enum RenderError {
    Template(tera::Error),
    Write(String, std::io::Error),
}
