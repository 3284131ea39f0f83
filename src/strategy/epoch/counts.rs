//! The process-wide garbage counts behind [`Epoch::pending`](super::Epoch::pending): sharded, so
//! threads that retire and free at once do not contend for one cache line.

use crate::sharded::ShardedCounter;

/// Objects handed to the epoch so far.
pub(super) static DEFERRED: ShardedCounter = ShardedCounter::new();
/// Deferred drops run so far.
pub(super) static FREED: ShardedCounter = ShardedCounter::new();
