//! The raw side of each churn pair: the idiomatic graph of each crate a strategy wraps.

use std::mem::ManuallyDrop;
use std::sync::Mutex;

use super::{remove_at, Graph};

/// The raw [`Graph`] `$graph` over nodes `$node` whose edges are a `Mutex<Vec<$ptr>>`, the
/// idiom shared by std `Arc`, dumpster and leaked boxes: `$new` makes a handle of a fresh
/// node, `$collect` runs after the roots are dropped.
macro_rules! mutex_graph {
    ($graph:ident, $node:ident, $ptr:ty, $new:expr, $collect:block) => {
        pub(super) struct $graph;

        impl Graph for $graph {
            type Node = $ptr;
            #[inline]
            fn node() -> Self::Node {
                $new($node {
                    edges: Mutex::new(Vec::new()),
                })
            }
            #[inline]
            fn link(from: &Self::Node, to: Self::Node) {
                from.edges.lock().unwrap().push(to);
            }
            #[inline]
            fn unlink(from: &Self::Node, k: u64) -> Option<Self::Node> {
                remove_at(&mut from.edges.lock().unwrap(), k)
            }
            #[inline]
            fn collect() $collect
        }
    };
}

/// std `Arc` with a `Mutex` of edges.
pub(super) struct ArcNode {
    edges: Mutex<Vec<std::sync::Arc<ArcNode>>>,
}

mutex_graph!(
    RawArc,
    ArcNode,
    std::sync::Arc<ArcNode>,
    std::sync::Arc::new,
    {}
);

/// A std `Arc` whose every release is deferred through crossbeam-epoch: the hand-written way to
/// give a refcounted graph what `Epoch` gives, a reader pinned when an edge is removed still
/// able to follow it. (Deferring only the last release would need a count that cannot be
/// raised again from zero, which is what `Epoch` adds.)
pub(super) struct DeferredArc(ManuallyDrop<std::sync::Arc<DeferredNode>>);

impl Clone for DeferredArc {
    fn clone(&self) -> Self {
        DeferredArc(ManuallyDrop::new(std::sync::Arc::clone(&self.0)))
    }
}

impl Drop for DeferredArc {
    fn drop(&mut self) {
        // SAFETY: taken once, here; the field is not used again.
        let arc = unsafe { ManuallyDrop::take(&mut self.0) };
        DEFERRED.set(DEFERRED.get() + 1);
        crossbeam_epoch::pin().defer(move || {
            drop(arc);
            DEFERRED.set(DEFERRED.get() - 1);
        });
    }
}

impl std::ops::Deref for DeferredArc {
    type Target = DeferredNode;
    fn deref(&self) -> &DeferredNode {
        &self.0
    }
}

/// A node of [`DeferredArc`]s with a `Mutex` of edges.
pub(super) struct DeferredNode {
    edges: Mutex<Vec<DeferredArc>>,
}

std::thread_local! {
    /// Releases deferred and not yet run, so the final collection knows when it is done. The
    /// bench runs on one thread, so the deferred releases run on it too.
    static DEFERRED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

mutex_graph!(
    RawDeferredArc,
    DeferredNode,
    DeferredArc,
    |node| DeferredArc(ManuallyDrop::new(std::sync::Arc::new(node))),
    {
        // With no other thread pinned, each flush advances the epoch and frees the bags two
        // advances old; a release deferred by a freed node's drop waits for later rounds.
        while DEFERRED.get() > 0 {
            crossbeam_epoch::pin().flush();
        }
    }
);

/// A std `Arc` whose every release is retired through seize: [`DeferredArc`] written for
/// seize, the raw side of `Hyaline`.
pub(super) struct SeizeArc(ManuallyDrop<std::sync::Arc<SeizeNode>>);

/// The one seize collector of the raw side, as `Hyaline` has one.
static SEIZE: std::sync::LazyLock<seize::Collector> =
    std::sync::LazyLock::new(seize::Collector::new);

impl Clone for SeizeArc {
    fn clone(&self) -> Self {
        SeizeArc(ManuallyDrop::new(std::sync::Arc::clone(&self.0)))
    }
}

impl Drop for SeizeArc {
    fn drop(&mut self) {
        /// Releases the `Arc` a retired pointer stands for.
        unsafe fn release(ptr: *mut SeizeNode, _: &seize::Collector) {
            // SAFETY: `ptr` came from `Arc::into_raw` below and is released once, here.
            drop(unsafe { std::sync::Arc::from_raw(ptr) });
            DEFERRED.set(DEFERRED.get() - 1);
        }
        // SAFETY: taken once, here; the field is not used again.
        let arc = unsafe { ManuallyDrop::take(&mut self.0) };
        DEFERRED.set(DEFERRED.get() + 1);
        // SAFETY: the pointer owns one strong reference, released by `release` once.
        unsafe { SEIZE.retire(std::sync::Arc::into_raw(arc).cast_mut(), release) };
    }
}

impl std::ops::Deref for SeizeArc {
    type Target = SeizeNode;
    fn deref(&self) -> &SeizeNode {
        &self.0
    }
}

/// A node of [`SeizeArc`]s with a `Mutex` of edges.
pub(super) struct SeizeNode {
    edges: Mutex<Vec<SeizeArc>>,
}

mutex_graph!(
    RawSeizeArc,
    SeizeNode,
    SeizeArc,
    |node| SeizeArc(ManuallyDrop::new(std::sync::Arc::new(node))),
    {
        use seize::Guard as _;
        // With no other thread in a guard, each flush frees this thread's batch at once; a
        // release retired by a freed node's drop waits for the next round.
        while DEFERRED.get() > 0 {
            SEIZE.enter().flush();
        }
    }
);

/// A std `Arc` whose every release is retired into haphazard's global domain: [`DeferredArc`]
/// written for hazard pointers, the raw side of `Hazard`.
pub(super) struct HazardArc(ManuallyDrop<std::sync::Arc<HazardNode>>);

/// An `Arc` as haphazard's pointer type: its deleter releases the reference.
pub(super) struct HazardRelease(std::sync::Arc<HazardNode>);

impl std::ops::Deref for HazardRelease {
    type Target = HazardNode;
    fn deref(&self) -> &HazardNode {
        &self.0
    }
}

// SAFETY: `into_raw` and `from_raw` round-trip one strong reference, which keeps the node valid
// as `&HazardNode` until the rebuilt `Arc` drops.
unsafe impl haphazard::raw::Pointer<HazardNode> for HazardRelease {
    fn into_raw(self) -> *mut HazardNode {
        std::sync::Arc::into_raw(self.0).cast_mut()
    }
    unsafe fn from_raw(ptr: *mut HazardNode) -> Self {
        DEFERRED.set(DEFERRED.get() - 1);
        // SAFETY: `ptr` came from `into_raw` and is passed back once.
        HazardRelease(unsafe { std::sync::Arc::from_raw(ptr) })
    }
}

impl Clone for HazardArc {
    fn clone(&self) -> Self {
        HazardArc(ManuallyDrop::new(std::sync::Arc::clone(&self.0)))
    }
}

impl Drop for HazardArc {
    fn drop(&mut self) {
        use haphazard::raw::Pointer;
        // SAFETY: taken once, here; the field is not used again.
        let arc = unsafe { ManuallyDrop::take(&mut self.0) };
        DEFERRED.set(DEFERRED.get() + 1);
        let ptr = HazardRelease(arc).into_raw();
        // SAFETY: the pointer owns one strong reference, reachable from nowhere else, released
        // by the deleter once.
        unsafe { haphazard::Domain::global().retire_ptr::<HazardNode, HazardRelease>(ptr) };
    }
}

impl std::ops::Deref for HazardArc {
    type Target = HazardNode;
    fn deref(&self) -> &HazardNode {
        &self.0
    }
}

/// A node of [`HazardArc`]s with a `Mutex` of edges.
pub(super) struct HazardNode {
    edges: Mutex<Vec<HazardArc>>,
}

mutex_graph!(
    RawHazardArc,
    HazardNode,
    HazardArc,
    |node| HazardArc(ManuallyDrop::new(std::sync::Arc::new(node))),
    {
        // With no hazard pointer set, each scan frees every retired node; a release retired by
        // a freed node's drop waits for the next one.
        while DEFERRED.get() > 0 {
            haphazard::Domain::global().eager_reclaim();
        }
    }
);

/// rust-gc's `Gc` with a `GcCell` of edges.
pub(super) struct GcNode {
    edges: gc::GcCell<Vec<gc::Gc<GcNode>>>,
}

impl gc::Finalize for GcNode {}

// SAFETY: the node's only handles are its edges, traced through the `GcCell`.
unsafe impl gc::Trace for GcNode {
    gc::custom_trace!(this, {
        // SAFETY: `mark` forwards the operation rust-gc is running to the node's one field.
        unsafe { mark(&this.edges) }
    });
}

pub(super) struct RawGc;

impl Graph for RawGc {
    type Node = gc::Gc<GcNode>;
    #[inline]
    fn node() -> Self::Node {
        gc::Gc::new(GcNode {
            edges: gc::GcCell::new(Vec::new()),
        })
    }
    #[inline]
    fn link(from: &Self::Node, to: Self::Node) {
        from.edges.borrow_mut().push(to);
    }
    #[inline]
    fn unlink(from: &Self::Node, k: u64) -> Option<Self::Node> {
        remove_at(&mut from.edges.borrow_mut(), k)
    }
    #[inline]
    fn collect() {
        gc::force_collect();
    }
}

/// dumpster's thread-safe `Gc` with a `Mutex` of edges (dumpster traces a `Mutex` itself).
pub(super) struct DumpsterNode {
    edges: Mutex<Vec<dumpster::sync::Gc<DumpsterNode>>>,
}

// SAFETY: the node's only handles are its edges, shown to the visitor through the `Mutex`,
// whose own impl reports a lock it cannot take.
unsafe impl<V: dumpster::Visitor> dumpster::TraceWith<V> for DumpsterNode {
    fn accept(&self, visitor: &mut V) -> Result<(), ()> {
        self.edges.accept(visitor)
    }
}

mutex_graph!(
    RawDumpster,
    DumpsterNode,
    dumpster::sync::Gc<DumpsterNode>,
    dumpster::sync::Gc::new,
    { dumpster::sync::collect() }
);

/// Leaked boxes with a `Mutex` of edges.
pub(super) struct LeakNode {
    edges: Mutex<Vec<&'static LeakNode>>,
}

mutex_graph!(
    RawLeak,
    LeakNode,
    &'static LeakNode,
    |node| Box::leak(Box::new(node)),
    {}
);
