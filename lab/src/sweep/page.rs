//! The sweep's report: `sweep/index.html` (one plot per series and figure, the growth lines,
//! the figures as tables), `sweep/results.json` and `sweep/plots/*.svg`, and the terminal
//! summary. The folder is written beside its destination and renamed into place.

use std::path::{Path, PathBuf};

use comfy_table::{Cell, CellAlignment};
use plotters::prelude::*;
use reclaimer_graph::StrategyName;

use super::{Figure, Series, SweepResults, FIGURES};
use crate::report::html::{escape, STYLE};
use crate::report::plots::{colour, empty, slug, svg};
use crate::report::terminal::{table, WIDTH};
use crate::units::{self, wrap};

/// A drawn plot.
pub struct SweepPlot {
    /// File name under `plots/`.
    pub file: String,
    /// Title.
    pub title: String,
    /// The SVG document.
    pub svg: String,
}

/// The file-name stem of a series: `heap-chat`.
pub fn series_id(s: &Series) -> String {
    format!("{}-{}", s.axis.name(), slug(&s.workload))
}

/// Every plot of the sweep: one per series and figure.
pub fn plots(results: &SweepResults) -> Vec<SweepPlot> {
    let mut out = Vec::new();
    for s in &results.series {
        for figure in FIGURES {
            let title = format!(
                "{} · {} against {} ({})",
                s.workload, figure.title, s.x_label, s.runtime
            );
            out.push(SweepPlot {
                file: format!("{}-{}.svg", series_id(s), figure.id),
                svg: plot(s, figure, &title),
                title,
            });
        }
    }
    out
}

/// One line per strategy through its medians, with a band from the least to the greatest
/// repetition. The x axis is logarithmic when it spans a decade or more of positive values, the
/// y axis when its positive values span two.
fn plot(s: &Series, figure: &Figure, title: &str) -> String {
    struct Line {
        strategy: String,
        points: Vec<(f64, f64, f64, f64)>,
    }
    let mut lines: Vec<Line> = Vec::new();
    for p in &s.points {
        for r in &p.rows {
            let Some(v) = (figure.get)(&r.summary) else {
                continue;
            };
            let point = (
                p.x,
                v.median * figure.scale,
                v.min * figure.scale,
                v.max * figure.scale,
            );
            match lines.iter_mut().find(|l| l.strategy == r.strategy) {
                Some(l) => l.points.push(point),
                None => lines.push(Line {
                    strategy: r.strategy.clone(),
                    points: vec![point],
                }),
            }
        }
    }
    svg(|root| {
        let all = || lines.iter().flat_map(|l| l.points.iter());
        if all().next().is_none() {
            return empty(&root, title);
        }
        let x0 = all().map(|p| p.0).fold(f64::MAX, f64::min);
        let x1 = all().map(|p| p.0).fold(f64::MIN, f64::max);
        let y_lo = all().map(|p| p.2).fold(f64::MAX, f64::min);
        let y_hi = all().map(|p| p.3).fold(f64::MIN, f64::max);
        let log_x = x0 > 0.0 && x1 / x0 >= 10.0;
        let log_y = y_lo > 0.0 && y_hi / y_lo >= 100.0;
        let x_range = if log_x {
            (x0 / 1.3)..(x1 * 1.3)
        } else {
            let pad = ((x1 - x0) * 0.05).max(0.5);
            (x0 - pad)..(x1 + pad)
        };
        let y_range = if log_y {
            (y_lo / 1.5)..(y_hi * 1.5)
        } else {
            0.0..(if y_hi > 0.0 { y_hi * 1.08 } else { 1.0 })
        };
        let e = |e: DrawingAreaErrorKind<_>| e.to_string();
        let x_desc = format!("{}{}", s.x_label, if log_x { " (log scale)" } else { "" });
        let y_desc = format!("{}{}", figure.unit, if log_y { " (log scale)" } else { "" });
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, ("sans-serif", 15))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart.map_err(e)?;
                chart
                    .configure_mesh()
                    .x_desc(x_desc.as_str())
                    .y_desc(y_desc.as_str())
                    .x_label_formatter(&|v| short(*v))
                    .y_label_formatter(&|v| short(*v))
                    .draw()
                    .map_err(e)?;
                for line in &lines {
                    let c = colour(&line.strategy);
                    let mut band: Vec<(f64, f64)> =
                        line.points.iter().map(|p| (p.0, p.3)).collect();
                    band.extend(line.points.iter().rev().map(|p| (p.0, p.2)));
                    chart
                        .draw_series(std::iter::once(Polygon::new(band, c.mix(0.18).filled())))
                        .map_err(e)?;
                    chart
                        .draw_series(LineSeries::new(
                            line.points.iter().map(|p| (p.0, p.1)),
                            c.stroke_width(2),
                        ))
                        .map_err(e)?
                        .label(line.strategy.as_str())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2))
                        });
                    chart
                        .draw_series(
                            line.points
                                .iter()
                                .map(|p| Circle::new((p.0, p.1), 3, c.filled())),
                        )
                        .map_err(e)?;
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperLeft)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK.mix(0.4))
                    .label_font(("sans-serif", 11))
                    .draw()
                    .map_err(e)
            }};
        }
        match (log_x, log_y) {
            (true, true) => {
                draw!(builder.build_cartesian_2d(x_range.log_scale(), y_range.log_scale()))
            }
            (true, false) => draw!(builder.build_cartesian_2d(x_range.log_scale(), y_range)),
            (false, true) => draw!(builder.build_cartesian_2d(x_range, y_range.log_scale())),
            (false, false) => draw!(builder.build_cartesian_2d(x_range, y_range)),
        }
    })
}

/// An axis label: `1.5k`, `2M`, `0.25`.
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{:.2}", v / 1e6)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
            + "M"
    } else if a >= 1e3 {
        format!("{:.2}", v / 1e3)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
            + "k"
    } else if a >= 1.0 || a == 0.0 {
        format!("{v:.1}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        format!("{v:.3}")
    }
}

/// Whether a row's leak counts are what its strategy must leak at every repetition: exactly
/// the objects the workload left on cycles for a refcounting strategy, none for a collector.
/// `None` for a strategy that never frees (`Leak`) or that the library does not know.
pub fn leaks_as_expected(strategy: &str, leaked: &[u64], left: &[u64]) -> Option<bool> {
    let s: StrategyName = strategy.parse().ok()?;
    if !s.frees_memory() {
        return None;
    }
    Some(if s.reclaims_cycles() {
        leaked.iter().all(|&l| l == 0)
    } else {
        leaked.len() == left.len() && leaked.iter().zip(left).all(|(a, b)| a == b)
    })
}

/// The sentence on a series' leak counts, computed from every point.
fn leak_line(s: &Series) -> String {
    let mut off: Vec<String> = Vec::new();
    let mut checked = 0;
    for p in &s.points {
        for r in &p.rows {
            match leaks_as_expected(&r.strategy, &r.leaked, &r.left_on_cycles) {
                Some(true) => checked += 1,
                Some(false) => off.push(format!("{} at {}", r.strategy, p.x)),
                None => {}
            }
        }
    }
    if off.is_empty() {
        format!(
            "leaks: at all {checked} points checked, each refcounting strategy leaked exactly the \
             objects the workload left on cycles, and each collector leaked none"
        )
    } else {
        format!(
            "leaks: {} of {} points leaked other than the workload's own count: {}",
            off.len(),
            checked + off.len(),
            off.join(", ")
        )
    }
}

/// The growth lines worth a sentence: every fit with r² ≥ 0.8 on the figures a series is
/// about, as `SyncGc's final collection pause grows about linearly with sessions (slope 1.02,
/// r² 0.99, 5 points)`.
pub fn readings(s: &Series) -> Vec<String> {
    let headline: &[&str] = match s.axis {
        super::Axis::Heap => &["final-collect", "peak-heap", "throughput"],
        super::Axis::Threads => &["garbage-peak", "throughput"],
        super::Axis::Cyclic => &["leaked", "final-collect", "throughput"],
    };
    let mut out = Vec::new();
    for id in headline {
        let Some(figure) = FIGURES.iter().find(|f| f.id == *id) else {
            continue;
        };
        // A collection pause means something only for a strategy that collects.
        let collects = |strategy: &str| {
            strategy
                .parse::<StrategyName>()
                .is_ok_and(|s| s.reclaims_cycles())
        };
        for fit in s
            .fits
            .iter()
            .filter(|f| f.figure == *id && (*id != "final-collect" || collects(&f.strategy)))
        {
            let fitted = if fit.r2 >= 0.8 {
                String::new()
            } else {
                " (a poor fit: read the plot, not the slope)".into()
            };
            out.push(format!(
                "{}'s {} {} with {} (slope {:.2} on log–log axes, r² {:.2}, {} points){fitted}",
                fit.strategy, figure.title, fit.reading, s.x_label, fit.slope, fit.r2, fit.points
            ));
        }
    }
    out
}

/// The terminal summary: per series, the throughput at each point, the slopes, the leak line,
/// the notes.
pub fn terminal(results: &SweepResults) -> String {
    let mut out = String::new();
    for s in &results.series {
        out.push_str(&format!(
            "\n== sweep · {} · {} against {} ({})\n",
            s.axis.name(),
            s.workload,
            s.x_label,
            s.runtime
        ));
        let mut t = table();
        let mut header = vec!["throughput".to_string()];
        header.extend(s.points.iter().map(|p| short(p.x)));
        header.push("slope".into());
        t.set_header(header);
        let strategies: Vec<&str> = s
            .points
            .first()
            .map(|p| p.rows.iter().map(|r| r.strategy.as_str()).collect())
            .unwrap_or_default();
        for strategy in strategies {
            let mut cells = vec![Cell::new(strategy)];
            for p in &s.points {
                let cell = p
                    .rows
                    .iter()
                    .find(|r| r.strategy == strategy)
                    .and_then(|r| r.summary.throughput)
                    .map_or_else(|| "-".into(), |t| units::with_pm(&t, units::rate));
                cells.push(Cell::new(cell).set_alignment(CellAlignment::Right));
            }
            let slope = s
                .fits
                .iter()
                .find(|f| f.strategy == strategy && f.figure == "throughput")
                .map_or_else(|| "-".into(), |f| format!("{:.2}", f.slope));
            cells.push(Cell::new(slope).set_alignment(CellAlignment::Right));
            t.add_row(cells);
        }
        out.push_str(&format!("{t}\n"));
        for line in readings(s)
            .iter()
            .filter(|l| !l.contains("poor fit"))
            .chain(std::iter::once(&leak_line(s)))
        {
            out.push_str(&wrap(&format!("· {line}"), WIDTH, 2));
            out.push('\n');
        }
        for note in &s.notes {
            out.push_str(&wrap(note, WIDTH, 2));
            out.push('\n');
        }
    }
    out
}

const SCRIPT: &str = "
(function () {
  var drawn = 0;
  document.querySelectorAll('figure.plot svg').forEach(function (svg) {
    var box = svg.getBBox();
    if (box.width > 0 && box.height > 0 && svg.querySelectorAll('text').length > 0) { drawn += 1; }
  });
  document.body.setAttribute('data-plots-drawn', String(drawn));
})();
";

/// The page.
pub fn html(results: &SweepResults, plots: &[SweepPlot]) -> String {
    let e = &results.environment;
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>reclaimer \
         lab sweep</title>\n<style>{STYLE}</style>\n</head>\n<body data-plots-expected=\"{}\" \
         data-complete=\"{}\">\n<h1>reclaimer lab sweep</h1>\n<p>Each point is the median of {} \
         repetitions of every row, the band its range. Measured on {} ({} cores), {}, profile \
         {}, seed {}, in {:.1} s (estimated {:.0} s). Command: <code>{}</code>. The growth \
         lines are least-squares fits of ln(median) against ln(x) over the points where both \
         are positive: slope 0 is flat, 1 linear. <a href=\"../index.html\">The lab \
         report</a>.</p>\n<nav>",
        plots.len(),
        results.complete,
        results.repeat,
        escape(&e.cpu_model),
        e.cores,
        escape(&e.rustc),
        escape(&e.profile),
        results.seed,
        results.wall_s,
        results.estimated_s,
        escape(&results.command.join(" "))
    );
    for s in &results.series {
        out.push_str(&format!(
            "<a href=\"#{id}\">{} · {}</a>",
            s.axis.name(),
            escape(&s.workload),
            id = series_id(s)
        ));
    }
    out.push_str("</nav>\n");
    for s in &results.series {
        let id = series_id(s);
        out.push_str(&format!(
            "<section class=\"series\" id=\"{id}\">\n<h2>{} · {} against {} ({})</h2>\n",
            s.axis.name(),
            escape(&s.workload),
            escape(&s.x_label),
            escape(&s.runtime)
        ));
        for note in &s.notes {
            out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(note)));
        }
        out.push_str("<ul class=\"verdicts\">\n");
        for line in readings(s).iter().chain(std::iter::once(&leak_line(s))) {
            out.push_str(&format!("<li>{}</li>\n", escape(line)));
        }
        out.push_str("</ul>\n<table class=\"figures\" data-series=\"");
        out.push_str(&id);
        out.push_str("\">\n<tr><th>strategy</th><th>x</th>");
        for f in FIGURES {
            out.push_str(&format!("<th>{}</th>", escape(f.title)));
        }
        out.push_str("<th>left on cycles</th></tr>\n");
        for p in &s.points {
            for r in &p.rows {
                out.push_str(&format!(
                    "<tr><td>{}</td><td class=\"n\">{}</td>",
                    escape(&r.strategy),
                    p.x
                ));
                for f in FIGURES {
                    let cell = (f.get)(&r.summary).map_or_else(
                        || "-".to_string(),
                        |v| match f.id {
                            "throughput" => units::with_pm(&v, units::rate),
                            "peak-heap" => units::with_pm(&v, units::mib),
                            "garbage-peak" | "leaked" => units::count_range(&v),
                            _ => units::with_pm(&v, units::ns),
                        },
                    );
                    out.push_str(&format!("<td class=\"n\">{}</td>", escape(&cell)));
                }
                let left = r
                    .summary
                    .left_on_cycles
                    .map_or_else(|| "-".to_string(), |v| units::count_range(&v));
                out.push_str(&format!("<td class=\"n\">{left}</td></tr>\n"));
            }
        }
        out.push_str("</table>\n<table class=\"fits\">\n<tr><th>strategy</th>");
        for f in FIGURES {
            out.push_str(&format!("<th>{} slope (r²)</th>", escape(f.title)));
        }
        out.push_str("</tr>\n");
        let mut strategies: Vec<&str> = s.fits.iter().map(|f| f.strategy.as_str()).collect();
        strategies.dedup();
        for strategy in strategies {
            out.push_str(&format!("<tr><td>{}</td>", escape(strategy)));
            for f in FIGURES {
                let cell = s
                    .fits
                    .iter()
                    .find(|x| x.strategy == strategy && x.figure == f.id)
                    .map_or_else(|| "-".into(), |x| format!("{:.2} ({:.2})", x.slope, x.r2));
                out.push_str(&format!("<td class=\"n\">{cell}</td>"));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n<div class=\"plots\">\n");
        for plot in plots
            .iter()
            .filter(|p| p.file.starts_with(&format!("{id}-")))
        {
            let body = plot
                .svg
                .find("<svg")
                .map_or(plot.svg.as_str(), |i| &plot.svg[i..]);
            out.push_str(&format!(
                "<figure class=\"plot\" data-plot=\"{}\">\n{body}\n<figcaption>{}</figcaption>\n</figure>\n",
                escape(plot.file.trim_end_matches(".svg")),
                escape(&plot.title)
            ));
        }
        out.push_str("</div>\n</section>\n");
    }
    out.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    out
}

/// Writes `dir` (`…/sweep`): `index.html`, `results.json`, `plots/`; returns `index.html`'s
/// path.
pub fn write(results: &SweepResults, dir: &Path) -> Result<PathBuf, String> {
    let json = serde_json::to_string_pretty(results).map_err(|e| e.to_string())?;
    let plots = plots(results);
    let page = html(results, &plots);
    let staging = dir.with_file_name("sweep.partial");
    let _writing = crate::interrupt::writing();
    let fail = |e: std::io::Error| {
        let _ = std::fs::remove_dir_all(&staging);
        format!("cannot write the sweep to {}: {e}", dir.display())
    };
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(fail)?;
    }
    std::fs::create_dir_all(staging.join("plots")).map_err(fail)?;
    std::fs::write(staging.join("results.json"), json).map_err(fail)?;
    std::fs::write(staging.join("index.html"), page).map_err(fail)?;
    for p in &plots {
        std::fs::write(staging.join("plots").join(&p.file), &p.svg).map_err(fail)?;
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(fail)?;
    }
    std::fs::rename(&staging, dir).map_err(fail)?;
    crate::interrupt::written();
    Ok(dir.join("index.html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leak_expectations_follow_the_strategy() {
        assert_eq!(leaks_as_expected("Arc", &[5, 7], &[5, 7]), Some(true));
        assert_eq!(leaks_as_expected("Arc", &[5, 6], &[5, 7]), Some(false));
        assert_eq!(leaks_as_expected("SyncGc", &[0, 0], &[5, 7]), Some(true));
        assert_eq!(leaks_as_expected("SyncGc", &[1], &[5]), Some(false));
        assert_eq!(leaks_as_expected("Leak", &[9], &[5]), None);
    }

    #[test]
    fn axis_labels_stay_short() {
        assert_eq!(short(1000.0), "1k");
        assert_eq!(short(30000.0), "30k");
        assert_eq!(short(1500.0), "1.5k");
        assert_eq!(short(2.0), "2");
        assert_eq!(short(0.0), "0");
    }
}
