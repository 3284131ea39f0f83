//! Auto-trait properties pinned by doctests. Every example that must not compile has a twin
//! that does, so a negative example cannot pass by failing for some other reason.
//!
//! `Gc` handles cannot enter `tokio::spawn`:
//!
//! ```compile_fail
//! use reclaimer::Shared;
//! # #[tokio::main] async fn main() {
//! let handle: Shared<reclaimer::Gc, u64> = Shared::new(1);
//! tokio::spawn(async move { assert_eq!(*handle, 1) }).await.unwrap();
//! # }
//! ```
//!
//! Thread-safe strategies can (the twin), every one of them:
//!
//! ```
//! use reclaimer::strategy::{for_each, Visit};
//! use reclaimer::{Shared, ThreadSafe};
//!
//! struct Spawn(tokio::runtime::Runtime);
//! impl Visit for Spawn {
//!     type Output = bool;
//!     fn thread_safe<S: ThreadSafe>(&mut self) -> bool {
//!         let handle: Shared<S, u64> = Shared::new(1);
//!         let task = self.0.spawn(async move { assert_eq!(*handle, 1) });
//!         self.0.block_on(task).unwrap();
//!         true
//!     }
//!     fn local<S: reclaimer::Local>(&mut self) -> bool {
//!         false
//!     }
//! }
//!
//! let spawned = for_each(&mut Spawn(tokio::runtime::Runtime::new().unwrap()));
//! assert_eq!(spawned.iter().filter(|s| **s).count(), 7);
//! ```
//!
//! A `Gc` cell cannot cross threads either:
//!
//! ```compile_fail
//! let cell: reclaimer::Cell<reclaimer::Gc, u64> = reclaimer::Cell::from_value(1);
//! std::thread::spawn(move || cell.read(|v| *v)).join().unwrap();
//! ```
//!
//! ```
//! let cell: reclaimer::Cell<reclaimer::Arc, u64> = reclaimer::Cell::from_value(1);
//! std::thread::spawn(move || cell.read(|v| *v)).join().unwrap();
//! ```
//!
//! Nor a `Gc` back-edge:
//!
//! ```compile_fail
//! let strong: reclaimer::Shared<reclaimer::Gc, u64> = reclaimer::Shared::new(1);
//! let weak = reclaimer::Shared::downgrade(&strong);
//! std::thread::spawn(move || weak.upgrade().is_some()).join().unwrap();
//! ```
//!
//! ```
//! let strong: reclaimer::Shared<reclaimer::Arc, u64> = reclaimer::Shared::new(1);
//! let weak = reclaimer::Shared::downgrade(&strong);
//! std::thread::spawn(move || weak.upgrade().is_some()).join().unwrap();
//! ```
//!
//! A thread-safe strategy does not make a `!Sync` value shareable:
//!
//! ```compile_fail
//! # use reclaimer::Trace;
//! #[derive(Trace)]
//! struct NotSync(#[trace(skip)] std::cell::Cell<u8>);
//! let handle: reclaimer::Shared<reclaimer::Arc, NotSync> =
//!     reclaimer::Shared::new(NotSync(std::cell::Cell::new(1)));
//! std::thread::spawn(move || handle.0.get()).join().unwrap();
//! ```
//!
//! ```
//! # use reclaimer::Trace;
//! #[derive(Trace)]
//! struct Plain(u8);
//! let handle: reclaimer::Shared<reclaimer::Arc, Plain> = reclaimer::Shared::new(Plain(1));
//! std::thread::spawn(move || handle.0).join().unwrap();
//! ```
//!
//! Generic code must ask for `ThreadSafe` before it spawns:
//!
//! ```compile_fail
//! use reclaimer::{Shared, Strategy};
//! fn spawn<S: Strategy>(handle: Shared<S, u64>) {
//!     std::thread::spawn(move || *handle);
//! }
//! ```
//!
//! ```
//! use reclaimer::{Shared, ThreadSafe};
//! fn spawn<S: ThreadSafe>(handle: Shared<S, u64>) {
//!     std::thread::spawn(move || *handle).join().unwrap();
//! }
//! spawn(Shared::<reclaimer::Arc, u64>::new(1));
//! ```
//!
//! `#[derive(Trace)]` rejects unions (the active field is unknown) and unknown options:
//!
//! ```compile_fail
//! #[derive(reclaimer::Trace)]
//! union Either {
//!     a: u32,
//!     b: f32,
//! }
//! let _ = Either { a: 1 };
//! ```
//!
//! ```compile_fail
//! #[derive(reclaimer::Trace)]
//! struct Typo {
//!     #[trace(skipp)]
//!     a: u32,
//! }
//! let _ = Typo { a: 1 };
//! ```
//!
//! ```
//! #[derive(reclaimer::Trace)]
//! struct Fine {
//!     #[trace(skip)]
//!     a: std::sync::Mutex<u32>,
//! }
//! let fine = Fine { a: std::sync::Mutex::new(1) };
//! assert_eq!(*fine.a.lock().unwrap(), 1);
//! ```
//!
//! The raw operations behind the handles are crate-private: a `Shareable` value cannot be
//! turned into a backend pointer by user code.
//!
//! ```compile_fail,E0624
//! use reclaimer::{Shareable, Strategy};
//! fn raw<S: Strategy, T: Shareable<S>>(value: T) {
//!     let _ = value.into_ptr();
//! }
//! ```
//!
//! ```
//! use reclaimer::{Shareable, Shared, Strategy};
//! fn wrapped<S: Strategy, T: Shareable<S>>(value: T) -> Shared<S, T> {
//!     Shared::new(value)
//! }
//! assert_eq!(*wrapped::<reclaimer::Arc, u8>(1), 1);
//! ```
//!
//! A std `Mutex` of handles inside a shared type does not compile: the collectors could not see
//! what it holds. The error says which types fix it (`reclaimer::Lock`, `reclaimer::Cell`) and
//! names `#[trace(skip)]` for fields that hold no handles:
//!
//! ```compile_fail,E0277
//! use reclaimer::{Shared, Trace};
//!
//! type S = reclaimer::SyncGc;
//!
//! #[derive(Trace)]
//! struct Room {
//!     members: std::sync::Mutex<Vec<Shared<S, String>>>,
//! }
//! ```
//!
//! The twin, with the traced lock:
//!
//! ```
//! use reclaimer::{Lock, Shared, Trace};
//!
//! type S = reclaimer::SyncGc;
//!
//! #[derive(Trace)]
//! struct Room {
//!     members: Lock<S, Vec<Shared<S, String>>>,
//! }
//!
//! let room = Shared::<S, _>::new(Room { members: Lock::new(Vec::new()) });
//! room.members.with(|m| m.push(Shared::new("alice".to_string())));
//! assert_eq!(room.members.read(|m| m.len()), 1);
//! ```
//!
//! A `Lock` of a thread-local strategy cannot cross threads:
//!
//! ```compile_fail
//! let lock: reclaimer::Lock<reclaimer::Gc, Vec<u64>> = reclaimer::Lock::new(Vec::new());
//! std::thread::spawn(move || lock.with(|v| v.len())).join().unwrap();
//! ```
//!
//! ```
//! let lock: reclaimer::Lock<reclaimer::Arc, Vec<u64>> = reclaimer::Lock::new(Vec::new());
//! std::thread::spawn(move || lock.with(|v| v.len())).join().unwrap();
//! ```
//!
//! Nor can an `OptionCell` of one:
//!
//! ```compile_fail
//! let cell: reclaimer::OptionCell<reclaimer::Gc, u64> = reclaimer::OptionCell::empty();
//! std::thread::spawn(move || cell.read(|v| v.copied())).join().unwrap();
//! ```
//!
//! ```
//! let cell: reclaimer::OptionCell<reclaimer::SyncGc, u64> = reclaimer::OptionCell::empty();
//! std::thread::spawn(move || cell.read(|v| v.copied())).join().unwrap();
//! ```
