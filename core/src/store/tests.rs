//! Property tests of the store against a naive model (a map of byte vectors), and of its heap
//! copy of created assets against a store reopened over the same memories (which has none).

use super::*;
use ic_stable_structures::memory_manager::{MemoryId, MemoryManager};
use ic_stable_structures::VectorMemory;
use proptest::prelude::*;
use std::collections::BTreeMap;

type Mem = ic_stable_structures::memory_manager::VirtualMemory<VectorMemory>;

fn store() -> Store<Mem> {
    open(&MemoryManager::init(VectorMemory::default()))
}

fn open(mm: &MemoryManager<VectorMemory>) -> Store<Mem> {
    let m = |id: u8| mm.get(MemoryId::new(id));
    let blob = BlobRegion::init(
        m(memory_ids::BLOB_DATA),
        m(memory_ids::BLOB_FREE_BY_OFFSET),
        m(memory_ids::BLOB_FREE_BY_SIZE),
        m(memory_ids::BLOB_END),
    );
    Store::init(m(memory_ids::ASSETS), m(memory_ids::ENCODINGS), blob)
}

fn record() -> AssetRecord {
    AssetRecord { content_type: "t".into(), max_age: None, headers: None, enable_aliasing: None, allow_raw_access: None }
}

#[derive(Clone, Debug)]
enum Op {
    /// Set (key, encoding) to content split into pieces of at most `piece` bytes.
    Set(u8, u8, Vec<u8>, usize),
    Unset(u8, u8),
    Delete(u8),
    Clear,
    /// Replace an existing asset's record with one of this content type.
    Retype(u8, u8),
    /// Drain the change feed: keep the heap copy of the keys in this mask.
    Keep(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..6u8, 0..3u8, proptest::collection::vec(any::<u8>(), 0..300), 1..100usize)
            .prop_map(|(k, e, c, p)| Op::Set(k, e, c, p)),
        2 => (0..6u8, 0..3u8).prop_map(|(k, e)| Op::Unset(k, e)),
        2 => (0..6u8).prop_map(Op::Delete),
        1 => Just(Op::Clear),
        2 => (0..6u8, any::<u8>()).prop_map(|(k, t)| Op::Retype(k, t)),
        2 => any::<u8>().prop_map(Op::Keep),
    ]
}

fn key(k: u8) -> String {
    format!("/k{k}")
}
fn enc(e: u8) -> String {
    ["identity", "gzip", "br"][e as usize].to_string()
}

/// Live extents and free extents tile `[0, end)` exactly.
fn check_tiling(s: &Store<Mem>) {
    let mut spans: Vec<Extent> = s.blob().free_extents();
    for k in s.keys_page(0, u64::MAX) {
        for (_, r) in s.encodings_of(&k) {
            spans.extend(r.extents.iter().filter(|e| e.len > 0));
        }
    }
    spans.sort();
    let mut at = 0;
    for e in spans {
        assert_eq!(e.offset, at, "gap or overlap at {at}");
        at += e.len;
    }
    assert_eq!(at, s.blob().end());
}

proptest! {
    // Each case builds fresh 8 MiB buckets; 64 cases keep the debug run near 25 s.
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn store_matches_model(ops in proptest::collection::vec(op(), 1..60)) {
        let mm = MemoryManager::init(VectorMemory::default());
        let mut s = open(&mm);
        let mut model: BTreeMap<(String, String), Vec<u8>> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Set(k, e, content, piece) => {
                    if !s.contains(&key(k)) {
                        s.put_asset(&key(k), record());
                    }
                    let extents = content.chunks(piece).map(|p| s.blob_mut().write_new(p)).collect();
                    let r = EncodingRecord { modified_ns: 0, total_length: content.len() as u64, sha256: [0; 32], part_sha256: vec![], extents };
                    s.set_encoding(&key(k), &enc(e), r);
                    model.insert((key(k), enc(e)), content);
                }
                Op::Unset(k, e) => {
                    let existed = s.unset_encoding(&key(k), &enc(e));
                    prop_assert_eq!(existed, model.remove(&(key(k), enc(e))).is_some());
                }
                Op::Delete(k) => {
                    s.delete_asset(&key(k));
                    model.retain(|(mk, _), _| *mk != key(k));
                }
                Op::Clear => {
                    s.clear();
                    model.clear();
                }
                Op::Retype(k, t) => {
                    if s.contains(&key(k)) {
                        s.put_asset(&key(k), AssetRecord { content_type: format!("t{t}"), ..record() });
                    }
                }
                Op::Keep(mask) => {
                    let keep = (0..6u8).filter(|k| mask & (1 << k) != 0).map(key).collect();
                    s.keep_written(&keep);
                }
            }
            check_tiling(&s);
            let stable = open(&mm);
            for k in (0..6u8).map(key) {
                prop_assert_eq!(s.asset(&k), stable.asset(&k));
                prop_assert_eq!(s.encodings_of(&k), stable.encodings_of(&k));
            }
        }
        for ((k, e), content) in &model {
            let r = s.encoding(k, e).unwrap();
            prop_assert_eq!(&s.read(&r, 0, u64::MAX), content);
            let mid = content.len() as u64 / 3;
            prop_assert_eq!(s.read(&r, mid, 17), content[mid as usize..(mid as usize + 17).min(content.len())].to_vec());
            let len = content.len() as u64;
            let locator = r.locator();
            prop_assert_eq!(s.read_located(&locator, 0, len), Some(content.clone()));
            let to = (mid + 17).min(len);
            prop_assert_eq!(s.read_located(&locator, mid, to), Some(content[mid as usize..to as usize].to_vec()));
            prop_assert_eq!(s.read_located(&locator, 0, len + 1), None);
        }
        let stored: usize = s.keys_page(0, u64::MAX).iter().map(|k| s.encodings_of(k).len()).sum();
        prop_assert_eq!(stored, model.len());
        s.clear();
        prop_assert_eq!(s.blob().end(), 0);
        prop_assert!(s.blob().free_extents().is_empty());
    }
}

#[test]
fn malformed_locators_read_nothing() {
    let mut s = store();
    let extent = s.blob_mut().write_new(b"0123456789");
    let r = EncodingRecord { modified_ns: 0, total_length: 10, sha256: [0; 32], part_sha256: vec![], extents: vec![extent] };
    let locator = r.locator();
    assert_eq!(s.read_located(&locator, 2, 5).as_deref(), Some(&b"234"[..]));
    assert_eq!(s.read_located(&locator[..15], 0, 1), None, "not a whole number of extents");
    assert_eq!(s.read_located(&locator, 5, 2), None, "reversed range");
    let outside = Extent { offset: s.blob().end(), len: 4 };
    let mut bad = Vec::new();
    outside.encode_into(&mut bad);
    assert_eq!(s.read_located(&bad, 0, 4), None, "extent past the blob region");
    let huge = Extent { offset: u64::MAX - 1, len: 4 };
    let mut bad = Vec::new();
    huge.encode_into(&mut bad);
    assert_eq!(s.read_located(&bad, 0, 4), None, "offset overflow");
}
