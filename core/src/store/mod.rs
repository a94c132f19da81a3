//! The asset store: asset metadata, encodings and their content bytes, all in stable memory.
//!
//! Owns the asset map (each asset with its encodings) and the blob region. It applies
//! already-validated changes and never decides who may do what (`permissions`) or whether a
//! commit is valid (`operations`). Invariant: every extent in the blob region is owned by
//! exactly one encoding (its content, or its spilled body) or one uploaded chunk, or is on the
//! free list; replacing or deleting an encoding frees its extents.
//!
//! # Stable-memory layout
//!
//! One `MemoryManager` splits stable memory into virtual memories (8 MiB buckets, up to
//! 32768 buckets = 256 GiB in total). Content bytes are never stored in B-tree values: they go
//! once into the blob region (memory 8), and records hold `(offset, len)` extents.
//!
//! ```text
//!  stable memory
//!  +--------------------------------------------------------------------------------------+
//!  | MemoryManager header + bucket table (page 0)                                          |
//!  +--------------------------------------------------------------------------------------+
//!  | buckets of 8 MiB, each owned by one virtual memory:                                   |
//!  |                                                                                       |
//!  |  id  structure                        key                    value                    |
//!  |  0   StableCell<Counters>             -                      next ids, chunk bytes 24B|
//!  |  1   StableBTreeMap assets            key text               StoredAsset (records.rs):|
//!  |                                                              record handle u64 |      |
//!  |                                                              AssetRecord | n u32 |    |
//!  |                                                              n x (name, modified,     |
//!  |                                                              length, sha256, body     |
//!  |                                                              inline or spilled)       |
//!  |  2   (unused; was the encoding map)                                                   |
//!  |  3   StableBTreeMap permissions       (permission u8, principal)   ()                  |
//!  |  4   StableBTreeMap batches           batch id u64           BatchRecord (fixed 42B)  |
//!  |  5   StableBTreeMap chunks            chunk id u64           (batch id, extent,       |
//!  |                                                              opt sha256) fixed 57B    |
//!  |  6   StableBTreeMap batch_chunks      (batch id, chunk id)   ()                       |
//!  |  7   StableBTreeMap proposals         batch id u64           CommitBatchArguments     |
//!  |  8   blob region (raw bytes)          offset ---------------> content bytes           |
//!  |  9   StableBTreeMap free_by_offset    offset u64             len u64                  |
//!  | 10   StableBTreeMap free_by_size      (len, offset)          ()                       |
//!  | 11   StableCell<u64> blob end         -                      end mark                 |
//!  | 12   StableCell<Settings>             -                      limits, last change (35B)|
//!  | 13   record table (raw u64s)          record handle ---------> record address + 1      |
//!  |                                                              (record_store.rs)        |
//!  | 14   certification trees (raw slots)  slot index -----------> 160-byte treap node;    |
//!  |                                                              header in slot 0         |
//!  |                                                              (stable_tree.rs)         |
//!  | 15   record region (raw bytes)        address -------------> certification record:   |
//!  |                                                              tables, content locators,|
//!  |                                                              responses, response sets |
//!  |                                                              (record.rs), in blocks of|
//!  |                                                              size classes (see        |
//!  |                                                              record_region.rs)        |
//!  +--------------------------------------------------------------------------------------+
//!
//!  blob region (memory 8):
//!  0                                                                  end          size
//!  +-----------+-------+----------------+------+----------------------+  ........  +
//!  | chunk 7   | free  | encoding /a gz | free | encoding /b identity |  (unused)  |
//!  +-----------+-------+----------------+------+----------------------+  ........  +
//!  an encoding's extents are the extents its chunks were written to at upload: commit moves
//!  ownership from chunk to encoding without copying a byte.
//! ```
//!
//! An asset is one record holding its metadata and every encoding, so that a commit writes it
//! with one B-tree insert (`edit.rs` stages an update call's changes per asset). An encoding's
//! body is its part hashes and its extents: the sha256 of each 2,000,000-byte certified part
//! (none when the content fits in one part; see `content_hash`), computed once at commit, so
//! certifying after a commit or an upgrade never reads content, then the content's extents.
//! A body longer than [`edit::INLINE_BODY_MAX`] (a large file) is spilled to the blob region,
//! as an extent the encoding owns, so asset records stay small.
//!
//! A certification record holds what `certification` precomputed for one asset at commit
//! (every response's status, headers and hash, each encoding's content locator and the hashed
//! response-set subtree), laid out for serving in place: a request reads the record of the path
//! it asks for and the body straight from the blob region. Records live in the record region
//! (memory 15, `record_region.rs`, a size-class allocator over raw memory); each asset record
//! holds a record handle, given when the asset is created, and memory 13 maps handles to record
//! addresses (`record_store.rs`), so writing a record is a table write, not a B-tree insert. A
//! record is written in the same update call as the asset change and freed with the asset; its
//! layout is `certification/record.rs`'s.
//!
//! The certification trees (memory 14) are the v1 and v2 trees `certified_data` is the root
//! of, node by node with their hashes, updated in the same update call as the store; so
//! `post_upgrade` reopens them (one header read) instead of rebuilding and rehashing them.
//!
//! # Content locators
//!
//! A locator ([`EncodingRecord::locator`]) is an encoding's extents as bytes, copied into the
//! record so serving reads content without looking the encoding up. It stays valid because
//! **an encoding's extents change only when its asset changes**: extents are never moved
//! (nothing compacts the blob region), an encoding gets new extents only by `set_encoding`
//! (commit or `store`) and loses them only by `set_encoding`, `unset_encoding`, `delete_asset`
//! or `clear` (all in `edit.rs`), and every one of those records the key in the change feed (or `cleared`), after
//! which the certifier rewrites or drops the asset's record in the same update call. A chunk's
//! extent passes to an encoding by `take_for_commit` (the chunk leaves its batch, or goes with
//! the committed batch without being freed), so deleting or expiring a batch later never
//! frees it. [`Store::read_located`] still checks every extent
//! against the region's end, so a corrupt locator gives `None`, never a trap.
//!
//! The layout is pinned by `state/golden` tests: a fixed scenario's raw memory digest is
//! compared with committed golden values.

pub mod blob;
pub mod edit;
pub mod record_region;
pub mod record_store;
pub mod records;
mod written;

use blob::{BlobRegion, Extent};
use edit::{ReadAssets, StoreEdit};
use ic_stable_structures::{Memory, StableBTreeMap};
use record_region::RecordRegionError;
use record_store::{RecordHandle, RecordStore};
use records::{AssetRecord, Body, EncodingRecord, KeyText, StoredAsset, StoredEncoding, StoredEncodingHead};
use written::Written;

/// One asset as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedAsset {
    /// Its key.
    pub key: String,
    /// Its metadata.
    pub record: AssetRecord,
    /// Each encoding's name and head, sorted by name.
    pub encodings: Vec<(String, StoredEncodingHead)>,
}

/// Bytes per page of a stable memory (`Memory::size` counts pages of this size).
const WASM_PAGE: u64 = 65_536;

/// Virtual memory ids (see the layout diagram above).
pub mod memory_ids {
    /// `Meta` cell.
    pub const META: u8 = 0;
    /// Asset map (each asset with its encodings).
    pub const ASSETS: u8 = 1;
    /// Permission set.
    pub const PERMISSIONS: u8 = 3;
    /// Batch map.
    pub const BATCHES: u8 = 4;
    /// Chunk map.
    pub const CHUNKS: u8 = 5;
    /// Batch-to-chunk index.
    pub const BATCH_CHUNKS: u8 = 6;
    /// Proposed commit arguments.
    pub const PROPOSALS: u8 = 7;
    /// Raw content bytes.
    pub const BLOB_DATA: u8 = 8;
    /// Free list by offset.
    pub const BLOB_FREE_BY_OFFSET: u8 = 9;
    /// Free list by size.
    pub const BLOB_FREE_BY_SIZE: u8 = 10;
    /// Blob end mark.
    pub const BLOB_END: u8 = 11;
    /// Limits and last-change clock.
    pub const SETTINGS: u8 = 12;
    /// Record handle to the address of its certification record in [`RECORDS`].
    pub const RECORD_INDEX: u8 = 13;
    /// The certification trees, slots of `certification::stable_tree`.
    pub const CERT_TREE: u8 = 14;
    /// Certification records (raw bytes, laid out by `certification::record`).
    pub const RECORDS: u8 = 15;
}

/// Assets with their encodings and certification records, and the blob region.
pub struct Store<M: Memory> {
    assets: StableBTreeMap<KeyText, StoredAsset, M>,
    blob: BlobRegion<M>,
    /// Each asset's certification record, by the handle in its asset record.
    records: RecordStore<M>,
    /// Heap copy of recently written assets (see `written.rs` and [`Store::keep_written`]).
    written: Written,
}

impl<M: Memory> Store<M> {
    /// Opens the store over its memories (initialising empty ones). When the record table was
    /// reset (a layout change), the assets keep their handles: they are reserved (one pass over
    /// the asset map, only then) so their records can be rebuilt and new assets get others.
    pub fn init(assets: M, blob: BlobRegion<M>, records: (RecordStore<M>, bool)) -> Self {
        let (mut records, reset) = records;
        let assets = StableBTreeMap::init(assets);
        if reset {
            if let Some(highest) = assets.values().map(|a: StoredAsset| a.handle).max() {
                records.reserve(highest);
            }
        }
        Store { assets, blob, records, written: Written::default() }
    }

    /// The blob region, shared with the batch module for chunk bytes.
    pub fn blob(&self) -> &BlobRegion<M> {
        &self.blob
    }

    /// Mutable blob region.
    pub fn blob_mut(&mut self) -> &mut BlobRegion<M> {
        &mut self.blob
    }

    /// Starts changing assets; the changes are stored when the edit is dropped.
    pub fn edit(&mut self) -> StoreEdit<'_, M> {
        StoreEdit::new(self, ReadAssets::default())
    }

    /// Starts changing assets from those `read` holds, read in this same message.
    pub fn edit_from(&mut self, read: ReadAssets) -> StoreEdit<'_, M> {
        StoreEdit::new(self, read)
    }

    /// Asset metadata.
    pub fn asset(&self, key: &str) -> Option<AssetRecord> {
        match self.written.get(key) {
            Some(asset) => Some(asset.record.clone()),
            None => self.assets.get(&KeyText::of(key)).map(|a| a.record),
        }
    }

    /// Number of assets.
    pub fn len(&self) -> u64 {
        self.assets.len()
    }

    /// Whether there are no assets.
    pub fn is_empty(&self) -> bool {
        self.assets.is_empty()
    }

    /// Drops the heap copy of written assets whose key is not in `changed` (call when draining
    /// the change feed with its keys: the copy then holds at most one update call's assets).
    pub fn keep_written(&mut self, changed: &std::collections::BTreeSet<String>) {
        self.written.retain(|key| changed.contains(key));
    }

    /// One encoding.
    pub fn encoding(&self, key: &str, encoding: &str) -> Option<EncodingRecord> {
        if let Some(asset) = self.written.get(key) {
            return asset.encodings.iter().find(|(n, _)| n == encoding).map(|(_, e)| e.clone());
        }
        let asset = self.assets.get(&KeyText::of(key))?;
        asset.encodings.iter().find(|(n, _)| n == encoding).map(|(_, e)| self.resolve(e))
    }

    /// All encodings of `key`, sorted by name.
    pub fn encodings_of(&self, key: &str) -> Vec<(String, EncodingRecord)> {
        if let Some(asset) = self.written.get(key) {
            return asset.encodings.clone();
        }
        match self.assets.get(&KeyText::of(key)) {
            Some(asset) => asset.encodings.iter().map(|(n, e)| (n.clone(), self.resolve(e))).collect(),
            None => Vec::new(),
        }
    }

    /// An encoding with its body (read from the blob region if spilled).
    fn resolve(&self, e: &StoredEncoding) -> EncodingRecord {
        match &e.body {
            Body::Inline(body) => EncodingRecord::join(&e.head, body),
            Body::Spilled(extent) => EncodingRecord::join(&e.head, &self.blob.read(*extent, 0, extent.len)),
        }
    }

    /// Deletes every asset and frees their content; returns the keys that existed.
    pub fn clear(&mut self) -> Vec<String> {
        let assets: Vec<(KeyText, StoredAsset)> = self.assets.iter().map(|e| (e.key().clone(), e.value())).collect();
        for (_, asset) in &assets {
            edit::free_all(self, asset);
        }
        self.assets.clear_new();
        self.records.clear();
        self.written = Written::default();
        assets.into_iter().map(|(k, _)| k.text()).collect()
    }

    /// The record handle of `key`'s asset.
    fn record_handle(&self, key: &str) -> Option<RecordHandle> {
        self.written.handle(key).or_else(|| self.assets.get(&KeyText::of(key)).map(|a| a.handle))
    }

    /// Stores `bytes` as the certification record of `key`'s asset, freeing the one it
    /// replaces; returns its address.
    pub fn write_record(&mut self, key: &str, bytes: &[u8]) -> Result<u64, RecordRegionError> {
        let handle = self.record_handle(key).ok_or_else(|| RecordRegionError::NoAsset { key: key.to_string() })?;
        self.records.write(handle, bytes)
    }

    /// Frees the certification record of `key`'s asset, if any (a deleted asset's went with it).
    pub fn remove_record(&mut self, key: &str) {
        if let Some(handle) = self.record_handle(key) {
            self.records.remove(handle);
        }
    }

    /// Frees every certification record (the assets keep their handles).
    pub fn clear_records(&mut self) {
        let handles: Vec<RecordHandle> = self.assets.values().map(|a| a.handle).collect();
        for handle in handles {
            self.records.remove(handle);
        }
    }

    /// The address of `key`'s certification record.
    pub fn record_address(&self, key: &str) -> Option<u64> {
        self.records.address(self.record_handle(key)?)
    }

    /// Number of certification records.
    pub fn record_count(&self) -> u64 {
        self.records.count()
    }

    /// Keys with the addresses of their certification records, in key order after `after`
    /// (from the first if `None`), at most `limit`; assets without a record are skipped.
    pub fn record_addresses_after(&self, after: Option<&str>, limit: usize) -> Vec<(String, u64)> {
        let entries: Box<dyn Iterator<Item = _>> = match after {
            None => Box::new(self.assets.iter()),
            Some(a) => Box::new(self.assets.range(KeyText::of(a)..).skip_while(move |e| e.key().is(a))),
        };
        entries
            .filter_map(|e| Some((e.key().text(), self.records.address(e.value().handle)?)))
            .take(limit)
            .collect()
    }

    /// The record region, for reads.
    pub fn record_region(&self) -> &record_region::RecordRegion<M> {
        self.records.region()
    }

    /// Assets in key order, starting at index `start`, at most `limit` of them, read in one
    /// pass over the asset map (reading each listed asset by key cost two more B-tree reads).
    pub fn page(&self, start: u64, limit: u64) -> Vec<ListedAsset> {
        self.assets
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|entry| {
                let asset = entry.value();
                let encodings = asset.encodings.into_iter().map(|(name, e)| (name, e.head)).collect();
                ListedAsset { key: entry.key().text(), record: asset.record, encodings }
            })
            .collect()
    }

    /// Asset keys strictly after `after` (or from the first), at most `limit`.
    pub fn keys_after(&self, after: Option<&str>, limit: usize) -> Vec<String> {
        match after {
            None => self.assets.keys().take(limit).map(|k| k.text()).collect(),
            Some(a) => self
                .assets
                .keys_range(KeyText::of(a)..)
                .filter(|k| !k.is(a))
                .take(limit)
                .map(|k| k.text())
                .collect(),
        }
    }

    /// Reads `len` bytes from `from` in an encoding's content (clamped to its length).
    pub fn read(&self, record: &EncodingRecord, from: u64, len: u64) -> Vec<u8> {
        let end = from.saturating_add(len).min(record.total_length);
        let mut out = Vec::with_capacity(end.saturating_sub(from) as usize);
        self.append_range(record.extents.iter().copied(), from, end, &mut out);
        out
    }

    /// Bytes `[from, end)` of the content a [`EncodingRecord::locator`] designates; `None` when
    /// the locator is malformed, an extent it reads lies outside the blob region, or the content
    /// is shorter than `end`. Only the extents overlapping the range are checked and read.
    pub fn read_located(&self, locator: &[u8], from: u64, end: u64) -> Option<Vec<u8>> {
        if !locator.len().is_multiple_of(Extent::ENCODED_LEN) || from > end {
            return None;
        }
        let blob_end = self.blob.end();
        let mut out = Vec::with_capacity(usize::try_from(end - from).ok()?);
        let mut at = 0u64;
        for bytes in locator.chunks_exact(Extent::ENCODED_LEN) {
            if at >= end {
                break;
            }
            let extent = Extent::decode(bytes);
            let hi = at.checked_add(extent.len)?;
            if hi > from {
                extent.offset.checked_add(extent.len).filter(|&x| x <= blob_end)?;
                let s = from.max(at) - at;
                let e = end.min(hi) - at;
                self.blob.append_to(extent, s, e - s, &mut out);
            }
            at = hi;
        }
        (out.len() as u64 == end - from).then_some(out)
    }

    /// Appends bytes `[from, end)` of the concatenated `extents` to `out`.
    fn append_range(&self, extents: impl Iterator<Item = Extent>, from: u64, end: u64, out: &mut Vec<u8>) {
        let mut at = 0u64;
        for extent in extents {
            let (lo, hi) = (at, at + extent.len);
            if hi > from && lo < end {
                let s = from.max(lo) - lo;
                let e = end.min(hi) - lo;
                self.blob.append_to(extent, s, e - s, out);
            }
            at = hi;
            if at >= end {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests;
