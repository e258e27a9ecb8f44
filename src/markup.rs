//! Lighter HTML without changing what it shows: the line breaks that sit
//! next to a block element, and the end tags HTML lets a document omit
//! (`</li>`, `</td>`, `</th>`, `</tr>` before a sibling or the end of their
//! parent). Used on the built-in templates as they load ([`crate::theme`])
//! and on rendered Markdown bodies ([`crate::markdown`]); at 10,000
//! incidents each weighs megabytes of the output.

/// Elements that style.css lays out as blocks (or table parts, list items,
/// flex and grid items: never inline), and those of `<head>`. Whitespace
/// next to one of them starts or ends a line, where it renders nothing.
const BLOCKS: &[&str] = &[
    "html",
    "head",
    "body",
    "meta",
    "link",
    "title",
    "script",
    "style",
    "header",
    "footer",
    "main",
    "nav",
    "section",
    "article",
    "aside",
    "div",
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "figure",
    "figcaption",
    "details",
    "summary",
    "form",
    "fieldset",
    "legend",
    "noscript",
    "blockquote",
    "hr",
    "pre",
];

/// The name of the tag that ends `text` (`"li"` for `…</li>` or `…<li class="x">`),
/// when it ends with one.
pub fn last_tag(text: &str) -> Option<&str> {
    let text = text.strip_suffix('>')?;
    let open = text.rfind('<')?;
    tag_name(&text[open + 1..])
}

/// The name of the tag that starts `text`, when it starts with one.
pub fn first_tag(text: &str) -> Option<&str> {
    tag_name(text.strip_prefix('<')?)
}

fn tag_name(after_lt: &str) -> Option<&str> {
    let name = after_lt.strip_prefix('/').unwrap_or(after_lt);
    let end = name.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(name.len());
    Some(&name[..end]).filter(|n| !n.is_empty())
}

/// Whether `tag` is one of [`BLOCKS`].
pub fn is_block(tag: Option<&str>) -> bool {
    tag.is_some_and(|t| BLOCKS.iter().any(|b| b.eq_ignore_ascii_case(t)))
}

/// Elements whose content is kept byte for byte: white space in `<pre>`
/// shows, and the others hold text, not tags.
const VERBATIM: &[&str] = &["pre", "textarea", "script", "style"];

/// Whether `rest` starts with the start tag `<name>` or `<name ...>`.
fn starts_with_tag(rest: &str, name: &str) -> bool {
    rest.strip_prefix('<')
        .and_then(|r| r.get(..name.len()).filter(|n| n.eq_ignore_ascii_case(name)).map(|_| &r[name.len()..]))
        .is_some_and(|r| r.starts_with(['>', ' ', '\n', '\t', '/']))
}

/// For an end tag HTML lets a document omit (`li`, `td`, `th`, `tr`): may it
/// be left out when `next` (the markup after it, white space skipped)
/// follows? An `li` before another `li` or the end of its list, a cell
/// before another cell or the end of its row, a row before another row or
/// the end of its table section.
fn omissible_before(name: &str, next: &str) -> bool {
    let before_any = |starts: &[&str], ends: &[&str]| {
        starts.iter().any(|s| starts_with_tag(next, s)) || ends.iter().any(|e| is_end_tag(next, e))
    };
    match name {
        "li" => before_any(&["li"], &["ul", "ol"]),
        "td" | "th" => before_any(&["td", "th"], &["tr"]),
        "tr" => before_any(&["tr"], &["tbody", "thead", "tfoot", "table"]),
        _ => false,
    }
}

/// Whether `rest` starts with the end tag `</name>` (any case, nothing
/// between the name and `>`).
fn is_end_tag(rest: &str, name: &str) -> bool {
    let b = rest.as_bytes();
    b.len() > name.len() + 2
        && b.starts_with(b"</")
        && b[2..2 + name.len()].eq_ignore_ascii_case(name.as_bytes())
        && b[2 + name.len()] == b'>'
}

/// The omissible end tags ([`omissible_before`]).
const OMISSIBLE: [&str; 4] = ["li", "td", "th", "tr"];

/// `html` with the line breaks next to a block element's tag (see
/// [`BLOCKS`]) and the omissible end tags (see [`omissible_before`], with
/// the white space after them) left out, outside `<pre>`, `<textarea>`,
/// `<script>` and `<style>`. The document it parses to has the same
/// elements; only white space that renders nothing goes. Text is expected
/// escaped (as the Markdown renderer and the sanitiser write it): a `<` is
/// always a tag.
pub fn tighten(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut copied = 0;
    let mut i = 0;
    // Only a `<` or a line break can start what is left out.
    while let Some(at) = memchr::memchr2(b'<', b'\n', &b[i..]) {
        i += at;
        if b[i] == b'<' {
            let rest = &html[i..];
            if let Some(v) = VERBATIM.iter().find(|v| starts_with_tag(rest, v)) {
                // Through the element's end tag (or to the end).
                let close = format!("</{v}>");
                i = rest.find(&close).map_or(b.len(), |at| i + at + close.len());
                continue;
            }
            let omitted = OMISSIBLE.into_iter().find(|name| is_end_tag(rest, name)).and_then(|name| {
                let after = name.len() + 3;
                let ws = rest[after..].len() - rest[after..].trim_start_matches([' ', '\n', '\t', '\r']).len();
                omissible_before(name, &rest[after + ws..]).then_some(after + ws)
            });
            match omitted {
                Some(len) => {
                    out.push_str(&html[copied..i]);
                    i += len;
                    copied = i;
                }
                None => i += 1,
            }
        } else if i > 0
            && b[i - 1] == b'>'
            && b.get(i + 1) == Some(&b'<')
            && (is_block(last_tag(&html[..i])) || is_block(first_tag(&html[i + 1..])))
        {
            out.push_str(&html[copied..i]);
            i += 1;
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&html[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_at_the_ends_of_a_line() {
        assert_eq!(last_tag("x</li>"), Some("li"));
        assert_eq!(last_tag("<li class=\"a\">"), Some("li"));
        assert_eq!(last_tag("text"), None);
        assert_eq!(first_tag("<td>x"), Some("td"));
        assert_eq!(first_tag("</ul>"), Some("ul"));
        assert_eq!(first_tag("{% if %}"), None);
        assert!(is_block(Some("LI")) && !is_block(Some("span")) && !is_block(None));
    }

    #[test]
    fn lists_and_tables_lose_their_optional_end_tags_and_line_breaks() {
        let list = "<ul>\n<li>a</li>\n<li>b\n<ul>\n<li>c</li>\n</ul>\n</li>\n</ul>\n<p>x <em>y</em>\n<em>z</em></p>\n";
        // (A line break after text stays, even before a block.)
        assert_eq!(tighten(list), "<ul><li>a<li>b\n<ul><li>c</ul></ul><p>x <em>y</em>\n<em>z</em></p>\n");
        let table = "<table><thead><tr><th>A</th><th style=\"text-align: right\">B</th></tr></thead><tbody>\n<tr><td>1</td><td>2</td></tr>\n<tr><td>3</td><td>4</td></tr>\n</tbody></table>\n<h2 id=\"n\">N</h2>";
        assert_eq!(
            tighten(table),
            "<table><thead><tr><th>A<th style=\"text-align: right\">B</thead><tbody><tr><td>1<td>2<tr><td>3<td>4</tbody></table><h2 id=\"n\">N</h2>"
        );
        // An end tag before something else stays: a table's </thead> is not
        // omitted, nor </li> before text or another element.
        assert_eq!(tighten("<ol><li>a</li>b</ol>"), "<ol><li>a</li>b</ol>");
        assert_eq!(tighten("<tr><td>a</td><thead>"), "<tr><td>a</td><thead>");
        assert_eq!(tighten("<tr><td>a</td><tdx>"), "<tr><td>a</td><tdx>");
    }

    #[test]
    fn verbatim_elements_keep_every_byte() {
        let pre = "<p>a</p>\n<pre><code>x\n</code></pre>\n<pre><ul>\n<li>k</li>\n</ul></pre>\n<p>b</p>";
        assert_eq!(tighten(pre), "<p>a</p><pre><code>x\n</code></pre><pre><ul>\n<li>k</li>\n</ul></pre><p>b</p>");
        let textarea = "<textarea>\n<li>a</li>\n<li>b</li></textarea>";
        assert_eq!(tighten(textarea), textarea);
    }

    #[test]
    fn inline_line_breaks_stay() {
        let html = "<p><a href=\"/\">a</a>\n<span>b</span>\n<code>c</code></p>";
        assert_eq!(tighten(html), html);
    }
}
