//! The lab binary, driven as a user drives it: a quick run writes the report, bad input fails
//! with one line, a workload file runs, `compare` prints ratios, the HTML holds every table and
//! plot, and the claims' verdicts follow from `results.json` by this file's own reading.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

const LAB: &str = env!("CARGO_BIN_EXE_reclaimer-lab");

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("lab-cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.parent().unwrap()).unwrap();
    dir
}

fn lab(args: &[&str]) -> Output {
    Command::new(LAB)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the lab binary starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A quick run's report folder and stdout, made once per seed and shared by the tests.
struct QuickRun {
    dir: PathBuf,
    stdout: String,
    results: Value,
}

fn quick_run(seed: u64) -> QuickRun {
    let dir = scratch(&format!("quick-{seed}"));
    let out = lab(&[
        "--quick",
        "--quiet",
        "--seed",
        &seed.to_string(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "quick run failed: {}\n{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    let results = serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap())
        .expect("results.json is JSON");
    QuickRun {
        dir,
        stdout: text(&out.stdout),
        results,
    }
}

fn first() -> &'static QuickRun {
    static RUN: OnceLock<QuickRun> = OnceLock::new();
    RUN.get_or_init(|| quick_run(1))
}

fn second() -> &'static QuickRun {
    static RUN: OnceLock<QuickRun> = OnceLock::new();
    RUN.get_or_init(|| quick_run(2))
}

#[test]
fn the_quick_run_writes_all_three_files_and_fits_100_columns() {
    let run = first();
    for file in ["results.json", "report.md", "index.html"] {
        let len = std::fs::metadata(run.dir.join(file)).map(|m| m.len());
        assert!(len.is_ok_and(|l| l > 0), "{file} missing or empty");
    }
    let r = &run.results;
    assert_eq!(r["format"], "reclaimer-lab-results");
    assert_eq!(r["version"], 1);
    assert_eq!(r["complete"], true);
    assert!(r["environment"]["cpu_model"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(r["environment"]["cores"].as_u64().is_some_and(|c| c >= 1));
    assert!(r["environment"]["rustc"]
        .as_str()
        .is_some_and(|v| v.starts_with("rustc ")));
    assert!(r["environment"]["crate_versions"]["tokio"].is_string());
    let repeat = r["settings"]["repeat"].as_u64().unwrap();
    assert!(repeat >= 3);
    let workloads = r["workloads"].as_array().unwrap();
    assert!(workloads.len() >= 9, "every workload ran");
    for w in workloads {
        for row in w["rows"].as_array().unwrap() {
            let reps = row["repetitions"].as_array().unwrap();
            assert_eq!(
                reps.len() as u64,
                repeat,
                "{} {}",
                w["name"],
                row["strategy"]
            );
            let t = &row["summary"]["throughput"];
            let (min, median, max) = (
                t["min"].as_f64().unwrap(),
                t["median"].as_f64().unwrap(),
                t["max"].as_f64().unwrap(),
            );
            assert!(0.0 < min && min <= median && median <= max, "{t}");
        }
    }
    let md = std::fs::read_to_string(run.dir.join("report.md")).unwrap();
    assert!(
        md.starts_with("# "),
        "report.md opens with its title, not a warning"
    );
    assert!(!md.to_lowercase().contains("incomplete"));
    // The last line names the report's path, as long as the folder given.
    for line in run.stdout.lines().filter(|l| !l.starts_with("report: ")) {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns: {line}"
        );
    }
    let last = run.stdout.lines().last().unwrap();
    assert!(
        last.starts_with("report: ") && last.contains("index.html"),
        "{last}"
    );
    assert!(run.stdout.contains("the critique's claims"));
    assert!(!run.dir.with_file_name("quick-1.partial").exists());
}

#[test]
fn the_html_holds_every_table_plot_and_claim_it_promises() {
    let run = first();
    let html = std::fs::read_to_string(run.dir.join("index.html")).unwrap();
    for reference in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(
            !html.contains(reference),
            "the page loads {reference}…: no network"
        );
    }
    for w in run.results["workloads"].as_array().unwrap() {
        let name = w["name"].as_str().unwrap();
        assert!(
            html.contains(&format!("data-workload=\"{name}\"")),
            "no table for {name}"
        );
    }
    assert!(html.contains("data-workload=\"leak-check\""));
    for c in run.results["claims"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        assert!(
            html.contains(&format!("data-claim=\"{id}\"")),
            "no claim {id}"
        );
    }
    let plots: Vec<String> = std::fs::read_dir(run.dir.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // Per workload: a latency CDF, garbage over time, heap over time, throughput bars.
    for kind in ["latency", "garbage", "heap", "throughput"] {
        assert!(
            plots.iter().any(|p| p.contains(kind)),
            "no {kind} plot in {plots:?}"
        );
    }
    for plot in &plots {
        let id = plot.trim_end_matches(".svg");
        assert!(
            html.contains(&format!("data-plot=\"{id}\"")),
            "{plot} not on the page"
        );
    }
    assert!(html.contains(&format!("data-plots-expected=\"{}\"", plots.len())));
}

/// The headless browser, if installed (`.ci/run` installs it; outside CI the test skips).
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn headless(browser: &str, profile: &Path, args: &[&str], page: &Path) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .output()
        .expect("the browser starts")
}

#[test]
fn a_headless_browser_draws_every_plot_and_the_page_is_not_blank() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs need chromium (.ci/run installs it)"
        );
        eprintln!("skipped: no chromium on PATH");
        return;
    };
    let run = first();
    let page = run.dir.join("index.html").canonicalize().unwrap();
    let profile = scratch("browser-profile");
    let dom = headless(browser, &profile, &["--dump-dom"], &page);
    let dom_text = text(&dom.stdout);
    assert!(dom.status.success(), "{}", text(&dom.stderr));
    let attribute = |name: &str| -> usize {
        let at = dom_text
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("no {name} in the rendered page"));
        let rest = &dom_text[at + name.len() + 2..];
        rest[..rest.find('"').unwrap()].parse().unwrap()
    };
    let expected = attribute("data-plots-expected");
    assert!(expected >= 4 * 9, "{expected} plots");
    assert_eq!(
        attribute("data-plots-drawn"),
        expected,
        "plots the browser drew"
    );

    let shot = profile.join("shot.png");
    let screenshot_arg = format!("--screenshot={}", shot.display());
    let out = headless(
        browser,
        &profile,
        &[&screenshot_arg, "--window-size=1280,2400"],
        &page,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let decoder = png::Decoder::new(std::fs::File::open(&shot).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let bytes_per_pixel = info.line_size / info.width as usize;
    let pixels = &pixels[..info.buffer_size()];
    let background = &pixels[..bytes_per_pixel];
    let differing = pixels
        .chunks(bytes_per_pixel)
        .filter(|p| p[..3] != background[..3])
        .count();
    let share = differing as f64 / f64::from(info.width * info.height);
    // Text, tables and plot lines: a rendered report colours a few percent of the screen.
    assert!(
        share > 0.01,
        "only {:.4} of the pixels differ from the background",
        share
    );
}

/// Reads a figure's median, min and max.
fn spread(row: &Value, figure: &str) -> Option<(f64, f64, f64)> {
    let s = &row["summary"][figure];
    Some((
        s["median"].as_f64()?,
        s["min"].as_f64()?,
        s["max"].as_f64()?,
    ))
}

/// `1` when `b` is faster than `a` with ranges apart, `-1` slower, `0` within noise.
fn apart(a: (f64, f64, f64), b: (f64, f64, f64)) -> i32 {
    if b.1 > a.2 {
        1
    } else if b.2 < a.1 {
        -1
    } else {
        0
    }
}

struct Run<'a> {
    results: &'a Value,
}

impl<'a> Run<'a> {
    fn workload(&self, name: &str) -> Option<&'a Value> {
        self.results["workloads"]
            .as_array()?
            .iter()
            .find(|w| w["name"] == name)
    }

    fn strategy(&self, name: &str, property: &str) -> bool {
        self.results["strategies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .is_some_and(|s| s[property] == true)
    }

    fn collector(&self, name: &str) -> bool {
        self.strategy(name, "reclaims_cycles") && self.strategy(name, "frees_memory")
    }

    fn refcounting(&self, name: &str) -> bool {
        !self.strategy(name, "reclaims_cycles") && self.strategy(name, "frees_memory")
    }
}

fn rows(w: &Value) -> impl Iterator<Item = &Value> {
    w["rows"].as_array().unwrap().iter()
}

fn is_multi(row: &Value) -> bool {
    row["runtime"] == "multi_thread"
}

fn row<'a>(w: &'a Value, strategy: &str, multi: bool) -> Option<&'a Value> {
    rows(w).find(|r| r["strategy"] == strategy && is_multi(r) == multi && r["park_hook"] == false)
}

fn preferred<'a>(w: &'a Value, strategy: &str) -> Option<&'a Value> {
    row(w, strategy, true).or_else(|| row(w, strategy, false))
}

const CYCLIC: [(&str, &str); 2] = [("chat", "chat/weak"), ("actors", "actors/weak")];

fn arc_leaks_cycles(run: &Run<'_>) -> &'static str {
    let (mut seen, mut cycles, mut leaked, mut weak_seen, mut weak_fixed) =
        (false, false, false, false, true);
    for (strong, weak) in CYCLIC {
        let Some(r) = run.workload(strong).and_then(|w| preferred(w, "Arc")) else {
            continue;
        };
        let (Some(l), Some(c)) = (spread(r, "leaked"), spread(r, "left_on_cycles")) else {
            continue;
        };
        seen = true;
        cycles |= c.0 > 0.0;
        leaked |= l.0 > 0.0;
        if let Some(wl) = run
            .workload(weak)
            .and_then(|w| preferred(w, "Arc"))
            .and_then(|r| spread(r, "leaked"))
        {
            weak_seen = true;
            weak_fixed &= wl.2 == 0.0;
        }
    }
    match () {
        _ if !seen || !cycles => "not-shown",
        _ if !leaked => "does-not-hold",
        _ if weak_seen && !weak_fixed => "partly",
        _ => "holds",
    }
}

fn weak_costs_throughput(run: &Run<'_>) -> &'static str {
    let (mut pairs, mut slower, mut faster) = (0, 0, 0);
    for (strong, weak) in CYCLIC {
        let (Some(s), Some(w)) = (run.workload(strong), run.workload(weak)) else {
            continue;
        };
        for multi in [true, false] {
            let a = row(s, "Arc", multi).and_then(|r| spread(r, "throughput"));
            let b = row(w, "Arc", multi).and_then(|r| spread(r, "throughput"));
            if let (Some(a), Some(b)) = (a, b) {
                pairs += 1;
                slower += i32::from(apart(a, b) < 0);
                faster += i32::from(apart(a, b) > 0);
            }
        }
    }
    match () {
        _ if pairs == 0 || slower + faster == 0 => "not-shown",
        _ if faster == 0 && 2 * slower > pairs => "holds",
        _ if slower == 0 && 2 * faster > pairs => "does-not-hold",
        _ => "partly",
    }
}

fn gc_frees_from_weak(run: &Run<'_>) -> &'static str {
    let (mut facts, mut collector_leaked, mut median_leaked, mut arc_leaked) =
        (0, false, false, false);
    for (strong, _) in CYCLIC {
        let Some(w) = run.workload(strong) else {
            continue;
        };
        arc_leaked |= preferred(w, "Arc")
            .and_then(|r| spread(r, "leaked"))
            .is_some_and(|l| l.0 > 0.0);
        for r in rows(w).filter(|r| run.collector(r["strategy"].as_str().unwrap())) {
            if let Some(l) = spread(r, "leaked") {
                facts += 1;
                collector_leaked |= l.2 > 0.0;
                median_leaked |= l.0 > 0.0;
            }
        }
    }
    match () {
        _ if facts == 0 || !arc_leaked => "not-shown",
        _ if median_leaked => "does-not-hold",
        _ if collector_leaked => "partly",
        _ => "holds",
    }
}

fn gc_more_throughput(run: &Run<'_>) -> &'static str {
    let (mut total, mut faster, mut slower) = (0, 0, 0);
    let collectors: Vec<&str> = run.results["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .filter(|s| run.collector(s))
        .collect();
    for collector in collectors {
        for multi in [true, false] {
            for name in ["pipeline", "fanout", "flow", "chat", "actors"] {
                let Some(w) = run.workload(name) else {
                    continue;
                };
                let g = row(w, collector, multi).and_then(|r| spread(r, "throughput"));
                let a = row(w, "Arc", multi).and_then(|r| spread(r, "throughput"));
                if let (Some(g), Some(a)) = (g, a) {
                    total += 1;
                    faster += i32::from(apart(a, g) > 0);
                    slower += i32::from(apart(a, g) < 0);
                }
            }
        }
    }
    match () {
        _ if total == 0 || faster + slower == 0 => "not-shown",
        _ if faster > slower && 2 * faster >= total => "holds",
        _ if slower > faster && 2 * slower >= total => "does-not-hold",
        _ => "partly",
    }
}

fn deferred_is_gc(run: &Run<'_>) -> &'static str {
    let distance = |a: f64, b: f64| (a.max(1.0).ln() - b.max(1.0).ln()).abs();
    let (mut like_gc, mut total) = (0, 0);
    for w in run.results["workloads"].as_array().unwrap() {
        if w["name"] == "idle-worker" {
            continue;
        }
        for multi in [true, false] {
            let e = row(w, "Epoch", multi).and_then(|r| spread(r, "latency_p99_ns"));
            let a = row(w, "Arc", multi).and_then(|r| spread(r, "latency_p99_ns"));
            let (Some(e), Some(a)) = (e, a) else { continue };
            for g in rows(w).filter(|r| {
                is_multi(r) == multi
                    && r["park_hook"] == false
                    && run.collector(r["strategy"].as_str().unwrap())
            }) {
                if let Some(g) = spread(g, "latency_p99_ns") {
                    total += 1;
                    like_gc += i32::from(distance(e.0, g.0) < distance(e.0, a.0));
                }
            }
        }
    }
    let chat = run.workload("chat");
    let leak = |s| {
        chat.and_then(|w| preferred(w, s))
            .and_then(|r| spread(r, "leaked"))
    };
    let cycles = match (leak("Epoch"), leak("Arc")) {
        (Some(e), Some(a)) if a.0 > 0.0 => Some(e.0 == 0.0),
        _ => None,
    };
    let timing = total > 0 && 2 * like_gc > total;
    match () {
        _ if total == 0 => "not-shown",
        _ if timing && cycles == Some(true) => "holds",
        _ if timing || cycles == Some(true) => "partly",
        _ => "does-not-hold",
    }
}

fn communicating_avoids_it(run: &Run<'_>) -> &'static str {
    let Some(owned) = run.workload("chat/owned") else {
        return "not-shown";
    };
    let owned_leaked = rows(owned)
        .filter(|r| run.refcounting(r["strategy"].as_str().unwrap()))
        .filter_map(|r| spread(r, "leaked"))
        .any(|l| l.2 > 0.0);
    let shared_leaked = run
        .workload("chat")
        .and_then(|w| preferred(w, "Arc"))
        .and_then(|r| spread(r, "leaked"))
        .is_some_and(|l| l.0 > 0.0);
    match () {
        _ if owned_leaked => "does-not-hold",
        _ if shared_leaked => "holds",
        _ => "not-shown",
    }
}

#[test]
fn the_claims_verdicts_follow_from_results_json() {
    for quick in [first(), second()] {
        let run = Run {
            results: &quick.results,
        };
        let expected = [
            ("arc-leaks-cycles", arc_leaks_cycles(&run)),
            ("weak-costs-throughput", weak_costs_throughput(&run)),
            ("gc-frees-from-weak", gc_frees_from_weak(&run)),
            ("gc-more-throughput", gc_more_throughput(&run)),
            ("deferred-is-gc", deferred_is_gc(&run)),
            ("communicating-avoids-it", communicating_avoids_it(&run)),
        ];
        let claims = quick.results["claims"].as_array().unwrap();
        assert_eq!(claims.len(), expected.len());
        for (id, verdict) in expected {
            let claim = claims.iter().find(|c| c["id"] == id).unwrap();
            assert_eq!(claim["verdict"], verdict, "{id}: {}", claim["answer"]);
        }
        // The refcounting leak claims rest on exact counts: every quick run answers them so.
        assert_eq!(arc_leaks_cycles(&run), "holds");
        assert_eq!(communicating_avoids_it(&run), "holds");
    }
}

#[test]
fn leak_counts_are_exact_in_every_repetition() {
    for quick in [first(), second()] {
        let run = Run {
            results: &quick.results,
        };
        for w in quick.results["workloads"].as_array().unwrap() {
            for r in rows(w) {
                let name = r["strategy"].as_str().unwrap();
                let (leaked, cycles) = (
                    spread(r, "leaked").unwrap(),
                    spread(r, "left_on_cycles").unwrap(),
                );
                if run.refcounting(name) {
                    assert_eq!(
                        leaked, cycles,
                        "{} {name}: leaked = left on cycles",
                        w["name"]
                    );
                } else if run.collector(name) && !is_multi(r) {
                    // On one thread a collector's final collect frees everything. On two,
                    // dumpster can lose a free to a race between two drops (docs/claims.md),
                    // so those rows are not held to exactly 0 here.
                    assert_eq!(leaked.2, 0.0, "{} {name}", w["name"]);
                }
            }
        }
    }
}

#[test]
fn compare_of_two_quick_runs_prints_ratios() {
    let (a, b) = (first(), second());
    let out = lab(&[
        "compare",
        a.dir.join("results.json").to_str().unwrap(),
        b.dir.join("results.json").to_str().unwrap(),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("throughput"), "{stdout}");
    let ratios = stdout
        .split_whitespace()
        .filter(|w| w.contains('.') && w.parse::<f64>().is_ok_and(|r| r > 0.0))
        .count();
    assert!(ratios >= 50, "{ratios} ratios in:\n{stdout}");
    assert!(
        stdout.contains("seed"),
        "the differing seed is noted:\n{stdout}"
    );
}

fn fails_with(args: &[&str], message: &str) {
    let out = lab(args);
    let stderr = text(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    assert!(
        stderr.contains(message),
        "{args:?}: expected {message:?} in: {stderr}"
    );
}

#[test]
fn bad_input_is_one_error_and_a_non_zero_exit() {
    let out = scratch("bad-input");
    let out_arg = out.to_str().unwrap();
    fails_with(
        &["--workloads", "chatt", "--out", out_arg],
        "did you mean `chat`",
    );
    fails_with(
        &["--strategies", "sync-cg", "--out", out_arg],
        "did you mean `sync-gc`",
    );
    fails_with(
        &["--strategies", "gc", "--runtime", "multi", "--out", out_arg],
        "only on the LocalSet",
    );
    fails_with(&["--sessions", "0"], "0");
    fails_with(&["--scale", "0"], "scale");
    fails_with(&["--scale", "1e9"], "scale");
    fails_with(&["--repeat", "1"], "repeat");
    fails_with(&["--workers", "100000"], "workers");
    assert!(!out.exists(), "a rejected run writes nothing");
}

#[test]
fn bad_workload_files_name_the_line_and_field() {
    let dir = scratch("bad-toml");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, body, message) in [
        ("syntax.toml", "[[chat]]\nsessions = = 3\n", "syntax.toml:2"),
        (
            "type.toml",
            "[[chat]]\nrooms = 4\nsessions = \"many\"\n",
            "type.toml:3",
        ),
        (
            "field.toml",
            "[[pipeline]]\nstages = 2\nstagse = 3\n",
            "stagse",
        ),
        ("zero.toml", "[[pipeline]]\nmessages = 0\n", "messages"),
        (
            "absurd.toml",
            "[[chat]]\nsessions = 4000000000\n",
            "sessions",
        ),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let out = lab(&[
            "--config",
            path.to_str().unwrap(),
            "--out",
            dir.join("out").to_str().unwrap(),
        ]);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{name} accepted");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert_eq!(
            stderr.trim().lines().count(),
            1,
            "{name}: one line: {stderr}"
        );
        assert!(
            stderr.contains(message),
            "{name}: expected {message:?} in {stderr}"
        );
    }
    assert!(!dir.join("out").exists());
}

#[test]
fn a_workload_file_runs() {
    let dir = scratch("toml-run");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lab.toml");
    std::fs::write(
        &path,
        "[run]\nstrategies = [\"arc\", \"gc\"]\nrepeat = 3\n\n\
         [[chat]]\nsessions = 40\nrooms = 4\n\n[[pipeline]]\nstages = 3\nmessages = 200\n",
    )
    .unwrap();
    let out = dir.join("report");
    let run = lab(&[
        "--config",
        path.to_str().unwrap(),
        "--cycles",
        "0",
        "--acyclic",
        "0",
        "--quiet",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let stdout: Value =
        serde_json::from_slice(&run.stdout).expect("--format json prints JSON alone");
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(stdout, on_disk);
    let names: Vec<&str> = on_disk["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["chat", "pipeline"]);
    let chat = &on_disk["workloads"][0];
    assert_eq!(chat["parameters"]["sessions"], "40");
    let strategies: Vec<(&str, bool)> = rows(chat)
        .map(|r| (r["strategy"].as_str().unwrap(), is_multi(r)))
        .collect();
    assert_eq!(strategies, [("Arc", true), ("Arc", false), ("Gc", false)]);
}

#[test]
fn compare_refuses_a_file_of_another_version() {
    let dir = scratch("old-version");
    std::fs::create_dir_all(&dir).unwrap();
    let old = dir.join("old.json");
    std::fs::write(&old, r#"{"format": "reclaimer-lab-results", "version": 0}"#).unwrap();
    let other = dir.join("other.json");
    std::fs::write(&other, r#"{"rows": []}"#).unwrap();
    let good = first().dir.join("results.json");
    let good = good.to_str().unwrap();
    fails_with(&["compare", old.to_str().unwrap(), good], "version 0");
    fails_with(
        &["compare", good, other.to_str().unwrap()],
        "not a reclaimer lab results file",
    );
    fails_with(
        &["compare", good, dir.join("absent.json").to_str().unwrap()],
        "cannot read",
    );
}

#[test]
fn an_unwritable_report_folder_fails_before_the_run() {
    let dir = scratch("unwritable");
    std::fs::create_dir_all(&dir).unwrap();
    // A folder under a file cannot be made, whoever runs the test.
    let file = dir.join("a-file");
    std::fs::write(&file, "").unwrap();
    let out = lab(&["--quick", "--out", file.join("report").to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cannot write the report"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing ran: {}", text(&out.stdout));
}

#[test]
fn ctrl_c_stops_the_run_and_writes_no_report() {
    use std::io::{BufRead, BufReader};
    let out = scratch("interrupted");
    let mut child = Command::new(LAB)
        .args(["--quiet", "--out", out.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The preamble prints once the handler is installed and before the first run; the full
    // default suite then takes far longer than the signal's delivery.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.starts_with("reclaimer lab"), "{line}");
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(!out.exists(), "an interrupted run wrote a report");
    assert!(!out.with_file_name("interrupted.partial").exists());
}

#[test]
fn list_names_every_workload_and_strategy() {
    let out = lab(&["list"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    for name in [
        "chat",
        "chat/weak",
        "chat/owned",
        "actors",
        "pipeline",
        "idle-worker",
    ] {
        assert!(stdout.contains(name), "{name} missing from list");
    }
    for strategy in first().results["strategies"].as_array().unwrap() {
        let name = strategy["name"].as_str().unwrap();
        assert!(stdout.contains(name), "{name} missing from list");
    }
}

/// Whether `strategy`'s leak counts are what it must leak: a refcounting strategy exactly the
/// objects left on cycles, a collector none (read from `results.json`'s `strategies` table of a
/// quick run, not from the lab's own code).
fn expected_leaks(strategy: &str, leaked: &[u64], left: &[u64]) -> bool {
    let info = first().results["strategies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == strategy)
        .unwrap_or_else(|| panic!("{strategy} in the strategies table"));
    if info["reclaims_cycles"].as_bool().unwrap() {
        leaked.iter().all(|&l| l == 0)
    } else {
        leaked == left
    }
}

#[test]
fn a_quick_sweep_draws_every_plot_and_leaks_what_the_workload_left_on_cycles() {
    let dir = scratch("sweep");
    let out = lab(&[
        "sweep",
        "--quick",
        "--quiet",
        "--strategies",
        "arc,gc",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("sweep: "), "{stdout}");
    assert!(stdout.contains("estimated"), "{stdout}");
    let sweep = dir.join("sweep");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(sweep.join("results.json")).unwrap())
            .unwrap();
    assert_eq!(results["format"], "reclaimer-lab-sweep");
    assert_eq!(results["complete"], true);
    let series = results["series"].as_array().unwrap();
    let axes: Vec<&str> = series.iter().map(|s| s["axis"].as_str().unwrap()).collect();
    assert_eq!(axes, ["heap", "heap", "threads", "cyclic"]);
    let html = std::fs::read_to_string(sweep.join("index.html")).unwrap();
    let figures = [
        "throughput",
        "latency-p99",
        "garbage-peak",
        "peak-heap",
        "leaked",
        "final-collect",
        "op-p999",
    ];
    let mut checked = 0;
    for s in series {
        let id = format!(
            "{}-{}",
            s["axis"].as_str().unwrap(),
            s["workload"].as_str().unwrap()
        );
        for figure in figures {
            let file = format!("{id}-{figure}.svg");
            let svg = std::fs::read_to_string(sweep.join("plots").join(&file))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            // A band (a polygon) per strategy, so every line was drawn with its spread.
            assert!(svg.contains("<svg") && svg.contains("<polygon"), "{file}");
            assert!(
                html.contains(&format!("data-plot=\"{id}-{figure}\"")),
                "{file} in the page"
            );
        }
        let points = s["points"].as_array().unwrap();
        assert_eq!(points.len(), 3, "{id}");
        for p in points {
            let rows = p["rows"].as_array().unwrap();
            let want = if s["axis"] == "threads" { 1 } else { 2 };
            assert_eq!(rows.len(), want, "{id} at {}", p["x"]);
            for r in rows {
                let list = |k: &str| -> Vec<u64> {
                    r[k].as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap())
                        .collect()
                };
                let (leaked, left) = (list("leaked"), list("left_on_cycles"));
                assert_eq!(leaked.len(), 2, "two repetitions");
                let strategy = r["strategy"].as_str().unwrap();
                assert!(
                    expected_leaks(strategy, &leaked, &left),
                    "{id} at {}: {strategy} leaked {leaked:?}, left on cycles {left:?}",
                    p["x"]
                );
                if strategy == "Arc" && s["workload"] == "chat" && p["x"].as_f64() != Some(0.0) {
                    assert!(
                        left.iter().all(|&l| l > 0),
                        "chat leaves cycles at {}",
                        p["x"]
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 * 2 + 3 * 2 + 3 + 3 * 2);
    // Arc on the heap axis has a growth line for its peak heap, fitted over three points.
    let fit = series[0]["fits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["strategy"] == "Arc" && f["figure"] == "peak-heap")
        .expect("a growth line");
    assert_eq!(fit["points"], 3);
    assert!(
        fit["slope"].as_f64().unwrap() > 0.0,
        "the heap grows with sessions"
    );

    // A later `run` into the same folder keeps the sweep and links it.
    let run = lab(&[
        "--quick",
        "--quiet",
        "--workloads",
        "pipeline",
        "--strategies",
        "arc",
        "--cycles",
        "0",
        "--acyclic",
        "0",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(sweep.join("index.html").is_file());
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(index.contains("href=\"sweep/index.html\""));
}
