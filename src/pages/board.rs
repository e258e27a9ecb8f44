//! The action items family: the board at /action-items/, and a board per
//! owner and per status (paginated).

use super::*;

/// The action-item board with each item's template value, built once.
#[derive(Default)]
pub(super) struct BoardData {
    /// The items' rows are in their values only (`row_html` is left empty
    /// here, so that the rows are not held twice).
    pub(super) board: crate::actions::Board,
    values: Vec<Value>,
    /// Each item as its row is rendered from (JSON, `row_html` empty),
    /// parallel to `values`: made only in a build that fingerprints its
    /// pages or keeps the board for the next ([`BoardData::keep`], serve),
    /// which reuses the rows of unchanged items; empty otherwise.
    keys: Vec<String>,
    /// The digest of each key (serve's page fingerprints), made with them.
    key_digests: Vec<u64>,
    /// The digest of each item's incident (its card's), parallel to `keys`.
    item_digests: Vec<u64>,
    /// Every board page's filter, and (parallel) its items.
    filters: Vec<crate::actions::Filter>,
    lists: Vec<FilterList>,
    /// Per item, the section of a board page it is listed in. The items
    /// themselves (`board.items`) are kept only in a build that keys them
    /// (serve); a build frees them once their values are made.
    sections: Vec<Section>,
}

/// The sections of a board page: to do, untracked, done or dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Pending,
    Untracked,
    Closed,
}

impl Section {
    fn of(it: &crate::actions::BoardItem) -> Section {
        if it.pending {
            Section::Pending
        } else if it.status == "untracked" {
            Section::Untracked
        } else {
            Section::Closed
        }
    }
}

/// The items of one board filter, in board order, and how many of them
/// are pending and untracked.
#[derive(Default)]
pub(super) struct FilterList {
    items: Vec<usize>,
    pending: usize,
    untracked: usize,
}

/// All items, each status (with "overdue") and each owner.
fn filters_of(board: &crate::actions::Board) -> Vec<crate::actions::Filter> {
    use crate::actions::Filter;
    let mut f = vec![Filter::All];
    f.extend(board.statuses.iter().map(|g| Filter::Status(g.slug.clone())));
    f.extend(board.owners.iter().map(|g| Filter::Owner(g.slug.clone())));
    f
}

/// The items of every filter ([`crate::actions::Filter::keeps`]), in one
/// pass over the board.
fn lists_of(board: &crate::actions::Board, filters: &[crate::actions::Filter]) -> Vec<FilterList> {
    use crate::actions::{Filter, OVERDUE};
    use std::collections::HashMap;
    let mut lists: Vec<FilterList> = filters.iter().map(|_| FilterList::default()).collect();
    let (mut all, mut overdue) = (Vec::new(), Vec::new());
    // The filters of a status, and of an owner, by slug.
    let mut by_status: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_owner: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, f) in filters.iter().enumerate() {
        match f {
            Filter::All => all.push(k),
            Filter::Status(s) if s == OVERDUE => overdue.push(k),
            Filter::Status(s) => by_status.entry(s.as_str()).or_default().push(k),
            Filter::Owner(s) => by_owner.entry(s.as_str()).or_default().push(k),
        }
    }
    let none = Vec::new();
    for (n, it) in board.items.iter().enumerate() {
        let status = by_status.get(it.status).unwrap_or(&none);
        let owner = by_owner.get(it.owner_slug.as_str()).unwrap_or(&none);
        let late = if it.overdue { overdue.as_slice() } else { &[] };
        for &k in all.iter().chain(status).chain(owner).chain(late) {
            let list = &mut lists[k];
            list.items.push(n);
            list.pending += usize::from(it.pending);
            list.untracked += usize::from(it.status == "untracked");
        }
    }
    lists
}

/// An item as JSON, with its row empty: equal for two items whose rows
/// are the same.
fn item_key(it: &crate::actions::BoardItem) -> String {
    serde_json::to_string(it).unwrap_or_default()
}

/// Each item of `board` by [`item_key`].
fn item_keys(board: &crate::actions::Board) -> Vec<String> {
    board.items.par_iter().map(item_key).collect()
}

/// Each key's digest ([`fingerprint::of`], as [`BoardData::new`] takes it).
fn key_digests(keys: &[String]) -> Vec<u64> {
    keys.par_iter().map(fingerprint::of).collect()
}

/// The last board's items by incident id and place: their place in it.
type KeptItems<'a> =
    std::collections::HashMap<(&'a str, usize), usize, std::hash::BuildHasherDefault<fingerprint::FxHasher>>;

impl BoardData {
    /// `kept`: the previous board (serve); the key and the value (with its
    /// row) of an item whose incident's card digest is the one it was made
    /// with (`cards`, by incident; empty: none is) are taken from it, as
    /// the same item of the same incident. `keyed`: the build fingerprints
    /// its pages (serve), which reads the items' keys.
    pub(super) fn new(
        a: &Archive,
        tera: &Tera,
        build_date: Date,
        base: &str,
        kept: Option<BoardData>,
        keyed: bool,
        cards: &[u64],
    ) -> Result<Self, tera::Error> {
        // serve keeps the items for the next build's keys and fingerprints.
        let keep_items = keyed || kept.is_some();
        let mut kept = kept.filter(|k| {
            !cards.is_empty()
                && k.board.items.len() == k.values.len()
                && k.item_digests.len() == k.values.len()
                && k.keys.len() == k.values.len()
                && k.key_digests.len() == k.values.len()
        });
        // The last board's places of each incident's items, by item, when
        // all of them can be taken in place: the incident is at the same
        // place in the archive, with the card digest they were made with
        // (every edit that keeps the archive's order; the others are found
        // by id below).
        let mut places: Vec<Vec<usize>> = vec![Vec::new(); a.incidents.len()];
        let mut old_items: Vec<Option<crate::actions::BoardItem>> = Vec::new();
        let mut taken: Vec<Option<Vec<crate::actions::BoardItem>>> = Vec::new();
        if let Some(k) = kept.as_mut() {
            for (p, it) in k.board.items.iter().enumerate() {
                let n = it.source.0;
                if a.incidents.get(n).is_some_and(|i| i.id == it.incident.id)
                    && cards.get(n) == Some(&k.item_digests[p])
                {
                    places[n].push(p);
                }
            }
            for (n, ps) in places.iter_mut().enumerate() {
                ps.sort_unstable_by_key(|&p| k.board.items[p].source.1);
                let whole = ps.len() == a.incidents[n].action_items.len()
                    && ps.iter().enumerate().all(|(j, &p)| k.board.items[p].source.1 == j);
                if !whole {
                    ps.clear();
                }
            }
            old_items = std::mem::take(&mut k.board.items).into_iter().map(Some).collect();
            taken = places
                .iter()
                .map(|ps| {
                    let all: Option<Vec<_>> = ps.iter().map(|&p| old_items[p].take()).collect();
                    all.filter(|v| !v.is_empty())
                })
                .collect();
            // An incident whose items could not all be taken is made again.
            for (ps, t) in places.iter_mut().zip(&taken) {
                if t.is_none() {
                    ps.clear();
                }
            }
        }
        let mut board = crate::actions::Board::build_reusing(a, build_date, base, taken);
        let item_digests: Vec<u64> = if keep_items && !cards.is_empty() {
            board.items.iter().map(|it| cards.get(it.source.0).copied().unwrap_or_default()).collect()
        } else {
            Vec::new()
        };
        let reused: Vec<Option<(String, Value, u64)>> = match kept {
            Some(k) if !item_digests.is_empty() => {
                // The items not taken in place, by incident id and place.
                let mut at: KeptItems = KeptItems::default();
                at.extend(
                    old_items
                        .iter()
                        .enumerate()
                        .filter_map(|(p, it)| it.as_ref().map(|it| ((it.incident.id.as_str(), it.source.1), p))),
                );
                let mut old: Vec<Option<(String, Value, u64)>> = k
                    .keys
                    .into_iter()
                    .zip(k.values)
                    .zip(k.key_digests)
                    .map(|((key, v), d)| Some((key, v, d)))
                    .collect();
                let reused = board
                    .items
                    .iter()
                    .zip(&item_digests)
                    .map(|(it, d)| {
                        let (n, j) = it.source;
                        let p = match places[n].get(j) {
                            Some(&p) => p,
                            None => {
                                let p = at.remove(&(it.incident.id.as_str(), j))?;
                                if k.item_digests[p] != *d {
                                    return None;
                                }
                                p
                            }
                        };
                        old[p].take()
                    })
                    .collect();
                // Freeing 40,000 items is not the rebuild's work: a thread
                // of its own does it.
                drop(at);
                let old_board = k.board;
                std::thread::spawn(move || drop((old_board, old_items, old, places)));
                reused
            }
            _ => vec![None; board.items.len()],
        };
        // Each item's key and its digest: a kept item's are the last build's.
        let (mut keys, mut key_digests) = (Vec::new(), Vec::new());
        let reused: Vec<Option<Value>> = if keep_items {
            let made: Vec<(String, u64, Option<Value>)> = board
                .items
                .par_iter()
                .zip(reused)
                .map(|(it, r)| match r {
                    Some((key, v, d)) => (key, d, Some(v)),
                    None => {
                        let key = item_key(it);
                        let d = fingerprint::of(&key);
                        (key, d, None)
                    }
                })
                .collect();
            keys.reserve(made.len());
            key_digests.reserve(made.len());
            made.into_iter()
                .map(|(key, d, v)| {
                    keys.push(key);
                    key_digests.push(d);
                    v
                })
                .collect()
        } else {
            reused.into_iter().map(|r| r.map(|(_, v, _)| v)).collect()
        };
        let filters = filters_of(&board);
        let lists = lists_of(&board, &filters);
        let sections = board.items.iter().map(Section::of).collect();
        // An incident's items share one value of it (`a.incident`): made
        // for the incidents with an item not kept.
        let mut incidents: std::collections::HashMap<String, Value> = std::collections::HashMap::new();
        for (it, _) in board.items.iter().zip(&reused).filter(|(_, r)| r.is_none()) {
            incidents.entry(it.incident.id.clone()).or_insert_with(|| Value::from_serializable(&it.incident));
        }
        let value_of = |it: &mut crate::actions::BoardItem| -> Result<Value, tera::Error> {
            let mut ctx = Context::new();
            ctx.insert("a", &*it);
            it.row_html = tera.render_component("action_row", &ctx, None, true)?;
            let value = Value::from_serializable(&*it);
            it.row_html = String::new();
            Ok(match incidents.get(&it.incident.id) {
                Some(shared) if value.as_map().is_some() => {
                    let mut map = value.into_map().unwrap_or_default();
                    map.insert(tera::value::Key::Str("incident"), shared.clone());
                    Value::from(map)
                }
                _ => value,
            })
        };
        let values = if keep_items {
            board
                .items
                .par_iter_mut()
                .zip(reused)
                .map(|(it, reused)| reused.map_or_else(|| value_of(it), Ok))
                .collect::<Result<Vec<Value>, tera::Error>>()?
        } else {
            // The values hold all a page prints of the items: each item is
            // freed once its value is made, so that the two are not held
            // at once (400,000 items at 100,000 incidents).
            std::mem::take(&mut board.items)
                .into_par_iter()
                .map(|mut it| value_of(&mut it))
                .collect::<Result<Vec<Value>, tera::Error>>()?
        };
        Ok(BoardData { board, values, keys, key_digests, item_digests, filters, lists, sections })
    }

    /// The board, ready to be kept for the next build: with the keys its
    /// values are found by.
    pub(super) fn keep(mut self) -> BoardData {
        if self.keys.len() != self.values.len() {
            self.keys = item_keys(&self.board);
            self.key_digests = key_digests(&self.keys);
        }
        self
    }

    /// Every board page: all items, each status (with "overdue") and each owner.
    pub(super) fn filters(&self) -> &[crate::actions::Filter] {
        &self.filters
    }
}

#[derive(Serialize)]
pub(super) struct BoardSummary<'b> {
    total: usize,
    pending: usize,
    overdue: usize,
    done: usize,
    untracked: usize,
    owners: &'b [crate::actions::Group],
    statuses: &'b [crate::actions::Group],
}

impl<'b> BoardSummary<'b> {
    fn of(b: &'b crate::actions::Board) -> Self {
        BoardSummary {
            total: b.total,
            pending: b.pending,
            overdue: b.overdue,
            done: b.done,
            untracked: b.untracked,
            owners: &b.owners,
            statuses: &b.statuses,
        }
    }
}

impl Renderer<'_> {
    /// The folder of a board page.
    pub(super) fn board_dir(&self, filter: &crate::actions::Filter) -> String {
        use crate::actions::Filter;
        match filter {
            Filter::All => "action-items".to_string(),
            Filter::Owner(s) => format!("action-items/owner/{s}"),
            Filter::Status(s) => format!("action-items/status/{s}"),
        }
    }

    pub(super) fn action_items_page(&self, at: usize, number: usize) -> Result<OutputFile, tera::Error> {
        use crate::actions::Filter;
        let b = &self.board;
        let (filter, list) = (&b.filters[at], &b.lists[at]);
        let (kind, slug, name) = match filter {
            Filter::All => ("all", String::new(), String::new()),
            Filter::Owner(s) => {
                let name = b.board.owners.iter().find(|g| &g.slug == s).map_or_else(|| s.clone(), |g| g.name.clone());
                ("owner", s.clone(), name)
            }
            Filter::Status(s) => {
                let name = b.board.statuses.iter().find(|g| &g.slug == s).map_or_else(|| s.clone(), |g| g.name.clone());
                ("status", s.clone(), name)
            }
        };
        // Board order is open first: one page's rows, across the groups.
        let per_page = self.archive.config.pagination.per_page;
        let (items, pending_total, untracked_total) = (&list.items, list.pending, list.untracked);
        let closed_total = items.len() - pending_total - untracked_total;
        let list_url = format!("{}/{}/", self.base, self.board_dir(filter));
        let pager = paginate::Pager::new(&list_url, items.len(), per_page, number);
        let (mut pending, mut untracked, mut closed) = (Vec::new(), Vec::new(), Vec::new());
        for &n in &items[pager.range(per_page)] {
            let list = match b.sections[n] {
                Section::Pending => &mut pending,
                Section::Untracked => &mut untracked,
                Section::Closed => &mut closed,
            };
            list.push(b.values[n].clone());
        }
        let title = match kind {
            "owner" => format!("Action items of {name}"),
            "status" => format!("{name} action items"),
            _ => "Action items".to_string(),
        };
        let desc = format!(
            "{} from our postmortems, open first, overdue ones flagged.",
            text::count(items.len(), "action item")
        );
        let heading = title.clone();
        let title = format!("{title}{}", pager.title_suffix);
        let out = paginate::out_path(&self.board_dir(filter), pager.number);
        let mut ctx = Context::new();
        ctx.insert("filter", &BTreeMap::from([("kind", kind), ("slug", slug.as_str()), ("name", name.as_str())]));
        ctx.insert("board", &BoardSummary::of(&b.board));
        ctx.insert_value("pending", Value::from(pending));
        ctx.insert_value("untracked", Value::from(untracked));
        ctx.insert_value("closed", Value::from(closed));
        ctx.insert("pending_total", &pending_total);
        ctx.insert("untracked_total", &untracked_total);
        ctx.insert("closed_total", &closed_total);
        ctx.insert("heading", &heading);
        ctx.insert("pager", &pager);
        self.page("action-items.html", &out, &title, &desc, "action-items", ctx)
    }
}

impl Renderer<'_> {
    /// Every page of every board: all items, each status, each owner.
    pub(super) fn declare_board(&self, pages: &mut Vec<Page>) {
        for (k, f) in self.board.filters().iter().enumerate() {
            let total = self.board.lists[k].items.len();
            let dir = self.board_dir(f);
            self.paged(pages, total, &dir, k, &|n| PageKey::ActionItems(dir.clone(), n));
        }
    }
}

/// What the board pages are made of, hashed once per build: every board
/// page shows the board's counts and its owners and statuses, and the
/// rows of its own items.
pub(super) struct Digests {
    summary: u64,
    /// Per item (board order), the data its row is rendered from.
    items: Vec<u64>,
}

impl Digests {
    pub(super) fn new(b: &BoardData) -> Digests {
        let summary = fingerprint::of(&serde_json::to_string(&BoardSummary::of(&b.board)).unwrap_or_default());
        // Made with the board when the build fingerprints its pages.
        let items = if b.key_digests.len() == b.board.items.len() {
            b.key_digests.clone()
        } else {
            key_digests(&item_keys(&b.board))
        };
        Digests { summary, items }
    }
}

/// Page `number` of the board of filter `at`: the board's counts, the
/// filter's totals and the rows of the page's items.
pub(super) fn fingerprint(
    b: &BoardData,
    d: &Digests,
    at: usize,
    number: usize,
    per_page: usize,
    h: &mut fingerprint::FxHasher,
) {
    use std::hash::Hash;
    let Some(list) = b.lists.get(at) else { return };
    let items = &list.items;
    let number = paginate::page_number(items.len(), per_page, number);
    (d.summary, items.len(), list.pending, list.untracked, number).hash(h);
    for &n in &items[paginate::range(items.len(), per_page, number)] {
        d.items[n].hash(h);
    }
}
