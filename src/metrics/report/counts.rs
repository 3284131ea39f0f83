//! Object counts and the conservation law: `allocated = reclaimed + leaked + live`, no object
//! reclaimed twice, none reclaimed early.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::metrics::record::View;

/// Object counts, and the conservation law they obey: [`Counts::check`].
///
/// `allocated = reclaimed + leaked + live`, in objects and in bytes. Before
/// [`Ledger::finish`](crate::metrics::Ledger::finish) nothing is leaked yet; after it nothing
/// is live.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Counts {
    /// Whether the run has ended ([`Ledger::finish`](crate::metrics::Ledger::finish) ran), so
    /// unreclaimed objects are leaked.
    pub ended: bool,
    /// Objects registered.
    pub allocated: u64,
    /// Bytes registered.
    pub allocated_bytes: u64,
    /// Objects reclaimed (counted once each).
    pub reclaimed: u64,
    /// Bytes reclaimed.
    pub reclaimed_bytes: u64,
    /// Objects unreclaimed after the run ended and its final collect.
    pub leaked: u64,
    /// Bytes of leaked objects.
    pub leaked_bytes: u64,
    /// Objects unreclaimed while the run goes on.
    pub live: u64,
    /// Bytes of live objects.
    pub live_bytes: u64,
    /// Objects released (by any route) at some point.
    pub released: u64,
    /// Garbage in flight when counted: released, not reclaimed.
    pub in_flight: u64,
    /// Bytes in flight when counted.
    pub in_flight_bytes: u64,
    /// Objects reclaimed only by the final collect.
    pub late: u64,
    /// Objects reclaimed while the workload still owed them a release (a consumer pending, or
    /// an expected release not yet made). Must be 0.
    pub early: u64,
    /// Extra reclaims of already reclaimed objects. Must be 0.
    pub double_reclaims: u64,
    /// Generation members reclaimed before their generation's release was stamped (counted
    /// with latency 0).
    pub reclaimed_before_release: u64,
    /// Protocol misuse: releasing a reclaimed object or a generation member directly,
    /// consuming too often, unknown generations or ids.
    pub misuse: u64,
    /// Objects past the ledger's capacity (2^26), not tracked.
    pub untracked: u64,
}

impl Counts {
    /// Counts one record.
    pub(crate) fn add(&mut self, view: &View) {
        self.allocated += 1;
        self.allocated_bytes += view.bytes;
        if view.is_reclaimed() {
            self.reclaimed += 1;
            self.reclaimed_bytes += view.bytes;
        } else if self.ended {
            self.leaked += 1;
            self.leaked_bytes += view.bytes;
        } else {
            self.live += 1;
            self.live_bytes += view.bytes;
        }
        if view.is_released() {
            self.released += 1;
        }
        if view.is_late() {
            self.late += 1;
        }
        if view.is_early() {
            self.early += 1;
        }
        if view.reclaimed_before_release() {
            self.reclaimed_before_release += 1;
        }
    }

    /// Whether `allocated = reclaimed + leaked + live` holds, in objects and in bytes.
    pub fn is_balanced(&self) -> bool {
        self.allocated == self.reclaimed + self.leaked + self.live
            && self.allocated_bytes == self.reclaimed_bytes + self.leaked_bytes + self.live_bytes
    }

    /// Checks the conservation law: balanced counts, no object reclaimed twice, none reclaimed
    /// early.
    pub fn check(&self) -> Result<(), Violation> {
        if !self.is_balanced() {
            return Err(Violation::Unbalanced {
                allocated: self.allocated,
                reclaimed: self.reclaimed,
                leaked: self.leaked,
                live: self.live,
            });
        }
        if self.double_reclaims != 0 {
            return Err(Violation::DoubleReclaim {
                count: self.double_reclaims,
            });
        }
        if self.early != 0 {
            return Err(Violation::Early { count: self.early });
        }
        Ok(())
    }
}

/// A breach of the conservation law: [`Counts::check`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// `allocated != reclaimed + leaked + live`.
    Unbalanced {
        /// Objects registered.
        allocated: u64,
        /// Objects reclaimed.
        reclaimed: u64,
        /// Objects leaked.
        leaked: u64,
        /// Objects live.
        live: u64,
    },
    /// Objects were reclaimed more than once.
    DoubleReclaim {
        /// Extra reclaims.
        count: u64,
    },
    /// Objects were reclaimed while the workload still owed them a release.
    Early {
        /// Objects reclaimed early.
        count: u64,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Unbalanced {
                allocated,
                reclaimed,
                leaked,
                live,
            } => write!(
                f,
                "allocated {allocated} != reclaimed {reclaimed} + leaked {leaked} + live {live}"
            ),
            Violation::DoubleReclaim { count } => {
                write!(f, "{count} reclaims of already reclaimed objects")
            }
            Violation::Early { count } => write!(
                f,
                "{count} objects reclaimed while the workload still held them"
            ),
        }
    }
}

impl std::error::Error for Violation {}
