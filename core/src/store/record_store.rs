//! One certification record per asset: the record region (memory 15) plus a table (memory 13)
//! from each asset's record handle to its record's address. An asset gets its handle when it is
//! created and keeps it in its asset record, so writing a record costs one table write instead
//! of a B-tree insert keyed by the asset's key (about 38 K instructions per asset of a commit).
//!
//! Owns which handle's record lives at which address and which handles are in use, not what a
//! record says (that is `certification::record`'s) nor which asset holds a handle (that is the
//! asset map's). Invariants: a live record is referenced by exactly one table entry; writing a
//! handle's record frees the one it replaces; releasing a handle frees its record and puts the
//! handle on the free list; `live` counts the entries holding a record.
//!
//! Table layout (integers big-endian):
//! ```text
//!  0      magic "RHDL" | version u8 | 3 reserved | live u64 | next handle u64 | free head u64
//!  32     one u64 per handle: 0 = no record, FREE | (next free + 1) = released (0 ends the
//!         list), else the record's address + 1
//! ```

use super::WASM_PAGE;
use super::record_region::{RecordRegion, RecordRegionError};
use ic_stable_structures::Memory;

const MAGIC: &[u8; 4] = b"RHDL";
const LAYOUT_VERSION: u8 = 1;
const LIVE_AT: u64 = 8;
const NEXT_AT: u64 = 16;
const FREE_HEAD_AT: u64 = 24;
const ENTRIES_AT: u64 = 32;
/// Tag of a released entry; addresses stay far below it.
const FREE: u64 = 1 << 63;

/// An asset's key into the record table: stored in its asset record, stable for its lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordHandle(pub(super) u64);

/// Records by handle.
pub struct RecordStore<M: Memory> {
    region: RecordRegion<M>,
    table: M,
    /// Handles ever allocated (the table's length), mirrored from its header.
    next: u64,
}

impl<M: Memory> RecordStore<M> {
    /// Opens the store; returns it and whether it was reset. A new region or a table of another
    /// layout (an older canister kept a B-tree here) resets both: every record is then rebuilt
    /// from the assets, whose handles the caller must [`RecordStore::reserve`].
    pub fn init(region: M, table: M) -> (Self, bool) {
        let (region, fresh) = RecordRegion::init(region);
        let mut store = RecordStore { region, table, next: 0 };
        let mut magic = [0u8; 5];
        if store.table.size() > 0 {
            store.table.read(0, &mut magic);
        }
        let reset = fresh || magic[..4] != MAGIC[..] || magic[4] != LAYOUT_VERSION;
        if reset {
            store.clear();
        }
        store.next = store.u64_at(NEXT_AT);
        (store, reset)
    }

    /// Marks every handle up to `highest` as in use (with no record), so that assets which kept
    /// their handles across a reset can write their records and no new asset is given one.
    pub fn reserve(&mut self, highest: RecordHandle) {
        while self.next <= highest.0 {
            let handle = self.next;
            self.next += 1;
            self.set_entry(handle, 0);
        }
        self.set_u64(NEXT_AT, self.next);
    }

    /// A handle with no record, for a new asset.
    pub fn allocate(&mut self) -> RecordHandle {
        let head = self.u64_at(FREE_HEAD_AT);
        if head != 0 && head <= self.next {
            let handle = head - 1;
            let entry = self.entry(handle);
            if entry & FREE != 0 {
                self.set_u64(FREE_HEAD_AT, entry & !FREE);
                self.set_entry(handle, 0);
                return RecordHandle(handle);
            }
        }
        // An empty or corrupt free list: a fresh handle (a corrupt list's handles leak).
        let handle = self.next;
        self.next += 1;
        self.set_u64(NEXT_AT, self.next);
        self.set_entry(handle, 0);
        RecordHandle(handle)
    }

    /// Stores `bytes` as the record of `handle`, freeing the record it replaces; returns its
    /// address. A handle that is not in use is refused and nothing is written.
    pub fn write(&mut self, handle: RecordHandle, bytes: &[u8]) -> Result<u64, RecordRegionError> {
        let old = self.in_use(handle)?;
        let address = self.region.write(bytes)?;
        self.set_entry(handle.0, address + 1);
        match old {
            // An address the table held is live unless the region was corrupted; a failed free
            // then only leaks the block.
            Some(old) => drop(self.region.free(old)),
            None => self.add_live(1),
        }
        Ok(address)
    }

    /// Frees the record of `handle`, if any; the handle stays in use.
    pub fn remove(&mut self, handle: RecordHandle) {
        if let Ok(Some(old)) = self.in_use(handle) {
            drop(self.region.free(old));
            self.set_entry(handle.0, 0);
            self.add_live(-1);
        }
    }

    /// Frees the record of `handle`, if any, and the handle itself (its asset is gone).
    pub fn release(&mut self, handle: RecordHandle) {
        if self.in_use(handle).is_err() {
            return;
        }
        self.remove(handle);
        let head = self.u64_at(FREE_HEAD_AT);
        self.set_entry(handle.0, FREE | head);
        self.set_u64(FREE_HEAD_AT, handle.0 + 1);
    }

    /// Frees every record and handle.
    pub fn clear(&mut self) {
        self.region.reset();
        if self.table.size() == 0 && self.table.grow(1) < 0 {
            panic!("stable memory exhausted: cannot create the record table");
        }
        let mut header = [0u8; ENTRIES_AT as usize];
        header[..4].copy_from_slice(MAGIC);
        header[4] = LAYOUT_VERSION;
        self.table.write(0, &header);
        self.next = 0;
    }

    /// The address of `handle`'s record.
    pub fn address(&self, handle: RecordHandle) -> Option<u64> {
        self.in_use(handle).ok().flatten()
    }

    /// Number of records.
    pub fn count(&self) -> u64 {
        self.u64_at(LIVE_AT)
    }

    /// The record region, for reads.
    pub fn region(&self) -> &RecordRegion<M> {
        &self.region
    }

    /// The record address `handle` holds (`None`: no record), or `NotLive` for a handle that
    /// was never allocated or is released.
    fn in_use(&self, handle: RecordHandle) -> Result<Option<u64>, RecordRegionError> {
        let unknown = RecordRegionError::UnknownHandle { handle: handle.0 };
        if handle.0 >= self.next {
            return Err(unknown);
        }
        match self.entry(handle.0) {
            0 => Ok(None),
            entry if entry & FREE != 0 => Err(unknown),
            entry => Ok(Some(entry - 1)),
        }
    }

    fn add_live(&mut self, delta: i64) {
        let live = self.count().saturating_add_signed(delta);
        self.set_u64(LIVE_AT, live);
    }

    fn entry(&self, handle: u64) -> u64 {
        self.u64_at(ENTRIES_AT + 8 * handle)
    }

    fn set_entry(&mut self, handle: u64, value: u64) {
        let at = ENTRIES_AT + 8 * handle;
        let have = self.table.size() * WASM_PAGE;
        if at + 8 > have && self.table.grow((at + 8 - have).div_ceil(WASM_PAGE)) < 0 {
            panic!("stable memory exhausted: cannot grow the record table");
        }
        self.set_u64(at, value);
    }

    fn u64_at(&self, at: u64) -> u64 {
        if at + 8 > self.table.size() * WASM_PAGE {
            return 0;
        }
        let mut b = [0u8; 8];
        self.table.read(at, &mut b);
        u64::from_be_bytes(b)
    }

    fn set_u64(&mut self, at: u64, value: u64) {
        self.table.write(at, &value.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ic_stable_structures::VectorMemory;

    fn store() -> RecordStore<VectorMemory> {
        RecordStore::init(VectorMemory::default(), VectorMemory::default()).0
    }

    #[test]
    fn writing_replaces_and_frees_the_previous_record() {
        let mut s = store();
        let (a, b) = (s.allocate(), s.allocate());
        assert_ne!(a, b);
        assert_eq!(s.address(a), None);
        let first = s.write(a, b"one").unwrap();
        s.write(b, b"two").unwrap();
        let replaced = s.write(a, b"three").unwrap();
        assert_eq!(s.address(a), Some(replaced));
        assert_eq!(s.region().len(first), Err(RecordRegionError::NotLive { address: first }));
        assert_eq!(s.count(), 2);
        s.remove(a);
        assert_eq!((s.address(a), s.count()), (None, 1));
        assert!(s.write(a, b"again").is_ok(), "a handle keeps its place after its record is removed");
    }

    #[test]
    fn released_handles_are_refused_then_reused() {
        let mut s = store();
        let a = s.allocate();
        let address = s.write(a, b"record").unwrap();
        s.release(a);
        assert_eq!(s.count(), 0);
        assert_eq!(s.region().len(address), Err(RecordRegionError::NotLive { address }));
        assert_eq!(s.write(a, b"x"), Err(RecordRegionError::UnknownHandle { handle: a.0 }));
        assert_eq!(s.write(RecordHandle(99), b"x"), Err(RecordRegionError::UnknownHandle { handle: 99 }));
        s.release(a);
        assert_eq!(s.allocate(), a, "the released handle is reused");
        assert_eq!(s.allocate(), RecordHandle(1), "then fresh ones");
        assert_eq!(s.address(a), None);
    }

    #[test]
    fn reopening_keeps_handles_and_records() {
        let (region, table) = (VectorMemory::default(), VectorMemory::default());
        let (mut s, reset) = RecordStore::init(region.clone(), table.clone());
        assert!(reset);
        let a = s.allocate();
        let address = s.write(a, b"kept").unwrap();
        let released = s.allocate();
        s.release(released);
        let (s, reset) = RecordStore::init(region, table);
        assert!(!reset);
        assert_eq!((s.address(a), s.count()), (Some(address), 1));
        let mut s = s;
        assert_eq!(s.allocate(), released);
    }

    #[test]
    fn a_table_of_another_layout_is_reset() {
        let table = VectorMemory::default();
        table.grow(1);
        table.write(0, b"an old B-tree");
        let (mut s, reset) = RecordStore::init(VectorMemory::default(), table);
        assert!(reset);
        assert_eq!(s.count(), 0);
        assert_eq!(s.address(RecordHandle(0)), None);
        s.reserve(RecordHandle(2));
        assert!(s.write(RecordHandle(2), b"kept handle").is_ok(), "a reserved handle takes its record");
        assert_eq!(s.allocate(), RecordHandle(3), "new assets get handles past the reserved ones");
    }
}
