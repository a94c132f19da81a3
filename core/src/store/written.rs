//! The assets this store wrote (created or changed) in the update call whose changes were
//! drained last (or since), held on the heap with every encoding they have: the certification
//! reads each changed asset back right after draining the change feed, and answering from here
//! saves two B-tree reads (and the decoding of the record) per asset: about 31 K instructions
//! for each asset a redeploy changes.
//!
//! Owns only this write-through copy; `store/edit.rs` updates it whenever it writes an asset.
//! Invariant: an entry equals what stable memory holds for its key (an asset record and all of
//! its encodings, or its record handle), because every write of an asset replaces its entry and
//! deleting the asset drops it.

use super::record_store::RecordHandle;
use super::records::{AssetRecord, EncodingRecord};
use rustc_hash::FxHashMap;

/// One written asset, complete.
#[derive(Debug, Clone)]
pub(super) struct WrittenAsset {
    pub(super) record: AssetRecord,
    /// Every encoding, sorted by name (the stored order).
    pub(super) encodings: Vec<(String, EncodingRecord)>,
    /// Its record handle, which the certification's record write looks up right after.
    pub(super) handle: RecordHandle,
}

/// Written assets, by key (hashed: nothing needs them in order).
#[derive(Debug, Default)]
pub(super) struct Written {
    assets: FxHashMap<String, WrittenAsset>,
}

impl Written {
    /// The complete asset, if it was written.
    pub(super) fn get(&self, key: &str) -> Option<&WrittenAsset> {
        self.assets.get(key)
    }

    /// The record handle of a written asset.
    pub(super) fn handle(&self, key: &str) -> Option<RecordHandle> {
        self.assets.get(key).map(|asset| asset.handle)
    }

    /// `key` now holds `asset` in stable memory.
    pub(super) fn put(&mut self, key: String, asset: WrittenAsset) {
        self.assets.insert(key, asset);
    }

    /// `key` was deleted.
    pub(super) fn remove(&mut self, key: &str) {
        self.assets.remove(key);
    }

    /// Keeps only the entries whose key `keep` accepts.
    pub(super) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.assets.retain(|key, _| keep(key));
    }
}
