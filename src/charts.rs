//! Charts for `/stats/`, drawn at build time as inline SVG: no script, no
//! chart library, no request to anyone.
//!
//! Every chart is a [`Figure`]: a title, a sentence that says what it
//! shows (the SVG's `<desc>` for screen readers), the SVG, and the same
//! numbers as a table. Colours are CSS classes whose fills come from the
//! theme's custom properties, so one SVG serves light, dark and print.

use std::fmt::Write as _;

use jiff::SignedDuration;
use serde::Serialize;

use crate::dates;
use crate::feeds::xml_escape as esc;
use crate::stats::{ActionYear, Distribution, PerPeriod, Ranked, Stats};

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// Unique on the page; the figure's anchor.
    pub id: String,
    pub title: String,
    pub description: String,
    /// The `<svg>` element; empty when there is nothing to draw.
    pub svg: String,
    /// Why nothing is drawn, when `svg` is empty.
    pub empty: Option<String>,
    pub table: Table,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    pub head: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub text: String,
    pub url: Option<String>,
    /// Right-aligned figures.
    pub numeric: bool,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell { text: s.into(), url: None, numeric: false }
    }
    fn num(n: impl ToString) -> Cell {
        Cell { text: n.to_string(), url: None, numeric: true }
    }
    fn link(s: impl Into<String>, url: String) -> Cell {
        Cell { text: s.into(), url: Some(url), numeric: false }
    }
}

const W: f64 = 720.0;

/// Every chart of `/stats/`, in page order.
pub fn figures(s: &Stats, base: &str) -> Vec<Figure> {
    let mut out = Vec::new();
    out.push(incidents_over_time(s.per_period.as_ref(), s.incidents - s.undated - s.drawn.left_out, s.undated));
    out.push(duration_figure("time-to-detect", "Time to detect", "from start to detection", &s.detect));
    out.push(duration_figure("time-to-resolve", "Time to resolve", "from start to resolution", &s.resolve));
    out.push(ranked_figure("top-causes", "Top recurring causes", "cause", &s.causes, &format!("{base}/causes/")));
    out.push(ranked_figure("top-services", "Top services", "service", &s.services, &format!("{base}/services/")));
    out.push(actions_figure(&s.actions));
    // The time axes start where the archive does (see stats::DrawnYears).
    if let Some(note) = s.drawn.note() {
        for f in out.iter_mut().filter(|f| {
            matches!(
                f.id.as_str(),
                "incidents-over-time" | "time-to-detect" | "time-to-resolve" | "action-items-over-time"
            )
        }) {
            f.description = if f.description.is_empty() { note.clone() } else { format!("{} {note}", f.description) };
        }
    }
    out
}

fn open_svg(id: &str, title: &str, desc: &str, height: f64) -> String {
    format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {height}\" role=\"img\" aria-labelledby=\"{id}-svg-title\" aria-describedby=\"{id}-svg-desc\" \
xmlns=\"http://www.w3.org/2000/svg\"><title id=\"{id}-svg-title\">{}</title><desc id=\"{id}-svg-desc\">{}</desc>",
        esc(title),
        esc(desc)
    )
}

/// Axis steps of 1, 2 or 5 × 10ⁿ giving about `ticks` steps up to `max`.
pub fn nice_step(max: f64, ticks: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let raw = max / ticks;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    step.max(1.0)
}

fn legend(out: &mut String, items: &[(&str, &str)], y: f64) {
    let mut x = 0.0;
    for (label, class) in items {
        let _ = write!(
            out,
            "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"11\" height=\"11\" rx=\"2\"/>",
            y - 10.0
        );
        let _ = write!(out, "<text class=\"legend\" x=\"{:.1}\" y=\"{y:.1}\">{}</text>", x + 16.0, esc(label));
        x += 30.0 + 7.2 * label.chars().count() as f64;
    }
}

/// Vertical bars, one per period, stacked by series (first series at the
/// bottom). `classes` colour the series.
fn stacked_bars(
    id: &str,
    title: &str,
    desc: &str,
    periods: &[String],
    series: &[(String, String)],
    counts: &[Vec<usize>],
) -> String {
    let (h, left, right, top, bottom) = (300.0, 44.0, 8.0, 40.0, 40.0);
    let plot_w = W - left - right;
    let plot_h = h - top - bottom;
    let max = counts.iter().map(|c| c.iter().sum::<usize>()).max().unwrap_or(0) as f64;
    let step = nice_step(max, 4.0);
    let y_max = (max / step).ceil().max(1.0) * step;
    let y = |v: f64| top + plot_h - v / y_max * plot_h;
    let mut out = open_svg(id, title, desc, h);
    let items: Vec<(&str, &str)> = series.iter().map(|(n, c)| (n.as_str(), c.as_str())).collect();
    legend(&mut out, &items, 14.0);
    let mut v = 0.0;
    while v <= y_max + 0.5 {
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
            W - right,
            y(v),
            y(v)
        );
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y(v) + 4.0,
            v as u64
        );
        v += step;
    }
    let n = periods.len().max(1) as f64;
    let band = plot_w / n;
    let bar = (band * 0.72).max(1.0);
    // Label as many periods as fit side by side.
    let widest = periods.iter().map(|p| p.chars().count()).max().unwrap_or(4) as f64;
    let fit = (plot_w / (widest * 7.0 + 14.0)).floor().max(1.0);
    let every = (periods.len() as f64 / fit).ceil().max(1.0) as usize;
    for (k, (label, row)) in periods.iter().zip(counts).enumerate() {
        let x = left + band * k as f64 + (band - bar) / 2.0;
        let mut acc = 0usize;
        for (count, (name, class)) in row.iter().zip(series) {
            if *count == 0 {
                continue;
            }
            let (y0, y1) = (y((acc + count) as f64), y(acc as f64));
            let _ = write!(
                out,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y0:.1}\" width=\"{bar:.1}\" height=\"{:.1}\"><title>{}: {count} {}</title></rect>",
                (y1 - y0).max(0.5),
                esc(label),
                esc(name)
            );
            acc += count;
        }
        if k % every == 0 {
            let _ = write!(
                out,
                "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                left + band * (k as f64 + 0.5),
                h - bottom + 18.0,
                esc(label)
            );
        }
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
        W - right,
        y(0.0),
        y(0.0)
    );
    out.push_str("</svg>");
    out
}

fn incidents_over_time(p: Option<&PerPeriod>, total: usize, undated: usize) -> Figure {
    let id = "incidents-over-time";
    let Some(p) = p else {
        return Figure {
            id: id.into(),
            title: "Incidents over time, by severity".into(),
            description: String::new(),
            svg: String::new(),
            empty: Some("No incidents have been published yet.".into()),
            table: Table::default(),
        };
    };
    let noun = p.bucket.noun();
    // A site without severities (`severities = []`) counts, never splits by severity.
    let by_severity = p.ranks.iter().any(|r| *r > 0);
    let title =
        if by_severity { format!("Incidents per {noun}, by severity") } else { format!("Incidents per {noun}") };
    let totals: Vec<usize> = p.counts.iter().map(|c| c.iter().sum()).collect();
    let (busiest, most) =
        totals.iter().enumerate().max_by_key(|(k, n)| (**n, std::cmp::Reverse(*k))).map_or((0, 0), |(k, n)| (k, *n));
    let mut description = format!(
        "{total} incident{} from {} to {}, counted per {noun}{}. The busiest {noun} was {} with {most}.",
        plural(total),
        p.periods.first().map_or("", String::as_str),
        p.periods.last().map_or("", String::as_str),
        if by_severity { " and stacked by severity, most severe at the bottom" } else { "" },
        p.periods.get(busiest).map_or("", String::as_str),
    );
    match undated {
        0 => {}
        1 => description.push_str(" 1 incident with no date is not drawn."),
        n => description.push_str(&format!(" {n} incidents with no date are not drawn.")),
    }
    let series: Vec<(String, String)> = p
        .series
        .iter()
        .zip(&p.ranks)
        .map(|(n, r)| {
            let name = if by_severity { n.clone() } else { "Incidents".to_string() };
            (name, format!("s-r{}", if *r == 0 || *r > 4 { "x".to_string() } else { r.to_string() }))
        })
        .collect();
    let svg = stacked_bars(id, &title, &description, &p.periods, &series, &p.counts);
    let mut head = vec![capitalise(noun)];
    if by_severity {
        head.extend(p.series.iter().cloned());
    }
    head.push(if by_severity { "Total" } else { "Incidents" }.into());
    let rows = p
        .periods
        .iter()
        .zip(&p.counts)
        .zip(&totals)
        .map(|((label, row), total)| {
            let mut cells = vec![Cell::text(label.clone())];
            if by_severity {
                cells.extend(row.iter().map(Cell::num));
            }
            cells.push(Cell::num(total));
            cells
        })
        .collect();
    Figure { id: id.into(), title, description, svg, empty: None, table: Table { head, rows } }
}

/// Tick marks of a log scale of durations, with their labels.
const LOG_TICKS: [(i64, &str); 14] = [
    (1, "1 s"),
    (10, "10 s"),
    (60, "1 min"),
    (300, "5 min"),
    (900, "15 min"),
    (3600, "1 h"),
    (4 * 3600, "4 h"),
    (12 * 3600, "12 h"),
    (86_400, "1 d"),
    (3 * 86_400, "3 d"),
    (7 * 86_400, "1 w"),
    (30 * 86_400, "30 d"),
    (90 * 86_400, "90 d"),
    (365 * 86_400, "1 y"),
];

/// Steps for a linear scale of durations.
const LINEAR_STEPS: [i64; 16] = [
    60,
    300,
    600,
    900,
    1800,
    3600,
    2 * 3600,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    86_400,
    2 * 86_400,
    7 * 86_400,
    14 * 86_400,
    30 * 86_400,
    90 * 86_400,
];

/// How durations map to the vertical axis.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// Linear from 0 to `max` seconds.
    Linear { max: f64, step: f64 },
    /// Logarithmic from `min` to `max` seconds.
    Log { min: f64, max: f64 },
}

impl Scale {
    /// Log when the slowest is more than 20 times the fastest.
    pub fn for_values(lo: i64, hi: i64) -> Scale {
        let lo_pos = lo.max(1);
        if hi > 0 && hi as f64 / lo_pos as f64 > 20.0 {
            let min = LOG_TICKS.iter().rev().find(|(t, _)| *t <= lo_pos).map_or(1, |(t, _)| *t) as f64;
            let max = LOG_TICKS.iter().find(|(t, _)| *t >= hi).map_or(hi, |(t, _)| *t) as f64;
            Scale::Log { min, max: max.max(min * 10.0) }
        } else {
            let step = LINEAR_STEPS.iter().copied().find(|s| hi / s <= 5).unwrap_or(365 * 86_400) as f64;
            Scale::Linear { max: ((hi as f64 / step).ceil().max(1.0)) * step, step }
        }
    }

    /// 0 (bottom) to 1 (top).
    pub fn fraction(&self, v: f64) -> f64 {
        match *self {
            Scale::Linear { max, .. } => (v / max).clamp(0.0, 1.0),
            Scale::Log { min, max } => ((v.max(min).ln() - min.ln()) / (max.ln() - min.ln())).clamp(0.0, 1.0),
        }
    }

    fn ticks(&self) -> Vec<(f64, String)> {
        match *self {
            Scale::Linear { max, step } => {
                let mut v = 0.0;
                let mut out = Vec::new();
                while v <= max + 0.5 {
                    out.push((
                        v,
                        if v == 0.0 {
                            "0".to_string()
                        } else {
                            dates::human_duration(SignedDuration::from_secs(v as i64))
                        },
                    ));
                    v += step;
                }
                out
            }
            Scale::Log { min, max } => LOG_TICKS
                .iter()
                .filter(|(t, _)| (*t as f64) >= min && (*t as f64) <= max)
                .map(|(t, l)| (*t as f64, l.to_string()))
                .collect(),
        }
    }
}

fn duration_figure(id: &str, name: &str, what: &str, d: &Distribution) -> Figure {
    let title = format!("{name}, per year");
    let table = Table {
        head: ["Year", "Incidents", "Median", "90th percentile", "Fastest", "Slowest"].map(String::from).to_vec(),
        rows: d
            .years
            .iter()
            .map(|y| {
                vec![
                    Cell::text(y.year.to_string()),
                    Cell::num(y.seconds.len()),
                    Cell::num(words(y.median)),
                    Cell::num(words(y.p90)),
                    Cell::num(words(*y.seconds.first().unwrap_or(&0) as f64)),
                    Cell::num(words(*y.seconds.last().unwrap_or(&0) as f64)),
                ]
            })
            .chain(d.median.zip(d.p90).map(|(m, p)| {
                vec![
                    Cell::text("All years"),
                    Cell::num(d.count),
                    Cell::num(words(m)),
                    Cell::num(words(p)),
                    Cell::text(""),
                    Cell::text(""),
                ]
            }))
            .collect(),
    };
    let (Some(median), Some(p90)) = (d.median, d.p90) else {
        return Figure {
            id: id.into(),
            title,
            description: String::new(),
            svg: String::new(),
            empty: Some(format!("No incident records the timestamps for {}.", name.to_lowercase())),
            table,
        };
    };
    let lo = d.years.iter().filter_map(|y| y.seconds.first()).min().copied().unwrap_or(0);
    let hi = d.years.iter().filter_map(|y| y.seconds.last()).max().copied().unwrap_or(0);
    let scale = Scale::for_values(lo, hi);
    let log = matches!(scale, Scale::Log { .. });
    let description = format!(
        "{name} ({what}) of {} incident{}, one dot each, grouped by the year the incident happened; a solid line marks each year's median (years with two or more incidents) and a dashed line its 90th percentile (years with five or more). Over all years, drawn as thin lines across: median {}, 90th percentile {}.{}{}",
        d.count,
        plural(d.count),
        words(median),
        words(p90),
        if log { " The vertical scale is logarithmic: each step up is several times longer." } else { "" },
        if d.missing > 0 { format!(" {} incident{} without these timestamps {} not shown.", d.missing, plural(d.missing), if d.missing == 1 { "is" } else { "are" }) } else { String::new() },
    );
    let svg = dot_plot(id, &title, &description, d, &scale);
    Figure { id: id.into(), title, description, svg, empty: None, table }
}

/// Years with fewer incidents get no 90th-percentile mark.
const MIN_FOR_P90: usize = 5;

fn dot_plot(id: &str, title: &str, desc: &str, d: &Distribution, scale: &Scale) -> String {
    let (h, left, right, top, bottom) = (320.0, 58.0, 112.0, 40.0, 32.0);
    let plot_w = W - left - right;
    let plot_h = h - top - bottom;
    let y = |v: f64| top + plot_h * (1.0 - scale.fraction(v));
    let mut out = open_svg(id, title, desc, h);
    // Legend: a dot, the median, the 90th percentile.
    let _ = write!(
        out,
        "<path class=\"dots\" d=\"M5 9h0\"/><text class=\"legend\" x=\"14\" y=\"14\">One incident</text>\
<line class=\"median\" x1=\"118\" x2=\"140\" y1=\"10\" y2=\"10\"/><text class=\"legend\" x=\"146\" y=\"14\">Median</text>\
<line class=\"p90\" x1=\"212\" x2=\"234\" y1=\"10\" y2=\"10\"/><text class=\"legend\" x=\"240\" y=\"14\">90th percentile</text>"
    );
    let mut last_label = f64::INFINITY;
    for (v, label) in scale.ticks() {
        // Log ticks can crowd (12 h and 1 d): keep the labels apart.
        if (last_label - y(v)).abs() < 14.0 {
            continue;
        }
        last_label = y(v);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
            W - right,
            y(v),
            y(v)
        );
        let _ = write!(
            out,
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y(v) + 4.0,
            esc(&label)
        );
    }
    // The whole archive's median and 90th percentile, as reference lines
    // labelled in the right margin (apart, when they are close).
    let mut label_y = f64::INFINITY;
    for (class, label, v) in [("all-median", "median", d.median), ("all-p90", "90th", d.p90)] {
        let Some(v) = v else { continue };
        let _ = write!(
            out,
            "<line class=\"{class}\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
            W - right + 4.0,
            y(v),
            y(v)
        );
        let ly = (y(v) + 4.0).min(label_y - 13.0);
        label_y = ly;
        let _ =
            write!(out, "<text class=\"ref\" x=\"{:.1}\" y=\"{ly:.1}\">{label} {}</text>", W - right + 8.0, words(v));
    }
    let n = d.years.len().max(1) as f64;
    let band = plot_w / n;
    let spread = (band * 0.7).min(64.0);
    let every = (d.years.len() as f64 / 14.0).ceil().max(1.0) as usize;
    for (k, yd) in d.years.iter().enumerate() {
        let cx = left + band * (k as f64 + 0.5);
        let half = (spread / 2.0 + 6.0).min(band / 2.0 - 1.0).max(4.0);
        // A median of one value, or a 90th percentile of fewer than five,
        // says nothing the dots do not: those years show only their dots.
        if yd.seconds.len() >= 2 {
            let _ = write!(
                out,
                "<line class=\"median\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"><title>{}: median {}</title></line>",
                cx - half,
                cx + half,
                y(yd.median),
                y(yd.median),
                yd.year,
                words(yd.median)
            );
        }
        if yd.seconds.len() >= MIN_FOR_P90 {
            let _ = write!(
                out,
                "<line class=\"p90\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"><title>{}: 90th percentile {}</title></line>",
                cx - half,
                cx + half,
                y(yd.p90),
                y(yd.p90),
                yd.year,
                words(yd.p90)
            );
        }
        // Dots as zero-length round-capped segments: one path per year
        // keeps thousands of incidents small. Deterministic jitter.
        let mut path = String::with_capacity(yd.seconds.len() * 14);
        for (j, v) in yd.seconds.iter().enumerate() {
            let jitter = ((j as f64 * 0.618_034 + 0.5).fract() - 0.5) * spread;
            let _ = write!(path, "M{:.1} {:.1}h0", cx + jitter, y(*v as f64));
        }
        // Many dots: smaller and fainter, so that density shows.
        let count = yd.seconds.len() as f64;
        let opacity = (0.85 - 0.18 * count.log10()).clamp(0.25, 0.85);
        let size = if count < 50.0 {
            7.0
        } else if count < 500.0 {
            5.0
        } else {
            3.5
        };
        let _ = write!(out, "<path class=\"dots\" style=\"opacity:{opacity:.2};stroke-width:{size}\" d=\"{path}\"/>");
        if k % every == 0 {
            let _ = write!(
                out,
                "<text class=\"tick\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                h - bottom + 20.0,
                yd.year
            );
        }
    }
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{left}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
        W - right,
        h - bottom,
        h - bottom
    );
    out.push_str("</svg>");
    out
}

fn ranked_figure(id: &str, title: &str, singular: &str, rows: &[Ranked], index_url: &str) -> Figure {
    let table = Table {
        head: vec![capitalise(singular), "Incidents".into()],
        rows: rows
            .iter()
            .map(|r| vec![Cell::link(r.name.clone(), format!("{index_url}{}/", r.slug)), Cell::num(r.count)])
            .collect(),
    };
    if rows.is_empty() {
        return Figure {
            id: id.into(),
            title: title.into(),
            description: String::new(),
            svg: String::new(),
            empty: Some(format!("No incident names a {singular} yet.")),
            table,
        };
    }
    let description = format!(
        "The {} {singular}{} named by the most incidents, largest first: {}.",
        rows.len(),
        plural(rows.len()),
        rows.iter().map(|r| format!("{} ({})", r.name, r.count)).collect::<Vec<_>>().join(", ")
    );
    let (row_h, label_w, count_w) = (28.0, 250.0, 44.0);
    let h = rows.len() as f64 * row_h + 6.0;
    let max = rows.iter().map(|r| r.count).max().unwrap_or(1).max(1) as f64;
    let mut out = open_svg(id, title, &description, h);
    for (k, r) in rows.iter().enumerate() {
        let y = k as f64 * row_h + 4.0;
        let w = (W - label_w - count_w) * r.count as f64 / max;
        let _ = write!(
            out,
            "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            label_w - 10.0,
            y + 15.0,
            esc(&truncate(&r.name, 34))
        );
        let _ = write!(
            out,
            "<rect class=\"bar-track\" x=\"{label_w}\" y=\"{:.1}\" width=\"{:.1}\" height=\"14\" rx=\"3\"/>",
            y + 4.0,
            W - label_w - count_w
        );
        let _ = write!(
            out,
            "<rect class=\"bar-fill\" x=\"{label_w}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"14\" rx=\"3\"/>",
            y + 4.0
        );
        let _ = write!(
            out,
            "<text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            W - count_w + 8.0,
            y + 15.0,
            r.count
        );
    }
    out.push_str("</svg>");
    Figure { id: id.into(), title: title.into(), description, svg: out, empty: None, table }
}

fn actions_figure(years: &[ActionYear]) -> Figure {
    let id = "action-items-over-time";
    let title = "Action items per year opened, by status today".to_string();
    // Untracked items (read from the body, no status) get a column only
    // when there are some.
    let untracked = years.iter().any(|y| y.untracked > 0);
    let mut head: Vec<String> =
        ["Year opened", "Opened", "Done", "Won't do", "In progress", "Open", "Overdue"].map(String::from).to_vec();
    if untracked {
        head.insert(4, "Untracked".into());
    }
    let table = Table {
        head,
        rows: years
            .iter()
            .map(|y| {
                let mut row = vec![
                    Cell::text(y.year.to_string()),
                    Cell::num(y.opened),
                    Cell::num(y.done),
                    Cell::num(y.wont_do),
                    Cell::num(y.in_progress),
                    Cell::num(y.open),
                    Cell::num(y.overdue),
                ];
                if untracked {
                    row.insert(4, Cell::num(y.untracked));
                }
                row
            })
            .collect(),
    };
    if years.is_empty() {
        return Figure {
            id: id.into(),
            title,
            description: String::new(),
            svg: String::new(),
            empty: Some("No action items recorded yet.".into()),
            table,
        };
    }
    let opened: usize = years.iter().map(|y| y.opened).sum();
    let done: usize = years.iter().map(|y| y.done).sum();
    let pending: usize = years.iter().map(|y| y.open + y.in_progress).sum();
    let description = format!(
        "{opened} action item{} opened with the incidents of {} to {}, stacked by where each stands today: done at the bottom, then won't do, {}in progress and open. {done} done, {pending} still to do. The archive records when an item was opened (its incident) but not when it was closed, so each bar shows its year's items as they stand now.",
        plural(opened),
        years.first().map_or(0, |y| y.year),
        years.last().map_or(0, |y| y.year),
        if untracked { "untracked (no status written), " } else { "" },
    );
    let mut series: Vec<(String, String)> =
        [("Done", "s-done"), ("Won't do", "s-wont"), ("In progress", "s-progress"), ("Open", "s-open")]
            .iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .collect();
    if untracked {
        series.insert(2, ("Untracked".into(), "s-untracked".into()));
    }
    let periods: Vec<String> = years.iter().map(|y| y.year.to_string()).collect();
    let counts: Vec<Vec<usize>> = years
        .iter()
        .map(|y| {
            if untracked {
                vec![y.done, y.wont_do, y.untracked, y.in_progress, y.open]
            } else {
                vec![y.done, y.wont_do, y.in_progress, y.open]
            }
        })
        .collect();
    let svg = stacked_bars(id, &title, &description, &periods, &series, &counts);
    Figure { id: id.into(), title, description, svg, empty: None, table }
}

/// A duration in seconds, in words ("16 h 26 min").
fn words(secs: f64) -> String {
    dates::human_duration(SignedDuration::from_secs(secs.round() as i64))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().collect::<String>() + c.as_str())
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max - 1).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(3.0, 4.0), 1.0);
        assert_eq!(nice_step(17.0, 4.0), 5.0);
        assert_eq!(nice_step(130.0, 4.0), 50.0);
        assert_eq!(nice_step(0.0, 4.0), 1.0);
    }

    #[test]
    fn log_scale_only_for_wide_ranges() {
        assert!(matches!(Scale::for_values(600, 3600), Scale::Linear { .. }));
        let s = Scale::for_values(240, 30 * 86_400);
        assert_eq!(s, Scale::Log { min: 60.0, max: 30.0 * 86_400.0 });
        assert_eq!(s.fraction(60.0), 0.0);
        assert_eq!(s.fraction(30.0 * 86_400.0), 1.0);
        // zero-second durations sit on the floor, not below it
        assert_eq!(Scale::for_values(0, 86_400 * 40), Scale::Log { min: 1.0, max: 90.0 * 86_400.0 });
        let Scale::Linear { max, step } = Scale::for_values(600, 3000) else { panic!() };
        assert_eq!((max, step), (3000.0, 600.0));
    }

    #[test]
    fn labels_are_escaped() {
        let r = [Ranked { name: "<script>&".into(), slug: "script".into(), count: 2 }];
        let f = ranked_figure("x", "X", "cause", &r, "/causes/");
        assert!(f.svg.contains("&lt;script&gt;&amp;"));
        assert!(!f.svg.contains("<script>"));
        assert_eq!(f.table.rows[0][0].url.as_deref(), Some("/causes/script/"));
    }
}
