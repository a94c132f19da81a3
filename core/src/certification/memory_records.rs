//! Records for unit tests: the real record store over vector memories, with content read from
//! nowhere (certification tests never serve a body).

use super::input::{ContentSource, RecordSink};
use crate::store::record_region::RecordRegionError;
use crate::store::record_store::RecordStore;
use ic_stable_structures::VectorMemory;

/// A record store in memory.
pub struct Records(pub RecordStore<VectorMemory>);

impl Records {
    /// An empty store.
    pub fn new() -> Records {
        Records(RecordStore::init(VectorMemory::default(), VectorMemory::default()))
    }
}

impl RecordSink for Records {
    fn write_record(&mut self, key: &str, bytes: &[u8]) -> Result<u64, RecordRegionError> {
        self.0.write(key, bytes)
    }

    fn remove_record(&mut self, key: &str) {
        self.0.remove(key);
    }
}

impl ContentSource for Records {
    fn read_content(&self, _: &[u8], _: u64, _: u64) -> Option<Vec<u8>> {
        None
    }

    fn record_prefix(&self, address: u64, max: usize) -> Option<(Vec<u8>, u32)> {
        self.0.region().read_prefix(address, max).ok()
    }

    fn record_bytes(&self, address: u64, offset: u64, buf: &mut [u8]) -> bool {
        self.0.region().read(address, offset, buf).is_ok()
    }

    fn record_address(&self, key: &str) -> Option<u64> {
        self.0.address(key)
    }
}
