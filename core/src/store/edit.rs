//! Staged writes to the asset map: every asset an edit touches is read at most once and written
//! once, when the edit ends, so a commit that creates an asset and sets its content pays one
//! B-tree insert for it (a write costs 40 to 50 K instructions in `ic-stable-structures` 0.7,
//! which saves a whole node).
//!
//! Owns the staged assets of one edit and where encoding bodies go (inline, or spilled to the
//! blob region past [`INLINE_BODY_MAX`]). Does not decide what a commit means (`operations`).
//! Invariants: while an edit lives it holds the store mutably, so nothing reads the store past
//! its staged state; when it ends (drop) every staged asset is in stable memory and in the
//! heap copy of `written.rs`; blob extents are freed when an encoding is replaced or removed,
//! never twice (each staged asset is the only live copy of its encodings); a deleted asset's
//! record handle is released with it, and a new asset gets a fresh one.

use super::blob::BlobRegion;
use super::records::{AssetRecord, Body, EncodingRecord, KeyText, StoredAsset, StoredEncoding};
use super::written::WrittenAsset;
use super::Store;
use ic_stable_structures::Memory;
use rustc_hash::FxHashMap;

/// An encoding body (part hashes and extents) longer than this is spilled to the blob region:
/// a file of up to about 20 MB in 1.9 MB chunks stays inline, a larger one keeps the asset
/// record, and so every B-tree node that holds it, small.
pub const INLINE_BODY_MAX: usize = 512;

/// One staged asset: whether stable memory holds it, and what it will hold.
struct Staged {
    existed: bool,
    asset: Option<StoredAsset>,
}

/// Staged changes to the store; they reach stable memory when the edit is dropped.
pub struct StoreEdit<'a, M: Memory> {
    store: &'a mut Store<M>,
    staged: Stage,
    read: ReadAssets,
}

/// Assets read from the asset map before an edit, in the same message (by a commit's
/// validation), which the edit starts from instead of reading them again: a commit that
/// replaces content reads each asset once, not twice (a B-tree read costs about 16 K
/// instructions). Valid only while the store is unchanged since the reads, which holds within
/// one message from validation to the edit. Only assets found are kept: a commit reads a
/// missing key to create it, and creating does not read.
#[derive(Default)]
pub struct ReadAssets {
    assets: FxHashMap<String, StoredAsset>,
}

impl ReadAssets {
    /// Whether `store` holds `key`, remembering the asset for the edit.
    pub fn contains<M: Memory>(&mut self, store: &Store<M>, key: &str) -> bool {
        if self.assets.contains_key(key) {
            return true;
        }
        match store.assets.get(&KeyText::of(key)) {
            Some(asset) => {
                self.assets.insert(key.to_string(), asset);
                true
            }
            None => false,
        }
    }
}

/// Staged assets in the order the edit first touched them, which is the order they are stored
/// in (deterministic without sorting: a sort of the keys cost about 3 K per asset on the
/// meter), with each key's position.
#[derive(Default)]
struct Stage {
    order: Vec<(String, Staged)>,
    at: FxHashMap<String, usize>,
}

impl Stage {
    fn get_mut(&mut self, key: &str) -> Option<&mut Staged> {
        let i = *self.at.get(key)?;
        Some(&mut self.order[i].1)
    }

    fn push(&mut self, key: &str, staged: Staged) -> &mut Staged {
        self.at.insert(key.to_string(), self.order.len());
        self.order.push((key.to_string(), staged));
        &mut self.order.last_mut().expect("pushed").1
    }
}

impl<'a, M: Memory> StoreEdit<'a, M> {
    pub(super) fn new(store: &'a mut Store<M>, read: ReadAssets) -> Self {
        StoreEdit { store, staged: Stage::default(), read }
    }

    fn slot(&mut self, key: &str) -> &mut Staged {
        slot(&mut self.staged, &mut self.read, self.store, key)
    }

    /// The blob region (for content written before it is handed to an encoding).
    pub fn blob_mut(&mut self) -> &mut BlobRegion<M> {
        &mut self.store.blob
    }

    /// Asset metadata, as staged.
    pub fn asset(&mut self, key: &str) -> Option<AssetRecord> {
        self.slot(key).asset.as_ref().map(|a| a.record.clone())
    }

    /// A new asset without encodings, for a key the caller checked is free (so it is not read;
    /// should one be stored, it is replaced and its content and record freed when the edit
    /// ends). An asset this edit staged under `key` is replaced but lends its record handle.
    pub fn create_asset(&mut self, key: &str, record: AssetRecord) {
        match self.staged.get_mut(key) {
            Some(staged) => {
                let handle = match staged.asset.take() {
                    Some(old) => {
                        free_all(self.store, &old);
                        old.handle
                    }
                    None => self.store.records.allocate(),
                };
                staged.asset = Some(StoredAsset { handle, record, encodings: Vec::new() });
            }
            None => {
                let fresh = StoredAsset { handle: self.store.records.allocate(), record, encodings: Vec::new() };
                self.staged.push(key, Staged { existed: false, asset: Some(fresh) });
            }
        }
    }

    /// Inserts or replaces metadata (encodings are untouched).
    pub fn put_asset(&mut self, key: &str, record: AssetRecord) {
        let slot = slot(&mut self.staged, &mut self.read, self.store, key);
        match &mut slot.asset {
            Some(asset) => asset.record = record,
            None => slot.asset = Some(StoredAsset { handle: self.store.records.allocate(), record, encodings: Vec::new() }),
        }
    }

    /// Sets an encoding of an existing asset, freeing the one it replaces. Without the asset
    /// (callers validate that it exists) the content is freed: nothing would own it.
    pub fn set_encoding(&mut self, key: &str, name: &str, record: EncodingRecord) {
        let Some(asset) = slot(&mut self.staged, &mut self.read, self.store, key).asset.as_mut() else {
            for e in &record.extents {
                self.store.blob.free(*e);
            }
            return;
        };
        let (head, body) = record.split();
        let body = if body.len() > INLINE_BODY_MAX {
            Body::Spilled(self.store.blob.write_new(&body))
        } else {
            Body::Inline(body)
        };
        let stored = StoredEncoding { head, body };
        let old = match asset.encodings.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
            Ok(i) => Some(std::mem::replace(&mut asset.encodings[i].1, stored)),
            Err(i) => {
                asset.encodings.insert(i, (name.to_string(), stored));
                None
            }
        };
        if let Some(old) = old {
            free_encoding(self.store, &old);
        }
    }

    /// Removes an encoding and frees its content; returns whether it existed.
    pub fn unset_encoding(&mut self, key: &str, name: &str) -> bool {
        let Some(asset) = self.slot(key).asset.as_mut() else { return false };
        let Ok(i) = asset.encodings.binary_search_by(|(n, _)| n.as_str().cmp(name)) else { return false };
        let (_, old) = asset.encodings.remove(i);
        free_encoding(self.store, &old);
        true
    }

    /// Deletes an asset with all its encodings and its certification record; returns whether
    /// it existed.
    pub fn delete_asset(&mut self, key: &str) -> bool {
        match self.slot(key).asset.take() {
            Some(old) => {
                free_all(self.store, &old);
                self.store.records.release(old.handle);
                true
            }
            None => false,
        }
    }

    /// Deletes every asset (the staged changes first reach stable memory); returns the keys
    /// that existed. Assets read before are forgotten: none of them is stored any more.
    pub fn clear(&mut self) -> Vec<String> {
        self.flush();
        self.read = ReadAssets::default();
        self.store.clear()
    }

    fn flush(&mut self) {
        for (key, staged) in std::mem::take(&mut self.staged).order {
            let store = &mut *self.store;
            match staged.asset {
                Some(asset) => {
                    let stored_key = KeyText::of(&key);
                    let handle = asset.handle;
                    let encodings = asset.encodings.iter().map(|(n, e)| (n.clone(), store.resolve(e))).collect();
                    store.written.put(key, WrittenAsset { record: asset.record.clone(), encodings, handle });
                    if let Some(old) = store.assets.insert(stored_key, asset).filter(|_| !staged.existed) {
                        free_all(store, &old);
                        if old.handle != handle {
                            store.records.release(old.handle);
                        }
                    }
                }
                None => {
                    store.written.remove(&key);
                    if staged.existed {
                        store.assets.remove(&KeyText::of(&key));
                    }
                }
            }
        }
    }
}

impl<M: Memory> Drop for StoreEdit<'_, M> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The staged asset of `key`, taken from the assets read before the edit or read from the
/// store on first touch.
fn slot<'s, M: Memory>(staged: &'s mut Stage, read: &mut ReadAssets, store: &Store<M>, key: &str) -> &'s mut Staged {
    match staged.at.get(key) {
        Some(&i) => &mut staged.order[i].1,
        None => {
            let asset = read.assets.remove(key).or_else(|| store.assets.get(&KeyText::of(key)));
            staged.push(key, Staged { existed: asset.is_some(), asset })
        }
    }
}

/// Frees every encoding of `asset`.
pub(super) fn free_all<M: Memory>(store: &mut Store<M>, asset: &StoredAsset) {
    for (_, e) in &asset.encodings {
        free_encoding(store, e);
    }
}

/// Frees an encoding's content and, if spilled, its body.
fn free_encoding<M: Memory>(store: &mut Store<M>, e: &StoredEncoding) {
    for extent in store.resolve(e).extents {
        store.blob.free(extent);
    }
    if let Body::Spilled(body) = e.body {
        store.blob.free(body);
    }
}
