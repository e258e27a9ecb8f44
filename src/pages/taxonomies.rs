//! The taxonomies and severity family: /tags/, /services/, /causes/ and a
//! page (paginated) per term; a page (paginated) per severity.

use super::*;

#[derive(Serialize)]
pub(super) struct TermCount {
    term: TermView,
    count: usize,
    first_date: String,
    last_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    spark: Option<causes::SparkView>,
}

pub(super) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().collect::<String>() + c.as_str())
}

pub(super) fn taxonomy_view(tax: Taxonomy) -> BTreeMap<&'static str, &'static str> {
    BTreeMap::from([("kind", tax.key()), ("name", tax.name()), ("singular", tax.singular())])
}

impl Renderer<'_> {
    pub(super) fn term_counts(&self, tax: Taxonomy, limit: usize) -> Vec<TermCount> {
        self.archive
            .taxonomy(tax)
            .iter()
            .take(limit)
            .map(|t| TermCount {
                term: self.term_view(tax, t),
                count: t.incidents.len(),
                first_date: t
                    .incidents
                    .iter()
                    .rev()
                    .find(|&&n| self.archive.incidents[n].has_date())
                    .map(|&n| self.archive.incidents[n].date_shown())
                    .unwrap_or_default(),
                last_date: t
                    .incidents
                    .iter()
                    .find(|&&n| self.archive.incidents[n].has_date())
                    .map(|&n| self.archive.incidents[n].date_shown())
                    .unwrap_or_default(),
                spark: (tax == Taxonomy::Causes)
                    .then(|| causes::spark_view(self.archive, &self.xlinks.graph, t, self.xlinks.graph.cause_year_max)),
            })
            .collect()
    }

    pub(super) fn term_view(&self, tax: Taxonomy, t: &TermIndex) -> TermView {
        term_view(&self.base, tax, &t.slug, &t.name)
    }

    pub(super) fn taxonomy(&self, tax: Taxonomy) -> Result<OutputFile, tera::Error> {
        let mut ctx = Context::new();
        ctx.insert("taxonomy", &taxonomy_view(tax));
        ctx.insert("terms", &self.term_counts(tax, usize::MAX));
        let desc = format!("Incidents by {}.", tax.singular());
        self.page("taxonomy.html", &format!("{}/index.html", tax.key()), tax.name(), &desc, tax.key(), ctx)
    }

    pub(super) fn term(&self, tax: Taxonomy, at: usize, number: usize) -> Result<OutputFile, tera::Error> {
        let t = &self.archive.taxonomy(tax)[at];
        let per_page = self.archive.config.pagination.per_page;
        let pager = paginate::Pager::new(
            &format!("{}/{}/{}/", self.base, tax.key(), t.slug),
            t.incidents.len(),
            per_page,
            number,
        );
        let shown = pager.range(per_page);
        let mut ctx = Context::new();
        ctx.insert("taxonomy", &taxonomy_view(tax));
        ctx.insert("term", &self.term_view(tax, t));
        ctx.insert_value("incidents", self.cards_of(&t.incidents[shown.clone()]));
        if let (Some(&newest), Some(&oldest)) = (t.incidents.first(), t.incidents.last()) {
            ctx.insert_value("newest", self.card_values[newest].clone());
            ctx.insert_value("oldest", self.card_values[oldest].clone());
        }
        let description = match tax {
            Taxonomy::Causes => self.bodies.causes.get(&t.slug).map_or("", |r| r.html.as_str()),
            _ => "",
        };
        ctx.insert("description_html", description);
        if tax == Taxonomy::Causes {
            ctx.insert("cause", &causes::cause_view(self, at, shown));
        }
        let title = format!("{} {}{}", capitalise(tax.singular()), t.name, pager.title_suffix);
        let desc = format!("{} with the {} {}.", text::count(t.incidents.len(), "incident"), tax.singular(), t.name);
        let out = paginate::out_path(&format!("{}/{}", tax.key(), t.slug), pager.number);
        ctx.insert("pager", &pager);
        self.page("term.html", &out, &title, &desc, tax.key(), ctx)
    }

    pub(super) fn severity(&self, k: usize, number: usize) -> Result<OutputFile, tera::Error> {
        let a = self.archive;
        let per_page = a.config.pagination.per_page;
        let name = &a.config.severities[k];
        let view = severity_view(a, &self.base, name);
        let idx = self.severity_members(k);
        let pager = paginate::Pager::new(&view.url, idx.len(), per_page, number);
        let mut ctx = Context::new();
        let desc = view
            .description
            .clone()
            .unwrap_or_else(|| format!("{}.", text::count(idx.len(), &format!("{name} incident"))));
        let out = paginate::out_path(&format!("severity/{}", view.slug), pager.number);
        ctx.insert("severity", &view);
        ctx.insert_value("incidents", self.cards_of(&idx[pager.range(per_page)]));
        ctx.insert("pager", &pager);
        self.page("severity.html", &out, &format!("{name}{}", pager.title_suffix), &desc, "severity", ctx)
    }

    /// Indexes of the incidents of severity `k` (0-based rank).
    pub(super) fn severity_members(&self, k: usize) -> &[usize] {
        self.severity_members.get(k).map_or(&[], Vec::as_slice)
    }
}

/// Per severity of the config (rank order), the indexes of its incidents
/// in archive order.
pub(super) fn severity_members(a: &Archive) -> Vec<Vec<usize>> {
    let mut members = vec![Vec::new(); a.config.severities.len()];
    for (n, i) in a.incidents.iter().enumerate() {
        if let Some(m) = i.severity.as_ref().and_then(|(_, rank)| rank.checked_sub(1)).and_then(|k| members.get_mut(k))
        {
            m.push(n);
        }
    }
    members
}

impl Renderer<'_> {
    /// Per taxonomy its index and every page of each term's list; then
    /// every page of each severity's list.
    pub(super) fn declare_taxonomies(&self, pages: &mut Vec<Page>) {
        let a = self.archive;
        for tax in Taxonomy::ALL {
            pages.push(Page::new(PageKey::Taxonomy(tax), format!("{}/index.html", tax.key()), 0));
            for (n, t) in a.taxonomy(tax).iter().enumerate() {
                let dir = format!("{}/{}", tax.key(), t.slug);
                self.paged(pages, t.incidents.len(), &dir, n, &|p| PageKey::Term(tax, t.slug.clone(), p));
            }
        }
        for (k, name) in a.config.severities.iter().enumerate() {
            let total = self.severity_members(k).len();
            let dir = format!("severity/{}", slugify(name));
            self.paged(pages, total, &dir, k, &|p| PageKey::Severity(name.clone(), p));
        }
    }

    /// An index shows every term with counts and dates (the archive); a
    /// term or severity page the cards of its incidents, and a cause page
    /// more (src/pages/causes.rs).
    pub(super) fn fingerprint_taxonomy(&self, p: &Page, c: &Common, h: &mut fingerprint::FxHasher) {
        use std::hash::Hash;
        let members = |idx: &[usize], h: &mut fingerprint::FxHasher| {
            idx.len().hash(h);
            for &m in idx {
                c.digests.incidents[m].hash(h);
            }
        };
        match p.key {
            PageKey::Term(tax, ..) => {
                let t = &self.archive.taxonomy(tax)[p.at];
                (&t.name, c.terms).hash(h);
                members(&t.incidents, h);
                if tax == Taxonomy::Causes {
                    causes::fingerprint(self, c, t, h);
                }
            }
            PageKey::Severity(..) => c.severities[p.at].hash(h),
            _ => (c.digests.archive, c.terms).hash(h),
        }
    }
}

/// The names every term is shown with (a cause page names its co-causes
/// and services), in any order: a term's count moves it in its list.
pub(super) fn names(a: &Archive) -> u64 {
    Taxonomy::ALL
        .iter()
        .flat_map(|&tax| a.taxonomy(tax).iter().map(move |t| fingerprint::of(&(tax, &t.slug, &t.name))))
        .fold(0u64, u64::wrapping_add)
}

/// Per severity, a digest of the digests of its incidents.
pub(super) fn severities(r: &Renderer, d: &fingerprint::Digests) -> Vec<u64> {
    use std::hash::{Hash, Hasher};
    let mut hs = vec![fingerprint::hasher(); r.archive.config.severities.len()];
    for (n, i) in r.archive.incidents.iter().enumerate() {
        if let Some(h) = i.severity.as_ref().and_then(|(_, rank)| hs.get_mut(rank.wrapping_sub(1))) {
            d.incidents[n].hash(h);
        }
    }
    hs.iter().map(Hasher::finish).collect()
}
