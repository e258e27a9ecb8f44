//! Pagination of every list (SPEC §4 `<any list>/page/<n>/`) at small page
//! sizes set through `[pagination] per_page` in rca-site.toml, on archives
//! written by the test: URLs, rel links, the navigator, titles, the
//! `/page/1/` redirect, the sitemap, reachability of every incident within
//! three clicks of /incidents/, and page weight on a 2,000-incident archive.

use crate::harness as common;

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::fs;
use std::path::Path;

use common::*;

/// Writes an archive of `n` public incidents over four years (2019–2022),
/// with three services, two tags plus one on every incident, three causes,
/// four severities and one action item each (odd ones done).
fn write_archive(root: &Path, n: usize, per_page: Option<&str>) {
    let mut toml = String::from("title = \"Paged\"\nbase_url = \"https://inc.example\"\n");
    if let Some(p) = per_page {
        toml.push_str(&format!("\n[pagination]\nper_page = {p}\n"));
    }
    fs::write(root.join("rca-site.toml"), toml).unwrap();
    let dir = root.join("content/incidents");
    fs::create_dir_all(&dir).unwrap();
    for i in 0..n {
        let (year, month, day) = (2019 + i % 4, 1 + i % 12, 1 + (i / 12) % 28);
        let status = if i % 2 == 0 { "open" } else { "done" };
        let md = format!(
            "---\ntitle: \"Incident number {i}\"\ndate: {year}-{month:02}-{day:02}\nsummary: \"Summary of incident {i}.\"\n\
severity: SEV{sev}\nservices: [svc-{svc}]\ntags: [tag-{tag}, common]\ncauses: [cause-{cause}]\n\
action_items:\n  - title: \"Fix {i}\"\n    owner: team-{owner}\n    status: {status}\n---\nBody of incident {i}.\n",
            sev = 1 + i % 4,
            svc = i % 3,
            tag = i % 2,
            cause = i % 3,
            owner = i % 2,
        );
        fs::write(dir.join(format!("inc-{i:04}.md")), md).unwrap();
    }
}

struct Built {
    _tmp: TempDir,
    out: std::path::PathBuf,
}

impl Built {
    fn new(n: usize, per_page: Option<&str>) -> Built {
        let tmp = TempDir::new("pagination");
        let root = tmp.path().join("archive");
        fs::create_dir_all(&root).unwrap();
        write_archive(&root, n, per_page);
        let out = tmp.path().join("public");
        let o = rca(&[
            "build",
            "-q",
            "--root",
            root.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--build-date",
            "2024-06-10",
        ]);
        assert!(o.status.success(), "build failed:\n{}", stderr(&o));
        Built { _tmp: tmp, out }
    }

    fn file_of(url: &str) -> String {
        let rel = url.trim_start_matches('/');
        if rel.is_empty() || rel.ends_with('/') {
            format!("{rel}index.html")
        } else {
            rel.to_string()
        }
    }

    fn exists(&self, url: &str) -> bool {
        self.out.join(Self::file_of(url)).is_file()
    }

    fn page(&self, url: &str) -> Page {
        let p = self.out.join(Self::file_of(url));
        Page::parse(url, fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
    }
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// The `<link rel=…>` of a page's head.
fn head_link(html: &str, rel: &str) -> Option<String> {
    let head = &html[..html.find("</head>").unwrap()];
    let tag = format!("<link rel=\"{rel}\" href=\"");
    let at = head.find(&tag)? + tag.len();
    Some(head[at..at + head[at..].find('"').unwrap()].to_string())
}

fn title(html: &str) -> &str {
    let at = html.find("<title>").unwrap() + "<title>".len();
    &html[at..at + html[at..].find("</title>").unwrap()]
}

/// Every `href="…"` of a page.
fn hrefs(html: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find("href=\"") {
        rest = &rest[at + 6..];
        let end = rest.find('"').unwrap();
        v.push(rest[..end].replace("&amp;", "&"));
        rest = &rest[end..];
    }
    v
}

/// The pages of a list of `count` pages at `list` all exist, page n+1 does
/// not, rel prev/next chain them, titles carry "page n of count", and
/// `/page/1/` sends the reader to the list.
fn assert_list(b: &Built, list: &str, pages: usize, title_start: &str) {
    let url = |n: usize| if n == 1 { list.to_string() } else { format!("{list}page/{n}/") };
    for n in 1..=pages {
        let html = b.page(&url(n));
        assert_eq!(head_link(&html, "prev"), (n > 1).then(|| url(n - 1)), "{} prev", url(n));
        assert_eq!(head_link(&html, "next"), (n < pages).then(|| url(n + 1)), "{} next", url(n));
        assert_eq!(title(&html), format!("{title_start} — page {n} of {pages} · Paged"), "{}", url(n));
        let nav = &html[html
            .find("<nav class=\"pagination\" aria-label=\"Pagination\">")
            .unwrap_or_else(|| panic!("no navigator on {}", url(n)))..];
        let nav = &nav[..nav.find("</nav>").unwrap()];
        assert!(nav.contains(&format!("<a href=\"{}\" aria-current=\"page\">{n}</a>", url(n))), "{}: {nav}", url(n));
        assert_eq!(nav.contains(&format!("href=\"{}\" rel=\"prev\">Previous", url(n.max(2) - 1))), n > 1, "{nav}");
        assert_eq!(nav.contains(&format!("href=\"{}\" rel=\"next\">Next", url(n + 1))), n < pages, "{nav}");
        assert_eq!(nav.contains(&format!("href=\"{}\">Last", url(pages))), n < pages, "{nav}");
        assert_eq!(nav.contains(&format!("href=\"{list}\">First")), n > 1, "{nav}");
    }
    assert!(!b.exists(&url(pages + 1)), "{} should not exist", url(pages + 1));
    let first = b.page(&format!("{list}page/1/"));
    assert!(first.contains(&format!("<meta http-equiv=\"refresh\" content=\"0; url={list}\">")), "{first}");
    assert!(first.contains(&format!("<link rel=\"canonical\" href=\"https://inc.example{list}\">")), "{first}");
}

#[test]
fn every_list_is_paginated_with_stable_urls_rel_links_navigator_and_titles() {
    // 13 incidents, 3 a page: 2019 has 4 (i = 0, 4, 8, 12), SEV1 4, svc-0 5, cause-0 5,
    // tag-0 7, common 13; 7 open action items (even i) and 6 done, team-0 owns the open ones.
    let b = Built::new(13, Some("3"));
    assert_list(&b, "/incidents/", 5, "Incidents");
    assert_list(&b, "/incidents/2019/", 2, "Incidents of 2019");
    assert_list(&b, "/tags/common/", 5, "Tag common");
    assert_list(&b, "/tags/tag-0/", 3, "Tag tag-0");
    assert_list(&b, "/services/svc-0/", 2, "Service svc-0");
    assert_list(&b, "/causes/cause-0/", 2, "Cause cause-0");
    assert_list(&b, "/severity/sev1/", 2, "SEV1");
    assert_list(&b, "/action-items/", 5, "Action items");
    assert_list(&b, "/action-items/status/open/", 3, "Open action items");
    assert_list(&b, "/action-items/status/done/", 2, "Done action items");
    assert_list(&b, "/action-items/owner/team-0/", 3, "Action items of team-0");

    // Each page shows at most per_page entries, the lists together show each once,
    // and the counts say the list's total, not the page's.
    let mut seen = BTreeSet::new();
    for n in 1..=5 {
        let url = if n == 1 { "/incidents/".to_string() } else { format!("/incidents/page/{n}/") };
        let html = b.page(&url);
        assert!(html.contains("<p class=\"lead\">13 incidents, newest first."), "{url}");
        let rows = count(&html, "class=\"row-title\"");
        assert_eq!(rows, if n == 5 { 1 } else { 3 }, "{url}");
        for h in hrefs(&html).into_iter().filter(|h| h.starts_with("/incidents/inc-")) {
            assert!(seen.insert(h.clone()) || html.matches(&h).count() > 1, "{h} on two pages");
        }
    }
    assert_eq!(seen.len(), 13);
    let tag = b.page("/tags/common/page/2/");
    assert_eq!(count(&tag, "<article class=\"card"), 3);
    assert!(tag.text_of(".lead").starts_with("13 incidents, from"), "the term's total and its whole span");
    let cause = b.page("/causes/cause-0/page/2/");
    assert_eq!(count(&cause, "class=\"recurrence-item\""), 2, "5 occurrences: 3 then 2");
    assert_eq!(cause.section("Every occurrence").text_of("h2 .count"), "5");
    // The cause's summary panels and the board's owner list are not repeated on every page.
    assert!(!cause.contains("class=\"cause-aside\"") && b.page("/causes/cause-0/").contains("class=\"cause-aside\""));
    assert!(
        !b.page("/action-items/page/2/").contains("id=\"by-owner-title\"")
            && b.page("/action-items/").contains("id=\"by-owner-title\"")
    );
    // The board: open items first across pages, the group counts are totals.
    let board: Vec<Page> = (1..=5)
        .map(|n| b.page(&if n == 1 { "/action-items/".into() } else { format!("/action-items/page/{n}/") }))
        .collect();
    let rows: Vec<usize> = board.iter().map(|h| count(h, "<span class=\"from\">From ")).collect();
    assert_eq!(rows, [3, 3, 3, 3, 1]);
    let open: Vec<usize> = board.iter().map(|h| count(h, "pill-open")).collect();
    assert_eq!(open, [3, 3, 1, 0, 0], "open items first");
    assert!(
        board[2].contains("To do <span class=\"count\">7</span>")
            && board[2].contains("Done or dropped <span class=\"count\">6</span>")
    );
    assert!(!board[3].contains("id=\"todo-title\""), "a page of done items only has no empty To do section");
    // Year pages hold one year, linked from the (paginated) list.
    let y = b.page("/incidents/2019/page/2/");
    assert_eq!(count(&y, "class=\"row-title\""), 1);
    assert!(y.contains("<p class=\"lead\">4 incidents in 2019, newest first.</p>"));
    assert!(b.page("/incidents/").contains("<a href=\"/incidents/2019/\">2019 <span class=\"count\">4</span></a>"));
    assert!(y.contains("<a href=\"/incidents/2019/\" aria-current=\"page\">2019"));
}

#[test]
fn long_lists_window_the_navigator_and_page_one_links_every_page() {
    let b = Built::new(40, Some("2"));
    let middle = b.page("/incidents/page/10/");
    let nav = &middle[middle.find("aria-label=\"Pagination\"").unwrap()..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    let numbers: Vec<String> = hrefs(nav).into_iter().filter(|h| h.contains("/page/") || h == "/incidents/").collect();
    assert!(nav.contains("pagination-gap"), "{nav}");
    for n in [1, 8, 9, 10, 11, 12, 20] {
        assert!(nav.contains(&format!(">{n}</a>")), "page {n} in {nav}");
    }
    for n in [3, 7, 13, 19] {
        assert!(!nav.contains(&format!(">{n}</a>")), "page {n} not in {nav}");
    }
    assert!(numbers.len() < 20);
    let first = b.page("/incidents/");
    for n in 2..=20 {
        assert!(first.contains(&format!("<a href=\"/incidents/page/{n}/\">{n}</a>")), "page 1 links page {n}");
    }
}

/// Breadth-first over plain `<a href>` links from /incidents/: every
/// incident is at most three clicks away.
fn assert_reachable(b: &Built, incidents: usize) {
    let mut depth: HashMap<String, usize> = HashMap::from([("/incidents/".to_string(), 0)]);
    let mut queue = VecDeque::from(["/incidents/".to_string()]);
    while let Some(url) = queue.pop_front() {
        let d = depth[&url];
        if d == 3 || !b.exists(&url) || !url.ends_with('/') {
            continue;
        }
        let html = b.page(&url);
        // Links of <a> elements only (not <link>).
        let mut rest = &*html;
        while let Some(at) = rest.find("<a ") {
            rest = &rest[at..];
            let tag = &rest[..rest.find('>').unwrap()];
            rest = &rest[tag.len()..];
            let Some(h) = hrefs(tag).into_iter().next() else { continue };
            let h = h.split('#').next().unwrap().to_string();
            if h.starts_with('/') && !depth.contains_key(&h) {
                depth.insert(h.clone(), d + 1);
                queue.push_back(h);
            }
        }
    }
    for i in 0..incidents {
        let url = format!("/incidents/inc-{i:04}/");
        assert!(depth.get(&url).is_some_and(|&d| d <= 3), "{url} is not within 3 clicks of /incidents/");
    }
}

#[test]
fn every_incident_is_within_three_clicks_of_the_incident_list() {
    assert_reachable(&Built::new(40, Some("2")), 40);
    assert_reachable(&Built::new(30, Some("1")), 30);
}

#[test]
fn the_sitemap_lists_every_page_but_not_the_page_one_redirects() {
    let b = Built::new(13, Some("3"));
    let sitemap = b.page("/sitemap.xml");
    for url in [
        "/incidents/",
        "/incidents/page/5/",
        "/incidents/2019/page/2/",
        "/tags/common/page/4/",
        "/action-items/status/open/page/3/",
        "/severity/sev1/page/2/",
        "/causes/cause-0/page/2/",
    ] {
        assert!(sitemap.contains(&format!("<loc>https://inc.example{url}</loc>")), "{url} not in the sitemap");
    }
    assert!(!sitemap.contains("/page/1/"), "the redirects are not pages");
}

#[test]
fn lists_that_fit_on_one_page_have_no_pagination() {
    let b = Built::new(13, None);
    for url in ["/incidents/", "/tags/common/", "/action-items/", "/severity/sev1/", "/causes/cause-0/"] {
        let html = b.page(url);
        assert!(
            !html.contains("class=\"pagination\"")
                && head_link(&html, "next").is_none()
                && head_link(&html, "prev").is_none(),
            "{url}"
        );
        assert!(!title(&html).contains("page 1"), "{url}");
        assert!(!b.exists(&format!("{url}page/1/")) && !b.exists(&format!("{url}page/2/")), "{url}");
    }
    // The one-page list keeps its year anchors; the year pages exist.
    assert!(b.page("/incidents/").contains("<a href=\"#y2019\">2019 <span class=\"count\">4</span></a>"));
    assert!(b.page("/incidents/2022/").text_of(".lead").starts_with("3 incidents in 2022"));
}

#[test]
fn per_page_below_one_is_an_error_at_its_value() {
    let tmp = TempDir::new("pagination-bad");
    let root = tmp.path();
    write_archive(root, 2, Some("0"));
    let out = tmp.path().join("public");
    for args in [
        vec!["build", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()],
        vec!["check", "--root", root.to_str().unwrap()],
    ] {
        let o = rca(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&o).contains("rca-site.toml:5:12: pagination.per_page must be at least 1"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
    assert!(!out.exists());
    write_archive(root, 2, Some("\"ten\""));
    let o = rca(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("rca-site.toml:5:12:"), "{}", stderr(&o));
}

#[test]
fn no_html_page_is_over_250_kb_at_2000_incidents() {
    let n = 2000;
    let b = Built::new(n, None);
    let mut largest = (0, String::new());
    let mut pages = 0;
    for e in walkdir::WalkDir::new(&b.out) {
        let e = e.unwrap();
        if e.path().extension().is_some_and(|x| x == "html") {
            pages += 1;
            let len = e.metadata().unwrap().len() as usize;
            if len > largest.0 {
                largest = (len, e.path().strip_prefix(&b.out).unwrap().display().to_string());
            }
        }
    }
    // 250 KB as issue 16 counts them (250,000 bytes).
    assert!(largest.0 <= 250_000, "{} is {} bytes", largest.1, largest.0);
    // The sort and filter index fetches little: two rank strings of 2 characters an incident.
    let pointer: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(b.out.join("listing/index.json")).unwrap()).unwrap();
    let dir = b.out.join(pointer["listing"].as_str().unwrap().trim_matches('/'));
    for ranks in ["title.json", "duration.json"] {
        assert_eq!(fs::metadata(dir.join(ranks)).unwrap().len(), 2 * n as u64 + 2, "{ranks}");
    }
    assert!(pages > n + 20, "the list pages exist: {pages}");
    assert!(b.exists("/incidents/page/20/") && !b.exists("/incidents/page/21/"));
    assert_reachable(&b, n);
}

#[test]
fn an_incident_whose_id_is_a_year_keeps_its_url_over_the_year_page() {
    let tmp = TempDir::new("pagination-year-id");
    let root = tmp.path().join("archive");
    fs::create_dir_all(&root).unwrap();
    write_archive(&root, 8, Some("3"));
    fs::write(
        root.join("content/incidents/2020.md"),
        "---\ntitle: \"The 2020 outage\"\ndate: 2020-03-04\nseverity: SEV2\n---\nBody.\n",
    )
    .unwrap();
    let out = tmp.path().join("public");
    let o = rca(&["build", "-q", "--root", root.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let b = Built { _tmp: tmp, out };
    assert!(b.page("/incidents/2020/").contains("<h1") && b.page("/incidents/2020/").contains("The 2020 outage"));
    assert!(!b.exists("/incidents/2020/page/2/"));
    assert!(b.page("/incidents/2019/").contains("Incidents of 2019"));
    let list = b.page("/incidents/");
    assert!(
        list.contains("<a href=\"/incidents/2019/\">2019") && !list.contains("<a href=\"/incidents/2020/\">2020 <span"),
        "no link to a year page that is not there"
    );
}

/// The pages of list `list` in order, as many as it has.
fn list_pages(b: &Built, list: &str) -> Vec<Page> {
    let url = |n: usize| if n == 1 { list.to_string() } else { format!("{list}page/{n}/") };
    (1..).map(url).take_while(|u| b.exists(u)).map(|u| b.page(&u)).collect()
}

/// What a list shows of its entries, in order: the board's rows, a
/// cause's recurrence gaps, the incidents' cards (by their links).
fn entries(html: &str, what: &str) -> Vec<String> {
    let mut main = html[html.find("<main").unwrap()..html.find("</main>").unwrap()].to_string();
    // The navigators (above and below the list) are not entries.
    while let Some(at) = main.find("<nav class=\"pagination\"") {
        let end = at + main[at..].find("</nav>").unwrap() + "</nav>".len();
        main.replace_range(at..end, "");
    }
    let main = main.as_str();
    match what {
        "rows" => {
            main.split("<tr><td>").skip(1).map(|r| r[..r.find("</tbody>").unwrap_or(r.len())].to_string()).collect()
        }
        "gaps" => main
            .split("<p class=\"recurrence-gap\">")
            .skip(1)
            .map(|g| g[..g.find("</p>").unwrap()].to_string())
            .collect(),
        _ => hrefs(main).into_iter().filter(|h| h.starts_with("/incidents/inc-")).collect(),
    }
}

#[test]
fn a_paged_list_shows_in_its_pages_what_one_page_shows() {
    // Each list's pages read their share of what the build makes once per
    // list (year groups, a severity's incidents, a board filter's items, a
    // cause's occurrences with the gap before each); split at 3 a page, the
    // pages must show, in order, what one long page shows.
    let paged = Built::new(40, Some("3"));
    let whole = Built::new(40, Some("1000"));
    let lists = [
        ("/action-items/", "rows"),
        ("/action-items/status/open/", "rows"),
        ("/action-items/status/done/", "rows"),
        ("/action-items/owner/team-1/", "rows"),
        ("/causes/cause-1/", "gaps"),
        ("/causes/cause-2/", "links"),
        ("/severity/sev2/", "links"),
        ("/incidents/2021/", "links"),
        ("/tags/common/", "links"),
    ];
    for (list, what) in lists {
        let pages = list_pages(&paged, list);
        assert!(pages.len() > 2, "{list} has {} pages", pages.len());
        let split: Vec<String> = pages.iter().flat_map(|p| entries(p, what)).collect();
        let one = list_pages(&whole, list);
        assert_eq!(one.len(), 1, "{list}");
        let expected = entries(&one[0], what);
        assert!(expected.len() >= 7, "{list}: {expected:?}");
        assert_eq!(split, expected, "{list}");
    }
    // Every occurrence after the first says how long after the one before.
    let gaps: Vec<String> = list_pages(&paged, "/causes/cause-1/").iter().flat_map(|p| entries(p, "gaps")).collect();
    assert_eq!(gaps[0], "First seen");
    assert!(gaps[1..].iter().all(|g| g.starts_with("Recurred")), "{gaps:?}");
}
