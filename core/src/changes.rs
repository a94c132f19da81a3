//! The change feed: which asset keys changed since the certifier last looked.
//!
//! Owns a heap-only record of changed keys, filled by every mutation and drained by the caller
//! (the certifier) after each update call. Never persisted: after an upgrade the certifier
//! rebuilds from all assets. Invariant: if `cleared` is false, every key whose metadata or
//! encodings changed since the last drain is in `keys`; if true, everything may have changed.

use std::collections::BTreeSet;

/// Keys changed since the last [`crate::state::State::take_changes`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// All assets were deleted at some point (re-certify everything from the current state).
    pub cleared: bool,
    /// Keys created, modified or deleted (after the clear, if any). Look each up again: it may
    /// no longer exist.
    pub keys: BTreeSet<String>,
}

impl Changes {
    /// Notes a changed key.
    pub fn record(&mut self, key: String) {
        self.keys.insert(key);
    }

    /// Notes that every asset was deleted.
    pub fn record_clear(&mut self) {
        self.cleared = true;
        self.keys.clear();
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        !self.cleared && self.keys.is_empty()
    }
}
