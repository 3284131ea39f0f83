//! [`Tracked<T>`]: a payload the [`Ledger`] knows about, from allocation to reclaim, and
//! [`Track`], what it is registered with.

use std::fmt;
use std::ops::Deref;

use crate::metrics::ledger::Ledger;
use crate::metrics::record::{Generation, ObjectId};
use crate::trace::Trace;

/// A payload wrapped so that a [`Ledger`] knows its id, type label, generation, allocation
/// instant, size, release and reclaim instants.
///
/// Creating one registers it; its `Drop` records the reclaim instant on both ledger clocks. Put
/// it where the payload would go: `Shared<S, Tracked<Message>>` instead of
/// `Shared<S, Message>`. It dereferences to the payload and traces the payload's handles, so
/// it works with every strategy.
///
/// The size recorded is `size_of::<T>()` plus any [`extra_bytes`](Track::extra_bytes) the
/// workload declares for what the payload owns on the heap ([`Ledger::track`] sets it, and
/// the label, generation and consumers). The 16-byte tracking header and
/// the strategy's own header are not counted.
///
/// ```
/// use reclaimer::metrics::{Ledger, Tracked};
/// use reclaimer::{Shared, Trace};
///
/// type S = reclaimer::Arc;
///
/// #[derive(Trace)]
/// struct Message {
///     text: String,
/// }
///
/// let ledger = Ledger::new();
/// let message: Shared<S, Tracked<Message>> = Shared::new(
///     ledger
///         .track()
///         .label("Message")
///         .consumers(2)
///         .wrap(Message { text: "hi".into() }),
/// );
/// let copy = message.clone();
/// assert_eq!(copy.text, "hi"); // deref to the payload
/// assert!(!Tracked::consumed(&copy)); // first consumer done
/// drop(copy);
/// assert!(Tracked::consumed(&message)); // the last one releases it
/// let id = Tracked::id(&message);
/// drop(message);
/// assert!(ledger.is_reclaimed(id));
/// ledger.finish::<S>().counts.check().unwrap();
/// ```
#[derive(crate::Trace)]
pub struct Tracked<T> {
    value: T,
    #[trace(skip)]
    id: ObjectId,
    #[trace(skip)]
    ledger: Ledger,
}

impl<T> Tracked<T> {
    /// Wraps `value`, registered in `ledger` under its type name, in no generation, with no
    /// release expected.
    #[inline]
    pub fn new(ledger: &Ledger, value: T) -> Self {
        Track::new(ledger).wrap(value)
    }

    /// The object's id in its ledger.
    #[inline]
    pub fn id(this: &Self) -> ObjectId {
        this.id
    }

    /// The ledger the object is registered in.
    #[inline]
    pub fn ledger(this: &Self) -> &Ledger {
        &this.ledger
    }

    /// Marks the object released now: the workload is done with it. See
    /// [`Ledger::release`].
    #[inline]
    pub fn release(this: &Self) -> bool {
        this.ledger.release(this.id)
    }

    /// One consumer is done with the object; true when it was the last, which releases it. See
    /// [`Ledger::consume`].
    #[inline]
    pub fn consumed(this: &Self) -> bool {
        this.ledger.consume(this.id)
    }

    /// Adds `k` consumers the object waits for. See [`Ledger::add_consumers`].
    #[inline]
    pub fn add_consumers(this: &Self, k: u32) {
        this.ledger.add_consumers(this.id, k);
    }
}

impl<T> Drop for Tracked<T> {
    #[inline]
    fn drop(&mut self) {
        self.ledger.record_reclaim(self.id);
    }
}

impl<T> Deref for Tracked<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> AsRef<T> for Tracked<T> {
    #[inline]
    fn as_ref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Tracked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracked")
            .field("id", &self.id.get())
            .field("value", &self.value)
            .finish()
    }
}

impl<T: fmt::Display> fmt::Display for Tracked<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl Ledger {
    /// Starts registering an object: set its label, generation, consumers or extra bytes, then
    /// [`wrap`](Track::wrap) the payload.
    ///
    /// ```
    /// use reclaimer::metrics::Ledger;
    ///
    /// let ledger = Ledger::new();
    /// let message = ledger.track().label("Message").consumers(3).wrap(vec![1u8, 2, 3]);
    /// assert_eq!(message.len(), 3);
    /// ```
    #[inline]
    pub fn track(&self) -> Track<'_> {
        Track::new(self)
    }
}

/// What to register a [`Tracked`] object with: made by [`Ledger::track`], finished by
/// [`wrap`](Track::wrap).
///
/// ```
/// use reclaimer::metrics::{Ledger, Tracked};
///
/// let ledger = Ledger::new();
/// let session = ledger.generation();
/// let name = ledger
///     .track()
///     .label("SessionName")
///     .generation(session)
///     .extra_bytes(5)
///     .wrap(String::from("alice"));
/// assert_eq!(ledger.object(Tracked::id(&name)).unwrap().bytes, 24 + 5);
/// drop(name);
/// ledger.release_generation(session);
/// ledger.finish::<reclaimer::Arc>().counts.check().unwrap();
/// ```
#[derive(Clone, Copy)]
#[must_use = "a `Track` registers nothing until `wrap` is called"]
pub struct Track<'a> {
    ledger: &'a Ledger,
    label: Option<&'static str>,
    generation: Generation,
    consumers: u32,
    expect_release: bool,
    extra_bytes: u64,
}

impl fmt::Debug for Track<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Track")
            .field("label", &self.label)
            .field("generation", &self.generation)
            .field("consumers", &self.consumers)
            .field("expect_release", &self.expect_release)
            .field("extra_bytes", &self.extra_bytes)
            .finish()
    }
}

impl<'a> Track<'a> {
    /// Starts registering an object in `ledger`; the same as [`Ledger::track`].
    pub fn new(ledger: &'a Ledger) -> Self {
        Track {
            ledger,
            label: None,
            generation: Generation::NONE,
            consumers: 0,
            expect_release: false,
            extra_bytes: 0,
        }
    }

    /// The type label reports group the object under (default: the payload's type name
    /// without module paths).
    pub fn label(mut self, label: &'static str) -> Self {
        self.label = Some(label);
        self
    }

    /// The generation the object belongs to; it is released with
    /// [`Ledger::release_generation`], not on its own.
    pub fn generation(mut self, generation: Generation) -> Self {
        self.generation = generation;
        self
    }

    /// The object is released when `k` consumers have each called [`Tracked::consumed`].
    /// Reclaiming it before that is early.
    pub fn consumers(mut self, k: u32) -> Self {
        self.consumers = k;
        self
    }

    /// The workload promises to release the object ([`Tracked::release`]); reclaiming it
    /// before that is early.
    pub fn expect_release(mut self) -> Self {
        self.expect_release = true;
        self
    }

    /// Heap bytes the payload owns, added to `size_of::<T>()` as the object's size.
    pub fn extra_bytes(mut self, bytes: u64) -> Self {
        self.extra_bytes = bytes;
        self
    }

    /// Registers `value` and wraps it.
    #[inline]
    pub fn wrap<T>(self, value: T) -> Tracked<T> {
        let label = match self.label {
            Some(label) => self.ledger.label(label, false),
            None => self.ledger.label(std::any::type_name::<T>(), true),
        };
        let bytes = std::mem::size_of::<T>() as u64 + self.extra_bytes;
        let id = self.ledger.register_raw(
            label,
            self.generation,
            bytes,
            self.consumers,
            self.expect_release,
        );
        Tracked {
            value,
            id,
            ledger: self.ledger.clone(),
        }
    }
}

// `Tracked<T>` is a plain wrapper: `Send`/`Sync` when `T` is, and `Trace` visits `T`.
const _: () = {
    fn assert<T: Send + Sync + Trace>() {}
    let _ = assert::<Tracked<u64>>;
};
