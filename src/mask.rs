//! Masking emails typed in the archive: unless `show_emails = true`, every
//! email address in an incident, a cause file or a page is replaced with
//! `[email]`, `mailto:` links lose their link and keep their (masked) text,
//! and an owner written as an email is shown by its local part
//! (`jane@corp.example` → `jane`).
//!
//! It runs once, right after parsing ([`documents`]), on the parsed model:
//! every text field and the Markdown source of every body. So the HTML
//! pages, the feeds, incidents.json, the search index and every URL made
//! from a name (an owner's board page, a tag) are all made from masked text,
//! and no later stage has to remember to mask.
//!
//! A new text field is masked by listing it in its type's [`Maskable`]
//! impl (`self.extra.mask(m);`): `String`, `Option`, `Vec`, maps and pairs
//! of maskable values are maskable already.
//!
//! Git author emails are a separate matter: they never reach the model
//! (see `git::view`), whatever `show_emails` says.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use pulldown_cmark::{Event, LinkType, Parser, Tag, TagEnd};
use rayon::prelude::*;

use crate::config::Config;
use crate::model::{ActionItem, CauseDoc, ExtraField, Incident, Page, Term};
use crate::slugs::slugify;

/// What an email address becomes in text.
pub const MASKED: &str = "[email]";
/// The same in Markdown text, escaped so that it never reads as a link
/// reference (`[email]: https://…` defined elsewhere in the body).
const MASKED_MD: &str = "\\[email\\]";

/// Masks every document of the archive, unless `show_emails = true`.
pub fn documents(
    config: &Config,
    incidents: &mut [Incident],
    causes: &mut [CauseDoc],
    pages: &mut [Page],
    home: Option<&mut Page>,
) {
    if config.show_emails {
        return;
    }
    let m = Masker;
    incidents.par_iter_mut().for_each(|i| i.mask(&m));
    causes.mask(&m);
    pages.mask(&m);
    if let Some(home) = home {
        home.mask(&m);
    }
}

/// The masking rules; passed through [`Maskable::mask`] so that an impl
/// can choose the rule for each field (text, Markdown body, owner).
#[derive(Debug, Clone, Copy, Default)]
pub struct Masker;

impl Masker {
    /// A short field (a title, a summary, a tag): plain text or inline
    /// Markdown, masked as such. The mask is written unescaped, as plain
    /// text shows it; once short fields are rendered as inline Markdown,
    /// `markdown(text, true)` escapes it where Markdown could read it as a
    /// link or a definition (`jane@corp.example: paged`).
    pub fn field(&self, text: &mut String) {
        if let Cow::Owned(masked) = markdown(text, false) {
            *text = masked;
        }
    }

    /// A Markdown body.
    pub fn body(&self, text: &mut String) {
        if let Cow::Owned(masked) = markdown(text, true) {
            *text = masked;
        }
    }

    /// An action item's owner: an email is shown as the name beside it
    /// (`Jane Doe <jane@corp.example>` → `Jane Doe`), else its local part.
    pub fn owner(&self, owner: &mut String) {
        let found = emails(owner);
        let Some(first) = found.first() else { return };
        let local = owner[first.start..first.end].split('@').next().unwrap_or_default().to_string();
        let mut rest = owner.clone();
        for r in found.iter().rev() {
            rest.replace_range(r.clone(), "");
        }
        let rest = rest.replace("mailto:", "");
        let rest = rest.trim_matches(|c: char| c.is_whitespace() || "<>()[],;:\"'".contains(c)).trim();
        *owner = if rest.is_empty() { local } else { rest.split_whitespace().collect::<Vec<_>>().join(" ") };
        self.field(owner);
    }
}

/// A part of the model that may hold typed emails.
pub trait Maskable {
    fn mask(&mut self, m: &Masker);
}

impl Maskable for String {
    fn mask(&mut self, m: &Masker) {
        m.field(self);
    }
}

impl<T: Maskable> Maskable for Option<T> {
    fn mask(&mut self, m: &Masker) {
        if let Some(v) = self {
            v.mask(m);
        }
    }
}

impl<T: Maskable> Maskable for [T] {
    fn mask(&mut self, m: &Masker) {
        for v in self {
            v.mask(m);
        }
    }
}

impl<T: Maskable> Maskable for Vec<T> {
    fn mask(&mut self, m: &Masker) {
        self.as_mut_slice().mask(m);
    }
}

impl<A: Maskable, B: Maskable> Maskable for (A, B) {
    fn mask(&mut self, m: &Masker) {
        self.0.mask(m);
        self.1.mask(m);
    }
}

/// Values only: keys are names the archive's configuration chose.
impl<K, V: Maskable> Maskable for BTreeMap<K, V> {
    fn mask(&mut self, m: &Masker) {
        for v in self.values_mut() {
            v.mask(m);
        }
    }
}

impl<K, V: Maskable, S> Maskable for HashMap<K, V, S> {
    fn mask(&mut self, m: &Masker) {
        for v in self.values_mut() {
            v.mask(m);
        }
    }
}

/// A tag, service or cause: its slug is made again from the masked name
/// (an email must not become a URL like `/tags/jane-corp-example/`).
impl Maskable for Term {
    fn mask(&mut self, _: &Masker) {
        // What [`Masker::field`] does, without a copy of every name.
        if let Cow::Owned(masked) = markdown(&self.name, false) {
            let before = std::mem::replace(&mut self.name, masked);
            if self.name != before && self.slug == slugify(&before) {
                self.slug = slugify(&self.name);
            }
        }
    }
}

/// Terms masked to the same name are one term: the first of each slug is
/// kept (an incident has a few terms, compared pairwise).
fn mask_terms(terms: &mut Vec<Term>, m: &Masker) {
    terms.mask(m);
    let mut i = 0;
    while i < terms.len() {
        if terms[..i].iter().any(|t| t.slug == terms[i].slug) {
            terms.remove(i);
        } else {
            i += 1;
        }
    }
}

impl Maskable for ActionItem {
    fn mask(&mut self, m: &Masker) {
        self.title.mask(m);
        if let Some(owner) = &mut self.owner {
            m.owner(owner);
        }
        self.link.mask(m);
    }
}

impl Maskable for Incident {
    fn mask(&mut self, m: &Masker) {
        // Masking is idempotent; a masked incident is only not read again.
        if self.masked {
            return;
        }
        self.masked = true;
        self.title.mask(m);
        self.summary.mask(m);
        self.impact.mask(m);
        self.trigger.mask(m);
        self.detection.mask(m);
        mask_terms(&mut self.services, m);
        mask_terms(&mut self.tags, m);
        mask_terms(&mut self.causes, m);
        self.action_items.mask(m);
        self.extra.mask(m);
        // Aliases are not masked: an address in one is refused by the alias rules (archive::alias_path).
        m.body(&mut self.body);
    }
}

/// An `[extra]` field: its values as typed (the label is the config's).
impl Maskable for ExtraField {
    fn mask(&mut self, m: &Masker) {
        self.values.mask(m);
    }
}

impl Maskable for CauseDoc {
    fn mask(&mut self, m: &Masker) {
        self.title.mask(m);
        mask_terms(&mut self.aliases, m);
        m.body(&mut self.body);
    }
}

impl Maskable for Page {
    fn mask(&mut self, m: &Masker) {
        self.title.mask(m);
        self.description.mask(m);
        self.nav_title.mask(m);
        m.body(&mut self.body);
    }
}

/// Whether `c` may be in the local part of an address (before the `@`).
fn local_char(c: char) -> bool {
    c.is_alphanumeric() || "._%+-".contains(c)
}

/// Whether `c` may be in the domain (after the `@`).
fn domain_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '.'
}

/// The byte ranges of the email addresses in `text`: a non-empty local
/// part, `@`, and a domain with a dot after its first label. Broad on
/// purpose: anything shaped like an address is one (the shape the leak test
/// greps for, `[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+`, and more),
/// except image names like `logo@2x.png`.
pub fn emails(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(k) = text[from..].find('@') {
        let at = from + k;
        // The local part starts after the last address found: it may not
        // reach back into that address's domain (`a@b.example_c@d.example`
        // is two addresses).
        let start = text[from..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| local_char(c))
            .last()
            .map_or(at, |(i, _)| from + i);
        let full = at + 1 + text[at + 1..].find(|c: char| !domain_char(c)).unwrap_or(text.len() - at - 1);
        // A sentence's full stop or a dash after the address is not part of it.
        let trimmed = at + 1 + text[at + 1..full].trim_end_matches(['.', '-']).len();
        let end = [trimmed, full].into_iter().find(|&e| is_domain(&text[at + 1..e]));
        match end {
            Some(end) if start < at => {
                found.push(start..end);
                from = end;
            }
            _ => from = at + 1,
        }
    }
    found
}

/// A first label, a dot, and something after it; not `2x.png`.
fn is_domain(domain: &str) -> bool {
    let Some((first, rest)) = domain.split_once('.') else { return false };
    let scale = first.strip_suffix('x').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    !first.is_empty() && !rest.is_empty() && !scale
}

/// Plain text with every address replaced by [`MASKED`].
pub fn text(text: &str) -> Cow<'_, str> {
    replace(text, &emails(text), |_| MASKED)
}

fn replace<'a>(text: &'a str, ranges: &[Range<usize>], with: impl Fn(&Range<usize>) -> &'static str) -> Cow<'a, str> {
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges {
        out.push_str(&text[at..r.start]);
        out.push_str(with(r));
        at = r.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Markdown with its addresses masked: a `mailto:` link keeps its text and
/// loses the link, an address autolink (`<jane@corp.example>`) becomes the
/// masked text, an `href="mailto:…"` in raw HTML goes, and every other
/// address (in text, code, URLs, link definitions, raw HTML) is masked.
/// `escape`: write the mask escaped where Markdown would read it (bodies).
pub fn markdown(source: &str, escape: bool) -> Cow<'_, str> {
    if !source.contains('@') || emails(source).is_empty() {
        return Cow::Borrowed(source);
    }
    let placeholder = if escape { MASKED_MD } else { MASKED };
    // First the links go, so that their addresses vanish with them.
    let unlinked = if links_to_an_address(source) { unlink(source, placeholder) } else { source.to_string() };

    // Then every address left. Written plainly, `[email]` is text wherever
    // it stands, unless the Markdown around it could make it a link, an
    // image or a link definition: only then are the places that read
    // escapes told apart from those that do not (code, raw HTML).
    let found = emails(&unlinked);
    if found.is_empty() {
        return Cow::Owned(unlinked);
    }
    let risky =
        |r: &Range<usize>| unlinked[..r.start].ends_with(['[', '!']) || unlinked[r.end..].starts_with(['(', '[', ':']);
    let defines_email = || {
        unlinked
            .match_indices('[')
            .any(|(i, _)| unlinked.as_bytes()[i..].get(..7).is_some_and(|w| w.eq_ignore_ascii_case(b"[email]")))
    };
    if !escape || !(found.iter().any(risky) || defines_email()) {
        return Cow::Owned(replace(&unlinked, &found, |_| MASKED).into_owned());
    }
    let mut literal: Vec<Range<usize>> = Vec::new();
    let mut in_code = false;
    for (event, range) in Parser::new_ext(&unlinked, crate::markdown::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
                literal.push(range);
            }
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(_) if in_code => literal.push(range),
            Event::Code(_) | Event::Html(_) | Event::InlineHtml(_) => literal.push(range),
            Event::Start(Tag::Link { link_type: LinkType::Autolink, .. }) => literal.push(range),
            _ => {}
        }
    }
    let is_literal = |r: &Range<usize>| literal.iter().any(|l| l.start <= r.start && r.end <= l.end);
    Cow::Owned(replace(&unlinked, &found, |r| if is_literal(r) { MASKED } else { MASKED_MD }).into_owned())
}

/// Whether an address in `source` could be a link's: right after `<`
/// (an autolink) or `mailto:` (a link, a link definition, raw HTML).
fn links_to_an_address(source: &str) -> bool {
    emails(source).iter().any(|r| {
        let before = &source.as_bytes()[..r.start];
        before.ends_with(b"<") || (before.len() >= 7 && before[before.len() - 7..].eq_ignore_ascii_case(b"mailto:"))
    })
}

/// `source` without its links to addresses: a `mailto:` link keeps its
/// text, an address autolink becomes `placeholder`, an `href="mailto:…"`
/// in raw HTML goes.
fn unlink(source: &str, placeholder: &str) -> String {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut mailto: Option<(Range<usize>, Option<Range<usize>>)> = None;
    for (event, range) in Parser::new_ext(source, crate::markdown::options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Link { link_type, dest_url, .. })
                if is_mailto(&dest_url) || link_type == LinkType::Email =>
            {
                if matches!(link_type, LinkType::Autolink | LinkType::Email) {
                    edits.push((range, placeholder.to_string()));
                } else {
                    mailto = Some((range, None));
                }
            }
            Event::End(TagEnd::Link) => {
                if let Some((link, inner)) = mailto.take() {
                    match inner {
                        Some(inner) => {
                            edits.push((link.start..inner.start, String::new()));
                            edits.push((inner.end..link.end, String::new()));
                        }
                        None => edits.push((link, String::new())),
                    }
                }
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                for r in mailto_attributes(&source[range.clone()]) {
                    edits.push((range.start + r.start..range.start + r.end, String::new()));
                }
            }
            _ => {
                if let Some((_, inner)) = &mut mailto {
                    let span = inner.get_or_insert(range.clone());
                    span.start = span.start.min(range.start);
                    span.end = span.end.max(range.end);
                }
            }
        }
    }
    edits.sort_by_key(|(r, _)| r.start);
    let mut unlinked = String::with_capacity(source.len());
    let mut at = 0;
    for (r, with) in edits {
        if r.start < at {
            continue;
        }
        unlinked.push_str(&source[at..r.start]);
        unlinked.push_str(&with);
        at = r.end;
    }
    unlinked.push_str(&source[at..]);
    unlinked
}

fn is_mailto(url: &str) -> bool {
    url.trim_start().get(..7).is_some_and(|s| s.eq_ignore_ascii_case("mailto:"))
}

/// The ` href="mailto:…"` attributes in a piece of raw HTML, with the
/// space before them: an `<a>` without one is plain text.
fn mailto_attributes(html: &str) -> Vec<Range<usize>> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(k) = lower[from..].find("href") {
        let start = from + k;
        from = start + 4;
        let before = lower[..start].chars().next_back();
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let rest = &lower[start + 4..];
        let after_eq = rest.trim_start();
        let Some(value) = after_eq.strip_prefix('=') else { continue };
        let value = value.trim_start();
        let value_start = lower.len() - value.len();
        let (quote, body) = match value.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &value[1..]),
            _ => (None, value),
        };
        if !is_mailto(body) {
            continue;
        }
        let len = match quote {
            Some(q) => body.find(q).map_or(body.len(), |i| i + 1),
            None => body.find(|c: char| c.is_whitespace() || c == '>').unwrap_or(body.len()),
        };
        let end = value_start + usize::from(quote.is_some()) + len;
        let space = lower[..start].trim_end().len();
        found.push(space..end);
        from = end;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(s: &str) -> String {
        markdown(s, true).into_owned()
    }

    #[test]
    fn finds_addresses_and_nothing_else() {
        let t = "Mail jane.doe+x@corp.example. Or bob@mail.co.uk, not @mention, not a@b, not me@, v1@2, x@.y or logo@2x.png; odd a@b.. c@d..e";
        let got: Vec<&str> = emails(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(got, ["jane.doe+x@corp.example", "bob@mail.co.uk", "a@b..", "c@d..e"]);
        // An address right after another: its local part does not reach back
        // into the first one's domain (proptest found it left unmasked).
        let t = "jane@corp.example_jane@corp.example";
        let got: Vec<&str> = emails(t).into_iter().map(|r| &t[r]).collect();
        assert_eq!(got, ["jane@corp.example", "_jane@corp.example"]);
        assert_eq!(text(t), "[email][email]");
        assert_eq!(text("ssh git@github.example:org/x.git"), "ssh [email]:org/x.git");
        assert_eq!(text("jöhn@exämple.com and Q&A@x.io"), "[email] and Q&[email]");
        assert!(matches!(text("no address here"), Cow::Borrowed(_)));
    }

    #[test]
    fn markdown_links_autolinks_code_and_html() {
        assert_eq!(md("Ask <jane@corp.example> now"), "Ask \\[email\\] now");
        assert_eq!(md("Ask <mailto:jane@corp.example>"), "Ask \\[email\\]");
        assert_eq!(md("Ask [Jane *D*](mailto:jane@corp.example \"t\") now"), "Ask Jane *D* now");
        assert_eq!(md("Ask [jane@corp.example](MAILTO:jane@corp.example)"), "Ask [email]");
        assert_eq!(md("Ask [Jane][j]\n\n[j]: mailto:jane@corp.example\n"), "Ask Jane\n\n[j]: mailto:[email]\n");
        assert_eq!(md("See [x](https://a.example/?u=jane@corp.example)"), "See [x](https://a.example/?u=[email])");
        assert_eq!(md("Run `mail jane@corp.example`"), "Run `mail [email]`");
        assert_eq!(md("```\nto: jane@corp.example\n```\n"), "```\nto: [email]\n```\n");
        assert_eq!(md("Hi <a href=\"mailto:jane@corp.example\">Jane</a>"), "Hi <a>Jane</a>");
        assert_eq!(
            md("<p>\n<a class=x HREF='mailto:j@corp.example'>j@corp.example</a>\n</p>\n"),
            "<p>\n<a class=x>[email]</a>\n</p>\n"
        );
        assert_eq!(md("| who |\n|---|\n| jane@corp.example |\n"), "| who |\n|---|\n| [email] |\n");
        assert_eq!(markdown("Owner jane@corp.example, [Jane](mailto:j@corp.example)", false), "Owner [email], Jane");
        assert!(matches!(markdown("@team and a@b", true), Cow::Borrowed(_)));
        // Where `[email]` could become a link, a definition or a wikilink,
        // it is escaped (but not in code).
        assert_eq!(md("- jane@corp.example: on call `x@corp.example`\n"), "- \\[email\\]: on call `[email]`\n");
        assert_eq!(
            md("[jane@corp.example](https://a.example) [[b@corp.example]]"),
            "[\\[email\\]](https://a.example) [[\\[email\\]]]"
        );
        assert_eq!(
            md("Mail j@corp.example\n\n[email]: https://a.example\n"),
            "Mail \\[email\\]\n\n[email]: https://a.example\n"
        );
    }

    /// Masked bodies render the mask as text: never a link, a definition
    /// that swallows a line, or a wikilink error.
    #[test]
    fn masked_bodies_render_the_mask_as_text() {
        use crate::markdown::{render, NoLinks, Source};
        for body in [
            "- jane@corp.example: on call\n",
            "Ask [jane@corp.example](https://a.example/) or [x@corp.example]\n",
            "Mail j@corp.example\n\n[email]: https://a.example\n",
            "Ask <jane@corp.example> or [her](mailto:jane@corp.example).\n",
            "| who |\n|---|\n| jane@corp.example |\n",
        ] {
            let masked = md(body);
            let r = render(&masked, &Source { path: "content/x.md", body_line: 1 }, &NoLinks, false);
            assert!(r.diagnostics.is_empty(), "{body:?}: {:?}", r.diagnostics);
            let text: String = r.html.split('<').map(|t| t.split_once('>').map_or(t, |(_, rest)| rest)).collect();
            assert!(text.contains("[email]"), "{body:?} -> {masked:?} -> {}", r.html);
            assert!(!r.html.contains("mailto:"), "{}", r.html);
            assert!(!r.html.contains("@corp"), "{}", r.html);
        }
        let r = render(&md("- jane@corp.example: on call\n"), &Source { path: "x.md", body_line: 1 }, &NoLinks, false);
        assert!(r.html.contains("[email]: on call"), "{}", r.html);
    }

    /// Every combination of three awkward pieces: no panic, no address
    /// left, and masking again changes nothing.
    #[test]
    fn never_panics_and_leaves_no_address() {
        let pieces = [
            "jé@ü.öx",
            "a@b.c",
            "@",
            "a@",
            "@.",
            "<",
            ">",
            "[",
            "](mailto:",
            ")",
            "`",
            "\n\n",
            "```\n",
            "<a href=mailto:",
            "é",
            "Q&",
            ".",
            " ",
            "[r]: ",
            "\\",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let input = format!("{a}{b}{c}x@y.z{a}");
                    for escape in [true, false] {
                        let once = markdown(&input, escape).into_owned();
                        assert!(emails(&once).is_empty(), "{input:?} -> {once:?}");
                        assert_eq!(markdown(&once, escape), once, "{input:?}");
                    }
                    let mut owner = input.clone();
                    Masker.owner(&mut owner);
                    assert!(emails(&owner).is_empty(), "{input:?} -> {owner:?}");
                }
            }
        }
    }

    #[test]
    fn owners_show_their_name_or_local_part() {
        let owner = |s: &str| {
            let mut s = s.to_string();
            Masker.owner(&mut s);
            s
        };
        assert_eq!(owner("jane@corp.example"), "jane");
        assert_eq!(owner("Jane Doe <jane@corp.example>"), "Jane Doe");
        assert_eq!(owner("mailto:jane.doe@corp.example"), "jane.doe");
        assert_eq!(owner("sre-team"), "sre-team");
    }

    #[test]
    fn terms_get_slugs_from_the_masked_name_and_fold() {
        let term = |n: &str| Term { name: n.into(), slug: slugify(n), pos: crate::diagnostics::Pos::START };
        let mut terms = vec![term("jane@corp.example"), term("bob@corp.example"), term("api")];
        mask_terms(&mut terms, &Masker);
        assert_eq!(
            terms.iter().map(|t| (t.name.as_str(), t.slug.as_str())).collect::<Vec<_>>(),
            [("[email]", "email"), ("api", "api")]
        );
    }

    proptest::proptest! {
        /// A masked incident is not masked again (`Incident::masked`):
        /// masking what is masked must change nothing, in every mode.
        #[test]
        fn masking_twice_is_masking_once(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "jane@corp.example", "<bob@corp.example>", "<mailto:x.y@corp.example>", "[Jane](mailto:j@corp.example)",
                "[j]", "\n\n[j]: mailto:j@corp.example\n", "`q@corp.example`", "\n```\nto: a@b.example\n```\n",
                "<a href=\"mailto:h@corp.example\">h@corp.example</a>", "[email]", "\\[email\\]", "mailto:", "@", " ",
                "Jane Doe", "[x](https://a.example/?u=u@corp.example)", "*", "_", "\n", "<", ">", "(", ")", ":",
            ]), 0..12),
        ) {
            let text: String = pieces.concat();
            for body in [false, true] {
                let once = markdown(&text, body).into_owned();
                let twice = markdown(&once, body).into_owned();
                proptest::prop_assert_eq!(&twice, &once, "body: {}", body);
            }
            let (mut once, mut owner) = (text.clone(), text.clone());
            Masker.owner(&mut once);
            owner.clone_from(&once);
            Masker.owner(&mut owner);
            proptest::prop_assert_eq!(owner, once);
        }
    }
}
