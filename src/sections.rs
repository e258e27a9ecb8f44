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
    section.map(|(_, s)| s)
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
}
