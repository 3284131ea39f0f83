//! Bad input, workload files, `compare`'s refusals, Ctrl-C and `list`: what a user sees when something
//! is wrong, and the listing.

use super::*;

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
