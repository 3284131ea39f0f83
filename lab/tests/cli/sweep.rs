//! `sweep --quick`: every plot, and the leak check at every point.

use super::*;

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
