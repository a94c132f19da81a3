//! Records for unit tests: the real record store over vector memories, with content read from
//! nowhere (certification tests never serve a body).

use super::input::{ContentSource, RecordSink};
use crate::store::record_region::RecordRegionError;
use crate::store::record_store::{RecordHandle, RecordStore};
use ic_stable_structures::VectorMemory;
use std::collections::BTreeMap;

/// A record store in memory, with each key's handle (the asset map's job in the canister).
pub struct Records {
    store: RecordStore<VectorMemory>,
    handles: BTreeMap<String, RecordHandle>,
}

impl Records {
    /// An empty store.
    pub fn new() -> Records {
        Records { store: RecordStore::init(VectorMemory::default(), VectorMemory::default()).0, handles: BTreeMap::new() }
    }

    /// The length of the record at `address`, if it is live.
    pub fn region_len(&self, address: u64) -> Result<u32, RecordRegionError> {
        self.store.region().len(address)
    }

    /// Every key with a record and the record's address, in key order.
    pub fn addresses(&self) -> Vec<(String, u64)> {
        self.handles.iter().filter_map(|(key, &h)| Some((key.clone(), self.store.address(h)?))).collect()
    }
}

impl RecordSink for Records {
    fn write_record(&mut self, key: &str, bytes: &[u8]) -> Result<u64, RecordRegionError> {
        let store = &mut self.store;
        let handle = *self.handles.entry(key.to_string()).or_insert_with(|| store.allocate());
        store.write(handle, bytes)
    }

    fn remove_record(&mut self, key: &str) {
        if let Some(handle) = self.handles.remove(key) {
            self.store.release(handle);
        }
    }
}

impl ContentSource for Records {
    fn read_content(&self, _: &[u8], _: u64, _: u64) -> Option<Vec<u8>> {
        None
    }

    fn record_prefix(&self, address: u64, max: usize) -> Option<(Vec<u8>, u32)> {
        self.store.region().read_prefix(address, max).ok()
    }

    fn record_bytes(&self, address: u64, offset: u64, buf: &mut [u8]) -> bool {
        self.store.region().read(address, offset, buf).is_ok()
    }

    fn record_address(&self, key: &str) -> Option<u64> {
        self.store.address(*self.handles.get(key)?)
    }
}
