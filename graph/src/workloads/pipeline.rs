//! `pipeline`: messages handed down a line of stages.
//!
//! **Stands for** a staged request path: parse, enrich, persist, each a task, each passing the
//! same shared message on (a log pipeline, a middleware chain).
//!
//! **Releases** each message when the last stage has handled it. The handle is moved from stage
//! to stage, never cloned: no cycles, nothing leaks under any reclaiming strategy. The
//! hand-written baseline ([`baseline`](crate::baseline)) does the same work with `Box`
//! payloads.

use serde::{Deserialize, Serialize};

use super::Flow;
use crate::exec::Workload;
use crate::Topology;

/// Parameters of `pipeline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pipeline {
    /// Stages (tasks) in the line.
    pub stages: usize,
    /// Messages sent down it.
    pub messages: u32,
    /// Payload bytes per message.
    pub payload_bytes: u32,
    /// Capacity of each channel.
    pub capacity: usize,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            stages: 8,
            messages: 30_000,
            payload_bytes: 64,
            capacity: 64,
        }
    }
}

impl Pipeline {
    /// A size for tests.
    pub fn small() -> Self {
        Pipeline {
            stages: 4,
            messages: 500,
            ..Pipeline::default()
        }
    }

    /// The flow that runs it.
    pub fn flow(&self) -> Flow {
        Flow {
            topology: Topology::Pipeline {
                stages: self.stages,
            },
            messages: self.messages,
            payload_bytes: self.payload_bytes,
            capacity: self.capacity,
            hops: 0,
            panic_at: None,
        }
    }
}

impl Workload for Pipeline {
    fn name(&self) -> String {
        "pipeline".into()
    }
    fn parameters(&self) -> Vec<(&'static str, String)> {
        self.flow().parameters()
    }
}
