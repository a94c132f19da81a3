//! The assets this store created in the update call whose changes were drained last (or since),
//! held on the heap with every encoding they have: the certification reads each changed asset
//! back right after draining the change feed, and answering from here saves the B-tree read
//! (and the decoding of the record) per asset.
//!
//! Owns only this write-through copy; `store/edit.rs` updates it whenever it writes an asset.
//! Invariant: an entry equals what stable memory holds for its key (an asset record and all of
//! its encodings, or its record handle), because only assets written while tracking get an
//! entry, every later write to them replaces it, and deleting the asset drops it.

use super::record_store::RecordHandle;
use super::records::{AssetRecord, EncodingRecord};
use rustc_hash::FxHashMap;

/// One asset created while tracked, complete.
#[derive(Debug, Clone)]
pub(super) struct WrittenAsset {
    pub(super) record: AssetRecord,
    /// Every encoding, sorted by name (the stored order).
    pub(super) encodings: Vec<(String, EncodingRecord)>,
}

/// Tracked assets, by key (hashed: nothing needs them in order), and the record handle of every
/// asset written while tracking (created or changed), which the certification's record write
/// looks up right after.
#[derive(Debug, Default)]
pub(super) struct Written {
    assets: FxHashMap<String, WrittenAsset>,
    handles: FxHashMap<String, RecordHandle>,
}

impl Written {
    /// The complete asset, if it is tracked.
    pub(super) fn get(&self, key: &str) -> Option<&WrittenAsset> {
        self.assets.get(key)
    }

    /// The record handle of an asset written while tracking.
    pub(super) fn handle(&self, key: &str) -> Option<RecordHandle> {
        self.handles.get(key).copied()
    }

    /// Whether `key` is tracked (its next write must replace the entry).
    pub(super) fn tracks(&self, key: &str) -> bool {
        self.assets.contains_key(key)
    }

    /// `key` now holds `asset` in stable memory.
    pub(super) fn put(&mut self, key: String, asset: WrittenAsset) {
        self.assets.insert(key, asset);
    }

    /// `key` now holds an asset with record handle `handle` in stable memory.
    pub(super) fn put_handle(&mut self, key: String, handle: RecordHandle) {
        self.handles.insert(key, handle);
    }

    /// `key` was deleted.
    pub(super) fn remove(&mut self, key: &str) {
        self.assets.remove(key);
        self.handles.remove(key);
    }

    /// Keeps only the entries whose key `keep` accepts.
    pub(super) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.assets.retain(|key, _| keep(key));
        self.handles.retain(|key, _| keep(key));
    }
}
