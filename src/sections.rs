//! Named sections of an incident body (`## Timeline`, `## Action items`)
//! read as data: the list items and table rows they hold, with the line each
//! one is written on, and the short notes written before them ("All times in
//! CET.").
//!
//! Real postmortems put these sections at any heading level, spell their
//! headings in any case, and write their entries as bullets, numbered lists
//! or Markdown tables; this module reads all of those the same way, with the
//! Markdown parser, so code blocks, nested lists and inline markup are
//! handled as the page renders them.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// One top-level list item of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Line in the body (0 = the body's first line).
    pub line: usize,
    /// The item's own text as plain text (nested lists left out).
    pub text: String,
    /// `- [x]` / `- [ ]`: whether the task is done.
    pub task: Option<bool>,
}

/// One table of a section: its header cells and its body rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub header: Vec<String>,
    /// (line in the body, cells as plain text)
    pub rows: Vec<(usize, Vec<String>)>,
}

/// A list item or a table, in the order the section holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Item(Item),
    Table(Table),
}

/// A section found by its heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading as plain text ("Timeline (UTC)").
    pub heading: String,
    /// Line of the heading in the body.
    pub line: usize,
    /// Paragraphs written in the section before its first list or table.
    pub notes: Vec<String>,
    pub blocks: Vec<Block>,
}

impl Section {
    /// How many entries (list items and table rows) the section holds.
    pub fn entry_count(&self) -> usize {
        self.blocks
            .iter()
            .map(|b| match b {
                Block::Item(_) => 1,
                Block::Table(t) => t.rows.len(),
            })
            .sum()
    }
}

/// The first section of `body` whose heading (any level) `wanted` accepts,
/// given the heading's plain text in lower case. The section runs to the next
/// heading of the same or a higher level.
pub fn find(body: &str, wanted: impl Fn(&str) -> bool) -> Option<Section> {
    let start = candidate_start(body, &wanted)?;
    let text = &body[start..];
    let end = section_end(text);
    if end < text.len() {
        // The cut holds only if the section is the candidate heading's.
        if let Some((0, s)) = parse_section(body, start, &text[..end], &wanted) {
            return Some(s);
        }
    }
    parse_section(body, start, text, &wanted).map(|(_, s)| s)
}

/// [`find`] parsing the whole rest of the body, never a cut of it: what
/// [`section_end`] must not change.
#[cfg(test)]
fn find_uncut(body: &str, wanted: impl Fn(&str) -> bool) -> Option<Section> {
    let start = candidate_start(body, &wanted)?;
    parse_section(body, start, &body[start..], &wanted).map(|(_, s)| s)
}

/// Where the section that starts `text` (at an ATX heading) surely ends:
/// the next line that can only be an ATX heading of the same or a higher
/// level — unindented, outside a code fence. The parser reads every block
/// of the text it is given before the first event, so a timeline near the
/// top of a long body is read without the rest.
///
/// `text.len()` (no cut) when the cut might read differently from the
/// whole: a link reference or footnote definition (`]:`), an HTML block
/// (a line starting with `<`), an indented code fence (a list item's, which
/// an unindented line ends and may open anew), a setext candidate.
fn section_end(text: &str) -> usize {
    let whole = text.len();
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else { return whole };
    let level = atx_level(first.trim_start_matches(' '));
    if level == 0 || memchr::memmem::find(text.as_bytes(), b"]:").is_some() {
        return whole;
    }
    let mut offset = first.len();
    // The open fence: its character and length.
    let mut fence: Option<(u8, usize)> = None;
    for line in lines {
        let at = offset;
        offset += line.len();
        let trimmed = line.trim_start_matches([' ', '\t']);
        let indented = trimmed.len() < line.len();
        let run = |c: u8| trimmed.bytes().take_while(|&b| b == c).count();
        if let Some((c, n)) = fence {
            let r = run(c);
            // An indented closer may be one (up to 3 spaces) or not.
            if r >= 3 && indented {
                return whole;
            }
            if r >= n && trimmed[r..].trim().is_empty() {
                fence = None;
            }
            continue;
        }
        for c in [b'`', b'~'] {
            if run(c) >= 3 {
                if indented || (c == b'`' && trimmed[run(c)..].contains('`')) {
                    return whole;
                }
                fence = Some((c, run(c)));
            }
        }
        if fence.is_some() {
            continue;
        }
        if trimmed.starts_with('<') {
            return whole;
        }
        if !indented && (1..=level).contains(&atx_level(line)) {
            return at;
        }
    }
    whole
}

/// The level of an ATX heading line (`## Timeline`: 2), or 0.
fn atx_level(line: &str) -> usize {
    let t = line.trim_end_matches(['\n', '\r']);
    let hashes = t.bytes().take_while(|&c| c == b'#').count();
    if (1..=6).contains(&hashes) && (t.len() == hashes || t[hashes..].starts_with([' ', '\t'])) {
        hashes
    } else {
        0
    }
}

/// Parses `text` (the body from `start` on, or a cut of it) for the first
/// section `wanted` accepts: where its heading starts in `text`, and the
/// section.
fn parse_section(body: &str, start: usize, text: &str, wanted: &impl Fn(&str) -> bool) -> Option<(usize, Section)> {
    let first_line = body[..start].bytes().filter(|&b| b == b'\n').count();
    let line_starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(k, _)| k + 1)).collect();
    let line_of = |offset: usize| first_line + line_starts.partition_point(|&s| s <= offset).saturating_sub(1);

    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut section: Option<(HeadingLevel, Section)> = None;
    let mut heading: Option<(HeadingLevel, usize, String)> = None;
    let mut lists = 0usize;
    let mut item: Option<Item> = None;
    let mut table: Option<Table> = None;
    let mut in_head = false;
    let mut row: Option<(usize, Vec<String>)> = None;
    let mut cell: Option<String> = None;
    let mut para: Option<String> = None;
    let mut code = 0usize;
    let mut heading_at = 0;

    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                if let Some((own, _)) = &section {
                    if level <= *own {
                        break;
                    }
                }
                heading = Some((level, range.start, String::new()));
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, at, words)) = heading.take() else { continue };
                if section.is_none() && wanted(&words.trim().to_lowercase()) {
                    heading_at = at;
                    section = Some((
                        level,
                        Section {
                            heading: words.trim().to_string(),
                            line: line_of(at),
                            notes: Vec::new(),
                            blocks: Vec::new(),
                        },
                    ));
                }
            }
            _ if heading.is_some() => {
                if let Some((_, _, words)) = heading.as_mut() {
                    push_text(words, &event);
                }
            }
            _ if section.is_none() => {}
            Event::Start(Tag::CodeBlock(_)) => code += 1,
            Event::End(TagEnd::CodeBlock) => code = code.saturating_sub(1),
            _ if code > 0 => {}
            Event::Start(Tag::List(_)) => lists += 1,
            Event::End(TagEnd::List(_)) => lists = lists.saturating_sub(1),
            Event::Start(Tag::Item) if lists == 1 => {
                item = Some(Item { line: line_of(range.start), text: String::new(), task: None })
            }
            Event::End(TagEnd::Item) if lists == 1 => {
                if let (Some(mut it), Some((_, s))) = (item.take(), section.as_mut()) {
                    it.text = collapse(&it.text);
                    s.blocks.push(Block::Item(it));
                }
            }
            Event::TaskListMarker(done) if lists == 1 => {
                if let Some(it) = item.as_mut() {
                    it.task = Some(done);
                }
            }
            _ if lists > 1 => {}
            Event::Start(Tag::Table(_)) => table = Some(Table { header: Vec::new(), rows: Vec::new() }),
            Event::End(TagEnd::Table) => {
                if let (Some(t), Some((_, s))) = (table.take(), section.as_mut()) {
                    s.blocks.push(Block::Table(t));
                }
            }
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => in_head = false,
            Event::Start(Tag::TableRow) => row = Some((line_of(range.start), Vec::new())),
            Event::End(TagEnd::TableRow) => {
                if let (Some(r), Some(t)) = (row.take(), table.as_mut()) {
                    t.rows.push(r);
                }
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                let c = collapse(&cell.take().unwrap_or_default());
                match (in_head, row.as_mut(), table.as_mut()) {
                    (true, _, Some(t)) => t.header.push(c),
                    (false, Some((_, cells)), _) => cells.push(c),
                    _ => {}
                }
            }
            Event::Start(Tag::Paragraph) if item.is_none() && table.is_none() => para = Some(String::new()),
            Event::End(TagEnd::Paragraph) if item.is_none() && table.is_none() => {
                if let (Some(p), Some((_, s))) = (para.take(), section.as_mut()) {
                    if s.blocks.is_empty() {
                        s.notes.push(collapse(&p));
                    }
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some(it) = item.as_mut() {
                    it.text.push(' ');
                }
            }
            _ => {
                let target = match (cell.as_mut(), item.as_mut(), para.as_mut()) {
                    (Some(c), _, _) => c,
                    (None, Some(it), _) => &mut it.text,
                    (None, None, Some(p)) => p,
                    _ => continue,
                };
                push_text(target, &event);
            }
        }
    }
    section.map(|(_, s)| (heading_at, s))
}

/// Inline events as plain text: emphasis and links keep their words, code
/// spans their contents, line breaks become spaces.
fn push_text(out: &mut String, event: &Event) {
    match event {
        Event::Text(t) | Event::Code(t) => out.push_str(t),
        Event::SoftBreak | Event::HardBreak => out.push(' '),
        _ => {}
    }
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where to start parsing: the first ATX heading line outside code fences
/// that `wanted` may accept (or the whole body when it has a setext heading
/// that could be one). Parsing from there keeps long bodies cheap.
fn candidate_start(body: &str, wanted: &impl Fn(&str) -> bool) -> Option<usize> {
    let mut fence: Option<&str> = None;
    let mut offset = 0;
    let mut previous = "";
    for line in body.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        if line.len() - trimmed.len() >= 4 {
            previous = "";
            continue;
        }
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            continue;
        }
        let t = trimmed.trim_end();
        let hashes = t.bytes().take_while(|&c| c == b'#').count();
        if (1..=6).contains(&hashes) && (t.len() == hashes || t[hashes..].starts_with([' ', '\t'])) {
            let words = t[hashes..].trim().trim_end_matches('#').trim();
            let words = words.split(" {#").next().unwrap_or(words);
            if wanted(&rough_plain(words)) {
                return Some(at);
            }
        } else if !previous.is_empty()
            && !t.is_empty()
            && (t.bytes().all(|c| c == b'=') || t.bytes().all(|c| c == b'-'))
            && wanted(&rough_plain(previous))
        {
            return Some(0);
        }
        previous = t;
    }
    None
}

/// Heading text with the usual inline markers dropped, in lower case: good
/// enough to decide whether a heading may be the one (the parser decides).
fn rough_plain(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, '*' | '_' | '`')).collect::<String>().trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeline(h: &str) -> bool {
        h.starts_with("timeline")
    }

    #[test]
    fn items_tables_and_notes_with_lines() {
        let body = "# Title\n\n## Summary\n\n- not this\n\n### Timeline\n\nAll times in CET.\n\n- **08:43** — alert\n  fires\n  - nested 08:44\n- [x] done task\n\n\
            | Time | Event |\n| --- | --- |\n| 09:00 | `db-1` fails over |\n| 09:10 | [fixed](https://x) |\n\n```\n- 11:00 code\n```\n\n#### Detail\n\n- 12:00 deeper\n\n## Next\n\n- 13:00 after\n";
        let s = find(body, timeline).unwrap();
        assert_eq!(s.heading, "Timeline");
        assert_eq!(s.line, 6);
        assert_eq!(s.notes, ["All times in CET."]);
        assert_eq!(s.entry_count(), 5);
        let Block::Item(a) = &s.blocks[0] else { panic!() };
        assert_eq!((a.line, a.text.as_str(), a.task), (10, "08:43 — alert fires", None));
        let Block::Item(b) = &s.blocks[1] else { panic!() };
        assert_eq!((b.text.as_str(), b.task), ("done task", Some(true)));
        let Block::Table(t) = &s.blocks[2] else { panic!() };
        assert_eq!(t.header, ["Time", "Event"]);
        assert_eq!(
            t.rows,
            [
                (17, vec!["09:00".to_string(), "db-1 fails over".to_string()]),
                (18, vec!["09:10".into(), "fixed".into()])
            ]
        );
        let Block::Item(c) = &s.blocks[3] else { panic!() };
        assert_eq!(c.text, "12:00 deeper");
    }

    #[test]
    fn explicit_anchors_setext_and_absence() {
        let s = find("## Timeline {#events}\n\n- a\n", timeline).unwrap();
        assert_eq!((s.heading.as_str(), s.line), ("Timeline", 0));
        assert_eq!(find("## Timeline (UTC)\n\n- a\n", timeline).unwrap().heading, "Timeline (UTC)");
        let s = find("Intro\n\nTimeline\n--------\n\n- a\n", timeline).unwrap();
        assert_eq!(s.entry_count(), 1);
        assert!(find("## Summary\n\n- 08:00 x\n", timeline).is_none());
        assert!(find("```\n## Timeline\n```\n", timeline).is_none());
    }

    #[test]
    fn the_cut_ends_at_the_next_heading_of_the_level_and_only_where_safe() {
        let t = "## Timeline\n\n- a\n\n### Detail\n\n- b\n\n## Next\n\n- c\n";
        assert_eq!(&t[section_end(t)..], "## Next\n\n- c\n");
        // A fence hides a heading, and a longer fence is not closed by a shorter one.
        let t = "## Timeline\n\n````\n```\n## Not\n````\n\n# Next\n";
        assert_eq!(&t[section_end(t)..], "# Next\n");
        // No cut: a definition, an HTML block, an indented fence, a setext candidate.
        for t in [
            "## Timeline\n\n- [a][r]\n\n## Next\n\n[r]: https://x\n",
            "## Timeline\n\n- a[^1]\n\n## Next\n\n[^1]: note\n",
            "## Timeline\n\n<!--\n## Not\n-->\n\n## Next\n",
            "## Timeline\n\n1. a\n   ```\n## Not\n```\n\n## Next\n",
            "Timeline\n--------\n\n- a\n\n## Next\n",
        ] {
            assert_eq!(section_end(t), t.len(), "{t:?}");
            assert_eq!(find(t, timeline), find_uncut(t, timeline), "{t:?}");
        }
    }

    /// Line by line, bodies made of what postmortems hold and of what could
    /// make a cut read differently: every one reads as the uncut parse does.
    #[test]
    fn a_cut_section_reads_as_the_uncut_one() {
        use proptest::prelude::*;
        const LINES: &[&str] = &[
            "## Timeline",
            "### Timeline",
            "# Timeline",
            "## Timeline (UTC)",
            "## Timeline-ish",
            "  ## Timeline",
            "## Next",
            "# Top",
            "### Detail",
            "#### Deeper",
            "##",
            "#hashtag",
            "",
            "",
            "- 08:00 alert fires",
            "- [x] done",
            "  - nested 08:01",
            "1. first",
            "   continued",
            "    indented code",
            "\tTabbed",
            "text line",
            "All times in CET.",
            "> quoted",
            "> ## quoted heading",
            "```",
            "````",
            "~~~",
            "```yaml",
            "  ```",
            "   ~~~",
            "| Time | Event |",
            "| --- | --- |",
            "| 09:00 | fails |",
            "<div>",
            "</div>",
            "<!--",
            "-->",
            "[r]: https://example.com",
            "[^1]: a note",
            "a [link][r] and a note[^1]",
            "--------",
            "=====",
            "***",
        ];
        let line = proptest::sample::select(LINES);
        proptest!(ProptestConfig::with_cases(20_000), |(lines in proptest::collection::vec(line, 0..24))| {
            let body = lines.join("\n") + "\n";
            prop_assert_eq!(find(&body, timeline), find_uncut(&body, timeline), "{:?}", body);
        });
    }
}
