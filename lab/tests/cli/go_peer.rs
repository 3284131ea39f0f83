//! The Go peer's rows, run by the lab: their output parses into `results.json` with their
//! environment, and their counts equal the Rust `chat`'s and `pipeline`'s at the same size and
//! seed. Needs `go` on the PATH (`.ci/run` installs Debian's `golang-go`); without it each
//! test checks that the report says why there is no Go row, and fails under `CI=true`.

use serde_json::Value;

use super::{lab, scratch, text};

fn go_on_path() -> bool {
    let found = std::process::Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "CI=true but go is not on the PATH: .ci/run installs golang-go"
    );
    found
}

/// Two `chat` tables (all sessions at once, then one at a time) and a `pipeline` table, room
/// churn off so that every room lives to the end of the run.
const FILE: &str = r#"
[run]
strategies = ["arc", "sync-gc"]
runtime = "multi"
workers = 2
repeat = 3
seed = 7

[[chat]]
sessions = 300
concurrent = 60
rooms = 8
messages_per_session = 4
room_churn_every = 0

[[chat]]
sessions = 120
concurrent = 1
rooms = 6
messages_per_session = 5
room_churn_every = 0

[[pipeline]]
stages = 4
messages = 2000
"#;

fn run() -> Value {
    let dir = scratch("go-peer");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("go.toml");
    std::fs::write(&file, FILE).unwrap();
    let json = dir.join("results.json");
    let out = lab(&[
        "run",
        "--config",
        file.to_str().unwrap(),
        "--cycles",
        "0",
        "--acyclic",
        "0",
        "--quiet",
        "--out",
        dir.join("report").to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let results: Value = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    let report = std::fs::read_to_string(dir.join("report").join("report.md")).unwrap();
    let has_go = results["workloads"][0].get("peers").is_some();
    for line in [
        "| Go (peer) | Go, GOMAXPROCS=2 |",
        "Go: another language and runtime",
    ] {
        assert_eq!(report.contains(line), has_go, "{line}");
    }
    results
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// The named counts of every repetition of a row (Rust: `stats.counts`; Go: `counts`).
fn counts<'a>(reps: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    reps.as_array()
        .expect("repetitions")
        .iter()
        .map(|r| path.iter().fold(r, |v, k| &v[*k]))
        .collect()
}

#[test]
fn go_rows_carry_the_rust_counts_and_their_environment() {
    let go = go_on_path();
    let results = run();
    let workloads = results["workloads"].as_array().unwrap();
    assert_eq!(workloads.len(), 3);
    if !go {
        for w in workloads {
            let why = w["peer_skipped"].as_str().unwrap_or("");
            assert!(why.contains("go is not on the PATH"), "{w}");
            assert!(w.get("peers").is_none());
        }
        eprintln!("skipped: go is not on the PATH");
        return;
    }
    for w in workloads {
        let name = w["name"].as_str().unwrap();
        let peers = w["peers"].as_array().expect("a Go row");
        assert_eq!(peers.len(), 1, "{name}: one runtime, one Go row");
        let peer = &peers[0];
        assert_eq!(peer["language"], "Go");
        assert_eq!(peer["gomaxprocs"], 2);
        let env = &peer["environment"];
        assert_eq!(
            env["gomaxprocs"], 2,
            "{name}: GOMAXPROCS is the Rust workers"
        );
        assert!(env["go_version"].as_str().unwrap().contains("go1."));
        let gogc = std::env::var("GOGC").unwrap_or_else(|_| "100".into());
        assert_eq!(env["gogc"], gogc.as_str());
        assert_eq!(peer["repetitions"].as_array().unwrap().len(), 3, "{peer}");
        assert!(peer["errors"].as_array().unwrap().is_empty());
        let arc = &w["rows"][0];
        assert_eq!(arc["strategy"], "Arc");
        let rust = &arc["repetitions"];
        let go = &peer["repetitions"];
        // What the seed decides, whatever the scheduling, on both sides.
        let stats = ["objects", "left_on_cycles", "failed_tasks"];
        for key in stats {
            let all: Vec<u64> = counts(rust, &["stats", key])
                .into_iter()
                .chain(counts(go, &["stats", key]))
                .map(u)
                .collect();
            assert!(
                all.windows(2).all(|p| p[0] == p[1]),
                "{name} {key}: {all:?}"
            );
        }
        for r in go.as_array().unwrap() {
            assert_eq!(u(&r["objects_left_after_gc"]), 0, "{name}: Go traces");
            assert_eq!(r["stats"]["objects"], r["objects_tracked"]);
        }
        let arc_leaked = arc["summary"]["leaked"]["max"].as_f64().unwrap() as u64;
        let on_cycles = u(&rust[0]["stats"]["left_on_cycles"]);
        assert_eq!(
            arc_leaked, on_cycles,
            "{name}: Arc leaks what is left on cycles"
        );
        if name == "pipeline" {
            for r in counts(rust, &["stats"])
                .into_iter()
                .chain(counts(go, &["stats"]))
            {
                assert_eq!(u(&r["operations"]), 4 * 2000);
                assert_eq!(u(&r["objects"]), 2000);
                assert_eq!(u(&r["dropped"]), 0);
            }
            continue;
        }
        let concurrent: u64 = w["parameters"]["concurrent"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let mut keys = vec![
            "sessions_joined",
            "sessions_left",
            "sessions_disconnected",
            "messages_posted",
        ];
        let mut go_keys = keys.clone();
        if concurrent == 1 {
            // One session at a time: its own inbox is the only open one in its rooms, so each
            // post is delivered once (to itself) and dropped once per disconnected member.
            keys.extend(["operations", "dropped"]);
            go_keys.extend(["messages_delivered", "dropped"]);
        }
        for (k, g) in keys.iter().zip(&go_keys) {
            let path = |key: &'static str| -> Vec<&'static str> {
                if ["operations", "dropped"].contains(&key) {
                    vec!["stats", key]
                } else {
                    vec!["stats", "counts", key]
                }
            };
            let go_path: Vec<&str> = if *g == "dropped" {
                vec!["stats", "dropped"]
            } else {
                vec!["counts", g]
            };
            let all: Vec<u64> = counts(rust, &path(k))
                .into_iter()
                .chain(counts(go, &go_path))
                .map(u)
                .collect();
            assert!(
                all.windows(2).all(|p| p[0] == p[1]),
                "{name} (concurrent {concurrent}) {k}: Rust then Go {all:?}"
            );
            if *k == "sessions_joined" {
                assert!(all[0] > 0);
            }
        }
        let joined = u(&rust[0]["stats"]["counts"]["sessions_joined"]);
        let left = u(&rust[0]["stats"]["counts"]["sessions_left"]);
        let gone = u(&rust[0]["stats"]["counts"]["sessions_disconnected"]);
        assert_eq!(joined, left + gone);
        assert!(
            left > 0 && gone > 0,
            "both ends of the disconnect draw happen"
        );
    }
}

#[test]
fn no_go_leaves_the_rows_out_and_says_so() {
    let dir = scratch("no-go");
    let out = lab(&[
        "run",
        "--workloads",
        "pipeline",
        "--strategies",
        "arc",
        "--runtime",
        "multi",
        "--quick",
        "--no-go",
        "--quiet",
        "--format",
        "json",
        "--cycles",
        "0",
        "--acyclic",
        "0",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = &results["workloads"][0];
    assert!(w.get("peers").is_none());
    assert_eq!(w["peer_skipped"], "left out by --no-go");
    assert!(w["source_lines"]["go"]["lines"].as_u64().unwrap() > 0);
}
