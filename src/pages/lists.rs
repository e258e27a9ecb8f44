//! The lists and home family: the home page, /incidents/ and each year's
//! list (paginated), the free pages and the 404 page.

use super::*;

/// A run of incidents of one year in the archive's order (`year_groups`).
#[derive(Hash)]
pub(super) struct YearGroup {
    /// 0 for the incidents with no date.
    year: i16,
    dated: bool,
    incidents: std::ops::Range<usize>,
    /// Whether /incidents/<year>/ is written.
    page: bool,
}

impl YearGroup {
    fn dir(&self) -> String {
        format!("incidents/{}", self.year)
    }

    /// "2021", or "Date unknown".
    fn title(&self) -> String {
        if self.dated {
            self.year.to_string()
        } else {
            "Date unknown".to_string()
        }
    }

    fn anchor(&self) -> String {
        if self.dated {
            format!("y{}", self.year)
        } else {
            "y-unknown".to_string()
        }
    }
}

impl Renderer<'_> {
    pub(super) fn home(&self) -> Result<OutputFile, tera::Error> {
        let a = self.archive;
        let mut ctx = Context::new();
        let latest: Vec<usize> = (0..a.incidents.len().min(10)).collect();
        ctx.insert_value("latest", self.cards_of(&latest));
        let (open, overdue) = a.incidents.iter().flat_map(|i| &i.action_items).fold((0, 0), |(o, d), item| {
            (o + usize::from(item.status.is_pending()), d + usize::from(item.is_overdue(self.build_date)))
        });
        #[derive(Serialize)]
        struct Totals {
            incidents: usize,
            open_actions: usize,
            overdue_actions: usize,
            services: usize,
            causes: usize,
        }
        ctx.insert(
            "totals",
            &Totals {
                incidents: a.incidents.len(),
                open_actions: open,
                overdue_actions: overdue,
                services: a.services.len(),
                causes: a.causes.len(),
            },
        );
        #[derive(Serialize)]
        struct BySeverity {
            severity: SeverityView,
            count: usize,
        }
        let by_severity: Vec<BySeverity> = a
            .config
            .severities
            .iter()
            .enumerate()
            .map(|(k, s)| BySeverity {
                severity: severity_view(a, &self.base, s),
                count: a.incidents.iter().filter(|i| i.severity.as_ref().is_some_and(|(_, r)| *r == k + 1)).count(),
            })
            .collect();
        ctx.insert("by_severity", &by_severity);
        ctx.insert("top_causes", &self.term_counts(Taxonomy::Causes, 5));
        ctx.insert("top_services", &self.term_counts(Taxonomy::Services, 5));
        ctx.insert("intro_html", self.bodies.home.as_ref().map_or("", |r| r.html.as_str()));
        self.insert_glance(&mut ctx);
        let description = match a.config.description.trim() {
            "" => format!("The incident postmortems of {}.", a.config.title),
            d => d.to_string(),
        };
        self.page("index.html", "index.html", &a.config.title, &description, "home", ctx)
    }

    /// `recent` (the last 90 days by severity) for the home page.
    pub(super) fn insert_glance(&self, ctx: &mut Context) {
        let a = self.archive;
        let recent = crate::stats::recent(a, self.build_date, 90);
        #[derive(Serialize)]
        struct Row {
            severity: SeverityView,
            count: usize,
        }
        #[derive(Serialize)]
        struct RecentView {
            days: i64,
            since: String,
            total: usize,
            days_since_last: Option<i64>,
            by_severity: Vec<Row>,
        }
        let by_severity = a
            .config
            .severities
            .iter()
            .zip(&recent.by_severity)
            .map(|(s, c)| Row { severity: severity_view(a, &self.base, s), count: *c })
            .collect();
        ctx.insert(
            "recent",
            &RecentView {
                days: recent.days,
                since: recent.since,
                total: recent.total,
                days_since_last: recent.days_since_last,
                by_severity,
            },
        );
    }

    /// A page of /incidents/ (`year`: None) or of one year's list.
    pub(super) fn incidents_list(&self, year: Option<usize>, number: usize) -> Result<OutputFile, tera::Error> {
        let a = self.archive;
        let per_page = a.config.pagination.per_page;
        let groups = self.year_groups();
        let (list, dir) = match year.and_then(|y| groups.get(y)) {
            Some(g) => (g.incidents.clone(), g.dir()),
            None => (0..a.incidents.len(), "incidents".to_string()),
        };
        let list_url = format!("{}/{dir}/", self.base);
        let mut pager = paginate::Pager::new(&list_url, list.len(), per_page, number);
        if year.is_none() && pager.number == 1 {
            pager = pager.with_all_pages(&list_url);
        }
        let shown = pager.range(per_page);
        let shown = list.start + shown.start..list.start + shown.end;
        let mut ctx = Context::new();
        ctx.insert_value("incidents", self.cards_of(&shown.clone().collect::<Vec<usize>>()));
        #[derive(Serialize)]
        struct Year {
            year: i16,
            /// "2021", or "Date unknown".
            title: String,
            anchor: String,
            count: usize,
            incidents: Vec<Value>,
        }
        // The sections of this page, each with its year's total.
        let mut years: Vec<Year> = Vec::new();
        for n in shown {
            let card = self.card_values[n].clone();
            // Incidents with no date sort last, in a section of their own.
            let g = groups.iter().find(|g| g.incidents.contains(&n));
            let (year, title, anchor) =
                g.map_or((0, String::new(), String::new()), |g| (g.year, g.title(), g.anchor()));
            match years.last_mut() {
                Some(s) if s.anchor == anchor => s.incidents.push(card),
                _ => years.push(Year {
                    year,
                    title,
                    anchor,
                    count: g.map_or(1, |g| g.incidents.len()),
                    incidents: vec![card],
                }),
            }
        }
        ctx.insert("years", &years);
        #[derive(Serialize)]
        struct YearLink {
            year: i16,
            title: String,
            anchor: String,
            count: usize,
            url: Option<String>,
        }
        let all_years: Vec<YearLink> = groups
            .iter()
            .map(|g| YearLink {
                year: g.year,
                title: g.title(),
                anchor: g.anchor(),
                count: g.incidents.len(),
                url: g.page.then(|| format!("{}/{}/", self.base, g.dir())),
            })
            .collect();
        ctx.insert("all_years", &all_years);
        if let Some(g) = year.and_then(|y| groups.get(y)) {
            ctx.insert("year", &g.year);
        }
        let (title, desc, out) = match year.and_then(|y| groups.get(y)) {
            Some(g) => (
                format!("Incidents of {}", g.year),
                format!("The {} of {}, newest first.", text::count(g.incidents.len(), "incident"), g.year),
                paginate::out_path(&g.dir(), pager.number),
            ),
            None => (
                "Incidents".to_string(),
                format!("{} in the archive, newest first.", text::count(a.incidents.len(), "incident")),
                paginate::out_path("incidents", pager.number),
            ),
        };
        let title = format!("{title}{}", pager.title_suffix);
        ctx.insert("pager", &pager);
        self.page("incidents.html", &out, &title, &desc, "incidents", ctx)
    }

    /// The archive's incidents (newest first) in runs of one year. `page`:
    /// the year has its own page (not when an incident's id is the year).
    /// The year groups of the lists (made once per build: `Renderer::years`).
    pub(super) fn year_groups(&self) -> &[YearGroup] {
        &self.years
    }

    pub(super) fn free_page(&self, n: usize) -> Result<OutputFile, tera::Error> {
        let p = &self.archive.pages[n];
        let body = &self.bodies.pages[n];
        #[derive(Serialize)]
        struct Content<'b> {
            title: &'b str,
            body_html: &'b str,
            toc: &'b [TocEntry],
            #[serde(flatten)]
            git: crate::git::HistoryView,
        }
        let git = crate::git::HistoryView::new(&p.history, &self.archive.config);
        let mut ctx = Context::new();
        ctx.insert("content", &Content { title: &p.title, body_html: &body.html, toc: &body.toc, git });
        let description = match p.description.trim() {
            "" => Some(crate::share::first_paragraph(&p.body))
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| p.title.clone()),
            d => d.to_string(),
        };
        self.page("page.html", &format!("{}/index.html", p.id), &p.title, &description, "page", ctx)
    }
}

impl Renderer<'_> {
    /// The home page and the 404 page.
    pub(super) fn declare_home(&self, pages: &mut Vec<Page>) {
        pages.push(Page::new(PageKey::Home, "index.html", 0));
        pages.push(Page::new(PageKey::NotFound, "404.html", 0));
    }

    /// /incidents/ and each year's list, every page of them.
    pub(super) fn declare_lists(&self, pages: &mut Vec<Page>) {
        self.paged(pages, self.archive.incidents.len(), "incidents", 0, &PageKey::Incidents);
        for (y, g) in self.year_groups().iter().enumerate().filter(|(_, g)| g.page) {
            self.paged(pages, g.incidents.len(), &g.dir(), y, &|n| PageKey::Year(g.year, n));
        }
    }

    pub(super) fn declare_free_pages(&self, pages: &mut Vec<Page>) {
        for (n, p) in self.archive.pages.iter().enumerate() {
            pages.push(Page::new(PageKey::Page(p.id.clone()), format!("{}/index.html", p.id), n));
        }
    }

    /// A page of /incidents/ or of a year shows the cards of its incidents
    /// and the years of the whole archive (with their counts); the home
    /// page shows the whole archive (counts, the latest, the glance) and
    /// its intro; a free page its own file.
    pub(super) fn fingerprint_list(&self, p: &Page, c: &Common, h: &mut fingerprint::FxHasher) {
        use std::hash::Hash;
        let d = c.digests;
        match p.key {
            PageKey::Incidents(number) | PageKey::Year(_, number) => {
                let list = match p.key {
                    PageKey::Year(..) => c.groups[p.at].incidents.clone(),
                    _ => 0..self.archive.incidents.len(),
                };
                let per_page = self.archive.config.pagination.per_page;
                let number = paginate::page_number(list.len(), per_page, number);
                let shown = paginate::range(list.len(), per_page, number);
                (c.groups_digest, list.len(), number).hash(h);
                d.incidents[list.start + shown.start..list.start + shown.end].hash(h);
            }
            PageKey::Home => (d.archive, self.bodies.home.as_ref().map(|r| fingerprint::body("", r))).hash(h),
            PageKey::Page(_) => {
                let page = &self.archive.pages[p.at];
                (&page.title, &page.description, &page.body).hash(h);
                fingerprint::tracked(&page.history, h);
                self.bodies.pages.get(p.at).map(|r| fingerprint::body("", r)).hash(h);
            }
            _ => d.archive.hash(h),
        }
    }
}

/// What every list page shows of the years: each group's year, size and
/// whether it has a page of its own.
pub(super) fn groups_digest(groups: &[YearGroup]) -> u64 {
    fingerprint::of(groups)
}

/// The runs of incidents of one year in the archive's order (newest
/// first), then the incidents with no date; a dated year has its page
/// unless an incident has the year as its id.
pub(super) fn year_groups(a: &Archive) -> Vec<YearGroup> {
    let mut groups: Vec<YearGroup> = Vec::new();
    for (n, i) in a.incidents.iter().enumerate() {
        // Incidents with no date come last, as one group with no page.
        let (dated, year) = (i.has_date(), if i.has_date() { i.date.year() } else { 0 });
        match groups.last_mut() {
            Some(g) if g.dated == dated && g.year == year => g.incidents.end = n + 1,
            _ => groups.push(YearGroup { year, dated, incidents: n..n + 1, page: dated }),
        }
    }
    let ids: std::collections::HashSet<&str> = a.incidents.iter().map(|i| i.id.as_str()).collect();
    let mut seen = std::collections::HashSet::new();
    for g in groups.iter_mut().filter(|g| g.dated) {
        g.page = seen.insert(g.year) && !ids.contains(g.year.to_string().as_str());
    }
    groups
}
