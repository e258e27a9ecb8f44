//! Charts for `/stats/`, drawn at build time as inline SVG: no script, no
//! chart library, no request to anyone.
//!
//! Every chart is a [`Figure`]: a title, a sentence that says what it
//! shows (the SVG's `<desc>` for screen readers), a legend (HTML, so it
//! wraps on a phone), the SVG, and the same numbers as a table. Colours are
//! CSS classes whose fills come from the theme's custom properties, so one
//! SVG serves light, dark and print.
//!
//! The SVGs have no viewBox: they are as wide as their column (`width=100%`)
//! and a fixed number of pixels high, with horizontal positions in percent
//! and vertical ones in pixels. Text therefore keeps its size from a 320 px
//! phone to a desktop, nothing scrolls sideways, and only the tick labels
//! thin out on narrow screens (the `wide-only` ones are hidden by CSS).
//!
//! Durations are drawn one dot per incident, each naming and linking its
//! incident, while the dots fit [`DOT_BYTES`]; a larger archive gets a
//! histogram per year (exact counts per band of durations in each band's
//! `<title>`) with the slowest incidents of each year still named and
//! linked, so the page stays under SPEC's 250 KB at any size.

use std::fmt::Write as _;

use jiff::SignedDuration;
use serde::Serialize;

use crate::dates;
use crate::escape::escape as esc;
use crate::stats::{ActionYear, Distribution, PerPeriod, Ranked, Stats, Who, MIN_FOR_PERCENTILES};

#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    /// Unique on the page; the figure's anchor.
    pub id: String,
    pub title: String,
    pub description: String,
    /// The keys shown above the chart.
    pub legend: Vec<Key>,
    /// The `<svg>` element; empty when there is nothing to draw.
    pub svg: String,
    /// Links inside the SVG (one per named incident): the page offers a
    /// way past them to keyboard users.
    pub links: usize,
    /// Why nothing is drawn, when `svg` is empty.
    pub empty: Option<String>,
    pub table: Table,
}

/// One entry of a chart's legend: a swatch (`kind`) coloured by `class`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Key {
    pub label: String,
    /// `swatch`, `dot`, `outlier`, `bin`, `median`, `p90`, `all-median`, `all-p90`.
    pub kind: &'static str,
    pub class: String,
}

impl Key {
    fn new(kind: &'static str, class: &str, label: impl Into<String>) -> Key {
        Key { label: label.into(), kind, class: class.to_string() }
    }
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
    fn num_link(s: impl Into<String>, url: String) -> Cell {
        Cell { text: s.into(), url: Some(url), numeric: true }
    }
}

/// What a table says where a percentile of fewer than
/// [`MIN_FOR_PERCENTILES`] incidents would be.
pub const TOO_FEW: &str = "too few to tell";

/// The share of a chart's width (percent) kept left of the first bar or
/// year for the vertical axis' labels.
const LEFT: f64 = 9.0;
/// The narrowest and a typical wide plot, in CSS pixels, for thinning the
/// tick labels: all labels fit at `WIDE`, the always-shown ones at `NARROW`.
const NARROW: f64 = 300.0;
const WIDE: f64 = 660.0;

/// Every chart of `/stats/`, in page order.
pub fn figures(s: &Stats, base: &str) -> Vec<Figure> {
    let mut out = Vec::new();
    out.push(incidents_over_time(s.per_period.as_ref(), s.incidents - s.undated - s.drawn.left_out, s.undated));
    out.push(duration_figure("time-to-detect", "Time to detect", "from start to detection", &s.detect));
    out.push(duration_figure("time-to-resolve", "Time to resolve", "from start to resolution", &s.resolve));
    out.push(ranked_figure("top-causes", "Top recurring causes", "cause", &s.causes, &format!("{base}/causes/")));
    out.push(ranked_figure("top-services", "Top services", "service", &s.services, &format!("{base}/services/")));
    out.push(actions_figure(&s.actions));
    // The time axes start where the archive does (see dates::DrawnYears).
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

/// `role`: `img` for a picture, `group` when the SVG holds links (an
/// image's children are presentational, so links inside `role=img` would
/// be hidden from assistive technology: axe's nested-interactive).
fn open_svg(id: &str, title: &str, desc: &str, height: f64, role: &str) -> String {
    format!(
        "<svg class=\"chart\" width=\"100%\" height=\"{height}\" role=\"{role}\" aria-labelledby=\"{id}-svg-title\" aria-describedby=\"{id}-svg-desc\" \
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

/// Which of `n` labels `chars` characters wide to print: every
/// `(always, wide)`-th one, so that they fit side by side in a plot
/// [`NARROW`] pixels wide (`always`) or [`WIDE`] (`wide`, hidden on
/// narrow screens). `always` is a multiple of `wide`.
pub fn label_every(n: usize, chars: usize, share: f64) -> (usize, usize) {
    let label = chars as f64 * 7.0 + 12.0;
    let fit = |px: f64| ((px * share / label).floor().max(1.0)) as usize;
    let wide = n.div_ceil(fit(WIDE)).max(1);
    let narrow = n.div_ceil(fit(NARROW)).max(1);
    (narrow.div_ceil(wide) * wide, wide)
}

/// The class of the `k`-th tick label, or `None` when it is not printed.
fn tick_class(k: usize, (always, wide): (usize, usize)) -> Option<&'static str> {
    if k.is_multiple_of(always) {
        Some("tick")
    } else if k.is_multiple_of(wide) {
        Some("tick wide-only")
    } else {
        None
    }
}

/// Writes a label under the horizontal axis centred at `x` percent, or
/// against the chart's edge when centring it would cut it off in the
/// narrowest column.
fn x_label(out: &mut String, class: &str, x: f64, y: f64, label: &str) {
    let half = (label.chars().count() as f64 * 3.6 + 1.0) / NARROW * 100.0;
    let (x, anchor) = if x + half > 100.0 {
        (100.0, "end")
    } else if x - half < 0.0 {
        (0.0, "start")
    } else {
        (x, "middle")
    };
    let _ = write!(
        out,
        "<text class=\"{class}\" x=\"{x:.2}%\" y=\"{y:.1}\" text-anchor=\"{anchor}\">{}</text>",
        esc(label)
    );
}

/// A label of the vertical axis: left-aligned above its grid line, drawn
/// last with a halo so that it reads over bars and dots.
fn y_label(out: &mut String, y: f64, label: &str) {
    let _ = write!(out, "<text class=\"tick y\" x=\"0\" y=\"{:.1}\">{}</text>", y - 4.0, esc(label));
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
    let (h, top, bottom) = (240.0, 18.0, 26.0);
    let plot_h = h - top - bottom;
    let max = counts.iter().map(|c| c.iter().sum::<usize>()).max().unwrap_or(0) as f64;
    let step = nice_step(max, 4.0);
    let y_max = (max / step).ceil().max(1.0) * step;
    let y = |v: f64| top + plot_h - v / y_max * plot_h;
    let mut out = open_svg(id, title, desc, h, "img");
    let mut labels = String::new();
    let mut v = 0.0;
    while v <= y_max + 0.5 {
        let _ = write!(out, "<line class=\"grid\" x1=\"0\" x2=\"100%\" y1=\"{:.1}\" y2=\"{:.1}\"/>", y(v), y(v));
        if v > 0.0 {
            y_label(&mut labels, y(v), &(v as u64).to_string());
        }
        v += step;
    }
    let n = periods.len().max(1);
    let band = (100.0 - LEFT) / n as f64;
    let bar = band * 0.72;
    let widest = periods.iter().map(|p| p.chars().count()).max().unwrap_or(4);
    let every = label_every(n, widest, 1.0 - LEFT / 100.0);
    for (k, (label, row)) in periods.iter().zip(counts).enumerate() {
        let x = LEFT + band * k as f64 + (band - bar) / 2.0;
        let mut acc = 0usize;
        for (count, (name, class)) in row.iter().zip(series) {
            if *count == 0 {
                continue;
            }
            let (y0, y1) = (y((acc + count) as f64), y(acc as f64));
            let _ = write!(
                out,
                "<rect class=\"{class}\" x=\"{x:.2}%\" y=\"{y0:.1}\" width=\"{bar:.2}%\" height=\"{:.1}\"><title>{}: {count} {}</title></rect>",
                (y1 - y0).max(0.5),
                esc(label),
                esc(name)
            );
            acc += count;
        }
        if let Some(class) = tick_class(k, every) {
            x_label(&mut out, class, LEFT + band * (k as f64 + 0.5), h - bottom + 18.0, label);
        }
    }
    let _ = write!(out, "<line class=\"axis\" x1=\"0\" x2=\"100%\" y1=\"{:.1}\" y2=\"{:.1}\"/>", y(0.0), y(0.0));
    out.push_str(&labels);
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
            legend: Vec::new(),
            svg: String::new(),
            links: 0,
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
    let legend =
        if by_severity { series.iter().map(|(n, c)| Key::new("swatch", c, n.clone())).collect() } else { Vec::new() };
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
    Figure { id: id.into(), title, description, legend, svg, links: 0, empty: None, table: Table { head, rows } }
}

/// Tick marks of a log scale of durations.
const LOG_TICKS: [i64; 14] = [
    1,
    10,
    60,
    300,
    900,
    3600,
    4 * 3600,
    12 * 3600,
    86_400,
    3 * 86_400,
    7 * 86_400,
    30 * 86_400,
    90 * 86_400,
    365 * 86_400,
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
            let min = LOG_TICKS.iter().rev().find(|t| **t <= lo_pos).map_or(1, |t| *t) as f64;
            let max = LOG_TICKS.iter().find(|t| **t >= hi).map_or(hi, |t| *t) as f64;
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
                    out.push((v, tick_label(v as i64)));
                    v += step;
                }
                out
            }
            Scale::Log { min, max } => LOG_TICKS
                .iter()
                .filter(|t| (**t as f64) >= min && (**t as f64) <= max)
                .map(|t| (*t as f64, tick_label(*t)))
                .collect(),
        }
    }
}

/// A duration as a short axis label ("90 min", "1.5 d", "1 w"): at most
/// six characters, so that labels fit the narrowest column.
pub fn tick_label(secs: i64) -> String {
    const H: i64 = 3600;
    const D: i64 = 86_400;
    match secs {
        0 => "0".into(),
        s if s == 365 * D => "1 y".into(),
        s if s == 7 * D => "1 w".into(),
        s if s % D == 0 => format!("{} d", s / D),
        s if s > D && s % (D / 2) == 0 => format!("{}.5 d", s / D),
        s if s % H == 0 => format!("{} h", s / H),
        s if s > H && s % (H / 2) == 0 => format!("{}.5 h", s / H),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// The bytes the one-dot-per-incident drawing of a duration chart may take;
/// past it the chart bins its incidents (see the module's note). Two such
/// charts and the rest of the page stay well under 250 KB.
pub const DOT_BYTES: usize = 64 * 1024;
/// Bands of durations per year when binned.
const BINS: usize = 36;
/// When binned, the slowest incidents of each year still drawn as dots.
pub const NAMED_PER_YEAR: usize = 3;
/// Characters of a title a dot's tooltip shows.
const TITLE_CHARS: usize = 90;

/// What one dot costs in the page, near enough: its link, tooltip and circle.
fn dot_bytes(w: &Who) -> usize {
    w.url.len() + w.title.len().min(TITLE_CHARS * 2) + w.date.len() + 96
}

/// Whether a distribution is drawn one dot per incident.
pub fn every_incident_a_dot(d: &Distribution) -> bool {
    d.years.iter().flat_map(|y| &y.who).map(dot_bytes).sum::<usize>() <= DOT_BYTES
}

fn percentile_cell(v: Option<f64>) -> Cell {
    v.map_or_else(|| Cell::text(TOO_FEW), |v| Cell::num(words(v)))
}

fn duration_figure(id: &str, name: &str, what: &str, d: &Distribution) -> Figure {
    let title = format!("{name}, per year");
    let extreme = |k: usize, who: &[Who], secs: &[i64]| match (secs.get(k), who.get(k)) {
        (Some(s), Some(w)) => Cell::num_link(words(*s as f64), w.url.clone()),
        _ => Cell::text(""),
    };
    let fastest = d.years.iter().filter(|y| !y.seconds.is_empty()).min_by_key(|y| y.seconds[0]);
    let slowest = d.years.iter().filter(|y| !y.seconds.is_empty()).max_by_key(|y| y.seconds[y.seconds.len() - 1]);
    let table = Table {
        head: ["Year", "Incidents", "Median", "90th percentile", "Fastest", "Slowest"].map(String::from).to_vec(),
        rows: d
            .years
            .iter()
            .map(|y| {
                vec![
                    Cell::text(y.year.to_string()),
                    Cell::num(y.seconds.len()),
                    percentile_cell(y.median),
                    percentile_cell(y.p90),
                    extreme(0, &y.who, &y.seconds),
                    extreme(y.seconds.len().saturating_sub(1), &y.who, &y.seconds),
                ]
            })
            .chain((d.count > 0).then(|| {
                vec![
                    Cell::text("All years"),
                    Cell::num(d.count),
                    percentile_cell(d.median),
                    percentile_cell(d.p90),
                    fastest.map_or_else(|| Cell::text(""), |y| extreme(0, &y.who, &y.seconds)),
                    slowest.map_or_else(|| Cell::text(""), |y| extreme(y.seconds.len() - 1, &y.who, &y.seconds)),
                ]
            }))
            .collect(),
    };
    if d.count == 0 {
        return Figure {
            id: id.into(),
            title,
            description: String::new(),
            legend: Vec::new(),
            svg: String::new(),
            links: 0,
            empty: Some(format!("No incident records the timestamps for {}.", name.to_lowercase())),
            table,
        };
    }
    let lo = d.years.iter().filter_map(|y| y.seconds.first()).min().copied().unwrap_or(0);
    let hi = d.years.iter().filter_map(|y| y.seconds.last()).max().copied().unwrap_or(0);
    let scale = Scale::for_values(lo, hi);
    let log = matches!(scale, Scale::Log { .. });
    let dots = every_incident_a_dot(d);
    let drawn = if dots {
        "one dot each, naming and linking its incident".to_string()
    } else {
        format!(
            "too many for a dot each: every year shows how many took how long (the wider a band, the more incidents), and its {NAMED_PER_YEAR} slowest incidents as named dots that link to them"
        )
    };
    let overall = match (d.median, d.p90) {
        (Some(m), Some(p)) => {
            format!(" Over all years, drawn as thin lines across: median {}, 90th percentile {}.", words(m), words(p))
        }
        _ => format!(" Too few incidents to tell a median or a 90th percentile (they take {MIN_FOR_PERCENTILES})."),
    };
    let description = format!(
        "{name} ({what}) of {} incident{}, {drawn}, grouped by the year the incident happened; a solid line marks each year's median and a dashed line its 90th percentile, for years with {MIN_FOR_PERCENTILES} incidents or more.{overall}{}{}",
        d.count,
        plural(d.count),
        if log { " The vertical scale is logarithmic: each step up is several times longer." } else { "" },
        if d.missing > 0 { format!(" {} incident{} without these timestamps {} not shown.", d.missing, plural(d.missing), if d.missing == 1 { "is" } else { "are" }) } else { String::new() },
    );
    let (svg, links) = dot_plot(id, &title, &description, d, &scale, dots);
    let mut legend = vec![if dots {
        Key::new("dot", "dot", "One incident")
    } else {
        Key::new("bin", "bin", "Incidents per band of durations")
    }];
    if !dots {
        legend.push(Key::new("outlier", "outlier", format!("The {NAMED_PER_YEAR} slowest of a year")));
    }
    if d.years.iter().any(|y| y.median.is_some()) {
        legend.push(Key::new("median", "median", "Median of a year"));
        legend.push(Key::new("p90", "p90", "90th percentile of a year"));
    }
    if let (Some(m), Some(p)) = (d.median, d.p90) {
        legend.push(Key::new("all-median", "all-median", format!("All years: median {}", words(m))));
        legend.push(Key::new("all-p90", "all-p90", format!("90th percentile {}", words(p))));
    }
    Figure { id: id.into(), title, description, legend, svg, links, empty: None, table }
}

/// A linked dot naming its incident.
fn named_dot(out: &mut String, class: &str, w: &Who, secs: i64, x: f64, y: f64, r: f64) {
    let _ = write!(
        out,
        "<a href=\"{}\"><title>{} ({}): {}</title><circle class=\"{class}\" cx=\"{x:.2}%\" cy=\"{y:.1}\" r=\"{r}\"/></a>",
        esc(&w.url),
        esc(&truncate(&w.title, TITLE_CHARS)),
        esc(&w.date),
        words(secs as f64)
    );
}

/// The chart and the number of links in it.
fn dot_plot(id: &str, title: &str, desc: &str, d: &Distribution, scale: &Scale, dots: bool) -> (String, usize) {
    let (h, top, bottom) = (300.0, 14.0, 28.0);
    let plot_h = h - top - bottom;
    let y = |v: f64| top + plot_h * (1.0 - scale.fraction(v));
    let mut out = open_svg(id, title, desc, h, "group");
    let mut labels = String::new();
    let mut last_label = f64::INFINITY;
    for (v, label) in scale.ticks() {
        // Log ticks can crowd (12 h and 1 d): keep the labels apart.
        if (last_label - y(v)).abs() < 16.0 {
            continue;
        }
        last_label = y(v);
        let _ = write!(out, "<line class=\"grid\" x1=\"0\" x2=\"100%\" y1=\"{:.1}\" y2=\"{:.1}\"/>", y(v), y(v));
        if v > 0.0 {
            y_label(&mut labels, y(v), &label);
        }
    }
    // The whole archive's median and 90th percentile, as reference lines
    // (their values are in the legend).
    for (class, label, v) in [("all-median", "median", d.median), ("all-p90", "90th percentile", d.p90)] {
        let Some(v) = v else { continue };
        let _ = write!(
            out,
            "<line class=\"{class}\" x1=\"{LEFT}%\" x2=\"100%\" y1=\"{:.1}\" y2=\"{:.1}\"><title>All years: {label} {}</title></line>",
            y(v),
            y(v),
            words(v)
        );
    }
    let n = d.years.len().max(1);
    let band = (100.0 - LEFT) / n as f64;
    let spread = (band * 0.6).min(24.0);
    let half = (spread / 2.0 + 1.5).min(band / 2.0 - 0.3).max(0.8);
    let every = label_every(n, 4, 1.0 - LEFT / 100.0);
    // Binned: one scale for the bands' widths across all years.
    let bin_of = |v: i64| (((1.0 - scale.fraction(v as f64)) * BINS as f64) as usize).min(BINS - 1);
    let widest_bin = if dots {
        1
    } else {
        d.years
            .iter()
            .flat_map(|yd| {
                let mut c = [0usize; BINS];
                yd.seconds.iter().for_each(|v| c[bin_of(*v)] += 1);
                c
            })
            .max()
            .unwrap_or(1)
            .max(1)
    };
    let mut links = 0;
    for (k, yd) in d.years.iter().enumerate() {
        let cx = LEFT + band * (k as f64 + 0.5);
        let count = yd.seconds.len();
        if dots {
            // Many dots: smaller and fainter, so that density shows.
            let opacity = (0.85 - 0.18 * (count as f64).log10()).clamp(0.3, 0.85);
            let r = if count < 50 { 4.0 } else { 3.0 };
            let _ = write!(out, "<g class=\"dots\" style=\"fill-opacity:{opacity:.2}\">");
            for (j, (v, w)) in yd.seconds.iter().zip(&yd.who).enumerate() {
                // Deterministic jitter (golden ratio), so builds are reproducible.
                let jitter = ((j as f64 * 0.618_034 + 0.5).fract() - 0.5) * spread;
                named_dot(&mut out, "dot", w, *v, cx + jitter, y(*v as f64), r);
                links += 1;
            }
            out.push_str("</g>");
        } else {
            let mut bins: [(usize, i64, i64); BINS] = [(0, i64::MAX, i64::MIN); BINS];
            for v in &yd.seconds {
                let b = &mut bins[bin_of(*v)];
                *b = (b.0 + 1, b.1.min(*v), b.2.max(*v));
            }
            let bh = plot_h / BINS as f64;
            out.push_str("<g class=\"bins\">");
            for (b, (c, lo, hi)) in bins.iter().enumerate().filter(|(_, b)| b.0 > 0) {
                let w = (spread * *c as f64 / widest_bin as f64).max(0.4);
                let range = if lo == hi {
                    words(*lo as f64)
                } else {
                    format!("{} to {}", words(*lo as f64), words(*hi as f64))
                };
                let _ = write!(
                    out,
                    "<rect class=\"bin\" x=\"{:.2}%\" y=\"{:.1}\" width=\"{w:.2}%\" height=\"{:.1}\"><title>{}: {c} incident{}, {range}</title></rect>",
                    cx - w / 2.0,
                    top + b as f64 * bh + 0.5,
                    (bh - 1.0).max(0.5),
                    yd.year,
                    plural(*c),
                );
            }
            out.push_str("</g>");
            let from = count.saturating_sub(NAMED_PER_YEAR);
            for (j, (v, w)) in yd.seconds.iter().zip(&yd.who).enumerate().skip(from) {
                let offset = (j - from) as f64 - (count - from) as f64 / 2.0 + 0.5;
                named_dot(&mut out, "outlier", w, *v, cx + offset * (spread / 6.0).min(2.5), y(*v as f64), 4.0);
                links += 1;
            }
        }
        // A median or a 90th percentile of fewer than five incidents says
        // nothing the dots do not: those years show only their dots.
        for (class, label, v) in [("median", "median", yd.median), ("p90", "90th percentile", yd.p90)] {
            let Some(v) = v else { continue };
            let _ = write!(
                out,
                "<line class=\"{class}\" x1=\"{:.2}%\" x2=\"{:.2}%\" y1=\"{:.1}\" y2=\"{:.1}\"><title>{}: {label} {}</title></line>",
                cx - half,
                cx + half,
                y(v),
                y(v),
                yd.year,
                words(v)
            );
        }
        if let Some(class) = tick_class(k, every) {
            x_label(&mut out, class, cx, h - bottom + 20.0, &yd.year.to_string());
        }
    }
    let _ =
        write!(out, "<line class=\"axis\" x1=\"0\" x2=\"100%\" y1=\"{:.1}\" y2=\"{:.1}\"/>", h - bottom, h - bottom);
    out.push_str(&labels);
    out.push_str("</svg>");
    (out, links)
}

/// Bars in rows: the name and the count on one line, the bar under them,
/// as wide as the column allows.
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
            legend: Vec::new(),
            svg: String::new(),
            links: 0,
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
    let row_h = 38.0;
    let h = rows.len() as f64 * row_h;
    let max = rows.iter().map(|r| r.count).max().unwrap_or(1).max(1) as f64;
    let mut out = open_svg(id, title, &description, h, "img");
    for (k, r) in rows.iter().enumerate() {
        let y = k as f64 * row_h;
        let w = 100.0 * r.count as f64 / max;
        let _ =
            write!(out, "<text class=\"label\" x=\"0\" y=\"{:.1}\">{}</text>", y + 14.0, esc(&truncate(&r.name, 36)));
        let _ = write!(
            out,
            "<text class=\"value\" x=\"100%\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            y + 14.0,
            r.count
        );
        let _ = write!(
            out,
            "<rect class=\"bar-track\" x=\"0\" y=\"{:.1}\" width=\"100%\" height=\"12\" rx=\"3\"/>",
            y + 20.0
        );
        let _ = write!(
            out,
            "<rect class=\"bar-fill\" x=\"0\" y=\"{:.1}\" width=\"{w:.2}%\" height=\"12\" rx=\"3\"/>",
            y + 20.0
        );
    }
    out.push_str("</svg>");
    Figure {
        id: id.into(),
        title: title.into(),
        description,
        legend: Vec::new(),
        svg: out,
        links: 0,
        empty: None,
        table,
    }
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
            legend: Vec::new(),
            svg: String::new(),
            links: 0,
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
    let legend = series.iter().map(|(n, c)| Key::new("swatch", c, n.clone())).collect();
    Figure { id: id.into(), title, description, legend, svg, links: 0, empty: None, table }
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
    use crate::stats::YearDistribution;

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
    fn axis_labels_are_short_enough_for_a_phone() {
        assert_eq!(tick_label(5400), "1.5 h");
        assert_eq!(tick_label(2 * 3600), "2 h");
        assert_eq!(tick_label(36 * 3600), "1.5 d");
        assert_eq!(tick_label(900), "15 min");
        assert_eq!(tick_label(7 * 86_400), "1 w");
        for hi in [90, 3000, 5400, 9000, 40_000, 100_000, 400_000, 2_000_000, 30_000_000] {
            for (_, l) in Scale::for_values(hi / 2, hi).ticks().into_iter().chain(Scale::for_values(1, hi).ticks()) {
                assert!(l.chars().count() <= 6, "{l} for {hi}");
            }
        }
    }

    #[test]
    fn tick_labels_thin_out_to_fit_a_narrow_column() {
        // 48 months of "Jan 2024": a label every 6 months wide, every 12 narrow.
        assert_eq!(label_every(48, 8, 0.91), (12, 6));
        // Five years fit side by side even on a phone.
        assert_eq!(label_every(5, 4, 0.91), (1, 1));
        // 30 years: the narrow labels are a subset of the wide ones.
        let (narrow, wide) = label_every(30, 4, 0.91);
        assert!(narrow > wide && narrow % wide == 0, "{narrow} {wide}");
        assert!(30 / narrow * 40 <= 300, "the narrow labels fit 300 px");
    }

    fn distribution(years: &[(i16, usize)], title_len: usize) -> Distribution {
        let years: Vec<YearDistribution> = years
            .iter()
            .map(|(year, n)| {
                let seconds: Vec<i64> = (0..*n as i64).map(|k| 60 + k * 37).collect();
                let who = (0..*n)
                    .map(|k| Who {
                        url: format!("/incidents/{year}-{k:05}/"),
                        title: format!("{}<{k}>", "t".repeat(title_len)),
                        date: format!("{year}-01-01"),
                    })
                    .collect();
                let (median, p90) =
                    (crate::stats::shown_percentile(&seconds, 0.5), crate::stats::shown_percentile(&seconds, 0.9));
                YearDistribution { year: *year, seconds, who, median, p90 }
            })
            .collect();
        let mut all: Vec<i64> = years.iter().flat_map(|y| y.seconds.clone()).collect();
        all.sort_unstable();
        Distribution {
            count: all.len(),
            median: crate::stats::shown_percentile(&all, 0.5),
            p90: crate::stats::shown_percentile(&all, 0.9),
            years,
            missing: 0,
        }
    }

    #[test]
    fn every_incident_is_a_named_linked_dot_in_a_small_archive() {
        let d = distribution(&[(2021, 2), (2022, 7)], 20);
        let f = duration_figure("ttr", "Time to resolve", "x", &d);
        assert_eq!(f.links, 9);
        assert_eq!(f.svg.matches("<a href=\"/incidents/").count(), 9);
        assert_eq!(f.svg.matches("<circle class=\"dot\"").count(), 9);
        assert!(
            f.svg.contains(
                "<a href=\"/incidents/2021-00001/\"><title>tttttttttttttttttttt&lt;1&gt; (2021-01-01): 1 min</title>"
            ),
            "{}",
            f.svg
        );
        assert!(f.svg.contains("role=\"group\""), "links inside: not an img");
        // 2021 has two incidents: no percentiles, in the chart or the table.
        assert!(!f.svg.contains("2021: median") && f.svg.contains("2022: median"));
        let row = &f.table.rows[0];
        assert_eq!((row[2].text.as_str(), row[3].text.as_str()), (TOO_FEW, TOO_FEW));
        assert_eq!(row[5].url.as_deref(), Some("/incidents/2021-00001/"), "the slowest links its incident");
        assert_ne!(f.table.rows[1][3].text, TOO_FEW);
    }

    #[test]
    fn a_large_archive_is_binned_with_the_slowest_named_and_stays_small() {
        let d = distribution(&[(2020, 20_000), (2021, 20_000), (2022, 20_000), (2023, 20_000), (2024, 20_000)], 60);
        assert!(!every_incident_a_dot(&d));
        let f = duration_figure("ttr", "Time to resolve", "x", &d);
        assert_eq!(f.links, 5 * NAMED_PER_YEAR);
        assert!(f.svg.len() < 40 * 1024, "{} bytes", f.svg.len());
        // The slowest of 2024 is named; the counts of the bands add up.
        assert!(f.svg.contains("href=\"/incidents/2024-19999/\""));
        let total: usize = f
            .svg
            .split("<title>")
            .filter_map(|t| t.split_once(": ").and_then(|(_, rest)| rest.split_once(" incident")))
            .filter_map(|(n, _)| n.parse::<usize>().ok())
            .sum();
        assert_eq!(total, 100_000, "every incident is in one band");
        assert!(f.description.contains("too many for a dot each"));
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
