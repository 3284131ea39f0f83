//! [`Ledger`]: the per-run book of every tracked object, and its operation clock.
//!
//! The ledger gives each object an id and keeps one record per id in a segmented slab: chunks
//! of records are allocated as ids grow, and every field of a record is an atomic written by
//! the object's creator, releaser or reclaimer. Nothing on the hot path takes a lock. The only
//! shared counters are the id counter and the garbage-in-flight gauge; the operation clock has
//! a slot per thread. Histograms and reports are built by scanning the records when a report
//! is asked for, never while the workload runs.
//!
//! See [`metrics`](crate::metrics) for the definitions of the figures.

use std::fmt;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Instant;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::garbage::{GarbageSample, InFlight};
use super::latency::LatencyBuilder;
use super::leaks::LeakBuilder;
use super::memory;
use super::pauses::{CollectPause, PauseRecorder};
use super::result::Report;
use crate::padded::Padded;
use crate::strategy::Strategy;

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
}

/// A group of objects released together: the parts of one structure (a session, a room, an
/// actor graph). Made by [`Ledger::generation`], released by [`Ledger::release_generation`].
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
/// operation clock's value (handle operations counted by [`Ledger::tick`] so far).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stamp {
    /// Nanoseconds since the ledger was made.
    pub ns: u64,
    /// The operation clock's value.
    pub op: u64,
}

/// How a [`Ledger`] behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LedgerConfig {
    /// [`Ledger::op`] times one operation in this many (rounded up to a power of two); 0 turns
    /// operation timing off. Default 64.
    pub op_sample_every: u32,
    /// Reset the counting allocator's peak when the ledger is made, so a report's peak is this
    /// run's. Default true. Has no effect unless a binary installed
    /// [`CountingAlloc`](crate::metrics::CountingAlloc).
    pub reset_memory_peak: bool,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            op_sample_every: 64,
            reset_memory_peak: true,
        }
    }
}

// Record state bits.
/// The record describes a registered object.
const CREATED: u32 = 1;
/// The workload promised to release the object (directly or by consumers): reclaiming it
/// before that is early.
const EXPECTS_RELEASE: u32 = 1 << 1;
/// Released directly or by its last consumer, before it was reclaimed.
const RELEASED: u32 = 1 << 2;
/// Reclaimed (its `Drop` ran) at least once.
const RECLAIMED: u32 = 1 << 3;
/// A generation member whose generation was released when it was reclaimed.
const GENERATION_RELEASED_AT_RECLAIM: u32 = 1 << 4;
/// Reclaimed during the final collect.
const LATE: u32 = 1 << 5;
/// Reclaimed more than once.
const DOUBLE: u32 = 1 << 6;

/// The released flag of a generation's count and bytes words; the other 63 bits are the live
/// members' count or bytes.
const GEN_RELEASED: u64 = 1 << 63;

/// Ledger phases.
const RUNNING: u8 = 0;
const FINAL_COLLECT: u8 = 1;
const ENDED: u8 = 2;

/// Records per chunk of the object slab, and chunks in its directory (2^26 objects at most).
const RECORD_CHUNK_BITS: u32 = 12;
const RECORD_CHUNKS: usize = 1 << 14;
/// Entries per chunk of the generation slab, and chunks in its directory.
const GEN_CHUNK_BITS: u32 = 10;
const GEN_CHUNKS: usize = 1 << 12;
/// Distinct labels a ledger keeps; further labels share the last slot.
const MAX_LABELS: usize = 1024;

/// One object's record. 64 bytes, one cache line: objects used by different threads do not
/// share a line.
#[repr(align(64))]
#[derive(Default)]
struct Record {
    state: AtomicU32,
    consumers: AtomicU32,
    label: AtomicU32,
    generation: AtomicU32,
    bytes: AtomicU64,
    alloc_ns: AtomicU64,
    /// Release instant in ns, plus one; 0 while not released.
    release_ns: AtomicU64,
    release_op: AtomicU64,
    /// Reclaim instant in ns, plus one; 0 while not reclaimed.
    reclaim_ns: AtomicU64,
    reclaim_op: AtomicU64,
}

/// One generation's accounting.
#[repr(align(64))]
#[derive(Default)]
struct GenEntry {
    /// Live members; [`GEN_RELEASED`] once released.
    count: AtomicU64,
    /// Live members' bytes; [`GEN_RELEASED`] once released.
    bytes: AtomicU64,
    /// Release instant in ns, plus one; 0 while not released.
    release_ns: AtomicU64,
    release_op: AtomicU64,
}

/// A segmented slab: a fixed directory of lazily allocated fixed-size chunks.
struct Slab<T, const BITS: u32> {
    chunks: Box<[OnceLock<Box<[T]>>]>,
}

impl<T: Default, const BITS: u32> Slab<T, BITS> {
    fn new(directory: usize) -> Self {
        Slab {
            chunks: memory::uncounted(|| (0..directory).map(|_| OnceLock::new()).collect()),
        }
    }

    fn empty() -> Self {
        Slab {
            chunks: Box::new([]),
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
        let chunk = self.chunks.get(chunk)?.get_or_init(|| {
            memory::uncounted(|| (0..1usize << BITS).map(|_| T::default()).collect())
        });
        chunk.get(offset)
    }

    /// Bytes held by allocated chunks and the directory.
    fn bytes(&self) -> u64 {
        let chunk = (std::mem::size_of::<T>() << BITS) as u64;
        let allocated = self.chunks.iter().filter(|c| c.get().is_some()).count() as u64;
        allocated * chunk + std::mem::size_of_val(&*self.chunks) as u64
    }
}

/// A label slot: the text, and whether it is a type name to be shown without module paths.
#[derive(Clone, Copy)]
struct Label {
    name: &'static str,
    type_name: bool,
}

/// Labels, interned without a lock: a fixed table filled in order, searched linearly.
struct Labels {
    slots: Box<[OnceLock<Label>]>,
}

impl Labels {
    fn new() -> Self {
        Labels {
            slots: memory::uncounted(|| (0..MAX_LABELS).map(|_| OnceLock::new()).collect()),
        }
    }

    #[inline]
    fn intern(&self, name: &'static str, type_name: bool) -> u32 {
        let same =
            |l: &Label| l.type_name == type_name && (std::ptr::eq(l.name, name) || l.name == name);
        for (index, slot) in self.slots.iter().enumerate() {
            // Fills the first empty slot; if another thread fills it first, compares with its
            // label and goes on.
            if same(slot.get_or_init(|| Label { name, type_name })) {
                return index as u32;
            }
        }
        // Every slot is taken: the last one stands for all further labels.
        (self.slots.len() - 1) as u32
    }

    /// The label's text as reports show it.
    fn display(&self, index: u32) -> String {
        match self.slots.get(index as usize).and_then(OnceLock::get) {
            Some(label) if index as usize == self.slots.len() - 1 => {
                format!("(other labels, first {})", Self::show(label))
            }
            Some(label) => Self::show(label),
            None => "(unknown)".to_string(),
        }
    }

    fn show(label: &Label) -> String {
        if label.type_name {
            short_type_name(label.name)
        } else {
            label.name.to_string()
        }
    }
}

/// A type name without module paths: `my::Node<reclaimer::Arc>` becomes `Node<Arc>`.
pub(crate) fn short_type_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut segment = 0;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            out.truncate(segment);
        } else {
            out.push(c);
            if !(c.is_alphanumeric() || c == '_') {
                segment = out.len();
            }
        }
    }
    out
}

/// One thread's part of the ledger's counters: its operation-clock ticks, the garbage it
/// released minus the garbage it reclaimed, and its operation-time samples. Readers sum the
/// slots.
#[derive(Default)]
struct Slot {
    ops: AtomicU64,
    in_flight: AtomicI64,
    in_flight_bytes: AtomicI64,
    samples: Mutex<Option<Histogram<u64>>>,
}

impl Slot {
    /// Adds `delta` to `counter`, which belongs to this slot; returns the previous value.
    #[inline]
    fn add_u64(counter: &AtomicU64, delta: u64, owned: bool) -> u64 {
        // Relaxed: the counters order nothing; readers sum the slots whenever they look.
        if owned {
            // Only the owning thread writes an owned slot: a load and a store lose nothing.
            let previous = counter.load(Ordering::Relaxed);
            counter.store(previous.wrapping_add(delta), Ordering::Relaxed);
            previous
        } else {
            counter.fetch_add(delta, Ordering::Relaxed)
        }
    }

    /// As [`add_u64`](Slot::add_u64), for the signed gauges.
    #[inline]
    fn add_i64(counter: &AtomicI64, delta: i64, owned: bool) {
        // Relaxed: as in `add_u64`.
        if owned {
            let previous = counter.load(Ordering::Relaxed);
            counter.store(previous.wrapping_add(delta), Ordering::Relaxed);
        } else {
            counter.fetch_add(delta, Ordering::Relaxed);
        }
    }
}

/// Slots a ledger hands out, one per thread; the slot after them is shared by every further
/// thread.
const SLOTS: usize = 32;
/// Ids a thread takes from the ledger at a time.
const ID_BLOCK: u64 = 64;

/// Serial numbers of ledgers, so a thread's cache is never mistaken for one of a later ledger.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The serial of the ledger this thread used last, and its slot there.
    static SLOT: std::cell::Cell<(u64, usize)> = const { std::cell::Cell::new((0, SLOTS)) };
    /// The serial of the ledger this thread registered in last, and its block of ids there
    /// (next, end).
    static IDS: std::cell::Cell<(u64, u64, u64)> = const { std::cell::Cell::new((0, 0, 0)) };
}

struct Inner {
    serial: u64,
    /// The time stamp counter where the hardware has a reliable one (about 15 ns for a read
    /// and a conversion, half of `Instant::now` on the machines measured), else the OS clock.
    clock: quanta::Clock,
    /// `clock.raw()` when the ledger was made.
    start: u64,
    config: LedgerConfig,
    /// `op_sample_every - 1`, or `u64::MAX` when timing is off.
    sample_mask: u64,
    /// The next unclaimed id; threads claim them in blocks.
    next_id: Padded<AtomicU64>,
    next_generation: AtomicU32,
    records: Slab<Record, RECORD_CHUNK_BITS>,
    generations: Slab<GenEntry, GEN_CHUNK_BITS>,
    labels: Labels,
    /// `SLOTS` slots owned by one thread each, then the shared one.
    slots: Box<[Padded<Slot>]>,
    /// Slots handed out so far.
    claimed: AtomicUsize,
    phase: AtomicU8,
    double_reclaims: AtomicU64,
    misuse: AtomicU64,
    untracked: AtomicU64,
    samples: Mutex<Vec<GarbageSample>>,
    pauses: PauseRecorder,
    memory_start: Option<u64>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The slabs were allocated uncounted; free them the same way.
        let records = std::mem::replace(&mut self.records, Slab::empty());
        let generations = std::mem::replace(&mut self.generations, Slab::empty());
        let labels = std::mem::take(&mut self.labels.slots);
        let slots = std::mem::take(&mut self.slots);
        let pauses = std::mem::take(&mut self.pauses);
        memory::uncounted(move || drop((records, generations, labels, slots, pauses)));
    }
}

/// The book of one run: every tracked object's id, type label, generation, size, allocation,
/// release and reclaim instants, plus the operation clock, the garbage-in-flight gauge and the
/// pause samples.
///
/// A ledger is cheap to clone (an `Arc`); each [`Tracked`](crate::metrics::Tracked) object holds
/// one. Two runs in one process use two ledgers and never mix.
///
/// ```
/// use reclaimer::metrics::{Ledger, Tracked};
/// use reclaimer::Shared;
///
/// let ledger = Ledger::new();
/// let message = Shared::<reclaimer::Arc, _>::new(Tracked::new(&ledger, [0u8; 32]));
/// let id = Tracked::id(&message);
/// Tracked::release(&message); // the workload is done with it
/// drop(message); // `Arc` frees it here
/// assert!(ledger.is_reclaimed(id));
///
/// let report = ledger.finish::<reclaimer::Arc>();
/// report.counts.check().unwrap(); // conservation, no double or early reclaim
/// assert_eq!(report.latency.ops.max, 0);
/// ```
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

impl Default for Ledger {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let in_flight = self.in_flight();
        f.debug_struct("Ledger")
            // Relaxed: a display value, ordered with nothing.
            .field("ids", &self.inner.next_id.0.load(Ordering::Relaxed))
            .field("ops", &self.ops())
            .field("in_flight", &in_flight)
            .finish()
    }
}

impl Ledger {
    /// A new ledger with the default [`LedgerConfig`]; its clocks start now.
    pub fn new() -> Self {
        Self::with_config(LedgerConfig::default())
    }

    /// A new ledger with `config`.
    pub fn with_config(config: LedgerConfig) -> Self {
        let sample_mask = match config.op_sample_every {
            0 => u64::MAX,
            n => u64::from(n.next_power_of_two()) - 1,
        };
        if config.reset_memory_peak {
            memory::reset_peak();
        }
        let memory_start = memory::installed().then(memory::live_bytes);
        let inner = Inner {
            // Relaxed: only uniqueness matters.
            serial: NEXT_SERIAL.fetch_add(1, Ordering::Relaxed),
            clock: quanta::Clock::new(),
            start: 0,
            config,
            sample_mask,
            next_id: Padded::default(),
            next_generation: AtomicU32::new(1),
            records: Slab::new(RECORD_CHUNKS),
            generations: Slab::new(GEN_CHUNKS),
            labels: Labels::new(),
            slots: memory::uncounted(|| (0..=SLOTS).map(|_| Padded::default()).collect()),
            claimed: AtomicUsize::new(0),
            phase: AtomicU8::new(RUNNING),
            double_reclaims: AtomicU64::new(0),
            misuse: AtomicU64::new(0),
            untracked: AtomicU64::new(0),
            samples: Mutex::new(Vec::new()),
            pauses: PauseRecorder::default(),
            memory_start,
        };
        let mut inner = inner;
        inner.start = inner.clock.raw();
        Ledger {
            inner: Arc::new(inner),
        }
    }

    /// The configuration this ledger was made with.
    pub fn config(&self) -> LedgerConfig {
        self.inner.config
    }

    /// Nanoseconds since the ledger was made.
    #[inline]
    pub fn elapsed_ns(&self) -> u64 {
        let inner = &*self.inner;
        inner.clock.delta_as_nanos(inner.start, inner.clock.raw())
    }

    /// Now, on both clocks.
    #[inline]
    pub fn now(&self) -> Stamp {
        Stamp {
            ns: self.elapsed_ns(),
            op: self.ops(),
        }
    }

    // ----- the operation clock -----

    /// This thread's slot, claimed on first use, and whether the thread owns it alone.
    #[inline]
    fn slot(&self) -> (&Slot, bool) {
        let inner = &*self.inner;
        let index = match SLOT.try_with(std::cell::Cell::get) {
            Ok((serial, index)) if serial == inner.serial => index,
            Ok(_) => {
                // Relaxed: the counter only hands out distinct slot numbers.
                let index = inner.claimed.fetch_add(1, Ordering::Relaxed).min(SLOTS);
                let _ = SLOT.try_with(|slot| slot.set((inner.serial, index)));
                index
            }
            // This thread's locals are being destroyed: use the shared slot.
            Err(_) => SLOTS,
        };
        (&inner.slots[index].0, index != SLOTS)
    }

    /// A fresh id, from this thread's block.
    #[inline]
    fn next_id(&self) -> u64 {
        let inner = &*self.inner;
        let (mut next, mut end) = match IDS.try_with(std::cell::Cell::get) {
            Ok((serial, next, end)) if serial == inner.serial => (next, end),
            _ => (0, 0),
        };
        if next == end {
            // Relaxed: ids only need to be unique; each record is published by its `state`.
            next = inner.next_id.0.fetch_add(ID_BLOCK, Ordering::Relaxed);
            end = next + ID_BLOCK;
        }
        let _ = IDS.try_with(|ids| ids.set((inner.serial, next + 1, end)));
        next
    }

    /// Adds `n` to this thread's ticks; returns its slot and the slot's previous count.
    #[inline]
    fn bump(&self, n: u64) -> (&Slot, u64) {
        let (slot, owned) = self.slot();
        (slot, Slot::add_u64(&slot.ops, n, owned))
    }

    /// Advances the operation clock by one handle operation.
    ///
    /// The clock has a slot per thread: a tick writes only this thread's slot, without a
    /// read-modify-write.
    #[inline]
    pub fn tick(&self) {
        self.bump(1);
    }

    /// Advances the operation clock by `n` handle operations.
    #[inline]
    pub fn advance(&self, n: u64) {
        self.bump(n);
    }

    /// The operation clock: handle operations counted so far by all threads.
    #[inline]
    pub fn ops(&self) -> u64 {
        // Relaxed: each slot only grows; a sum taken while others tick is a value the clock
        // passed through up to their concurrent ticks, which is all it promises.
        self.used_slots()
            .map(|s| s.ops.load(Ordering::Relaxed))
            .sum()
    }

    /// The slots handed out so far, and the shared one.
    #[inline]
    fn used_slots(&self) -> impl Iterator<Item = &Slot> {
        let slots = &self.inner.slots;
        // Relaxed: slots past the claimed count are untouched; one claimed concurrently holds
        // only counts concurrent with this read.
        let claimed = self.inner.claimed.load(Ordering::Relaxed).min(SLOTS);
        slots[..claimed].iter().chain(&slots[SLOTS..]).map(|s| &s.0)
    }

    /// Runs one handle operation `f`: ticks the operation clock and, for one operation in
    /// [`op_sample_every`](LedgerConfig::op_sample_every), records how long `f` took.
    ///
    /// Wrap the operations whose tail matters (a clone, a store, a drop that may cascade or
    /// run a collection); the report gives the sampled p99.9 and max.
    ///
    /// ```
    /// use reclaimer::metrics::Ledger;
    /// use reclaimer::Shared;
    ///
    /// let ledger = Ledger::new();
    /// let a = Shared::<reclaimer::Arc, _>::new(1u64);
    /// let b = ledger.op(|| a.clone());
    /// ledger.op(|| drop(b));
    /// assert_eq!(ledger.ops(), 2);
    /// ```
    #[inline]
    pub fn op<R>(&self, f: impl FnOnce() -> R) -> R {
        let (shard, n) = self.bump(1);
        if n & self.inner.sample_mask != 0 {
            return f();
        }
        let start = Instant::now();
        let result = f();
        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let mut samples = shard.samples.lock().unwrap_or_else(PoisonError::into_inner);
        memory::uncounted(|| {
            samples
                .get_or_insert_with(|| Histogram::new(3).expect("3 significant figures"))
                .saturating_record(ns);
        });
        result
    }

    /// Runs [`S::collect()`](Strategy::collect) and records the time it took as a collection
    /// pause.
    pub fn collect<S: Strategy>(&self) {
        let at_ns = self.elapsed_ns();
        let start = Instant::now();
        S::collect();
        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.inner.pauses.record(CollectPause { at_ns, ns });
    }

    // ----- objects -----

    /// Starts registering an object: set its label, generation, consumers or extra bytes, then
    /// [`wrap`](super::Track::wrap) the payload.
    ///
    /// ```
    /// use reclaimer::metrics::Ledger;
    ///
    /// let ledger = Ledger::new();
    /// let message = ledger.track().label("Message").consumers(3).wrap(vec![1u8, 2, 3]);
    /// assert_eq!(message.len(), 3);
    /// ```
    #[inline]
    pub fn track(&self) -> super::Track<'_> {
        super::Track::new(self)
    }

    /// Interns a label; cheap after the first time.
    #[inline]
    pub(crate) fn label(&self, name: &'static str, type_name: bool) -> u32 {
        self.inner.labels.intern(name, type_name)
    }

    /// Registers an object with label `label`, `bytes` bytes, in `generation`; it owes
    /// `consumers` calls to [`consume`](Ledger::consume) before it is released, and reclaiming
    /// it before its release is early when `expect_release` is set or `consumers > 0`.
    ///
    /// This is what [`Tracked`](crate::metrics::Tracked) calls; use it directly to track an
    /// object that cannot be wrapped, and call [`record_reclaim`](Ledger::record_reclaim) from
    /// its `Drop`.
    pub fn register(
        &self,
        label: &'static str,
        generation: Generation,
        bytes: u64,
        consumers: u32,
        expect_release: bool,
    ) -> ObjectId {
        let label = self.label(label, false);
        self.register_raw(label, generation, bytes, consumers, expect_release)
    }

    #[inline]
    pub(crate) fn register_raw(
        &self,
        label: u32,
        generation: Generation,
        bytes: u64,
        consumers: u32,
        expect_release: bool,
    ) -> ObjectId {
        let inner = &*self.inner;
        let id = self.next_id();
        let Some(record) = inner.records.get_or_alloc(id) else {
            // Relaxed: a statistic read at report time.
            inner.untracked.fetch_add(1, Ordering::Relaxed);
            return ObjectId(id);
        };
        let entry = self.generation_entry(generation);
        let generation = if generation.0 != 0 && entry.is_none() {
            self.misuse();
            Generation::NONE
        } else {
            generation
        };
        // Relaxed stores: published to other threads by the Release store of `state` below.
        record.label.store(label, Ordering::Relaxed);
        record.generation.store(generation.0, Ordering::Relaxed);
        record.bytes.store(bytes, Ordering::Relaxed);
        record.consumers.store(consumers, Ordering::Relaxed);
        record.alloc_ns.store(self.elapsed_ns(), Ordering::Relaxed);
        let mut state = CREATED;
        if expect_release || consumers > 0 {
            state |= EXPECTS_RELEASE;
        }
        // Release: pairs with the Acquire loads of `state` in `view` and `record_reclaim`, so
        // whoever sees CREATED sees the fields above.
        record.state.store(state, Ordering::Release);
        if let Some(entry) = entry {
            // AcqRel: the count and bytes words each order this member against the
            // generation's release (see `release_generation`).
            let count = entry.count.fetch_add(1, Ordering::AcqRel);
            let live = entry.bytes.fetch_add(bytes, Ordering::AcqRel);
            // A member born into a released generation is garbage from the start.
            self.in_flight_change(
                i64::from(count & GEN_RELEASED != 0),
                if live & GEN_RELEASED != 0 {
                    bytes as i64
                } else {
                    0
                },
            );
        }
        ObjectId(id)
    }

    #[inline]
    fn record(&self, id: ObjectId) -> Option<&Record> {
        self.inner.records.get(id.0)
    }

    #[inline]
    fn generation_entry(&self, generation: Generation) -> Option<&GenEntry> {
        if generation.0 == 0 {
            return None;
        }
        // Relaxed: only rejects ids never handed out; the entry's chunk is published by its
        // `OnceLock`, and `get` finds no entry until then.
        if generation.0 >= self.inner.next_generation.load(Ordering::Relaxed) {
            return None;
        }
        self.inner.generations.get(u64::from(generation.0))
    }

    /// Adds to the garbage-in-flight gauge, in this thread's slot. Whether an object counts
    /// is decided by the RMWs on its own record or generation; the gauge only sums.
    #[inline]
    fn in_flight_change(&self, count: i64, bytes: i64) {
        if count == 0 && bytes == 0 {
            return;
        }
        let (slot, owned) = self.slot();
        Slot::add_i64(&slot.in_flight, count, owned);
        Slot::add_i64(&slot.in_flight_bytes, bytes, owned);
    }

    #[inline]
    fn misuse(&self) {
        // Relaxed: a statistic read at report time.
        self.inner.misuse.fetch_add(1, Ordering::Relaxed);
    }

    /// Records that object `id` was reclaimed (its `Drop` ran), now.
    ///
    /// A second call for the same id is not counted again: it is reported as a double reclaim
    /// ([`Counts::double_reclaims`]) and fails [`Counts::check`].
    #[inline]
    pub fn record_reclaim(&self, id: ObjectId) {
        let Some(record) = self.record(id) else {
            return;
        };
        let ns = self.elapsed_ns();
        let op = self.ops();
        // AcqRel: the first reclaim wins against a second one and against a racing release
        // (whose CAS in `release_record` reads the same word).
        let prev = record.state.fetch_or(RECLAIMED, Ordering::AcqRel);
        if prev & RECLAIMED != 0 {
            // Relaxed: statistics read at report time.
            self.inner.double_reclaims.fetch_add(1, Ordering::Relaxed);
            record.state.fetch_or(DOUBLE, Ordering::Relaxed);
            return;
        }
        // Relaxed: published by the Release store of `reclaim_ns`.
        record.reclaim_op.store(op, Ordering::Relaxed);
        // Release: pairs with the Acquire load in `view`.
        record.reclaim_ns.store(ns + 1, Ordering::Release);
        // Relaxed: the phase only labels reclaims; `finish` sets it before calling collect on
        // this same thread, or the workload has ended.
        if self.inner.phase.load(Ordering::Relaxed) == FINAL_COLLECT {
            record.state.fetch_or(LATE, Ordering::Relaxed);
        }
        // Relaxed: written before the object was handed out, which ordered it before this drop.
        let bytes = record.bytes.load(Ordering::Relaxed);
        if prev & RELEASED != 0 {
            self.in_flight_change(-1, -(bytes as i64));
        }
        // Relaxed: as for `bytes`.
        let generation = Generation(record.generation.load(Ordering::Relaxed));
        if let Some(entry) = self.generation_entry(generation) {
            // AcqRel: each word decides on its own whether the release counted this member.
            let count = entry.count.fetch_sub(1, Ordering::AcqRel);
            let live = entry.bytes.fetch_sub(bytes, Ordering::AcqRel);
            if count & GEN_RELEASED != 0 {
                // Relaxed: read at report time, after the workload.
                record
                    .state
                    .fetch_or(GENERATION_RELEASED_AT_RECLAIM, Ordering::Relaxed);
            }
            self.in_flight_change(
                -i64::from(count & GEN_RELEASED != 0),
                if live & GEN_RELEASED != 0 {
                    -(bytes as i64)
                } else {
                    0
                },
            );
        }
    }

    /// Marks object `id` released now: the workload is done with it. Returns whether this call
    /// released it (false if it was released already, belongs to a generation, or was
    /// reclaimed: the last two are counted as misuse).
    pub fn release(&self, id: ObjectId) -> bool {
        let Some(record) = self.record(id) else {
            return false;
        };
        // Relaxed: written by the creator before the object was shared.
        if record.generation.load(Ordering::Relaxed) != 0 {
            self.misuse();
            return false;
        }
        let stamp = self.now();
        self.release_record(record, stamp)
    }

    fn release_record(&self, record: &Record, stamp: Stamp) -> bool {
        // AcqRel/Acquire: decides release against a racing reclaim on the same word.
        let won = record
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                if s & CREATED == 0 || s & (RELEASED | RECLAIMED) != 0 {
                    None
                } else {
                    Some(s | RELEASED)
                }
            });
        match won {
            Ok(_) => {
                // Relaxed: published by the Release store of `release_ns`.
                record.release_op.store(stamp.op, Ordering::Relaxed);
                // Release: pairs with the Acquire load in `view`.
                record.release_ns.store(stamp.ns + 1, Ordering::Release);
                // Relaxed: as in `record_reclaim`.
                self.in_flight_change(1, record.bytes.load(Ordering::Relaxed) as i64);
                true
            }
            Err(state) => {
                if state & RELEASED == 0 {
                    self.misuse();
                }
                false
            }
        }
    }

    /// Adds `k` consumers that object `id` waits for: the last of them to call
    /// [`consume`](Ledger::consume) releases it. Reclaiming it while consumers are pending is
    /// early.
    pub fn add_consumers(&self, id: ObjectId, k: u32) {
        let Some(record) = self.record(id) else {
            return;
        };
        // AcqRel: ordered before any consumer's decrement that this addition enables.
        record.consumers.fetch_add(k, Ordering::AcqRel);
        // Relaxed: read at reclaim and report time through the state word's RMWs.
        record.state.fetch_or(EXPECTS_RELEASE, Ordering::Relaxed);
    }

    /// One consumer of object `id` is done. Returns true when it was the last one: then the
    /// object is released now. Consuming more times than there are consumers is misuse.
    pub fn consume(&self, id: ObjectId) -> bool {
        let Some(record) = self.record(id) else {
            return false;
        };
        // AcqRel: exactly one consumer sees 1, after every other consumer's decrement.
        match record
            .consumers
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_sub(1))
        {
            Ok(1) => self.release_record(record, self.now()),
            Ok(_) => false,
            Err(_) => {
                self.misuse();
                false
            }
        }
    }

    /// A new generation: register a structure's objects in it, and release them all at once
    /// with [`release_generation`](Ledger::release_generation).
    pub fn generation(&self) -> Generation {
        // Relaxed: the id only needs to be unique; its entry is published by its chunk's
        // `OnceLock`.
        let id = self.inner.next_generation.fetch_add(1, Ordering::Relaxed);
        if self.inner.generations.get_or_alloc(u64::from(id)).is_none() {
            self.misuse();
            return Generation::NONE;
        }
        Generation(id)
    }

    /// Marks every object of `generation` released now: call it once the workload has
    /// dropped its last external handle to the structure. Members reclaimed before this call
    /// (an `Arc` structure frees at that drop) count as reclaimed at their release, latency
    /// 0. Returns whether this call released it.
    pub fn release_generation(&self, generation: Generation) -> bool {
        let Some(entry) = self.generation_entry(generation) else {
            self.misuse();
            return false;
        };
        let stamp = self.now();
        // AcqRel: decides, for each member reclaimed concurrently, whether it is counted in
        // flight (pairs with the RMWs in `register_raw` and `record_reclaim`).
        let count = entry.count.fetch_or(GEN_RELEASED, Ordering::AcqRel);
        if count & GEN_RELEASED != 0 {
            return false;
        }
        // Relaxed: published by the Release store of `release_ns`.
        entry.release_op.store(stamp.op, Ordering::Relaxed);
        // Release: pairs with the Acquire load in `view`.
        entry.release_ns.store(stamp.ns + 1, Ordering::Release);
        // AcqRel: as for the count word.
        let live = entry.bytes.fetch_or(GEN_RELEASED, Ordering::AcqRel);
        self.in_flight_change(
            (count & !GEN_RELEASED) as i64,
            (live & !GEN_RELEASED) as i64,
        );
        true
    }

    // ----- reading -----

    /// Whether object `id` has been reclaimed.
    pub fn is_reclaimed(&self, id: ObjectId) -> bool {
        // Acquire: pairs with the AcqRel RMW in `record_reclaim`.
        self.record(id)
            .is_some_and(|r| r.state.load(Ordering::Acquire) & RECLAIMED != 0)
    }

    /// What the ledger knows about object `id`.
    pub fn object(&self, id: ObjectId) -> Option<ObjectRecord> {
        let view = self.view(id.0)?;
        Some(ObjectRecord {
            id,
            label: self.inner.labels.display(view.label),
            generation: Generation(view.generation),
            bytes: view.bytes,
            allocated_ns: view.alloc_ns,
            released: view.release,
            reclaimed: view.reclaim,
            released_when_reclaimed: view.released_when_reclaimed(),
            pending_consumers: view.consumers,
            late: view.state & LATE != 0,
            early: view.is_early(),
            double_reclaimed: view.state & DOUBLE != 0,
        })
    }

    /// A consistent-enough copy of one record, for reports.
    pub(crate) fn view(&self, index: u64) -> Option<View> {
        let record = self.inner.records.get(index)?;
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
            (ns != 0).then(|| Stamp {
                ns: ns - 1,
                op: record.release_op.load(Ordering::Relaxed),
            })
        };
        let generation_release = self
            .generation_entry(Generation(generation))
            .and_then(|entry| {
                // Acquire: pairs with the Release store in `release_generation`.
                let ns = entry.release_ns.load(Ordering::Acquire);
                (ns != 0).then(|| Stamp {
                    ns: ns - 1,
                    op: entry.release_op.load(Ordering::Relaxed),
                })
            });
        // Acquire: pairs with the Release store in `record_reclaim`.
        let reclaim_ns = record.reclaim_ns.load(Ordering::Acquire);
        let reclaim = (reclaim_ns != 0).then(|| Stamp {
            ns: reclaim_ns - 1,
            op: record.reclaim_op.load(Ordering::Relaxed),
        });
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

    /// Garbage in flight now: objects released and not yet reclaimed.
    ///
    /// Each thread's slot holds what it released minus what it reclaimed; this sums them. A
    /// sum taken while other threads work may be off by their concurrent releases and reclaims
    /// (never below 0).
    pub fn in_flight(&self) -> InFlight {
        let (mut count, mut bytes) = (0i64, 0i64);
        for slot in self.used_slots() {
            // Relaxed: a gauge; see `in_flight_change`.
            count = count.wrapping_add(slot.in_flight.load(Ordering::Relaxed));
            bytes = bytes.wrapping_add(slot.in_flight_bytes.load(Ordering::Relaxed));
        }
        InFlight {
            count: count.max(0) as u64,
            bytes: bytes.max(0) as u64,
        }
    }

    /// Appends a garbage-in-flight sample taken now (with the live heap bytes when the
    /// counting allocator is installed). Call it at regular intervals, or let a
    /// [`Sampler`](crate::metrics::Sampler) do it.
    pub fn sample(&self) {
        let stamp = self.now();
        let in_flight = self.in_flight();
        let sample = GarbageSample {
            ns: stamp.ns,
            op: stamp.op,
            count: in_flight.count,
            bytes: in_flight.bytes,
            heap_bytes: memory::installed().then(memory::live_bytes),
        };
        self.inner
            .samples
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(sample);
    }

    /// Starts a thread that calls [`sample`](Ledger::sample) every `interval` until the
    /// returned [`Sampler`](crate::metrics::Sampler) is stopped or dropped.
    pub fn start_sampler(&self, interval: std::time::Duration) -> super::garbage::Sampler {
        super::garbage::Sampler::start(self.clone(), interval)
    }

    /// Bytes the ledger itself holds (records, directories): what tracking costs in memory.
    /// The counting allocator does not count them.
    pub fn overhead_bytes(&self) -> u64 {
        self.inner.records.bytes() + self.inner.generations.bytes()
    }

    /// Object counts now. Before [`finish`](Ledger::finish), unreclaimed objects are live;
    /// after it, they are leaked.
    pub fn counts(&self) -> Counts {
        let mut counts = self.counts_base();
        self.scan(|view| counts.add(view));
        counts
    }

    fn counts_base(&self) -> Counts {
        let in_flight = self.in_flight();
        // Relaxed loads: statistics; the workload has ended or the caller accepts a moment's
        // view.
        Counts {
            double_reclaims: self.inner.double_reclaims.load(Ordering::Relaxed),
            misuse: self.inner.misuse.load(Ordering::Relaxed),
            untracked: self.inner.untracked.load(Ordering::Relaxed),
            in_flight: in_flight.count,
            in_flight_bytes: in_flight.bytes,
            ended: self.inner.phase.load(Ordering::Relaxed) == ENDED,
            ..Counts::default()
        }
    }

    fn scan(&self, mut f: impl FnMut(&View)) {
        // Relaxed: ids below this value were handed out; their records are checked one by one.
        let ids = self.inner.next_id.0.load(Ordering::Relaxed);
        for index in 0..ids {
            if let Some(view) = self.view(index) {
                f(&view);
            }
        }
    }

    /// Ends the run: takes a garbage sample, runs a final [`S::collect()`](Strategy::collect)
    /// on this thread, then reports. Objects reclaimed by that collect are *late*; objects
    /// still unreclaimed after it are *leaked*.
    ///
    /// Call it after the workload has dropped its handles, on the thread that owns them for
    /// thread-local strategies (`Gc`).
    pub fn finish<S: Strategy>(&self) -> Report {
        self.sample();
        // Relaxed: `record_reclaim` reads the phase on the thread that runs the collect (this
        // one), or on threads the workload no longer uses.
        self.inner.phase.store(FINAL_COLLECT, Ordering::Relaxed);
        let start = Instant::now();
        S::collect();
        let final_ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
        // Relaxed: as above.
        self.inner.phase.store(ENDED, Ordering::Relaxed);
        self.sample();
        self.report(S::NAME, Some(final_ns))
    }

    /// Reports on the run so far without collecting or ending it.
    pub fn snapshot(&self, strategy: &str) -> Report {
        self.report(strategy, None)
    }

    fn report(&self, strategy: &str, final_collect_ns: Option<u64>) -> Report {
        let mut counts = self.counts_base();
        let mut latency = LatencyBuilder::default();
        let mut leaks = LeakBuilder::default();
        memory::uncounted(|| {
            self.scan(|view| {
                counts.add(view);
                latency.add(view);
                leaks.add(view, counts.ended);
            });
        });
        let labels = |index: u32| self.inner.labels.display(index);
        let samples = self
            .inner
            .samples
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut op_samples = None::<Histogram<u64>>;
        for slot in self.inner.slots.iter() {
            let shard = slot
                .0
                .samples
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if let Some(h) = shard.as_ref() {
                match &mut op_samples {
                    Some(all) => {
                        all.add(h).expect("auto-resizing histograms add");
                    }
                    None => op_samples = Some(h.clone()),
                }
            }
        }
        let operations = self.ops();
        Report {
            strategy: strategy.to_string(),
            duration_ns: self.elapsed_ns(),
            operations,
            counts,
            latency: latency.finish(&labels),
            garbage: super::garbage::report(samples.clone()),
            leaks: leaks.finish(&labels),
            pauses: self.inner.pauses.report(
                final_collect_ns,
                self.inner.config.op_sample_every,
                op_samples.as_ref(),
            ),
            memory: memory::report(self.inner.memory_start, &samples, self.overhead_bytes()),
        }
    }
}

/// A copy of one record, as reports read it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View {
    pub(crate) label: u32,
    pub(crate) generation: u32,
    pub(crate) bytes: u64,
    pub(crate) alloc_ns: u64,
    pub(crate) consumers: u32,
    state: u32,
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
}

/// What the ledger knows about one object: [`Ledger::object`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// Object counts, and the conservation law they obey: [`Counts::check`].
///
/// `allocated = reclaimed + leaked + live`, in objects and in bytes. Before
/// [`Ledger::finish`] nothing is leaked yet; after it nothing is live.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Whether the run has ended ([`Ledger::finish`] ran), so unreclaimed objects are leaked.
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
    fn add(&mut self, view: &View) {
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
