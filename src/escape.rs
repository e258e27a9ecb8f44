//! Escaping for the HTML and XML that rca-site writes itself (outside the
//! templates, which Tera escapes): one function for text and attribute
//! values alike, so no hand-built tag can carry a value unescaped.

/// `s` safe as element text or as a quoted attribute value in HTML and
/// XML: `& < > " '` become entities, and control characters that XML 1.0
/// cannot carry are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

/// Appends `s`, escaped as [`escape`] does, to `out`.
pub fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_markup_cannot_leave_an_attribute() {
        assert_eq!(escape("o\"style='x'<b>&amp;"), "o&quot;style=&apos;x&apos;&lt;b&gt;&amp;amp;");
        assert_eq!(escape("a\u{1}b\tc"), "ab\tc");
        assert_eq!(escape("日本 é"), "日本 é");
    }
}
