//! One certification record per asset key: the record region (memory 15) plus the index from
//! key to record address (memory 13) that lets `post_upgrade` find every record again.
//!
//! Owns which key's record lives at which address, not what a record says (that is
//! `certification::record`'s). Invariant: the index holds exactly the live records: writing a
//! key's record frees the one it replaces, removing a key frees its record, and no address is
//! ever in the index twice.

use super::record_region::{RecordRegion, RecordRegionError};
use super::records::KeyText;
use ic_stable_structures::{Memory, StableBTreeMap};

/// Records by key.
pub struct RecordStore<M: Memory> {
    region: RecordRegion<M>,
    index: StableBTreeMap<KeyText, u64, M>,
}

impl<M: Memory> RecordStore<M> {
    /// Opens the store. A new region means the index (if any) belongs to an older layout that
    /// kept record bytes in it: it is reset, and every record is then rebuilt from metadata.
    pub fn init(region: M, index: M) -> Self {
        let (region, fresh) = RecordRegion::init(region);
        let index = if fresh { StableBTreeMap::new(index) } else { StableBTreeMap::init(index) };
        RecordStore { region, index }
    }

    /// Stores `bytes` as the record of `key`, freeing the record it replaces.
    pub fn write(&mut self, key: &str, bytes: &[u8]) -> Result<u64, RecordRegionError> {
        let address = self.region.write(bytes)?;
        if let Some(old) = self.index.insert(KeyText::of(key), address) {
            // An address the index held is live unless the region was corrupted; a failed free
            // then only leaks the block.
            let _ = self.region.free(old);
        }
        Ok(address)
    }

    /// Frees the record of `key`, if any.
    pub fn remove(&mut self, key: &str) {
        if let Some(old) = self.index.remove(&KeyText::of(key)) {
            // As in `write`: only a corrupted region refuses, and then the block leaks.
            let _ = self.region.free(old);
        }
    }

    /// Frees every record.
    pub fn clear(&mut self) {
        self.index.clear_new();
        self.region.reset();
    }

    /// The address of `key`'s record.
    pub fn address(&self, key: &str) -> Option<u64> {
        self.index.get(&KeyText::of(key))
    }

    /// Number of records.
    pub fn count(&self) -> u64 {
        self.index.len()
    }

    /// Keys with their record addresses after `after` (from the first if `None`), at most
    /// `limit`, in key order.
    pub fn addresses_after(&self, after: Option<&str>, limit: usize) -> Vec<(String, u64)> {
        let entries: Box<dyn Iterator<Item = _>> = match after {
            None => Box::new(self.index.iter()),
            Some(a) => Box::new(self.index.range(KeyText::of(a)..).skip_while(move |e| e.key().is(a))),
        };
        entries.take(limit).map(|e| (e.key().text(), e.value())).collect()
    }

    /// The record region, for reads.
    pub fn region(&self) -> &RecordRegion<M> {
        &self.region
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ic_stable_structures::VectorMemory;

    #[test]
    fn addresses_after_pages_in_key_order_and_frees_replaced_records() {
        let mut store = RecordStore::init(VectorMemory::default(), VectorMemory::default());
        let first = store.write("/b", b"one").unwrap();
        store.write("/a", b"two").unwrap();
        store.write("/c", b"three").unwrap();
        let replaced = store.write("/b", b"four").unwrap();
        assert_eq!(store.address("/b"), Some(replaced));
        assert_ne!(first, replaced);
        assert_eq!(store.region().len(first), Err(RecordRegionError::NotLive { address: first }));
        let all = store.addresses_after(None, 10);
        let keys: Vec<&str> = all.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["/a", "/b", "/c"]);
        let after_a: Vec<String> = store.addresses_after(Some("/a"), 1).into_iter().map(|(k, _)| k).collect();
        assert_eq!(after_a, ["/b"]);
        assert_eq!(store.count(), 3);
        store.remove("/b");
        assert_eq!(store.address("/b"), None);
        assert_eq!(store.count(), 2);
    }
}
