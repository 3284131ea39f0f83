//! The claims, read from `results.json` by this file's own rules: each verdict the lab printed must be
//! the one these rules give.

use super::*;

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
    let strategies = run.results["strategies"].as_array().unwrap();
    let has_rc = run.results["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| rows(w).any(|r| r["strategy"] == "Rc"));
    for s in strategies
        .iter()
        .filter(|s| run.collector(s["name"].as_str().unwrap()))
    {
        let collector = s["name"].as_str().unwrap();
        // A thread-local collector against Rc, where the run has it; else against Arc.
        let peer = if s["thread_safe"] == false && has_rc {
            "Rc"
        } else {
            "Arc"
        };
        for multi in [true, false] {
            for name in ["pipeline", "fanout", "flow", "chat", "actors"] {
                let Some(w) = run.workload(name) else {
                    continue;
                };
                let g = row(w, collector, multi).and_then(|r| spread(r, "throughput"));
                let a = row(w, peer, multi).and_then(|r| spread(r, "throughput"));
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
            let Some(a) = row(w, "Arc", multi).and_then(|r| spread(r, "latency_p99_ns")) else {
                continue;
            };
            for deferred in ["Epoch", "Hyaline", "Hazard"] {
                let Some(e) = row(w, deferred, multi).and_then(|r| spread(r, "latency_p99_ns"))
                else {
                    continue;
                };
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
    }
    let chat = run.workload("chat");
    let leak = |s| {
        chat.and_then(|w| preferred(w, s))
            .and_then(|r| spread(r, "leaked"))
    };
    let deferred: Vec<_> = ["Epoch", "Hyaline", "Hazard"]
        .into_iter()
        .filter_map(leak)
        .collect();
    let cycles = match leak("Arc") {
        Some(a) if a.0 > 0.0 && !deferred.is_empty() => Some(deferred.iter().all(|e| e.0 == 0.0)),
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

/// Go's chat left nothing after its collections; its code has no `Weak`, no `.clone()` and
/// no more lines than the Rust code, in every workload that has a Go row.
fn async_is_normal_code(run: &Run<'_>) -> &'static str {
    let Some(peer) = run
        .workload("chat")
        .and_then(|w| w["peers"].as_array())
        .and_then(|p| p.iter().find(|p| p["summary"]["leaked"].is_object()))
    else {
        return "not-shown";
    };
    if peer["summary"]["leaked"]["max"].as_f64().unwrap() > 0.0 {
        return "does-not-hold";
    }
    let mut shorter = None;
    for name in ["chat", "pipeline"] {
        let Some(src) = run.workload(name).map(|w| &w["source_lines"]) else {
            continue;
        };
        let n = |side: &str, key: &str| src[side][key].as_u64().unwrap();
        let fewer = n("go", "lines") <= n("rust", "lines")
            && n("go", "weak") == 0
            && n("go", "clones") == 0;
        shorter = Some(shorter.unwrap_or(true) && fewer);
    }
    if shorter == Some(true) {
        "holds"
    } else {
        "partly"
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
            ("async-is-normal-code", async_is_normal_code(&run)),
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
