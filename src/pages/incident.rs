//! The incident page family: one page per shown incident, with its facts,
//! timeline, action items, body and cross-links.

use super::*;

#[derive(Serialize)]
pub(super) struct TimestampView {
    key: &'static str,
    label: &'static str,
    iso: String,
    human: String,
}

#[derive(Serialize)]
pub(super) struct DurationView {
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
pub(super) struct ActionView<'a> {
    title: &'a str,
    owner: Option<&'a str>,
    status: &'static str,
    status_label: &'static str,
    #[serde(rename = "type")]
    kind: Option<&'static str>,
    due: Option<String>,
    overdue: bool,
    overdue_days: i64,
    overdue_by: Option<String>,
    link: Option<&'a str>,
}

#[derive(Serialize)]
pub(super) struct IncidentView<'a> {
    #[serde(flatten)]
    card: &'a Card,
    /// The archive's own keys kept by `[extra]`, with their labels.
    extra: Vec<ExtraView<'a>>,
    impact: Option<&'a str>,
    trigger: Option<&'a str>,
    detection: Option<&'a str>,
    body_html: &'a str,
    toc: Vec<TocEntry>,
    timestamps: Vec<TimestampView>,
    durations: Vec<DurationView>,
    action_items: Vec<ActionView<'a>>,
    /// Every connected incident once, with its reasons (src/render/linked.rs).
    linked: Vec<linked::LinkedView>,
    /// How many more connected incidents the list leaves out (the cause pages have them).
    linked_more: usize,
    /// Per cause: how many incidents had it before and since.
    recurrence: Vec<linked::RecurrenceView>,
    /// The facts line (src/facts.rs).
    facts: crate::facts::Facts,
    /// The body cut where the timeline figure and the action items go.
    body_parts: Vec<crate::facts::BodyPart<'a>>,
    /// The id the facts line's action-item count links to.
    actions_anchor: String,
    /// Whether the tracked action items sit in the body's own section.
    actions_in_body: bool,
    /// Incidents that may be this one filed twice.
    duplicates: Vec<Value>,
    timeline: crate::timeline::Timeline,
    source_path: &'a str,
    source_url: Option<String>,
    /// Published, last revised, revisions (git history).
    #[serde(flatten)]
    git: crate::git::HistoryView,
}

/// One `[extra]` field of an incident: its label and values, each a link
/// when it is a web address.
#[derive(Serialize)]
pub(super) struct ExtraView<'a> {
    key: &'a str,
    label: &'a str,
    values: Vec<ExtraValue<'a>>,
}

#[derive(Serialize)]
pub(super) struct ExtraValue<'a> {
    text: &'a str,
    url: Option<&'a str>,
}

pub(super) fn label_of(key: &str) -> &'static str {
    match key {
        "started" => "Started",
        "detected" => "Detected",
        "mitigated" => "Mitigated",
        _ => "Resolved",
    }
}

pub(super) fn extra_views(i: &Incident) -> Vec<ExtraView<'_>> {
    let is_url = |v: &str| {
        (v.starts_with("https://") || v.starts_with("http://"))
            && !v.contains(char::is_whitespace)
            && crate::markdown::is_safe_url(v)
    };
    i.extra
        .iter()
        .map(|e| ExtraView {
            key: &e.key,
            label: &e.label,
            values: e.values.iter().map(|v| ExtraValue { text: v, url: is_url(v).then_some(v.as_str()) }).collect(),
        })
        .collect()
}

pub(super) fn action_view(it: &ActionItem, today: Date) -> ActionView<'_> {
    let overdue_days = it.days_overdue(today);
    let overdue = it.is_overdue(today);
    ActionView {
        title: &it.title,
        owner: it.owner.as_deref(),
        status: it.status.as_str(),
        status_label: it.status.label(),
        kind: it.kind.map(ActionType::as_str),
        due: it.due.map(dates::iso_date),
        overdue,
        overdue_days,
        overdue_by: overdue.then(|| crate::actions::overdue_words(overdue_days)),
        link: it.link.as_deref(),
    }
}

impl Renderer<'_> {
    pub(super) fn incident(&self, n: usize) -> Result<OutputFile, tera::Error> {
        let a = self.archive;
        let i = &a.incidents[n];
        let body = &self.bodies.incidents[n];
        let ts = i.timestamps;
        let timestamps = Timestamps::NAMES
            .iter()
            .zip(ts.as_array())
            .filter_map(|(key, t)| {
                t.map(|t| TimestampView {
                    key,
                    label: label_of(key),
                    iso: dates::rfc3339(t),
                    human: dates::human_timestamp(t),
                })
            })
            .collect();
        let durations = [
            ("Time to detect", ts.time_to_detect()),
            ("Time to mitigate", ts.time_to_mitigate()),
            ("Time to resolve", ts.time_to_resolve()),
        ]
        .into_iter()
        .filter_map(|(label, d)| d.map(|d| DurationView { label, value: dates::human_duration(d) }))
        .collect();
        let mut items: Vec<&ActionItem> = i.action_items.iter().collect();
        items.sort_by_key(|it| (it.status, it.due));
        let action_items: Vec<_> = items.into_iter().map(|it| action_view(it, self.build_date)).collect();
        // Times without a day of their own are placed on the incident's
        // day; with only a year or month known that would invent one.
        let written = crate::timeline::written(&i.body);
        let timeline = if matches!(i.date_precision, DatePrecision::Day | DatePrecision::Time)
            || crate::parse::timeline_date(&i.body).is_some()
        {
            crate::timeline::of_incident(i, body, &written)
        } else {
            crate::timeline::Timeline::default()
        };
        let (linked, linked_more) = linked::linked(self, n);
        let page = linked::page_plan(&body.html, &body.toc, &timeline, !action_items.is_empty(), !linked.is_empty());
        let view = IncidentView {
            card: &self.cards[n],
            extra: extra_views(i),
            impact: i.impact.as_deref(),
            trigger: i.trigger.as_deref(),
            detection: i.detection.as_deref(),
            body_html: &body.html,
            toc: page.toc,
            timestamps,
            durations,
            action_items,
            linked,
            linked_more,
            recurrence: linked::recurrence(self, n),
            facts: crate::facts::of_incident(i, written.zone.as_ref()),
            body_parts: page.parts,
            actions_anchor: page.actions_anchor,
            actions_in_body: page.actions_in_body,
            duplicates: xlinks::minis(self, &self.xlinks.graph.duplicates[n]),
            timeline,
            source_path: &i.source_path,
            // The file's last commit (not HEAD): right for `--rev` builds too.
            source_url: a.config.repo_url.as_ref().map(|r| {
                let at = i.history.history().and_then(|h| h.revisions.first()).map_or("HEAD", |rev| rev.id.as_str());
                format!("{r}/blob/{at}/{}", i.source_path)
            }),
            git: {
                let mut git = crate::git::HistoryView::new(&i.history, &a.config);
                // `published:` in front matter: the history was lost in a migration.
                if let Some(d) = i.published {
                    let view = crate::git::DateView::new(dates::day_start(d));
                    git.revised.get_or_insert_with(|| view.clone());
                    git.published = Some(view);
                }
                git
            },
        };
        let mut ctx = Context::new();
        ctx.insert("incident", &view);
        let desc = crate::share::incident_description(i);
        let meta = Some(crate::share::incident(a, i));
        self.page_with_meta(
            "incident.html",
            &format!("incidents/{}/index.html", i.id),
            &i.title,
            &desc,
            "incidents",
            meta,
            ctx,
        )
    }
}

impl Renderer<'_> {
    pub(super) fn declare_incidents(&self, pages: &mut Vec<Page>) {
        for (n, i) in self.archive.incidents.iter().enumerate() {
            pages.push(Page::new(PageKey::Incident(i.id.clone()), format!("incidents/{}/index.html", i.id), n));
        }
    }
}

/// An incident page shows its own front matter and history, its body and
/// what its cross-links show of other incidents.
pub(super) fn fingerprint(c: &Common, n: usize, h: &mut fingerprint::FxHasher) {
    use std::hash::Hash;
    (c.digests.incidents[n], c.digests.bodies[n], c.crosslinks[n]).hash(h);
}
