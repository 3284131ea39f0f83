//! `fanout`: every message broadcast down a tree of tasks.
//!
//! **Stands for** pub/sub fan-out: an event delivered to every subscriber through a tree of
//! relays (a notification service, a market-data feed), each relay cloning the shared handle
//! for each child.
//!
//! **Releases** each message when every node of the tree has handled its copy. Acyclic:
//! nothing leaks under any reclaiming strategy.

use serde::{Deserialize, Serialize};

use super::Flow;
use crate::exec::Workload;
use crate::Topology;

/// Parameters of `fanout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fanout {
    /// Levels below the root.
    pub depth: u32,
    /// Children per node.
    pub arity: usize,
    /// Messages broadcast.
    pub messages: u32,
    /// Payload bytes per message.
    pub payload_bytes: u32,
    /// Capacity of each channel.
    pub capacity: usize,
}

impl Default for Fanout {
    fn default() -> Self {
        Fanout {
            depth: 2,
            arity: 4,
            messages: 8_000,
            payload_bytes: 64,
            capacity: 64,
        }
    }
}

impl Fanout {
    /// A size for tests.
    pub fn small() -> Self {
        Fanout {
            depth: 2,
            arity: 3,
            messages: 200,
            ..Fanout::default()
        }
    }

    /// The flow that runs it.
    pub fn flow(&self) -> Flow {
        Flow {
            topology: Topology::FanoutTree {
                depth: self.depth,
                arity: self.arity,
            },
            messages: self.messages,
            payload_bytes: self.payload_bytes,
            capacity: self.capacity,
            hops: 0,
            panic_at: None,
        }
    }
}

impl Workload for Fanout {
    fn name(&self) -> String {
        "fanout".into()
    }
    fn parameters(&self) -> Vec<(&'static str, String)> {
        self.flow().parameters()
    }
}
