//! The hostile scenarios that end the process, each run in a child process: this test binary,
//! started again with `RECLAIMER_HOSTILE_CHILD` naming the scenario.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc as StdArc;

use libtest_mimic::Failed;
use reclaimer::{OptionCell, Shared, Strategy};

use super::{make, scenario, Behaviour, Counts, Grenade, Node, Shape, CHILD};

/// Runs this binary again with `scenario` as the child scenario; returns its status and stderr.
fn child(scenario: &str) -> Result<(std::process::ExitStatus, String), Failed> {
    let output = Command::new(std::env::current_exe()?)
        .env(CHILD, scenario)
        .output()?;
    Ok((
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    ))
}

/// The child scenarios: each runs in a fresh process.
pub(crate) fn run_child(name: &str) {
    match name {
        // rust-gc's mark calls a panicking `Trace` impl: this crate aborts with a message.
        "gc-trace-panic" => {
            let counts = StdArc::new(Counts::default());
            let node = Shared::<reclaimer::Gc, _>::new(Node {
                id: 0,
                behaviour: Behaviour::Quiet,
                counts,
                make: make::<reclaimer::Gc>,
                next: OptionCell::empty(),
                made: OptionCell::empty(),
                grenade: Grenade {
                    armed: AtomicBool::new(false),
                },
            });
            node.next.store(Some(node.clone()));
            node.grenade.armed.store(true, Ordering::SeqCst);
            // The mark traces what is reachable: the node, through its own link.
            reclaimer::Gc::collect();
            eprintln!("not reached");
        }
        // A ring whose drops read each other, collected, then more of the same garbage left for
        // the thread's exit, where rust-gc sweeps its whole heap: before this crate kept such
        // panics out of the sweep, the process aborted there ("thread local panicked on drop").
        "gc-read-neighbour-then-exit" => {
            let outcome =
                scenario::<reclaimer::Gc>(Shape::Ring, Behaviour::ReadNeighbour, &[0, 1, 2], false);
            assert!(outcome.collect_panic.is_some(), "{outcome:?}");
            std::thread::spawn(|| {
                let counts = StdArc::new(Counts::default());
                let a = Shared::<reclaimer::Gc, _>::new(Node {
                    id: 0,
                    behaviour: Behaviour::ReadNeighbour,
                    counts: counts.clone(),
                    make: make::<reclaimer::Gc>,
                    next: OptionCell::empty(),
                    made: OptionCell::empty(),
                    grenade: Grenade {
                        armed: AtomicBool::new(false),
                    },
                });
                a.next.store(Some(a.clone()));
                // No collect: the thread's exit sweeps it.
            })
            .join()
            .expect("the thread exits normally");
            println!("exited normally");
        }
        // dumpster's unsync search calls a panicking `Trace` impl on a dropped ring.
        "unsync-gc-trace-panic" => {
            let outcome = scenario::<reclaimer::UnsyncGc>(Shape::Ring, Behaviour::Quiet, &[], true);
            eprintln!("not reached: {outcome:?}");
        }
        other => panic!("unknown child scenario {other}"),
    }
}

/// Runs `scenario` in a child process and checks that it aborted with this crate's message
/// naming `site`.
fn aborts_naming(scenario: &str, site: &str) -> Result<(), Failed> {
    let (status, stderr) = child(scenario)?;
    if status.success() || stderr.contains("not reached") {
        return Err(format!("expected an abort, got {status}: {stderr}").into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal() != Some(6) {
            return Err(format!("expected SIGABRT, got {status}: {stderr}").into());
        }
    }
    for needle in [
        &format!("reclaimer: a `Trace` impl panicked inside {site}"),
        "docs/limitations.md, \"Hostile destructors and traces\"",
    ] {
        if !stderr.contains(needle) {
            return Err(format!("stderr lacks `{needle}`: {stderr}").into());
        }
    }
    Ok(())
}

pub(crate) fn gc_trace_panic_aborts() -> Result<(), Failed> {
    aborts_naming("gc-trace-panic", "rust-gc's mark")
}

pub(crate) fn unsync_gc_trace_panic_aborts() -> Result<(), Failed> {
    aborts_naming("unsync-gc-trace-panic", "dumpster's unsync collector")
}

pub(crate) fn gc_hostile_drops_never_abort_at_exit() -> Result<(), Failed> {
    let (status, stderr) = child("gc-read-neighbour-then-exit")?;
    if !status.success() || stderr.contains("panicked on drop") {
        return Err(format!("expected a normal exit, got {status}: {stderr}").into());
    }
    Ok(())
}
