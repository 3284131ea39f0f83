//! The critique's claims, each answered from this run's figures. `docs/claims.md` explains each
//! claim, the workload that tests it and how its verdict is computed; the code below is that
//! computation, and reads nothing but the workloads' results, so the verdicts can be
//! recomputed from `results.json`.

use std::fmt;

use reclaimer_graph::StrategyName;
use serde::{Deserialize, Serialize};

use crate::results::{RowResults, WorkloadResults};
use crate::summary::Spread;
use crate::units;

/// What the run says of a claim.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The figures bear it out.
    Holds,
    /// Part of it holds and part does not; the answer says which.
    Partly,
    /// The figures contradict it.
    DoesNotHold,
    /// The run has no figures that decide it (rows missing, or every difference within noise).
    NotShown,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Holds => "holds",
            Verdict::Partly => "partly",
            Verdict::DoesNotHold => "does not hold",
            Verdict::NotShown => "not shown by this run",
        })
    }
}

/// One claim and its answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Claim {
    /// A short, stable id (`arc-leaks-cycles`).
    pub id: String,
    /// The claim, in the critique's terms.
    pub claim: String,
    /// The workloads whose rows answer it.
    pub workloads: Vec<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// The figures behind the verdict, as a sentence.
    pub answer: String,
}

/// Every claim, answered from `workloads`.
pub fn answer(workloads: &[WorkloadResults]) -> Vec<Claim> {
    let find = |name: &str| workloads.iter().find(|w| w.name == name);
    vec![
        arc_leaks_cycles(&find),
        weak_costs_throughput(&find),
        gc_frees_from_weak(&find),
        gc_more_throughput(workloads),
        deferred_is_gc(workloads),
        communicating_avoids_it(&find),
        crate::peer_claims::normal_code(workloads),
    ]
}

type Find<'a> = dyn Fn(&str) -> Option<&'a WorkloadResults> + 'a;

const ARC: &str = "Arc";
const RC: &str = "Rc";
/// The workloads with strong cycles, and their `Weak` variants.
const CYCLIC: &[(&str, &str)] = &[("chat", "chat/weak"), ("actors", "actors/weak")];

fn strategy(name: &str) -> Option<StrategyName> {
    name.parse().ok()
}

/// The strategies that trace (reclaim cycles) and free memory.
fn is_collector(name: &str) -> bool {
    strategy(name).is_some_and(|s| s.reclaims_cycles() && s.frees_memory())
}

/// Refcounting strategies: free memory, reclaim no cycles.
fn is_refcounting(name: &str) -> bool {
    strategy(name).is_some_and(|s| !s.reclaims_cycles() && s.frees_memory())
}

/// A strategy's row on the multi-thread runtime if it has one, else on the LocalSet.
fn preferred<'a>(w: &'a WorkloadResults, strategy: &str) -> Option<&'a RowResults> {
    w.row(strategy, true).or_else(|| w.row(strategy, false))
}

fn leaked(row: &RowResults) -> Option<Spread> {
    row.summary.leaked
}

fn claim(id: &str, text: &str, workloads: &[&str], verdict: Verdict, answer: String) -> Claim {
    Claim {
        id: id.into(),
        claim: text.into(),
        workloads: workloads.iter().map(|w| w.to_string()).collect(),
        verdict,
        answer,
    }
}

fn arc_leaks_cycles(find: &Find<'_>) -> Claim {
    let text = "Pervasive Arc leaks cycles unless you play games with Weak.";
    let names = ["chat", "chat/weak", "actors", "actors/weak"];
    let mut facts = Vec::new();
    let mut leaked_somewhere = false;
    let mut weak_fixed = true;
    let mut weak_seen = false;
    let mut cycles_made = false;
    for (strong, weak) in CYCLIC {
        let Some(row) = find(strong).and_then(|w| preferred(w, ARC)) else {
            continue;
        };
        let (Some(l), Some(c)) = (leaked(row), row.summary.left_on_cycles) else {
            continue;
        };
        cycles_made |= c.median > 0.0;
        leaked_somewhere |= l.median > 0.0;
        let mut fact = format!(
            "on {strong} Arc leaked {} objects (the workload left {} on cycles)",
            units::count_range(&l),
            units::count_range(&c)
        );
        if let Some(wl) = find(weak).and_then(|w| preferred(w, ARC)).and_then(leaked) {
            weak_seen = true;
            weak_fixed &= wl.max == 0.0;
            fact.push_str(&format!(
                ", with Weak back-edges {}",
                units::count_range(&wl)
            ));
        }
        facts.push(fact);
    }
    let verdict = if facts.is_empty() || !cycles_made {
        Verdict::NotShown
    } else if !leaked_somewhere {
        Verdict::DoesNotHold
    } else if weak_seen && !weak_fixed {
        Verdict::Partly
    } else {
        Verdict::Holds
    };
    let answer = if facts.is_empty() {
        "no Arc row on chat or actors in this run".into()
    } else {
        sentence(&facts)
    };
    claim("arc-leaks-cycles", text, &names, verdict, answer)
}

/// How `b` compares with `a`: `1` when faster with ranges apart, `-1` slower, `0` within noise.
fn compare(a: &Spread, b: &Spread) -> i32 {
    if b.min > a.max {
        1
    } else if b.max < a.min {
        -1
    } else {
        0
    }
}

fn apart_word(c: i32) -> &'static str {
    match c {
        0 => "within noise",
        _ => "ranges apart",
    }
}

fn weak_costs_throughput(find: &Find<'_>) -> Claim {
    let text = "The Weak fix costs throughput.";
    let names = ["chat", "chat/weak", "actors", "actors/weak"];
    let mut facts = Vec::new();
    let (mut slower, mut faster, mut pairs) = (0, 0, 0);
    for (strong, weak) in CYCLIC {
        let (Some(s), Some(w)) = (find(strong), find(weak)) else {
            continue;
        };
        for multi in [true, false] {
            let (Some(sr), Some(wr)) = (s.row(ARC, multi), w.row(ARC, multi)) else {
                continue;
            };
            let (Some(st), Some(wt)) = (sr.summary.throughput, wr.summary.throughput) else {
                continue;
            };
            pairs += 1;
            let c = compare(&st, &wt);
            slower += i32::from(c < 0);
            faster += i32::from(c > 0);
            facts.push(format!(
                "{weak} ran at {:.2}× {strong} ({}, {})",
                wt.median / st.median,
                sr.runtime_label(),
                apart_word(c)
            ));
        }
    }
    // Holds (or does not) only where most pairs are apart and none points the other way.
    let verdict = match (pairs, slower, faster) {
        (0, _, _) | (_, 0, 0) => Verdict::NotShown,
        (p, s, 0) if 2 * s > p => Verdict::Holds,
        (p, 0, f) if 2 * f > p => Verdict::DoesNotHold,
        _ => Verdict::Partly,
    };
    let answer = if facts.is_empty() {
        "no pair of Arc rows with and without Weak on one runtime in this run".into()
    } else {
        format!(
            "with Arc, {}; slower with ranges apart in {slower} of {pairs}, faster in {faster}",
            facts.join("; ")
        )
    };
    claim("weak-costs-throughput", text, &names, verdict, answer)
}

fn gc_frees_from_weak(find: &Find<'_>) -> Claim {
    let text = "A tracing GC frees you from those games.";
    let names = ["chat", "actors"];
    let mut facts = Vec::new();
    // A leak in the median repetition refutes the claim; one in a minority of repetitions
    // (a free lost to a race, see docs/claims.md) makes it partly true.
    let mut median_leak = false;
    let mut any_leak = false;
    let mut arc_leaked = false;
    let mut late_total = 0.0;
    for (strong, _) in CYCLIC {
        let Some(w) = find(strong) else { continue };
        arc_leaked |= preferred(w, ARC)
            .and_then(leaked)
            .is_some_and(|l| l.median > 0.0);
        for row in w.rows.iter().filter(|r| is_collector(&r.strategy)) {
            let Some(l) = leaked(row) else { continue };
            any_leak |= l.max > 0.0;
            median_leak |= l.median > 0.0;
            let late = row.summary.late.map_or(0.0, |s| s.median);
            late_total += late;
            facts.push(format!(
                "{} on {strong} leaked {} ({} reclaimed only by the final collect)",
                row.label(),
                units::count_range(&l),
                units::count(late)
            ));
        }
    }
    let verdict = if facts.is_empty() || !arc_leaked {
        Verdict::NotShown
    } else if median_leak {
        Verdict::DoesNotHold
    } else if any_leak {
        Verdict::Partly
    } else {
        Verdict::Holds
    };
    let mut answer = if facts.is_empty() {
        "no collector row on chat or actors in this run".to_string()
    } else {
        facts.join("; ")
    };
    if verdict == Verdict::Holds && late_total > 0.0 {
        answer.push_str(
            "; with strong edges everywhere nothing leaked, but cycles wait for a collection",
        );
    }
    claim("gc-frees-from-weak", text, &names, verdict, answer)
}

/// Allocation-heavy workloads: each message or structure is a new shared object.
const ALLOCATING: &[&str] = &["pipeline", "fanout", "flow", "chat", "actors"];

fn gc_more_throughput(workloads: &[WorkloadResults]) -> Claim {
    let text = "A GC gives more allocation throughput than reference counting.";
    let mut per_pair: Vec<String> = Vec::new();
    let (mut faster, mut slower, mut total) = (0, 0, 0);
    let collectors: Vec<String> = collector_names(workloads);
    for collector in &collectors {
        let peer = refcounting_peer(workloads, collector);
        for multi in [true, false] {
            let mut ratios = Vec::new();
            let mut apart = Vec::new();
            for name in ALLOCATING {
                let Some(w) = workloads.iter().find(|w| &w.name == name) else {
                    continue;
                };
                let (Some(g), Some(a)) = (w.row(collector, multi), w.row(peer, multi)) else {
                    continue;
                };
                let (Some(gt), Some(at)) = (g.summary.throughput, a.summary.throughput) else {
                    continue;
                };
                let c = compare(&at, &gt);
                total += 1;
                faster += i32::from(c > 0);
                slower += i32::from(c < 0);
                ratios.push(gt.median / at.median);
                apart.push(format!(
                    "{name} {:.2}×{}",
                    gt.median / at.median,
                    if c == 0 { "~" } else { "" }
                ));
            }
            if ratios.is_empty() {
                continue;
            }
            let geo = (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp();
            let runtime = if multi { "multi-thread" } else { "LocalSet" };
            per_pair.push(format!(
                "{collector} ÷ {peer} on the {runtime}: {} (geometric mean {geo:.2}×)",
                apart.join(", ")
            ));
        }
    }
    let verdict = if total == 0 || (faster == 0 && slower == 0) {
        Verdict::NotShown
    } else if faster > slower && 2 * faster >= total {
        Verdict::Holds
    } else if slower > faster && 2 * slower >= total {
        Verdict::DoesNotHold
    } else {
        Verdict::Partly
    };
    let mut answer = if per_pair.is_empty() {
        "no collector and reference-counting rows on one runtime in this run".to_string()
    } else {
        format!(
            "{}; faster with ranges apart in {faster} of {total} comparisons, slower in \
             {slower} (~: ranges overlap)",
            per_pair.join("; ")
        )
    };
    let has_rc = workloads
        .iter()
        .flat_map(|w| w.rows.iter())
        .any(|row| row.strategy == RC);
    let local_peer = if has_rc { RC } else { ARC };
    if let Some(go) =
        crate::peer_claims::go_throughput(workloads, |multi| if multi { ARC } else { local_peer })
    {
        answer.push_str("; ");
        answer.push_str(&go);
    }
    claim("gc-more-throughput", text, ALLOCATING, verdict, answer)
}

/// The reference-counting strategy a collector is compared with: `Rc` for a thread-local
/// collector where this run has `Rc` rows (no atomics on either side), else `Arc`.
fn refcounting_peer(workloads: &[WorkloadResults], collector: &str) -> &'static str {
    let local = strategy(collector).is_some_and(|s| !s.thread_safe());
    let has_rc = workloads
        .iter()
        .flat_map(|w| w.rows.iter())
        .any(|row| row.strategy == RC);
    if local && has_rc {
        RC
    } else {
        ARC
    }
}

/// The collectors with rows in this run, in row order.
fn collector_names(workloads: &[WorkloadResults]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for row in workloads.iter().flat_map(|w| w.rows.iter()) {
        if is_collector(&row.strategy) && !names.contains(&row.strategy) {
            names.push(row.strategy.clone());
        }
    }
    names
}

/// `|ln a - ln b|`, with values below 1 read as 1 (a zero latency or garbage count).
fn log_distance(a: f64, b: f64) -> f64 {
    (a.max(1.0).ln() - b.max(1.0).ln()).abs()
}

/// The deferred-destruction strategies: refcounted, with the final free deferred.
const DEFERRED: [&str; 3] = ["Epoch", "Hyaline", "Hazard"];

fn deferred_is_gc(workloads: &[WorkloadResults]) -> Claim {
    let text = "Deferred destruction (epochs, RCU) is garbage collection by another name.";
    let mut like_gc = 0;
    let mut like_arc = 0;
    let mut facts = Vec::new();
    for w in workloads.iter().filter(|w| w.name != "idle-worker") {
        for multi in [true, false] {
            let Some(a) = w.row(ARC, multi) else {
                continue;
            };
            let collectors: Vec<&RowResults> = w
                .rows
                .iter()
                .filter(|r| r.is_multi() == multi && !r.park_hook && is_collector(&r.strategy))
                .collect();
            for deferred in DEFERRED {
                let Some(e) = w.row(deferred, multi) else {
                    continue;
                };
                let mut against = Vec::new();
                for g in &collectors {
                    let (Some(el), Some(al), Some(gl)) = (
                        e.summary.latency_p99_ns,
                        a.summary.latency_p99_ns,
                        g.summary.latency_p99_ns,
                    ) else {
                        continue;
                    };
                    let closer_to_gc =
                        log_distance(el.median, gl.median) < log_distance(el.median, al.median);
                    if closer_to_gc {
                        like_gc += 1;
                    } else {
                        like_arc += 1;
                    }
                    against.push(*g);
                }
                if (w.name == "chat" || w.name == "pipeline") && !against.is_empty() {
                    let p99 = |r: &RowResults| {
                        r.summary
                            .latency_p99_ns
                            .map_or_else(|| "-".into(), |l| units::ns(l.median))
                    };
                    let garbage = |r: &RowResults| {
                        r.summary
                            .garbage_peak
                            .map_or_else(|| "-".into(), |g| units::count(g.median))
                    };
                    let others = |f: &dyn Fn(&RowResults) -> String| {
                        against
                            .iter()
                            .map(|g| format!("{} {}", g.strategy, f(g)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    facts.push(format!(
                        "{} {}: latency p99 {deferred} {}, Arc {}, {}; garbage peak {deferred} \
                         {}, Arc {}, {}",
                        w.name,
                        e.runtime_label(),
                        p99(e),
                        p99(a),
                        others(&p99),
                        garbage(e),
                        garbage(a),
                        others(&garbage)
                    ));
                }
            }
        }
    }
    // Cycles: does each deferred strategy reclaim what Arc leaks?
    let chat = workloads.iter().find(|w| w.name == "chat");
    let arc_leak = chat.and_then(|w| preferred(w, ARC)).and_then(leaked);
    let deferred_leaks: Vec<(&str, Spread)> = DEFERRED
        .iter()
        .filter_map(|d| Some((*d, chat.and_then(|w| preferred(w, d)).and_then(leaked)?)))
        .collect();
    let cycles = match arc_leak {
        Some(a) if a.median > 0.0 && !deferred_leaks.is_empty() => {
            Some(deferred_leaks.iter().all(|(_, e)| e.median == 0.0))
        }
        _ => None,
    };
    let total = like_gc + like_arc;
    let timing_like_gc = total > 0 && 2 * like_gc > total;
    let verdict = match (total, cycles) {
        (0, _) => Verdict::NotShown,
        (_, Some(true)) if timing_like_gc => Verdict::Holds,
        (_, _) if timing_like_gc => Verdict::Partly,
        (_, Some(true)) => Verdict::Partly,
        _ => Verdict::DoesNotHold,
    };
    let mut answer = format!(
        "the deferred strategies' ({}) reclamation latency p99 is closer (on a log scale) to a \
         collector's than to Arc's in {like_gc} of {total} comparisons",
        DEFERRED.join(", ")
    );
    if let Some(a) = arc_leak {
        for (name, e) in &deferred_leaks {
            answer.push_str(&format!(
                "; on chat {name} leaked {} where Arc leaked {}: {}",
                units::count_range(e),
                units::count_range(&a),
                if e.median == 0.0 && a.median > 0.0 {
                    "it reclaims cycles as a collector does"
                } else {
                    "it defers frees but, unlike a collector, reclaims no cycles"
                }
            ));
        }
    }
    if !facts.is_empty() {
        answer.push_str(&format!("; {}", facts.join("; ")));
    }
    let names: Vec<&str> = workloads
        .iter()
        .map(|w| w.name.as_str())
        .filter(|n| *n != "idle-worker")
        .collect();
    claim("deferred-is-gc", text, &names, verdict, answer)
}

fn communicating_avoids_it(find: &Find<'_>) -> Claim {
    let text = "Sharing by communicating (one task owns each room, chat/owned) avoids the problem.";
    let names = ["chat", "chat/owned"];
    let Some(owned) = find("chat/owned") else {
        return claim(
            "communicating-avoids-it",
            text,
            &names,
            Verdict::NotShown,
            "chat/owned did not run".into(),
        );
    };
    let mut leaks = Vec::new();
    let mut any_leak = false;
    for row in owned.rows.iter().filter(|r| is_refcounting(&r.strategy)) {
        if let Some(l) = leaked(row) {
            any_leak |= l.max > 0.0;
            if l.max > 0.0 {
                leaks.push(format!("{} {}", row.label(), units::count_range(&l)));
            }
        }
    }
    let shared = find("chat");
    let shared_leak = shared
        .and_then(|w| preferred(w, ARC))
        .and_then(leaked)
        .map(|l| l.median);
    let mut answer = if any_leak {
        format!(
            "on chat/owned the refcounting strategies leaked: {}",
            leaks.join(", ")
        )
    } else {
        "on chat/owned no refcounting strategy leaked anything".to_string()
    };
    if let Some(l) = shared_leak {
        answer.push_str(&format!(
            " (on chat, with shared rooms, Arc leaked {})",
            units::count(l)
        ));
    }
    let mut ratios = Vec::new();
    if let Some(s) = shared {
        for multi in [true, false] {
            if let (Some(o), Some(sh)) = (
                owned.row(ARC, multi).and_then(|r| r.summary.throughput),
                s.row(ARC, multi).and_then(|r| r.summary.throughput),
            ) {
                let c = compare(&sh, &o);
                ratios.push(format!(
                    "{:.2}× on the {} ({})",
                    o.median / sh.median,
                    if multi {
                        "multi-thread runtime"
                    } else {
                        "LocalSet"
                    },
                    apart_word(c)
                ));
            }
        }
    }
    if !ratios.is_empty() {
        answer.push_str(&format!(
            "; Arc's throughput on chat/owned ÷ chat: {}",
            ratios.join(", ")
        ));
    }
    let verdict = if any_leak {
        Verdict::DoesNotHold
    } else if shared_leak.is_some_and(|l| l > 0.0) {
        Verdict::Holds
    } else {
        Verdict::NotShown
    };
    claim("communicating-avoids-it", text, &names, verdict, answer)
}

fn sentence(facts: &[String]) -> String {
    facts.join("; ")
}
