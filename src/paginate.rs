//! Pagination of the list pages (incidents, a year, a term, a severity, the
//! action-item board): how a list splits into pages, each page's URL and
//! output path, and the navigator the `pagination` component renders.
//!
//! Page 1 of a list lives at the list's own URL (`/tags/etcd/`); page n ≥ 2
//! at `<list>/page/<n>/`. `<list>/page/1/` is a small page that redirects
//! to the list's URL, as in Hugo and Zola.

use std::ops::Range;

use serde::Serialize;

/// Navigators with at most this many pages link every page; longer ones
/// show the first, the last and a window around the current page.
const FULL_NAVIGATOR: usize = 9;
/// Pages on each side of the current one in a windowed navigator.
const WINDOW: usize = 2;

/// Number of pages a list of `total` items takes (at least 1: an empty
/// list still has its page).
pub fn page_count(total: usize, per_page: usize) -> usize {
    total.div_ceil(per_page.max(1)).max(1)
}

/// The page a list shows for `number`: pages run from 1 to
/// [`page_count`], and a number past either end is the page at that end.
pub fn page_number(total: usize, per_page: usize, number: usize) -> usize {
    number.clamp(1, page_count(total, per_page))
}

/// The items of page `number` (1-based) of a list of `total`.
pub fn range(total: usize, per_page: usize, number: usize) -> Range<usize> {
    let per_page = per_page.max(1);
    let start = (number.saturating_sub(1) * per_page).min(total);
    start..(start + per_page).min(total)
}

/// The URL of page `number` of the list at `list_url` (which ends in `/`).
pub fn page_url(list_url: &str, number: usize) -> String {
    if number <= 1 {
        list_url.to_string()
    } else {
        format!("{list_url}page/{number}/")
    }
}

/// The output file of page `number` of the list in folder `dir`
/// (`"tags/etcd"`, relative to the output root, no slashes around).
pub fn out_path(dir: &str, number: usize) -> String {
    if number <= 1 {
        format!("{dir}/index.html")
    } else {
        format!("{dir}/page/{number}/index.html")
    }
}

/// One entry of the navigator: a page number or a gap ("…").
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PageLink {
    /// 0 for a gap.
    pub number: usize,
    pub url: String,
    pub current: bool,
    pub gap: bool,
}

/// What the templates see as `pager`; see docs/theme.md.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Pager {
    /// This page, 1-based.
    pub number: usize,
    /// Pages in the list.
    pub count: usize,
    /// Items in the whole list (not on this page).
    pub total: usize,
    /// 1-based positions of this page's first and last item (0 and 0 when empty).
    pub first_item: usize,
    pub last_item: usize,
    pub url: String,
    pub first_url: String,
    pub last_url: String,
    pub prev_url: Option<String>,
    pub next_url: Option<String>,
    /// The navigator: numbers, with gaps when the list is long.
    pub links: Vec<PageLink>,
    /// Every page, when the navigator leaves some out and the list asks
    /// for it (page 1 of /incidents/: every incident within 3 clicks).
    pub all: Vec<PageLink>,
    /// " — page 2 of 7" for titles, "" when the list fits on one page.
    pub title_suffix: String,
}

impl Pager {
    /// Page `number` of the list at `list_url` of `total` items.
    pub fn new(list_url: &str, total: usize, per_page: usize, number: usize) -> Pager {
        let count = page_count(total, per_page);
        let number = page_number(total, per_page, number);
        let r = range(total, per_page, number);
        let link = |n: usize| PageLink { number: n, url: page_url(list_url, n), current: n == number, gap: false };
        let gap = || PageLink { number: 0, url: String::new(), current: false, gap: true };
        let mut links = Vec::new();
        if count <= FULL_NAVIGATOR {
            links.extend((1..=count).map(link));
        } else {
            let lo = number.saturating_sub(WINDOW).max(2);
            let hi = (number + WINDOW).min(count - 1);
            links.push(link(1));
            if lo > 2 {
                links.push(gap());
            }
            links.extend((lo..=hi).map(link));
            if hi < count - 1 {
                links.push(gap());
            }
            links.push(link(count));
        }
        Pager {
            number,
            count,
            total,
            first_item: if r.is_empty() { 0 } else { r.start + 1 },
            last_item: r.end,
            url: page_url(list_url, number),
            first_url: page_url(list_url, 1),
            last_url: page_url(list_url, count),
            prev_url: (number > 1).then(|| page_url(list_url, number - 1)),
            next_url: (number < count).then(|| page_url(list_url, number + 1)),
            links,
            all: Vec::new(),
            title_suffix: if count > 1 { format!(" — page {number} of {count}") } else { String::new() },
        }
    }

    /// Adds the list of every page when the navigator leaves some out.
    pub fn with_all_pages(mut self, list_url: &str) -> Pager {
        if self.links.len() < self.count {
            self.all = (1..=self.count)
                .map(|n| PageLink { number: n, url: page_url(list_url, n), current: n == self.number, gap: false })
                .collect();
        }
        self
    }

    pub fn range(&self, per_page: usize) -> Range<usize> {
        range(self.total, per_page, self.number)
    }
}

/// The page at `<list>/page/1/`: sends the reader to the list's own URL.
/// `canonical` is absolute when the site has a base URL; `target` is the
/// link the page follows.
pub fn redirect_page(canonical: &str, target: &str) -> String {
    crate::share::redirect_page("Redirecting", "Page 1 of this list is at", canonical, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(p: &Pager) -> String {
        p.links
            .iter()
            .map(|l| {
                if l.gap {
                    "…".to_string()
                } else if l.current {
                    format!("[{}]", l.number)
                } else {
                    l.number.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn counts_and_ranges() {
        assert_eq!(page_count(0, 10), 1);
        assert_eq!(page_count(10, 10), 1);
        assert_eq!(page_count(11, 10), 2);
        assert_eq!(page_count(5, 0), 5);
        assert_eq!(range(11, 10, 1), 0..10);
        assert_eq!(range(11, 10, 2), 10..11);
        assert_eq!(range(11, 10, 3), 11..11);
        assert_eq!(range(0, 10, 1), 0..0);
    }

    #[test]
    fn urls_and_paths() {
        assert_eq!(page_url("/sub/tags/etcd/", 1), "/sub/tags/etcd/");
        assert_eq!(page_url("/sub/tags/etcd/", 3), "/sub/tags/etcd/page/3/");
        assert_eq!(out_path("tags/etcd", 1), "tags/etcd/index.html");
        assert_eq!(out_path("tags/etcd", 2), "tags/etcd/page/2/index.html");
    }

    #[test]
    fn navigator_windows_long_lists() {
        assert_eq!(numbers(&Pager::new("/x/", 30, 10, 2)), "1 [2] 3");
        assert_eq!(numbers(&Pager::new("/x/", 200, 10, 1)), "[1] 2 3 … 20");
        assert_eq!(numbers(&Pager::new("/x/", 200, 10, 4)), "1 2 3 [4] 5 6 … 20");
        assert_eq!(numbers(&Pager::new("/x/", 200, 10, 10)), "1 … 8 9 [10] 11 12 … 20");
        assert_eq!(numbers(&Pager::new("/x/", 200, 10, 20)), "1 … 18 19 [20]");
        let p = Pager::new("/x/", 200, 10, 10);
        assert_eq!((p.prev_url.as_deref(), p.next_url.as_deref()), (Some("/x/page/9/"), Some("/x/page/11/")));
        assert_eq!((p.first_item, p.last_item, p.title_suffix.as_str()), (91, 100, " — page 10 of 20"));
        let first = Pager::new("/x/", 200, 10, 1);
        assert_eq!(
            (first.prev_url.as_deref(), first.next_url.as_deref(), first.url.as_str()),
            (None, Some("/x/page/2/"), "/x/")
        );
        assert_eq!(first.with_all_pages("/x/").all.len(), 20);
        assert!(Pager::new("/x/", 30, 10, 1).with_all_pages("/x/").all.is_empty());
        let one = Pager::new("/x/", 3, 10, 1);
        assert_eq!((one.count, one.title_suffix.as_str(), one.next_url), (1, "", None));
    }
}
