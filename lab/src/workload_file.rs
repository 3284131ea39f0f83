//! Workload files: `run --config FILE` reads workloads, and optionally run settings, from TOML.
//!
//! ```toml
//! [run]                       # optional; flags on the command line win
//! strategies = ["arc", "gc"]
//! runtime = "both"            # multi, local or both
//! repeat = 5
//!
//! [[chat]]                    # one table per run of a workload; fields left out keep their defaults
//! sessions = 500
//! variant = "weak"            # shared, weak or owned
//!
//! [[flow]]
//! topology = "ring:8"
//! ```
//!
//! Every error names the file, the line and the field.

use std::ops::Range;
use std::path::Path;

use reclaimer_graph::workloads::{Actors, Chat, Config, Fanout, Flow, IdleWorker, Pipeline, Spec};
use reclaimer_graph::StrategyName;
use serde::Deserialize;
use toml::Spanned;

use crate::cli::{parse_strategy, RuntimeChoice};

/// The `[run]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunTable {
    strategies: Option<Vec<Spanned<String>>>,
    runtime: Option<Spanned<String>>,
    workers: Option<Spanned<u16>>,
    seed: Option<u64>,
    repeat: Option<Spanned<u32>>,
    scale: Option<Spanned<f64>>,
    budget: Option<Spanned<u64>>,
}

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTables {
    run: Option<RunTable>,
    #[serde(default)]
    pipeline: Vec<Spanned<Pipeline>>,
    #[serde(default)]
    fanout: Vec<Spanned<Fanout>>,
    #[serde(default)]
    flow: Vec<Spanned<Flow>>,
    #[serde(default)]
    config: Vec<Spanned<Config>>,
    #[serde(default)]
    chat: Vec<Spanned<Chat>>,
    #[serde(default)]
    actors: Vec<Spanned<Actors>>,
    #[serde(default, rename = "idle-worker")]
    idle_worker: Vec<Spanned<IdleWorker>>,
}

/// What a workload file asks for.
#[derive(Debug, Default, Clone)]
pub struct WorkloadFile {
    /// Its workloads, in the order the file gives them.
    pub workloads: Vec<Spec>,
    /// `[run] strategies`.
    pub strategies: Option<Vec<StrategyName>>,
    /// `[run] runtime`.
    pub runtime: Option<RuntimeChoice>,
    /// `[run] workers`.
    pub workers: Option<u16>,
    /// `[run] seed`.
    pub seed: Option<u64>,
    /// `[run] repeat`.
    pub repeat: Option<u32>,
    /// `[run] scale`.
    pub scale: Option<f64>,
    /// `[run] budget`, seconds.
    pub budget: Option<u64>,
}

/// Where in the text an error points.
struct At<'a> {
    path: &'a str,
    text: &'a str,
}

impl At<'_> {
    /// `path:line:column`, 1-based, of byte `offset`.
    fn place(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rfind('\n').map_or(offset, |nl| offset - nl - 1) + 1;
        format!("{}:{line}:{column}", self.path)
    }

    /// The key assigned on the line of `offset`, if that line is `key = value`.
    fn key_at(&self, offset: usize) -> Option<&str> {
        let offset = offset.min(self.text.len());
        let start = self.text[..offset].rfind('\n').map_or(0, |nl| nl + 1);
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |nl| start + nl);
        let line = &self.text[start..end];
        let (key, _) = line.split_once('=')?;
        let key = key.trim().trim_matches('"');
        (!key.is_empty() && !key.starts_with('[') && !key.starts_with('#')).then_some(key)
    }

    fn error(&self, span: Option<Range<usize>>, message: &str) -> String {
        let message = message.trim().replace('\n', " ");
        match span {
            Some(span) => match self.key_at(span.start) {
                Some(key) if !message.contains(&format!("`{key}`")) => {
                    format!("{}: field `{key}`: {message}", self.place(span.start))
                }
                _ => format!("{}: {message}", self.place(span.start)),
            },
            None => format!("{}: {message}", self.path),
        }
    }
}

/// Reads and checks the workload file at `path`.
pub fn read(path: &Path) -> Result<WorkloadFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the workload file {}: {e}", path.display()))?;
    parse(&path.display().to_string(), &text)
}

/// Parses and checks a workload file's text; `path` names it in errors.
pub fn parse(path: &str, text: &str) -> Result<WorkloadFile, String> {
    let at = At { path, text };
    let tables: FileTables = toml::from_str(text).map_err(|e| at.error(e.span(), e.message()))?;
    // Which chat tables set `concurrent`: one that does not gets it clamped to its sessions.
    let raw: toml::Table = toml::from_str(text).map_err(|e| at.error(e.span(), e.message()))?;
    let chat_sets_concurrent: Vec<bool> = raw
        .get("chat")
        .and_then(|c| c.as_array())
        .map(|tables| {
            tables
                .iter()
                .map(|t| t.get("concurrent").is_some())
                .collect()
        })
        .unwrap_or_default();

    let mut workloads: Vec<(usize, Spec)> = Vec::new();
    let mut add = |span: Range<usize>, spec: Spec| -> Result<(), String> {
        spec.validate()
            .map_err(|e| at.error(Some(span.clone()), &e))?;
        workloads.push((span.start, spec));
        Ok(())
    };
    for w in tables.pipeline {
        add(w.span(), Spec::Pipeline(w.into_inner()))?;
    }
    for w in tables.fanout {
        add(w.span(), Spec::Fanout(w.into_inner()))?;
    }
    for w in tables.flow {
        add(w.span(), Spec::Flow(w.into_inner()))?;
    }
    for w in tables.config {
        add(w.span(), Spec::Config(w.into_inner()))?;
    }
    for (i, w) in tables.chat.into_iter().enumerate() {
        let span = w.span();
        let mut chat = w.into_inner();
        if !chat_sets_concurrent.get(i).copied().unwrap_or(true) {
            chat.concurrent = chat.concurrent.min(chat.sessions);
        }
        add(span, Spec::Chat(chat))?;
    }
    for w in tables.actors {
        add(w.span(), Spec::Actors(w.into_inner()))?;
    }
    for w in tables.idle_worker {
        add(w.span(), Spec::IdleWorker(w.into_inner()))?;
    }
    workloads.sort_by_key(|(start, _)| *start);

    let mut file = WorkloadFile {
        workloads: workloads.into_iter().map(|(_, spec)| spec).collect(),
        ..WorkloadFile::default()
    };
    if let Some(run) = tables.run {
        if let Some(names) = run.strategies {
            let mut strategies = Vec::new();
            for name in names {
                let strategy =
                    parse_strategy(name.get_ref()).map_err(|e| at.error(Some(name.span()), &e))?;
                strategies.push(strategy);
            }
            file.strategies = Some(strategies);
        }
        if let Some(runtime) = run.runtime {
            let choice = match runtime.get_ref().as_str() {
                "multi" => RuntimeChoice::Multi,
                "local" => RuntimeChoice::Local,
                "both" => RuntimeChoice::Both,
                other => {
                    return Err(at.error(
                        Some(runtime.span()),
                        &format!("unknown runtime `{other}` (expected multi, local or both)"),
                    ))
                }
            };
            file.runtime = Some(choice);
        }
        let within = |value: u64, span: Range<usize>, min: u64, max: u64| {
            if (min..=max).contains(&value) {
                Ok(())
            } else {
                Err(at.error(
                    Some(span),
                    &format!("{value} is out of range (expected {min} to {max})"),
                ))
            }
        };
        if let Some(workers) = run.workers {
            within(workers.get_ref().to_owned().into(), workers.span(), 1, 256)?;
            file.workers = Some(*workers.get_ref());
        }
        if let Some(repeat) = run.repeat {
            within((*repeat.get_ref()).into(), repeat.span(), 3, 1000)?;
            file.repeat = Some(*repeat.get_ref());
        }
        if let Some(budget) = run.budget {
            within(*budget.get_ref(), budget.span(), 1, 86_400)?;
            file.budget = Some(*budget.get_ref());
        }
        if let Some(scale) = run.scale {
            let value = *scale.get_ref();
            if !(0.0001..=1000.0).contains(&value) {
                return Err(at.error(
                    Some(scale.span()),
                    "the scale must be between 0.0001 and 1000",
                ));
            }
            file.scale = Some(value);
        }
        file.seed = run.seed;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workloads_keep_the_files_order_and_defaults() {
        let file = parse(
            "lab.toml",
            "[[chat]]\nsessions = 50\nvariant = \"weak\"\n\n[[pipeline]]\nmessages = 10\n\n\
             [run]\nstrategies = [\"arc\", \"gc\"]\nruntime = \"local\"\n",
        )
        .unwrap();
        assert_eq!(file.workloads.len(), 2);
        match &file.workloads[0] {
            Spec::Chat(chat) => {
                assert_eq!(chat.sessions, 50);
                assert_eq!(chat.concurrent, 50, "clamped to the sessions");
                assert_eq!(chat.rooms, Chat::default().rooms);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(file.workloads[0].name(), "chat/weak");
        assert_eq!(file.workloads[1].name(), "pipeline");
        assert_eq!(file.runtime, Some(RuntimeChoice::Local));
        assert_eq!(file.strategies.unwrap().len(), 2);
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let e = parse("lab.toml", "[[chat]]\nsessions = \"many\"\n").unwrap_err();
        assert!(e.starts_with("lab.toml:2:"), "{e}");
        assert!(e.contains("sessions"), "{e}");
        let e = parse("lab.toml", "[[chat]]\nsesions = 5\n").unwrap_err();
        assert!(e.starts_with("lab.toml:2:"), "{e}");
        assert!(e.contains("unknown field `sesions`"), "{e}");
        let e = parse("lab.toml", "\n[[chat]]\nsessions = 0\n").unwrap_err();
        assert!(e.starts_with("lab.toml:2:"), "{e}");
        assert!(e.contains("sessions = 0"), "{e}");
        let e = parse("lab.toml", "[run]\nstrategies = [\"arc\", \"gcc\"]\n").unwrap_err();
        assert!(e.starts_with("lab.toml:2:"), "{e}");
        assert!(e.contains("did you mean `gc`?"), "{e}");
        let e = parse("lab.toml", "[[flow]]\ntopology = \"ring:1\"\n").unwrap_err();
        assert!(e.contains("topology"), "{e}");
        let e = parse("lab.toml", "[[chatroom]]\n").unwrap_err();
        assert!(e.contains("unknown field `chatroom`"), "{e}");
        let e = parse("lab.toml", "[[chat]\n").unwrap_err();
        assert!(e.starts_with("lab.toml:1:"), "{e}");
        assert!(!e.contains('\n'), "one line: {e}");
    }
}
