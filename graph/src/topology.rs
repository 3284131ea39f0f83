//! Topologies: which node task sends to which, over bounded channels.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The shape of a task graph: nodes are tasks, edges bounded channels.
///
/// Acyclic shapes ([`Pipeline`](Topology::Pipeline), [`FanoutTree`](Topology::FanoutTree))
/// broadcast: each node passes every message to all its successors, and a run ends when the
/// channels close from the source down. Shapes with cycles ([`Ring`](Topology::Ring),
/// [`Mesh`](Topology::Mesh), [`Random`](Topology::Random)) route each message along a walk of a
/// set number of hops, to one successor per hop chosen by the node's seeded generator.
///
/// ```
/// use reclaimer_graph::Topology;
///
/// assert_eq!(Topology::Pipeline { stages: 3 }.successors(0), vec![vec![1], vec![2], vec![]]);
/// assert_eq!(Topology::FanoutTree { depth: 2, arity: 2 }.nodes(), 7);
/// assert_eq!(Topology::Ring { nodes: 3 }.successors(0), vec![vec![1], vec![2], vec![0]]);
/// assert!(Topology::Mesh { nodes: 4 }.successors(0).iter().all(|s| s.len() == 3));
/// assert_eq!("random:8:3".parse::<Topology>(), Ok(Topology::Random { nodes: 8, degree: 3 }));
/// ```
///
/// It serializes as that text form (`"random:8:3"`), which is also how workload files name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topology {
    /// `stages` nodes in a line.
    Pipeline {
        /// Nodes.
        stages: usize,
    },
    /// A complete tree: a root, then `depth` levels of `arity` children per node.
    FanoutTree {
        /// Levels below the root.
        depth: u32,
        /// Children per node.
        arity: usize,
    },
    /// `nodes` nodes, each sending to the next, the last to the first.
    Ring {
        /// Nodes.
        nodes: usize,
    },
    /// Every node sends to every other.
    Mesh {
        /// Nodes.
        nodes: usize,
    },
    /// Each node sends to `degree` distinct others, chosen with the run's seed.
    Random {
        /// Nodes.
        nodes: usize,
        /// Successors per node.
        degree: usize,
    },
}

impl Topology {
    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        match *self {
            Topology::Pipeline { stages } => stages,
            Topology::FanoutTree { depth, arity } => (0..=depth).fold(0usize, |sum, level| {
                sum.saturating_add(arity.saturating_pow(level))
            }),
            Topology::Ring { nodes }
            | Topology::Mesh { nodes }
            | Topology::Random { nodes, .. } => nodes,
        }
    }

    /// Whether messages are broadcast (acyclic shapes) rather than walked.
    pub fn is_acyclic(&self) -> bool {
        matches!(
            self,
            Topology::Pipeline { .. } | Topology::FanoutTree { .. }
        )
    }

    /// Checks the sizes: at least one node, at most 100 000, and a random degree below the
    /// node count.
    pub fn validate(&self) -> Result<(), String> {
        let n = self.nodes();
        if n == 0 || n > 100_000 {
            return Err(format!("{self} has {n} nodes; expected 1 to 100000"));
        }
        match *self {
            Topology::Random { nodes, degree } if degree == 0 || degree >= nodes => Err(format!(
                "{self}: the degree must be at least 1 and below the node count"
            )),
            Topology::Ring { nodes } | Topology::Mesh { nodes } if nodes < 2 => {
                Err(format!("{self} needs at least 2 nodes"))
            }
            _ => Ok(()),
        }
    }

    /// Each node's successors; `seed` chooses the random graph's edges.
    pub fn successors(&self, seed: u64) -> Vec<Vec<usize>> {
        let n = self.nodes();
        match *self {
            Topology::Pipeline { .. } => (0..n)
                .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
                .collect(),
            Topology::FanoutTree { arity, .. } => (0..n)
                .map(|i| {
                    (1..=arity)
                        .map(|k| i * arity + k)
                        .filter(|&c| c < n)
                        .collect()
                })
                .collect(),
            Topology::Ring { .. } => (0..n).map(|i| vec![(i + 1) % n]).collect(),
            Topology::Mesh { .. } => (0..n)
                .map(|i| (0..n).filter(|&j| j != i).collect())
                .collect(),
            Topology::Random { degree, .. } => {
                let mut rng = fastrand::Rng::with_seed(seed);
                (0..n)
                    .map(|i| {
                        let mut others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
                        rng.shuffle(&mut others);
                        others.truncate(degree);
                        others.sort_unstable();
                        others
                    })
                    .collect()
            }
        }
    }
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topology::Pipeline { stages } => write!(f, "pipeline:{stages}"),
            Topology::FanoutTree { depth, arity } => write!(f, "tree:{depth}:{arity}"),
            Topology::Ring { nodes } => write!(f, "ring:{nodes}"),
            Topology::Mesh { nodes } => write!(f, "mesh:{nodes}"),
            Topology::Random { nodes, degree } => write!(f, "random:{nodes}:{degree}"),
        }
    }
}

impl FromStr for Topology {
    type Err = String;

    /// `pipeline:STAGES`, `tree:DEPTH:ARITY`, `ring:N`, `mesh:N`, `random:N:DEGREE`.
    fn from_str(s: &str) -> Result<Self, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let num = |i: usize| -> Result<usize, String> {
            parts
                .get(i)
                .ok_or_else(|| format!("topology `{s}` is missing a number"))?
                .parse::<usize>()
                .map_err(|e| format!("topology `{s}`: {e}"))
        };
        let topology = match (parts[0], parts.len()) {
            ("pipeline", 2) => Topology::Pipeline { stages: num(1)? },
            ("tree", 3) => Topology::FanoutTree {
                depth: u32::try_from(num(1)?).map_err(|e| e.to_string())?,
                arity: num(2)?,
            },
            ("ring", 2) => Topology::Ring { nodes: num(1)? },
            ("mesh", 2) => Topology::Mesh { nodes: num(1)? },
            ("random", 3) => Topology::Random {
                nodes: num(1)?,
                degree: num(2)?,
            },
            _ => {
                return Err(format!(
                    "unknown topology `{s}` (expected pipeline:N, tree:DEPTH:ARITY, ring:N, \
                     mesh:N or random:N:DEGREE)"
                ))
            }
        };
        topology.validate()?;
        Ok(topology)
    }
}

impl Serialize for Topology {
    fn serialize<Z: serde::Serializer>(&self, serializer: Z) -> Result<Z::Ok, Z::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Topology {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
