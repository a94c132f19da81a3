//! The assets this store created in the update call whose changes were drained last (or since),
//! held on the heap with every encoding they have: the certification reads each changed asset
//! back right after draining the change feed, and answering from here saves the B-tree read
//! (and the decoding of the record) per asset.
//!
//! Owns only this write-through copy; `store/edit.rs` updates it whenever it writes an asset.
//! Invariant: an entry equals what stable memory holds for its key (an asset record and all of
//! its encodings), because only assets created while tracking get an entry, every later write
//! to them replaces it, and deleting the asset drops it.

use super::records::{AssetRecord, EncodingRecord};
use rustc_hash::FxHashMap;

/// One asset created while tracked, complete.
#[derive(Debug, Clone)]
pub(super) struct WrittenAsset {
    pub(super) record: AssetRecord,
    /// Every encoding, sorted by name (the stored order).
    pub(super) encodings: Vec<(String, EncodingRecord)>,
}

/// Tracked assets, by key (hashed: nothing needs them in order).
#[derive(Debug, Default)]
pub(super) struct Written(FxHashMap<String, WrittenAsset>);

impl Written {
    /// The complete asset, if it is tracked.
    pub(super) fn get(&self, key: &str) -> Option<&WrittenAsset> {
        self.0.get(key)
    }

    /// Whether `key` is tracked (its next write must replace the entry).
    pub(super) fn tracks(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// `key` now holds `asset` in stable memory.
    pub(super) fn put(&mut self, key: String, asset: WrittenAsset) {
        self.0.insert(key, asset);
    }

    /// `key` was deleted.
    pub(super) fn remove(&mut self, key: &str) {
        self.0.remove(key);
    }

    /// Keeps only the entries whose key `keep` accepts.
    pub(super) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.0.retain(|key, _| keep(key));
    }
}
