//! The guide: documentation only, no items.
//!
//! Each page is a file under `docs/` in the repository, included here so that its examples
//! compile and run as doctests.

#[doc = include_str!("../../docs/design.md")]
pub mod design {}

#[doc = include_str!("../../docs/limitations.md")]
pub mod limitations {}

#[doc = include_str!("../../docs/metrics.md")]
pub mod metrics {}

#[doc = include_str!("../../docs/testing.md")]
pub mod testing {}

#[doc = include_str!("../../docs/performance.md")]
pub mod performance {}

#[doc = include_str!("../../docs/strategies.md")]
pub mod strategies {}

#[doc = include_str!("../../docs/examples.md")]
pub mod examples {}

#[doc = include_str!("../../docs/lab.md")]
pub mod lab {}

#[doc = include_str!("../../docs/claims.md")]
pub mod claims {}
