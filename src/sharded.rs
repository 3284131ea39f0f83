//! Values split over cache-padded shards, one per thread, so threads that write at once do not
//! contend for one cache line; readers combine the shards.
//!
//! Each thread that touches a sharded value takes a number, the smallest one free, and gives it
//! back when it exits. The thread numbered `i` writes shard `i` of every [`Sharded`] value, and
//! is the only thread that does; threads numbered `N − 1` or more share the last shard, as do
//! threads whose locals are being destroyed. Numbers are reused, so `N` bounds the threads
//! alive at once that have a shard to themselves, not the threads a process ever runs.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crate::padded::Padded;

/// The number of a thread that has none: all are taken, or its locals are being destroyed.
const NO_NUMBER: usize = usize::MAX;

/// The numbers held by live threads: bit `i` is set while a thread holds number `i` (64 at
/// most; further threads get none).
static NUMBERS: AtomicU64 = AtomicU64::new(0);
/// One past the largest number handed out so far: apart from the shared last shard, no shard
/// at or past it has been written.
static HIGH: AtomicUsize = AtomicUsize::new(0);

/// A thread's number, given back when the thread exits.
struct ThreadNumber(usize);

impl ThreadNumber {
    fn take() -> Self {
        // Acquire: pairs with the Release in `drop`, so the last writes of the thread that held
        // the number before come before this thread's plain loads of its shards.
        let taken = NUMBERS.fetch_update(Ordering::Acquire, Ordering::Relaxed, |used| {
            // `used + 1` carries into the lowest clear bit, so the or sets it.
            (used != u64::MAX).then(|| used | (used + 1))
        });
        let Ok(used) = taken else {
            return ThreadNumber(NO_NUMBER);
        };
        let number = used.trailing_ones() as usize;
        // Relaxed: raised before this thread first writes a shard. A reader ordered after
        // such a write (by a join, a lock, an Acquire load) is ordered after this too, and sees
        // it.
        HIGH.fetch_max(number + 1, Ordering::Relaxed);
        ThreadNumber(number)
    }
}

impl Drop for ThreadNumber {
    fn drop(&mut self) {
        if self.0 != NO_NUMBER {
            // Release: pairs with the Acquire in `take`.
            NUMBERS.fetch_and(!(1u64 << self.0), Ordering::Release);
        }
    }
}

std::thread_local! {
    static NUMBER: ThreadNumber = ThreadNumber::take();
}

/// This thread's number, taken on first use.
#[inline]
fn number() -> usize {
    NUMBER.try_with(|n| n.0).unwrap_or(NO_NUMBER)
}

/// `N` cache-padded values of `T`, one per thread number (see the [module docs](self)); the
/// last one is shared by every thread without a shard of its own.
pub(crate) struct Sharded<T, const N: usize> {
    shards: [Padded<T>; N],
}

impl<T, const N: usize> Sharded<T, N> {
    /// Shards holding `shards`. `N` must be at least 1.
    pub(crate) const fn new(shards: [Padded<T>; N]) -> Self {
        assert!(N > 0, "a sharded value needs a shard");
        Sharded { shards }
    }

    /// This thread's shard, and whether this thread is its only writer. The only writer of an
    /// atomic may add to it with a load and a store instead of a read-modify-write.
    #[inline]
    pub(crate) fn mine_alone(&self) -> (&T, bool) {
        let number = number();
        if number < N - 1 {
            (&self.shards[number].0, true)
        } else {
            (&self.shards[N - 1].0, false)
        }
    }

    /// The shards a thread may have written: those of the numbers handed out so far, and the
    /// shared one. A shard first written concurrently with this call may be left out, which
    /// is the same as reading it just before that write.
    #[inline]
    pub(crate) fn written(&self) -> impl Iterator<Item = &T> {
        // Relaxed: see `take`; a shard left out was written by no thread this one is ordered
        // after, so its initial value was as good a read as any.
        let high = HIGH.load(Ordering::Relaxed).min(N - 1);
        self.shards[..high]
            .iter()
            .chain(&self.shards[N - 1..])
            .map(|s| &s.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_threads_have_distinct_numbers() {
        let barrier = std::sync::Barrier::new(4);
        let mut numbers: Vec<usize> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        let n = number();
                        barrier.wait(); // all four hold their numbers at once
                        n
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), 4);
    }

    #[test]
    fn exiting_threads_give_their_numbers_back() {
        // More threads than there are numbers, one after another: each finds one free.
        for _ in 0..100 {
            assert_ne!(std::thread::spawn(number).join().unwrap(), NO_NUMBER);
        }
    }

    #[test]
    fn a_thread_past_the_shards_shares_the_last_one() {
        let sharded = Sharded::<AtomicUsize, 1>::new([Padded(AtomicUsize::new(0))]);
        let (shard, alone) = sharded.mine_alone();
        assert!(!alone);
        assert!(std::ptr::eq(shard, &sharded.shards[0].0));
    }
}
