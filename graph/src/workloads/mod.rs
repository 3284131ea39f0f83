//! The workloads, one module each, and [`Spec`]: a workload chosen by name.

mod actors;
mod chat;
mod config;
mod fanout;
pub(crate) mod flow;
mod idle_worker;
mod limits;
mod pipeline;

pub use self::actors::{left_on_cycles, ActorState, Actors, Letter};
pub use self::chat::{Chat, ChatMessage, ChatVariant, Room, Session, Table};
pub use self::config::{Config, ConfigData};
pub use self::fanout::Fanout;
pub use self::flow::{Flow, Message};
pub use self::idle_worker::{IdleWorker, Node};
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
    /// `config`.
    Config(Config),
    /// `chat`, `chat/weak`, `chat/owned`.
    Chat(Chat),
    /// `actors`, `actors/weak`.
    Actors(Actors),
    /// `idle-worker` (multi-thread runtime only).
    IdleWorker(IdleWorker),
}

impl Spec {
    /// Every workload name [`FromStr`] accepts, in the order the lab runs them.
    pub const NAMES: &'static [&'static str] = &[
        "pipeline",
        "fanout",
        "flow",
        "config",
        "chat",
        "chat/weak",
        "chat/owned",
        "actors",
        "actors/weak",
        "idle-worker",
    ];

    /// The workload's name, with its variant.
    pub fn name(&self) -> String {
        match self {
            Spec::Pipeline(w) => w.name(),
            Spec::Fanout(w) => w.name(),
            Spec::Flow(w) => w.name(),
            Spec::Chat(w) => w.name(),
            Spec::Config(w) => w.name(),
            Spec::Actors(w) => w.name(),
            Spec::IdleWorker(w) => w.name(),
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
            Spec::Config(_) => Spec::Config(Config::small()),
            Spec::Actors(w) => Spec::Actors(Actors::small().weak(w.weak)),
            Spec::IdleWorker(_) => Spec::IdleWorker(IdleWorker::small()),
        }
    }

    /// The same workload with its counts (messages, sessions, reads, letters, objects)
    /// multiplied by `factor`, each at least 1; shapes (stages, rooms, peers) stay.
    pub fn scaled(&self, factor: f64) -> Spec {
        let n = |x: u32| {
            ((f64::from(x) * factor)
                .round()
                .clamp(1.0, f64::from(u32::MAX))) as u32
        };
        match self {
            Spec::Pipeline(w) => Spec::Pipeline(Pipeline {
                messages: n(w.messages),
                ..*w
            }),
            Spec::Fanout(w) => Spec::Fanout(Fanout {
                messages: n(w.messages),
                ..*w
            }),
            Spec::Flow(w) => Spec::Flow(Flow {
                messages: n(w.messages),
                ..*w
            }),
            Spec::Config(w) => Spec::Config(Config {
                reads_per_reader: n(w.reads_per_reader),
                ..*w
            }),
            Spec::Chat(w) => Spec::Chat(Chat {
                sessions: n(w.sessions),
                concurrent: n(w.concurrent).min(n(w.sessions)),
                ..*w
            }),
            Spec::Actors(w) => Spec::Actors(Actors {
                messages_per_actor: n(w.messages_per_actor),
                ..*w
            }),
            Spec::IdleWorker(w) => Spec::IdleWorker(IdleWorker {
                lone: n(w.lone),
                pairs: n(w.pairs),
                ..*w
            }),
        }
    }

    /// Checks the parameters: every size within its limits (at least 1 where zero would make an
    /// empty or stuck run, and below a ceiling), then the workload's own consistency checks.
    /// The message names the workload and the field.
    ///
    /// ```
    /// use reclaimer_graph::workloads::{Chat, Spec};
    ///
    /// assert!(Spec::Chat(Chat::default()).validate().is_ok());
    /// let none = Spec::Chat(Chat { sessions: 0, ..Chat::default() });
    /// assert!(none.validate().unwrap_err().contains("sessions = 0"));
    /// ```
    pub fn validate(&self) -> Result<(), String> {
        limits::check(self)?;
        match self {
            Spec::Flow(w) => w.validate(),
            Spec::Chat(w) => w.validate(),
            Spec::Config(w) => w.validate(),
            Spec::Actors(w) => w.validate(),
            Spec::Pipeline(_) | Spec::Fanout(_) | Spec::IdleWorker(_) => Ok(()),
        }
    }

    /// Its parameters as text, as its results record them.
    pub fn parameters(&self) -> Vec<(&'static str, String)> {
        match self {
            Spec::Pipeline(w) => w.parameters(),
            Spec::Fanout(w) => w.parameters(),
            Spec::Flow(w) => Workload::parameters(w),
            Spec::Config(w) => w.parameters(),
            Spec::Chat(w) => w.parameters(),
            Spec::Actors(w) => w.parameters(),
            Spec::IdleWorker(w) => w.parameters(),
        }
    }

    /// Whether it can run on `runtime` with `strategy`.
    pub fn supports(&self, strategy: StrategyName, runtime: Runtime) -> bool {
        match runtime {
            Runtime::MultiThread { .. } => strategy.thread_safe(),
            Runtime::Local => !matches!(self, Spec::IdleWorker(_)),
        }
    }

    /// Runs it.
    pub fn run(
        &self,
        strategy: StrategyName,
        runtime: Runtime,
        options: &Options,
    ) -> Result<GraphResult, Error> {
        self.validate().map_err(Error::Invalid)?;
        match self {
            Spec::Pipeline(w) => dispatch!(Pipeline, w, strategy, runtime, options),
            Spec::Fanout(w) => dispatch!(Fanout, w, strategy, runtime, options),
            Spec::Flow(w) => dispatch!(Flow, w, strategy, runtime, options),
            Spec::Chat(w) => dispatch!(Chat, w, strategy, runtime, options),
            Spec::Config(w) => dispatch!(Config, w, strategy, runtime, options),
            Spec::Actors(w) => dispatch!(Actors, w, strategy, runtime, options),
            Spec::IdleWorker(w) => {
                dispatch!(send_only IdleWorker, w, strategy, runtime, options)
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
            "config" => Spec::Config(Config::default()),
            "chat" => Spec::Chat(Chat::default()),
            "chat/weak" => Spec::Chat(Chat::default().variant(ChatVariant::Weak)),
            "chat/owned" => Spec::Chat(Chat::default().variant(ChatVariant::Owned)),
            "actors" => Spec::Actors(Actors::default()),
            "actors/weak" => Spec::Actors(Actors::default().weak(true)),
            "idle-worker" => Spec::IdleWorker(IdleWorker::default()),
            _ => {
                return Err(format!(
                    "unknown workload `{s}` (expected one of: {})",
                    Spec::NAMES.join(", ")
                ))
            }
        })
    }
}
