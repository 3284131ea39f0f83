//! Type labels, interned without a lock: a fixed table of 1 024 labels filled in order and
//! searched linearly; further labels share the last slot.

use std::sync::OnceLock;

use crate::metrics::alloc::Uncounted;

/// Distinct labels a ledger keeps; further labels share the last slot.
const MAX_LABELS: usize = 1024;

/// A label slot: the text, and whether it is a type name to be shown without module paths.
#[derive(Clone, Copy)]
struct Label {
    name: &'static str,
    type_name: bool,
}

/// The label table.
pub(super) struct Labels {
    slots: Uncounted<Box<[OnceLock<Label>]>>,
}

impl Labels {
    pub(super) fn new() -> Self {
        Labels {
            slots: Uncounted::new(|| (0..MAX_LABELS).map(|_| OnceLock::new()).collect()),
        }
    }

    /// The label's index; cheap after the first time.
    #[inline]
    pub(super) fn intern(&self, name: &'static str, type_name: bool) -> u32 {
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
    pub(super) fn display(&self, index: u32) -> String {
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
fn short_type_name(name: &str) -> String {
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
