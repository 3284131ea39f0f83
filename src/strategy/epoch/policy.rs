//! [`FlushPolicy`]: when a thread hands its deferred garbage on.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Epoch;

/// When a thread flushes its deferred garbage to the global queue and tries to advance the
/// epoch. See the [module docs](crate::strategy::epoch#flush-policy) for the bound it gives.
///
/// A process-wide setting: [`Epoch::set_flush_policy`] installs one, each thread reads it at
/// each epoch operation.
///
/// ```
/// use reclaimer::strategy::epoch::FlushPolicy;
///
/// let eager = FlushPolicy::new().after_deferrals(8).after_operations(16);
/// assert_eq!(eager.bound(), Some(31));
/// assert_eq!(FlushPolicy::default().bound(), Some(127));
/// assert_eq!(FlushPolicy::NEVER.bound(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlushPolicy {
    deferrals: u32,
    operations: u32,
}

impl FlushPolicy {
    /// The default: flush after 32 deferrals, or after 64 epoch operations while garbage is
    /// pending.
    pub const DEFAULT: FlushPolicy = FlushPolicy {
        deferrals: 32,
        operations: 64,
    };

    /// Never flush on a policy: crossbeam-epoch's own behaviour, where a bag is handed on only
    /// when its 64 slots fill. Only [`Strategy::collect`](crate::Strategy::collect) frees a lone deferred object.
    pub const NEVER: FlushPolicy = FlushPolicy {
        deferrals: 0,
        operations: 0,
    };

    /// The default policy, to adjust with the setters.
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// Flush after this many deferrals on a thread since its last flush; 0 turns the rule off.
    pub const fn after_deferrals(mut self, deferrals: u32) -> Self {
        self.deferrals = deferrals;
        self
    }

    /// Flush after this many epoch operations on a thread since its last flush, when any garbage
    /// is pending; 0 turns the rule off.
    pub const fn after_operations(mut self, operations: u32) -> Self {
        self.operations = operations;
        self
    }

    /// The deferral threshold (0: off).
    pub const fn deferrals(&self) -> u32 {
        self.deferrals
    }

    /// The operation threshold (0: off).
    pub const fn operations(&self) -> u32 {
        self.operations
    }

    /// The bound on one thread, in epoch operations, between a value's retirement and its drop:
    /// `2P − 1`. `None` when the operation rule is off: a thread that retires one value and then
    /// only reads would never flush it.
    pub const fn bound(&self) -> Option<u32> {
        if self.operations == 0 {
            None
        } else {
            Some(self.operations.saturating_mul(2) - 1)
        }
    }

    pub(super) const fn pack(self) -> u64 {
        ((self.deferrals as u64) << 32) | self.operations as u64
    }

    pub(super) const fn unpack(packed: u64) -> Self {
        FlushPolicy {
            deferrals: (packed >> 32) as u32,
            operations: packed as u32,
        }
    }
}

impl Default for FlushPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The installed policy, packed as `deferrals << 32 | operations`.
pub(super) static POLICY: AtomicU64 = AtomicU64::new(FlushPolicy::DEFAULT.pack());
impl Epoch {
    /// Installs `policy` for every thread: the calling thread applies it from its next epoch
    /// operation on, every other thread from its next flush, deferral or end of its current
    /// count of operations, whichever comes first.
    ///
    /// Threads read the policy only at those points, so that a read, the most common epoch
    /// operation, costs a thread-local countdown and not a look at shared state.
    pub fn set_flush_policy(policy: FlushPolicy) {
        // Relaxed: a tuning knob each thread reads on its own; no memory is published with it.
        POLICY.store(policy.pack(), Ordering::Relaxed);
        super::local::disarm();
    }

    /// The policy in force.
    pub fn flush_policy() -> FlushPolicy {
        // Relaxed: see `set_flush_policy`.
        FlushPolicy::unpack(POLICY.load(Ordering::Relaxed))
    }
}
