use super::*;
use ic_stable_structures::VectorMemory;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn region() -> RecordRegion<VectorMemory> {
    RecordRegion::init(VectorMemory::default()).0
}

fn read_all(r: &RecordRegion<VectorMemory>, address: u64) -> Result<Vec<u8>, RecordRegionError> {
    let mut buf = vec![0u8; r.len(address)? as usize];
    r.read(address, 0, &mut buf)?;
    Ok(buf)
}

#[test]
fn a_written_record_reads_back_and_survives_reopening() {
    let memory = VectorMemory::default();
    let (mut r, fresh) = RecordRegion::init(memory.clone());
    assert!(fresh);
    let a = r.write(b"hello").unwrap();
    let b = r.write(&[7u8; 3000]).unwrap();
    let (reopened, fresh) = RecordRegion::init(memory);
    assert!(!fresh);
    assert_eq!(read_all(&reopened, a).unwrap(), b"hello");
    assert_eq!(read_all(&reopened, b).unwrap(), vec![7u8; 3000]);
    assert_eq!(reopened.read_prefix(a, 3), Ok((b"hel".to_vec(), 5)));
    assert_eq!(reopened.read_prefix(a, 100), Ok((b"hello".to_vec(), 5)));
    assert_eq!(reopened.read_prefix(a + 1, 3), Err(RecordRegionError::NotLive { address: a + 1 }));
}

#[test]
fn a_freed_block_is_reused_by_the_next_record_of_its_class() {
    let mut r = region();
    let a = r.write(&[1u8; 100]).unwrap();
    let _b = r.write(&[2u8; 100]).unwrap();
    let end = r.end();
    r.free(a).unwrap();
    let c = r.write(&[3u8; 90]).unwrap();
    assert_eq!(c, a, "same class, so the freed block is reused");
    assert_eq!(r.end(), end, "no growth");
    assert_eq!(read_all(&r, c).unwrap(), vec![3u8; 90]);
}

#[test]
fn reading_or_freeing_a_dead_or_bogus_address_is_an_error() {
    let mut r = region();
    let a = r.write(b"record").unwrap();
    r.free(a).unwrap();
    assert_eq!(r.free(a), Err(RecordRegionError::NotLive { address: a }));
    assert_eq!(r.len(a), Err(RecordRegionError::NotLive { address: a }));
    for bogus in [0, 1, a + 3, r.end(), u64::MAX] {
        assert_eq!(r.len(bogus), Err(RecordRegionError::NotLive { address: bogus }));
        assert_eq!(r.free(bogus), Err(RecordRegionError::NotLive { address: bogus }));
    }
}

#[test]
fn reads_past_the_record_are_refused() {
    let mut r = region();
    let a = r.write(b"12345").unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(r.read(a, 2, &mut buf), Err(RecordRegionError::OutOfRange { address: a, offset: 2, end: 6, len: 5 }));
    assert!(matches!(r.read(a, u64::MAX, &mut buf), Err(RecordRegionError::OutOfRange { .. })));
    r.read(a, 1, &mut buf).unwrap();
    assert_eq!(&buf, b"2345");
}

#[test]
fn corrupt_bytes_give_errors_not_panics() {
    let memory = VectorMemory::default();
    let (mut r, _) = RecordRegion::init(memory.clone());
    let a = r.write(&[9u8; 50]).unwrap();
    let b = r.write(&[8u8; 50]).unwrap();
    // A length larger than the block's class.
    memory.write(a + 4, &u32::MAX.to_be_bytes());
    assert_eq!(r.len(a), Err(RecordRegionError::NotLive { address: a }));
    // A class beyond the table.
    memory.write(b + 1, &[200]);
    assert_eq!(r.len(b), Err(RecordRegionError::NotLive { address: b }));
    // An end mark past the memory, and a free-list head pointing nowhere.
    memory.write(END_AT, &u64::MAX.to_be_bytes());
    memory.write(HEADS_AT, &u64::MAX.to_be_bytes());
    let (mut reopened, fresh) = RecordRegion::init(memory.clone());
    assert!(!fresh);
    let past = memory.size() * WASM_PAGE + 64;
    assert_eq!(reopened.len(past), Err(RecordRegionError::NotLive { address: past }));
    assert_eq!(reopened.read_prefix(u64::MAX - 4, 8), Err(RecordRegionError::NotLive { address: u64::MAX - 4 }));
    let c = reopened.write(b"still works").unwrap();
    assert_eq!(read_all(&reopened, c).unwrap(), b"still works");
}

#[test]
fn an_oversized_record_is_refused() {
    assert_eq!(class_for(u32::MAX as usize).map(|c| class_size(c) >= u64::from(u32::MAX) + 8), Some(true));
    assert!(class_for(usize::MAX - 8).is_none());
}

proptest! {
    /// Against a naive model (a map of address to bytes): every live record reads back intact,
    /// no two live records overlap, and freed space is reused before the region grows.
    #[test]
    fn matches_a_map_model(ops in proptest::collection::vec((any::<bool>(), 0usize..600, any::<u8>()), 1..80)) {
        let mut r = region();
        let mut model: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        for (write, n, byte) in ops {
            if write || model.is_empty() {
                let bytes = vec![byte; n];
                let address = r.write(&bytes).unwrap();
                prop_assert!(!model.contains_key(&address));
                model.insert(address, bytes);
            } else {
                let address = *model.keys().nth(n % model.len()).unwrap();
                r.free(address).unwrap();
                model.remove(&address);
                prop_assert!(r.len(address).is_err());
            }
            let mut previous_end = 0;
            for (address, bytes) in &model {
                prop_assert!(*address >= previous_end, "live records overlap");
                previous_end = address + BLOCK_HEADER + bytes.len() as u64;
                prop_assert_eq!(&read_all(&r, *address).unwrap(), bytes);
            }
        }
    }
}
