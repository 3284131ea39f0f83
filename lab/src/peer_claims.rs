//! The claims the Go peer's rows answer: its part of "a GC gives more throughput" (reported
//! beside the Rust comparisons, not counted in their verdict: another language, runtime and
//! scheduler), and "async code is just normal code" (`docs/claims.md`).

use crate::claims::{Claim, Verdict};
use crate::go_peer::PeerRow;
use crate::results::{RowResults, WorkloadResults};

/// The workloads the peer has.
const PEER_WORKLOADS: &[&str] = &["chat", "pipeline"];

/// The Rust rows a Go row sits beside: the multi-thread rows of as many workers as its
/// `GOMAXPROCS`, and the LocalSet rows when it is 1.
fn beside<'a>(
    w: &'a WorkloadResults,
    p: &PeerRow,
    strategy: &str,
) -> Vec<(&'static str, &'a RowResults)> {
    let mut out = Vec::new();
    if let Some(row) = w.row(strategy, true).filter(|r| r.workers == p.gomaxprocs) {
        out.push(("multi-thread", row));
    }
    if p.gomaxprocs == 1 {
        if let Some(row) = w.row(strategy, false) {
            out.push(("LocalSet", row));
        }
    }
    out
}

/// `Go ÷ Arc (GOMAXPROCS=2 beside 2 threads): chat 0.92×~, pipeline 0.51×`, one phrase per
/// pairing, or `None` without Go rows. `refcounting` names the Rust peer for a runtime.
pub fn go_throughput(
    workloads: &[WorkloadResults],
    refcounting: impl Fn(bool) -> &'static str,
) -> Option<String> {
    let mut phrases: Vec<(String, Vec<String>)> = Vec::new();
    for name in PEER_WORKLOADS {
        let Some(w) = workloads.iter().find(|w| &w.name == name) else {
            continue;
        };
        for p in &w.peers {
            let Some(go) = p.summary.throughput else {
                continue;
            };
            for multi in [true, false] {
                let strategy = refcounting(multi);
                for (runtime, row) in beside(w, p, strategy) {
                    if row.is_multi() != multi {
                        continue;
                    }
                    let Some(rust) = row.summary.throughput else {
                        continue;
                    };
                    let key = format!(
                        "Go ÷ {strategy} (GOMAXPROCS={} beside the {runtime})",
                        p.gomaxprocs
                    );
                    let phrase = format!(
                        "{name} {:.2}×{}",
                        go.median / rust.median,
                        if go.overlaps(&rust) { "~" } else { "" }
                    );
                    match phrases.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, v)) => v.push(phrase),
                        None => phrases.push((key, vec![phrase])),
                    }
                }
            }
        }
    }
    (!phrases.is_empty()).then(|| {
        let parts: Vec<String> = phrases
            .into_iter()
            .map(|(k, v)| format!("{k}: {}", v.join(", ")))
            .collect();
        format!(
            "{} (another language, runtime and scheduler, so not counted above; the notes under \
             the tables say what compares)",
            parts.join("; ")
        )
    })
}

/// "Async code is just normal code": what the Go chat left after its collections with plain
/// pointers both ways, against `Arc`'s leak, and what each side's source had to say.
pub fn normal_code(workloads: &[WorkloadResults]) -> Claim {
    let text = "With green threads and a GC, as in Go, async code is just normal code.";
    let ids = ["chat", "pipeline"];
    let chat = workloads.iter().find(|w| w.name == "chat");
    let peer = chat.and_then(|w| w.peers.iter().find(|p| p.summary.leaked.is_some()));
    let (Some(chat), Some(peer)) = (chat, peer) else {
        let why = chat
            .and_then(|w| w.peer_skipped.clone())
            .unwrap_or_else(|| "chat did not run with a Go row".into());
        return claim(
            text,
            &ids,
            Verdict::NotShown,
            format!("no Go chat row: {why}"),
        );
    };
    let mut facts = Vec::new();
    let leaked = peer.summary.leaked.map_or(0.0, |l| l.max);
    let objects = peer.summary.objects.map_or(0.0, |o| o.median);
    let cycles = peer.summary.left_on_cycles.map_or(0.0, |c| c.median);
    facts.push(format!(
        "Go's chat (GOMAXPROCS={}) left {leaked} of {objects} objects after runtime.GC() in its \
         worst of {} runs, {cycles} of them on cycles of plain pointers",
        peer.gomaxprocs,
        peer.repetitions.len()
    ));
    if let Some(arc) = chat
        .row("Arc", true)
        .or_else(|| chat.row("Arc", false))
        .and_then(|r| r.summary.leaked)
    {
        facts.push(format!("where Arc leaked {}", arc.median));
    }
    let mut shorter = None;
    for w in workloads.iter().filter(|w| ids.contains(&w.name.as_str())) {
        let Some(src) = &w.source_lines else {
            continue;
        };
        facts.push(format!(
            "{}: {} lines of Go with {} Weak and {} .clone() against {} lines of Rust (generic \
             over every strategy) with {} Weak and {} .clone()",
            w.name,
            src.go.lines,
            src.go.weak,
            src.go.clones,
            src.rust.lines,
            src.rust.weak,
            src.rust.clones
        ));
        let fewer = src.go.lines <= src.rust.lines && src.go.weak == 0 && src.go.clones == 0;
        shorter = Some(shorter.unwrap_or(true) && fewer);
        if w.name == "chat" {
            facts.push(format!(
                "every Rust task is spawned through code with {} Send and 'static bounds, and Go \
                 has no such bound",
                src.rust_spawn_bounds
            ));
        }
    }
    let verdict = match (leaked == 0.0, shorter) {
        (false, _) => Verdict::DoesNotHold,
        (true, Some(true)) => Verdict::Holds,
        (true, _) => Verdict::Partly,
    };
    claim(text, &ids, verdict, facts.join("; "))
}

fn claim(text: &str, workloads: &[&str], verdict: Verdict, answer: String) -> Claim {
    Claim {
        id: "async-is-normal-code".into(),
        claim: text.into(),
        workloads: workloads.iter().map(|w| w.to_string()).collect(),
        verdict,
        answer,
    }
}
