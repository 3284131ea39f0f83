//! Cache-line padding for counters that different threads write.

/// Keeps a value on its own cache lines, so counters written by different threads do not
/// share one (128 bytes: two lines, as adjacent-line prefetchers pull pairs).
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct Padded<T>(pub(crate) T);
