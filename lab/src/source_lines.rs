//! What each side of a Go row had to write: the workload's lines of code in Rust and in Go,
//! and how often the Rust side names what the Go side never needs (`Weak`, `.clone()`, a
//! `Send` or `'static` bound). The sources are embedded at build time, so the figures describe
//! the code this lab runs.

use serde::{Deserialize, Serialize};

/// A workload's source files on both sides.
struct Sources {
    rust: &'static [(&'static str, &'static str)],
    go: &'static [(&'static str, &'static str)],
}

const CHAT: Sources = Sources {
    rust: &[(
        "graph/src/workloads/chat.rs",
        include_str!("../../graph/src/workloads/chat.rs"),
    )],
    go: &[("peers/go/chat.go", include_str!("../../peers/go/chat.go"))],
};

const PIPELINE: Sources = Sources {
    rust: &[
        (
            "graph/src/workloads/pipeline.rs",
            include_str!("../../graph/src/workloads/pipeline.rs"),
        ),
        (
            "graph/src/workloads/flow.rs",
            include_str!("../../graph/src/workloads/flow.rs"),
        ),
    ],
    go: &[(
        "peers/go/pipeline.go",
        include_str!("../../peers/go/pipeline.go"),
    )],
};

/// The task-spawning code every Rust workload goes through, where the bounds sit.
const SPAWN: (&str, &str) = ("graph/src/exec.rs", include_str!("../../graph/src/exec.rs"));

/// Counts of one side's source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Side {
    /// The files counted.
    pub files: Vec<String>,
    /// Lines of code: not blank, not only a comment, outside `#[cfg(test)]` modules.
    pub lines: usize,
    /// Mentions of `Weak`.
    pub weak: usize,
    /// `.clone()` calls.
    pub clones: usize,
}

/// Both sides of one workload.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceLines {
    /// The Rust workload.
    pub rust: Side,
    /// The Go peer's workload.
    pub go: Side,
    /// `Send` and `'static` bounds in the Rust spawn path (`graph/src/exec.rs`) that every
    /// task future of every Rust workload must meet.
    pub rust_spawn_bounds: usize,
}

/// The counts for a workload the Go peer has (`chat`, `pipeline`).
pub fn of(workload: &str) -> Option<SourceLines> {
    let sources = match workload {
        "chat" => CHAT,
        "pipeline" => PIPELINE,
        _ => return None,
    };
    Some(SourceLines {
        rust: side(sources.rust),
        go: side(sources.go),
        rust_spawn_bounds: spawn_bounds(code(SPAWN.1).as_str()),
    })
}

fn side(files: &[(&str, &str)]) -> Side {
    let mut out = Side::default();
    for (name, text) in files {
        let code = code(text);
        out.files.push((*name).to_string());
        out.lines += code.lines().count();
        out.weak += code.matches("Weak").count();
        out.clones += code.matches(".clone()").count();
    }
    out
}

/// The lines of code of a Rust or Go file: blank lines, comment-only lines and everything
/// from a `#[cfg(test)]` line on dropped.
fn code(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t == "#[cfg(test)]" {
            break;
        }
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `Send + 'static`, `+ Send`, `: 'static` and the like: each `Send` or `'static` that is a
/// bound, in lines that declare a bound (`where` clauses, `impl Trait` and `F:` lines).
fn spawn_bounds(code: &str) -> usize {
    code.lines()
        .filter(|l| l.contains(':') || l.contains("impl "))
        .map(|l| {
            let l = l.replace("Send + Sync", "Send +");
            l.matches("+ Send").count()
                + l.matches(": Send").count()
                + l.matches("+ 'static").count()
                + l.matches(": 'static").count()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_lines_drop_blanks_comments_and_tests() {
        let text =
            "// a comment\n\nfn a() {}\n    /// doc\nfn b() {}\n#[cfg(test)]\nmod tests {}\n";
        assert_eq!(code(text), "fn a() {}\nfn b() {}\n");
    }

    #[test]
    fn bounds_are_counted_where_they_are_bounds() {
        let text = "    F: Future + Send + 'static,\n    F::Output: Send + 'static,\n\
                    fn x() -> impl Future + Send + 'static;\nlet send = 1;\n";
        assert_eq!(spawn_bounds(text), 6);
    }

    #[test]
    fn both_workloads_have_counts() {
        for name in ["chat", "pipeline"] {
            let s = of(name).expect("a peer workload");
            assert!(s.rust.lines > 0 && s.go.lines > 0, "{name}: {s:?}");
            assert_eq!(s.go.weak, 0, "{name}: the Go peer uses plain pointers");
            assert_eq!(s.go.clones, 0, "{name}");
        }
        let chat = of("chat").expect("chat");
        assert!(chat.rust.weak > 0, "chat's weak variant names Weak");
        assert!(chat.rust_spawn_bounds > 0);
        assert!(of("fanout").is_none());
    }
}
