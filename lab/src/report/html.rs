//! `index.html`: the report as one page a browser opens from disk, with no server and no
//! network: the claims first, then each workload's table, verdicts and plots, the SVG drawn
//! inline. A closing script counts the plots the browser drew (`data-plots-drawn` on the
//! body), which the headless-browser test reads.

use crate::report::columns::{columns, peer_cells};
use crate::report::markdown::{cells, incomplete_line};
use crate::report::plots::Plot;
use crate::results::{Results, WorkloadResults};

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
table.figures { display: block; max-width: 100%; overflow-x: auto; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.peer td { font-style: italic; border-top: 1px dashed #999; }
.incomplete { background: #fdd; border: 2px solid #c00; padding: 0.6em; font-weight: bold; }
.verdict { font-weight: bold; white-space: nowrap; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; }
figure.plot { margin: 0; border: 1px solid #eee; }
figure.plot svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 0.8em; padding: 0.2em 0.5em; color: #555; }
nav a { margin-right: 0.8em; }
";

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

fn workload(w: &WorkloadResults, plots: &[Plot]) -> String {
    let cols = columns(w.name == "idle-worker", true);
    let mut out = format!(
        "<section class=\"workload\" id=\"{id}\">\n<h2>{name}</h2>\n<p>{heading}</p>\n\
         <table class=\"figures\" data-workload=\"{name}\">\n<tr>",
        id = escape(&crate::report::plots::slug(&w.name)),
        name = escape(&w.name),
        heading = escape(&w.heading)
    );
    for c in &cols {
        out.push_str(&format!("<th>{}</th>", escape(c.header)));
    }
    out.push_str("</tr>\n");
    let rust = w.rows.iter().map(|row| ("", cells(row, &cols)));
    let peers = w
        .peers
        .iter()
        .map(|p| (" class=\"peer\"", peer_cells(p, &cols, true)));
    for (class, row) in rust.chain(peers) {
        out.push_str(&format!("<tr{class}>"));
        for (cell, col) in row.iter().zip(&cols) {
            let class = if col.numeric { " class=\"n\"" } else { "" };
            out.push_str(&format!("<td{class}>{}</td>", escape(cell)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n<ul class=\"verdicts\">\n");
    for line in &w.verdicts {
        out.push_str(&format!("<li>{}</li>\n", escape(line)));
    }
    out.push_str("</ul>\n");
    for note in &w.notes {
        out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(note)));
    }
    out.push_str("<div class=\"plots\">\n");
    for plot in plots {
        let id = plot.file.trim_end_matches(".svg");
        let svg = plot
            .svg
            .find("<svg")
            .map_or(plot.svg.as_str(), |i| &plot.svg[i..]);
        out.push_str(&format!(
            "<figure class=\"plot\" data-plot=\"{}\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
            escape(id),
            escape(&plot.title)
        ));
    }
    out.push_str("</div>\n</section>\n");
    out
}

/// The page; `plots[i]` are the plots of `results.workloads[i]`; `sweep`: link the sweep
/// written into the same folder.
pub fn page(results: &Results, plots: &[Vec<Plot>], sweep: bool) -> String {
    let expected: usize = plots.iter().map(Vec::len).sum();
    let mut out = String::from("<!DOCTYPE html>\n");
    out.push_str(&format!(
        "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>reclaimer lab report</title>\n\
         <style>{STYLE}</style>\n</head>\n<body data-plots-expected=\"{expected}\" data-complete=\"{}\">\n",
        results.complete
    ));
    if let Some(line) = incomplete_line(results) {
        out.push_str(&format!("<p class=\"incomplete\">{}</p>\n", escape(&line)));
    }
    let e = &results.environment;
    let s = &results.settings;
    out.push_str(&format!(
        "<h1>reclaimer lab report</h1>\n<p>Every figure is the median of {} repetitions (rows \
         interleaved, their order rotated each repetition), with its range. Measured on {} ({} \
         cores), {}, profile {}, seed {}, in {:.1} s. Command: <code>{}</code>.</p>\n",
        s.repeat,
        escape(&e.cpu_model),
        e.cores,
        escape(&e.rustc),
        escape(&e.profile),
        s.seed,
        results.wall_s,
        escape(&results.command.join(" "))
    ));
    out.push_str(
        "<section id=\"claims\">\n<h2>The critique's claims, answered by this run</h2>\n\
         <table class=\"claims\">\n<tr><th>claim</th><th>verdict</th><th>this run's figures</th></tr>\n",
    );
    for c in &results.claims {
        out.push_str(&format!(
            "<tr data-claim=\"{}\"><td>{}</td><td class=\"verdict\">{}</td><td>{}</td></tr>\n",
            escape(&c.id),
            escape(&c.claim),
            escape(&c.verdict.to_string()),
            escape(&c.answer)
        ));
    }
    out.push_str("</table>\n</section>\n<nav>");
    for w in &results.workloads {
        out.push_str(&format!(
            "<a href=\"#{}\">{}</a>",
            escape(&crate::report::plots::slug(&w.name)),
            escape(&w.name)
        ));
    }
    if sweep {
        out.push_str("<a href=\"sweep/index.html\">the sweep</a>");
    }
    out.push_str("</nav>\n");
    for (w, plots) in results.workloads.iter().zip(plots) {
        out.push_str(&workload(w, plots));
    }
    if !results.leak_check.is_empty() {
        out.push_str(
            "<section id=\"leak-check\">\n<h2>Cycle-leak check</h2>\n<table class=\"figures\" \
             data-workload=\"leak-check\">\n<tr><th>strategy</th><th>created</th><th>freed \
             before collect()</th><th>late</th><th>leaked</th><th>leaked on \
             cycles</th><th>ms</th></tr>\n",
        );
        for r in &results.leak_check {
            out.push_str(&format!(
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td \
                 class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td \
                 class=\"n\">{:.1}</td></tr>\n",
                escape(&r.strategy),
                r.created,
                r.before_collect,
                r.late,
                r.leaked,
                r.leaked_on_cycles,
                r.time_ms
            ));
        }
        out.push_str("</table>\n</section>\n");
    }
    out.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    out
}
