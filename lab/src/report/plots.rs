//! The report's plots, drawn as SVG with plotters: per workload, the reclamation-latency CDF
//! (log scale), garbage in flight over time, live heap over time, and throughput bars with
//! their range. Lines come from each row's representative repetition (the one whose p99
//! latency is the median); bars from every repetition.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::results::{RowResults, WorkloadResults};
use crate::summary::representative;
use crate::units;

/// The kinds of plot a workload gets, with their file-name suffix and title.
pub const KINDS: &[(&str, &str)] = &[
    ("latency", "reclamation latency, CDF"),
    ("garbage", "garbage in flight over time"),
    ("heap", "live heap over time"),
    ("throughput", "throughput, median and range"),
];

const WIDTH: u32 = 760;
const HEIGHT: u32 = 420;

/// One drawn plot.
pub struct Plot {
    /// The file name under `plots/`, e.g. `chat-latency.svg`.
    pub file: String,
    /// Its title.
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// A workload name as a file name: `chat/weak` → `chat-weak`.
pub fn slug(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The colour of a strategy: its place in the library's list, in a palette meant to stay
/// distinguishable.
pub(crate) fn colour(strategy: &str) -> RGBColor {
    let index = reclaimer::strategy::names()
        .iter()
        .position(|n| {
            n.replace('-', "")
                .eq_ignore_ascii_case(&strategy.replace('-', ""))
        })
        .unwrap_or(0);
    let (r, g, b) = Palette99::COLORS[index % Palette99::COLORS.len()];
    RGBColor(r, g, b)
}

type Series = (String, RGBColor, bool, Vec<(f64, f64)>);

/// Every plot of `w`. A plot with no data to draw says so inside its frame.
pub fn workload(w: &WorkloadResults) -> Vec<Plot> {
    KINDS
        .iter()
        .map(|(kind, title)| {
            let svg = match *kind {
                "latency" => lines(
                    title,
                    "latency (ns, log scale)",
                    "fraction of objects reclaimed",
                    true,
                    &series(w, |r| {
                        r.run
                            .report
                            .latency
                            .cdf_ns
                            .iter()
                            .map(|p| ((p.value as f64).max(1.0), p.quantile))
                            .collect()
                    }),
                ),
                "garbage" => lines(
                    title,
                    "time (ms)",
                    "objects released, not reclaimed",
                    false,
                    &series(w, |r| {
                        r.run
                            .report
                            .garbage
                            .samples
                            .iter()
                            .map(|s| (s.ns as f64 / 1e6, s.count as f64))
                            .collect()
                    }),
                ),
                "heap" => lines(
                    title,
                    "time (ms)",
                    "live heap (MiB)",
                    false,
                    &series(w, |r| {
                        r.run
                            .report
                            .memory
                            .timeline
                            .iter()
                            .map(|p| (p.ns as f64 / 1e6, p.bytes as f64 / (1024.0 * 1024.0)))
                            .collect()
                    }),
                ),
                _ => bars(title, &w.rows),
            };
            Plot {
                file: format!("{}-{kind}.svg", slug(&w.name)),
                title: format!("{}: {title}", w.name),
                svg,
            }
        })
        .collect()
}

/// One line per row, from its representative repetition.
fn series(
    w: &WorkloadResults,
    points: impl Fn(&reclaimer_graph::GraphResult) -> Vec<(f64, f64)>,
) -> Vec<Series> {
    w.rows
        .iter()
        .filter_map(|row| {
            let reps: Vec<_> = row.repetitions.iter().collect();
            let rep = representative(&reps)?;
            let pts = points(rep);
            (!pts.is_empty()).then(|| (row.label(), colour(&row.strategy), !row.is_multi(), pts))
        })
        .collect()
}

pub(crate) fn svg(
    draw: impl FnOnce(DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(root.clone()));
        if let Err(e) = drawn {
            let _ = root.draw(&Text::new(
                format!("could not draw: {e}"),
                (20, 20),
                ("sans-serif", 14),
            ));
        }
        let _ = root.present();
    }
    out
}

pub(crate) fn empty(root: &DrawingArea<SVGBackend<'_>, Shift>, title: &str) -> Result<(), String> {
    root.titled(title, ("sans-serif", 18))
        .map_err(|e| e.to_string())?
        .draw(&Text::new(
            "nothing to draw: no row measured this",
            (40, 60),
            ("sans-serif", 14),
        ))
        .map_err(|e| e.to_string())
}

fn lines(title: &str, x_desc: &str, y_desc: &str, log_x: bool, series: &[Series]) -> String {
    svg(|root| {
        let points = series.iter().flat_map(|s| s.3.iter());
        let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
        for &(x, y) in points {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
        if series.is_empty() || x0 > x1 {
            return empty(&root, title);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        let y1 = if y1 <= 0.0 { 1.0 } else { y1 * 1.05 };
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60);
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        if log_x {
            let x_range = (x0.max(1.0) / 1.5)..(x1 * 1.5);
            let mut chart = builder
                .build_cartesian_2d(x_range.log_scale(), 0.0..y1)
                .map_err(e)?;
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc(y_desc)
                .x_label_formatter(&|v| units::ns(*v))
                .draw()
                .map_err(e)?;
            for (label, colour, dashed, pts) in series {
                draw_line(&mut chart, label, *colour, *dashed, pts).map_err(e)?;
            }
            legend(&mut chart).map_err(e)
        } else {
            let mut chart = builder.build_cartesian_2d(x0..x1, 0.0..y1).map_err(e)?;
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc(y_desc)
                .draw()
                .map_err(e)?;
            for (label, colour, dashed, pts) in series {
                draw_line(&mut chart, label, *colour, *dashed, pts).map_err(e)?;
            }
            legend(&mut chart).map_err(e)
        }
    })
}

fn draw_line<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
    label: &str,
    colour: RGBColor,
    dashed: bool,
    pts: &[(f64, f64)],
) -> Result<(), DrawingAreaErrorKind<std::io::Error>>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let style = colour.stroke_width(2);
    let anno = if dashed {
        chart.draw_series(DashedLineSeries::new(pts.iter().copied(), 6, 4, style))?
    } else {
        chart.draw_series(LineSeries::new(pts.iter().copied(), style))?
    };
    anno.label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
    Ok(())
}

fn legend<'a, X, Y>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<X, Y>>,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(("sans-serif", 11))
        .draw()
}

fn bars(title: &str, rows: &[RowResults]) -> String {
    svg(|root| {
        let bars: Vec<(&RowResults, crate::summary::Spread)> = rows
            .iter()
            .filter_map(|r| r.summary.throughput.map(|t| (r, t)))
            .collect();
        if bars.is_empty() {
            return empty(&root, title);
        }
        let top = bars.iter().map(|(_, t)| t.max).fold(0.0, f64::max) * 1.1;
        let n = bars.len();
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        let labels: Vec<String> = bars.iter().map(|(r, _)| r.label()).collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..top.max(1.0), 0.0..n as f64)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n * 2 + 1)
            .y_label_formatter(&|v| {
                let i = v.floor() as usize;
                if (v - v.floor() - 0.5).abs() < 0.26 && i < n {
                    labels[n - 1 - i].clone()
                } else {
                    String::new()
                }
            })
            .x_desc("operations per second")
            .x_label_formatter(&|v| units::rate(*v))
            .draw()
            .map_err(e)?;
        for (i, (row, t)) in bars.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let colour = colour(&row.strategy);
            let fill = if row.is_multi() {
                colour.filled()
            } else {
                colour.mix(0.45).filled()
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y + 0.2), (t.median, y + 0.8)],
                    fill,
                )))
                .map_err(e)?;
            let whisker = BLACK.stroke_width(2);
            chart
                .draw_series([
                    PathElement::new(vec![(t.min, y + 0.5), (t.max, y + 0.5)], whisker),
                    PathElement::new(vec![(t.min, y + 0.35), (t.min, y + 0.65)], whisker),
                    PathElement::new(vec![(t.max, y + 0.35), (t.max, y + 0.65)], whisker),
                ])
                .map_err(e)?;
        }
        Ok(())
    })
}
