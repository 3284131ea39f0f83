//! The object record types: the ids and generations the ledger hands out, stamps on its two
//! clocks, and [`View`], the read-only copy of one record that every report is built from.

use serde::{Deserialize, Serialize};

use self::state::*;

/// The id the ledger gave a tracked object, unique within one ledger. Threads take ids in
/// blocks of 64, so a thread's objects have consecutive ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectId(u64);

impl ObjectId {
    /// The id as a number.
    #[inline]
    pub fn get(self) -> u64 {
        self.0
    }

    #[inline]
    pub(crate) fn from_raw(id: u64) -> Self {
        ObjectId(id)
    }
}

/// A group of objects released together: the parts of one structure (a session, a room, an
/// actor graph). Made by [`Ledger::generation`](super::Ledger::generation), released by
/// [`Ledger::release_generation`](super::Ledger::release_generation).
///
/// [`Generation::NONE`] (0) is the default: objects in no generation, released one by one.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Generation(u32);

impl Generation {
    /// No generation: the object is released directly or by its consumers.
    pub const NONE: Generation = Generation(0);

    /// The generation as a number.
    #[inline]
    pub fn get(self) -> u32 {
        self.0
    }

    #[inline]
    pub(crate) fn from_raw(id: u32) -> Self {
        Generation(id)
    }
}

/// An instant on the ledger's two clocks: nanoseconds since the ledger was made, and the
/// operation clock's value (handle operations counted by [`Ledger::tick`](super::Ledger::tick)
/// so far).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stamp {
    /// Nanoseconds since the ledger was made.
    pub ns: u64,
    /// The operation clock's value.
    pub op: u64,
}

impl Stamp {
    #[inline]
    pub(crate) fn new(ns: u64, op: u64) -> Self {
        Stamp { ns, op }
    }
}

/// The bits of a record's state word.
pub(crate) mod state {
    /// The record describes a registered object.
    pub(crate) const CREATED: u32 = 1;
    /// The workload promised to release the object (directly or by consumers): reclaiming it
    /// before that is early.
    pub(crate) const EXPECTS_RELEASE: u32 = 1 << 1;
    /// Released directly or by its last consumer, before it was reclaimed.
    pub(crate) const RELEASED: u32 = 1 << 2;
    /// Reclaimed (its `Drop` ran) at least once.
    pub(crate) const RECLAIMED: u32 = 1 << 3;
    /// A generation member whose generation was released when it was reclaimed.
    pub(crate) const GENERATION_RELEASED_AT_RECLAIM: u32 = 1 << 4;
    /// Reclaimed during the final collect.
    pub(crate) const LATE: u32 = 1 << 5;
    /// Reclaimed more than once.
    pub(crate) const DOUBLE: u32 = 1 << 6;
}

/// A copy of one record, as reports read it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View {
    pub(crate) label: u32,
    pub(crate) generation: u32,
    pub(crate) bytes: u64,
    pub(crate) alloc_ns: u64,
    pub(crate) consumers: u32,
    /// The [`state`] bits.
    pub(crate) state: u32,
    /// Its own release, or its generation's.
    pub(crate) release: Option<Stamp>,
    pub(crate) reclaim: Option<Stamp>,
}

impl View {
    pub(crate) fn is_reclaimed(&self) -> bool {
        self.state & RECLAIMED != 0
    }
    pub(crate) fn is_late(&self) -> bool {
        self.state & LATE != 0
    }
    pub(crate) fn is_double_reclaimed(&self) -> bool {
        self.state & DOUBLE != 0
    }
    /// Whether it was garbage (released) when reclaimed.
    pub(crate) fn released_when_reclaimed(&self) -> bool {
        self.state & (RELEASED | GENERATION_RELEASED_AT_RECLAIM) != 0
    }
    /// Reclaimed while the workload still owed it a release.
    pub(crate) fn is_early(&self) -> bool {
        self.state & (EXPECTS_RELEASE | RECLAIMED | RELEASED) == EXPECTS_RELEASE | RECLAIMED
    }
    /// A generation member reclaimed before its generation's release was stamped.
    pub(crate) fn reclaimed_before_release(&self) -> bool {
        self.generation != 0
            && self.is_reclaimed()
            && !self.released_when_reclaimed()
            && self.release.is_some()
    }
    pub(crate) fn is_released(&self) -> bool {
        self.state & RELEASED != 0 || self.release.is_some()
    }

    /// The public record of object `id`, whose label reads `label`.
    pub(crate) fn to_record(self, id: ObjectId, label: String) -> ObjectRecord {
        ObjectRecord {
            id,
            label,
            generation: Generation(self.generation),
            bytes: self.bytes,
            allocated_ns: self.alloc_ns,
            released: self.release,
            reclaimed: self.reclaim,
            released_when_reclaimed: self.released_when_reclaimed(),
            pending_consumers: self.consumers,
            late: self.is_late(),
            early: self.is_early(),
            double_reclaimed: self.is_double_reclaimed(),
        }
    }
}

/// What the ledger knows about one object: [`Ledger::object`](super::Ledger::object).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ObjectRecord {
    /// Its id.
    pub id: ObjectId,
    /// Its type label.
    pub label: String,
    /// Its generation.
    pub generation: Generation,
    /// Its size in bytes as registered.
    pub bytes: u64,
    /// When it was registered, in ns since the ledger was made.
    pub allocated_ns: u64,
    /// When it was released (directly, by its last consumer, or by its generation).
    pub released: Option<Stamp>,
    /// When it was reclaimed (first time).
    pub reclaimed: Option<Stamp>,
    /// Whether it was already released when it was reclaimed.
    pub released_when_reclaimed: bool,
    /// Consumers it still waits for.
    pub pending_consumers: u32,
    /// Reclaimed by the final collect.
    pub late: bool,
    /// Reclaimed while the workload still owed it a release.
    pub early: bool,
    /// Reclaimed more than once.
    pub double_reclaimed: bool,
}
