//! Errors and warnings about the user's archive, as values.
//!
//! Every stage pushes into a [`Diagnostics`] instead of stopping at the first
//! problem, so one `rca-site check` run lists everything that is wrong, each
//! with `file:line:col` and what was expected.

use std::fmt;

use serde::Serialize;

/// How bad a diagnostic is: errors fail the build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path relative to the archive root, with `/` separators; empty when the
    /// problem is not tied to a file (e.g. a missing `content/` folder).
    pub file: String,
    /// 1-based line in the file; 0 when unknown.
    pub line: usize,
    /// 1-based column (in characters); 0 when unknown.
    pub column: usize,
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    pub fn warning(file: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(file, pos, message) }
    }

    fn sort_key(&self) -> (&str, usize, usize, Severity, &str) {
        (&self.file, self.line, self.column, self.severity, &self.message)
    }
}

impl fmt::Display for Diagnostic {
    /// `path:line:col: message`, the format editors and CI logs link up.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        match (self.file.is_empty(), self.line) {
            (true, _) => write!(f, "{prefix}{}", self.message),
            (false, 0) => write!(f, "{}: {prefix}{}", self.file, self.message),
            (false, line) => write!(f, "{}:{}:{}: {prefix}{}", self.file, line, self.column.max(1), self.message),
        }
    }
}

/// A position in a file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };
    pub const UNKNOWN: Pos = Pos { line: 0, column: 0 };

    pub fn new(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    /// The line and column of a byte offset in `text` (columns count characters).
    pub fn of_offset(text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let before = &text.as_bytes()[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        Pos { line, column }
    }
}

/// A sorted, de-duplicated list of diagnostics collected across all stages.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn error(&mut self, file: impl Into<String>, pos: Pos, message: impl Into<String>) {
        self.push(Diagnostic::error(file, pos, message));
    }

    pub fn warning(&mut self, file: impl Into<String>, pos: Pos, message: impl Into<String>) {
        self.push(Diagnostic::warning(file, pos, message));
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    /// In the order they were reported.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Warning).count()
    }

    /// All diagnostics ordered by file, line and column.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.items.iter().collect();
        v.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        v.dedup();
        v
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Output formats of `rca-site check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Github,
    Json,
}

/// Renders diagnostics for people (`text`), GitHub Actions annotations
/// (`github`) or tools (`json`).
pub fn format_report(diags: &Diagnostics, format: Format) -> String {
    let sorted = diags.sorted();
    match format {
        Format::Text => {
            let mut out = String::new();
            for d in &sorted {
                out.push_str(&d.to_string());
                out.push('\n');
            }
            out
        }
        Format::Github => {
            let mut out = String::new();
            for d in &sorted {
                let kind = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let mut props = Vec::new();
                if !d.file.is_empty() {
                    props.push(format!("file={}", github_property(&d.file)));
                }
                if d.line > 0 {
                    props.push(format!("line={}", d.line));
                    props.push(format!("col={}", d.column.max(1)));
                }
                let sep = if props.is_empty() { "" } else { " " };
                out.push_str(&format!("::{kind}{sep}{}::{}\n", props.join(","), github_message(&d.message)));
            }
            out
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Report<'a> {
                errors: usize,
                warnings: usize,
                diagnostics: Vec<&'a Diagnostic>,
            }
            let report = Report { errors: diags.error_count(), warnings: diags.warning_count(), diagnostics: sorted };
            let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

/// Escapes a workflow-command message (GitHub's `escapeData`).
fn github_message(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow-command property (GitHub's `escapeProperty`).
fn github_property(s: &str) -> String {
    github_message(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters() {
        let text = "ab\nçd: x";
        assert_eq!(Pos::of_offset(text, 0), Pos::new(1, 1));
        assert_eq!(Pos::of_offset(text, 3), Pos::new(2, 1));
        // 'ç' is two bytes but one column.
        assert_eq!(Pos::of_offset(text, 6), Pos::new(2, 3));
    }

    #[test]
    fn sorted_by_file_line_column() {
        let mut d = Diagnostics::new();
        d.error("b.md", Pos::new(1, 1), "x");
        d.error("a.md", Pos::new(9, 1), "y");
        d.error("a.md", Pos::new(2, 5), "z");
        let lines: Vec<String> = d.sorted().iter().map(|d| d.to_string()).collect();
        assert_eq!(lines, ["a.md:2:5: z", "a.md:9:1: y", "b.md:1:1: x"]);
    }

    #[test]
    fn github_annotations_escape() {
        let mut d = Diagnostics::new();
        d.error("a,b.md", Pos::new(3, 4), "bad\n100%");
        assert_eq!(format_report(&d, Format::Github), "::error file=a%2Cb.md,line=3,col=4::bad%0A100%25\n");
    }
}
