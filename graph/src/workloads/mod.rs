//! The workloads, one module each, and [`Spec`]: a workload chosen by name.

mod chat;
mod fanout;
mod flow;
mod pipeline;

pub use self::chat::{Chat, ChatMessage, ChatVariant, Room, Session, Table};
pub use self::fanout::Fanout;
pub use self::flow::{Flow, Message};
pub use self::pipeline::Pipeline;

use std::fmt;
use std::str::FromStr;

use crate::config::{Options, Runtime, StrategyName};
use crate::exec::Workload;
use crate::runner::{dispatch, Error, GraphResult};

/// A workload and its parameters, chosen at run time.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Spec {
    /// `pipeline`.
    Pipeline(Pipeline),
    /// `fanout`.
    Fanout(Fanout),
    /// `flow` over any topology.
    Flow(Flow),
    /// `chat`, `chat/weak`, `chat/owned`.
    Chat(Chat),
}

impl Spec {
    /// Every workload name [`FromStr`] accepts, in the order the lab runs them.
    pub const NAMES: &'static [&'static str] = &[
        "pipeline",
        "fanout",
        "flow",
        "chat",
        "chat/weak",
        "chat/owned",
    ];

    /// The workload's name, with its variant.
    pub fn name(&self) -> String {
        match self {
            Spec::Pipeline(w) => w.name(),
            Spec::Fanout(w) => w.name(),
            Spec::Flow(w) => w.name(),
            Spec::Chat(w) => w.name(),
        }
    }

    /// The same workload at the size the tests use.
    pub fn small(&self) -> Spec {
        match self {
            Spec::Pipeline(_) => Spec::Pipeline(Pipeline::small()),
            Spec::Fanout(_) => Spec::Fanout(Fanout::small()),
            Spec::Flow(w) => Spec::Flow(Flow {
                topology: w.topology,
                ..Flow::small()
            }),
            Spec::Chat(w) => Spec::Chat(Chat::small().variant(w.variant)),
        }
    }

    /// Whether it can run on `runtime` with `strategy`.
    pub fn supports(&self, strategy: StrategyName, runtime: Runtime) -> bool {
        match runtime {
            Runtime::MultiThread { .. } => strategy.thread_safe(),
            Runtime::Local => true,
        }
    }

    /// Runs it.
    pub fn run(
        &self,
        strategy: StrategyName,
        runtime: Runtime,
        options: &Options,
    ) -> Result<GraphResult, Error> {
        match self {
            Spec::Pipeline(w) => dispatch(w, strategy, runtime, options),
            Spec::Fanout(w) => dispatch(w, strategy, runtime, options),
            Spec::Flow(w) => {
                w.validate().map_err(Error::Invalid)?;
                dispatch(w, strategy, runtime, options)
            }
            Spec::Chat(w) => {
                w.validate().map_err(Error::Invalid)?;
                dispatch(w, strategy, runtime, options)
            }
        }
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Spec {
    type Err = String;

    /// A workload at its default size, by name.
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "pipeline" => Spec::Pipeline(Pipeline::default()),
            "fanout" => Spec::Fanout(Fanout::default()),
            "flow" => Spec::Flow(Flow::default()),
            "chat" => Spec::Chat(Chat::default()),
            "chat/weak" => Spec::Chat(Chat::default().variant(ChatVariant::Weak)),
            "chat/owned" => Spec::Chat(Chat::default().variant(ChatVariant::Owned)),
            _ => {
                return Err(format!(
                    "unknown workload `{s}` (expected one of: {})",
                    Spec::NAMES.join(", ")
                ))
            }
        })
    }
}
