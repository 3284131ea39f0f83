//! The ledger's storage: one 64-byte record per object id and one entry per generation, each
//! in a segmented slab whose chunks are allocated as ids grow, and the counters that hand out
//! ids and generations. Every field is an atomic written by the object's creator, releaser or
//! reclaimer; nothing here takes a lock.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::metrics::alloc::{uncounted, Uncounted};
use crate::metrics::record::state::CREATED;
use crate::metrics::record::{Generation, Stamp, View};
use crate::padded::Padded;

/// Records per chunk of the object slab, and chunks in its directory (2^26 objects at most).
const RECORD_CHUNK_BITS: u32 = 12;
#[cfg(not(miri))]
const RECORD_CHUNKS: usize = 1 << 14;
/// Under Miri, 2^18 objects at most: building and scanning a directory of 2^14 `OnceLock`s takes
/// Miri minutes for every ledger.
#[cfg(miri)]
const RECORD_CHUNKS: usize = 1 << 6;
/// Entries per chunk of the generation slab, and chunks in its directory.
const GEN_CHUNK_BITS: u32 = 10;
#[cfg(not(miri))]
const GEN_CHUNKS: usize = 1 << 12;
#[cfg(miri)]
const GEN_CHUNKS: usize = 1 << 6;

/// The released flag of a generation's count and bytes words; the other 63 bits are the live
/// members' count or bytes.
pub(super) const GEN_RELEASED: u64 = 1 << 63;

/// Ids a thread takes from the ledger at a time.
const ID_BLOCK: u64 = 64;

/// Serial numbers of ledgers, so a thread's block of ids is never mistaken for one of a later
/// ledger.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The serial of the ledger this thread registered in last, and its block of ids there
    /// (next, end).
    static IDS: std::cell::Cell<(u64, u64, u64)> = const { std::cell::Cell::new((0, 0, 0)) };
}

/// One object's record. 64 bytes, one cache line: objects used by different threads do not
/// share a line.
#[repr(align(64))]
#[derive(Default)]
pub(super) struct Record {
    /// The [`state`](crate::metrics::record::state) bits.
    pub(super) state: AtomicU32,
    pub(super) consumers: AtomicU32,
    pub(super) label: AtomicU32,
    pub(super) generation: AtomicU32,
    pub(super) bytes: AtomicU64,
    pub(super) alloc_ns: AtomicU64,
    /// Release instant in ns, plus one; 0 while not released.
    pub(super) release_ns: AtomicU64,
    pub(super) release_op: AtomicU64,
    /// Reclaim instant in ns, plus one; 0 while not reclaimed.
    pub(super) reclaim_ns: AtomicU64,
    pub(super) reclaim_op: AtomicU64,
}

/// One generation's accounting.
#[repr(align(64))]
#[derive(Default)]
pub(super) struct GenEntry {
    /// Live members; [`GEN_RELEASED`] once released.
    pub(super) count: AtomicU64,
    /// Live members' bytes; [`GEN_RELEASED`] once released.
    pub(super) bytes: AtomicU64,
    /// Release instant in ns, plus one; 0 while not released.
    pub(super) release_ns: AtomicU64,
    pub(super) release_op: AtomicU64,
}

/// A segmented slab: a fixed directory of lazily allocated fixed-size chunks, all allocated
/// uncounted.
struct Slab<T, const BITS: u32> {
    chunks: Box<[OnceLock<Box<[T]>>]>,
}

impl<T: Default, const BITS: u32> Slab<T, BITS> {
    /// A slab of `directory` chunks, none allocated yet. Call it uncounted.
    fn new(directory: usize) -> Self {
        Slab {
            chunks: (0..directory).map(|_| OnceLock::new()).collect(),
        }
    }

    #[inline]
    fn split(index: u64) -> (usize, usize) {
        let chunk = usize::try_from(index >> BITS).unwrap_or(usize::MAX);
        // The mask keeps the offset below 2^BITS, which fits any usize.
        let offset = (index & ((1u64 << BITS) - 1)) as usize;
        (chunk, offset)
    }

    /// The entry at `index`, if its chunk exists.
    #[inline]
    fn get(&self, index: u64) -> Option<&T> {
        let (chunk, offset) = Self::split(index);
        self.chunks.get(chunk)?.get()?.get(offset)
    }

    /// The entry at `index`, allocating its chunk if needed; `None` past the directory.
    #[inline]
    fn get_or_alloc(&self, index: u64) -> Option<&T> {
        let (chunk, offset) = Self::split(index);
        let chunk = self
            .chunks
            .get(chunk)?
            .get_or_init(|| uncounted(|| (0..1usize << BITS).map(|_| T::default()).collect()));
        chunk.get(offset)
    }

    /// Bytes held by allocated chunks and the directory.
    fn bytes(&self) -> u64 {
        let chunk = (std::mem::size_of::<T>() << BITS) as u64;
        let allocated = self.chunks.iter().filter(|c| c.get().is_some()).count() as u64;
        allocated * chunk + std::mem::size_of_val(&*self.chunks) as u64
    }
}

/// Records, generation entries and the counters that hand them out.
pub(super) struct Storage {
    serial: u64,
    /// The next unclaimed id; threads claim them in blocks.
    next_id: Padded<AtomicU64>,
    next_generation: AtomicU32,
    records: Uncounted<Slab<Record, RECORD_CHUNK_BITS>>,
    generations: Uncounted<Slab<GenEntry, GEN_CHUNK_BITS>>,
}

impl Storage {
    pub(super) fn new() -> Self {
        Storage {
            // Relaxed: only uniqueness matters.
            serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
            next_id: Padded::default(),
            next_generation: AtomicU32::new(1),
            records: Uncounted::new(|| Slab::new(RECORD_CHUNKS)),
            generations: Uncounted::new(|| Slab::new(GEN_CHUNKS)),
        }
    }

    /// A fresh id, from this thread's block.
    #[inline]
    pub(super) fn next_id(&self) -> u64 {
        let (mut next, mut end) = match IDS.try_with(std::cell::Cell::get) {
            Ok((serial, next, end)) if serial == self.serial => (next, end),
            _ => (0, 0),
        };
        if next == end {
            // Relaxed: ids only need to be unique; each record is published by its `state`.
            next = self.next_id.0.fetch_add(ID_BLOCK, Ordering::Relaxed);
            end = next + ID_BLOCK;
        }
        let _ = IDS.try_with(|ids| ids.set((self.serial, next + 1, end)));
        next
    }

    /// Ids handed out so far (whole blocks): every record is below it.
    #[inline]
    pub(super) fn ids(&self) -> u64 {
        // Relaxed: ids below this value were handed out; their records are checked one by one
        // through their `state`.
        self.next_id.0.load(Ordering::Relaxed)
    }

    /// The record of id `id`, if its chunk exists.
    #[inline]
    pub(super) fn record(&self, id: u64) -> Option<&Record> {
        self.records.get(id)
    }

    /// The record of id `id`, allocating its chunk if needed; `None` past the capacity.
    #[inline]
    pub(super) fn record_or_alloc(&self, id: u64) -> Option<&Record> {
        self.records.get_or_alloc(id)
    }

    /// A new generation's id, or `None` past the capacity.
    pub(super) fn new_generation(&self) -> Option<Generation> {
        // Relaxed: the id only needs to be unique; its entry is published by its chunk's
        // `OnceLock`.
        let id = self.next_generation.fetch_add(1, Ordering::Relaxed);
        self.generations
            .get_or_alloc(u64::from(id))
            .map(|_| Generation::from_raw(id))
    }

    /// The entry of `generation`, if it was handed out.
    #[inline]
    pub(super) fn generation_entry(&self, generation: Generation) -> Option<&GenEntry> {
        if generation == Generation::NONE {
            return None;
        }
        // Relaxed: only rejects ids never handed out; the entry's chunk is published by its
        // `OnceLock`, and `get` finds no entry until then.
        if generation.get() >= self.next_generation.load(Ordering::Relaxed) {
            return None;
        }
        self.generations.get(u64::from(generation.get()))
    }

    /// A consistent-enough copy of one record, for reports.
    pub(super) fn view(&self, index: u64) -> Option<View> {
        let record = self.records.get(index)?;
        // Acquire: pairs with the Release store in `register_raw` and the RMWs after it.
        let state = record.state.load(Ordering::Acquire);
        if state & CREATED == 0 {
            return None;
        }
        // Relaxed loads below: published by the Release/Acquire pairs on `state`, `release_ns`
        // and `reclaim_ns`.
        let generation = record.generation.load(Ordering::Relaxed);
        let own_release = {
            // Acquire: pairs with the Release store in `release_record`.
            let ns = record.release_ns.load(Ordering::Acquire);
            (ns != 0).then(|| Stamp::new(ns - 1, record.release_op.load(Ordering::Relaxed)))
        };
        let generation_release = self
            .generation_entry(Generation::from_raw(generation))
            .and_then(|entry| {
                // Acquire: pairs with the Release store in `release_generation`.
                let ns = entry.release_ns.load(Ordering::Acquire);
                (ns != 0).then(|| Stamp::new(ns - 1, entry.release_op.load(Ordering::Relaxed)))
            });
        // Acquire: pairs with the Release store in `record_reclaim`.
        let reclaim_ns = record.reclaim_ns.load(Ordering::Acquire);
        let reclaim = (reclaim_ns != 0)
            .then(|| Stamp::new(reclaim_ns - 1, record.reclaim_op.load(Ordering::Relaxed)));
        Some(View {
            label: record.label.load(Ordering::Relaxed),
            generation,
            bytes: record.bytes.load(Ordering::Relaxed),
            alloc_ns: record.alloc_ns.load(Ordering::Relaxed),
            consumers: record.consumers.load(Ordering::Relaxed),
            state,
            release: own_release.or(generation_release),
            reclaim,
        })
    }

    /// Bytes held by the slabs: what tracking costs in memory.
    pub(super) fn bytes(&self) -> u64 {
        self.records.bytes() + self.generations.bytes()
    }
}
