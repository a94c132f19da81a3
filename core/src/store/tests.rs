//! Property tests of the store against a naive model (a map of byte vectors), edits of several
//! changes at once (some starting from assets read before them) included, and of its heap copy
//! of created assets against a store reopened over the same memories (which has none).

use super::*;
use record_store::RecordStore;
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
    let records = RecordStore::init(m(memory_ids::RECORDS), m(memory_ids::RECORD_INDEX));
    Store::init(m(memory_ids::ASSETS), blob, records)
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
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..6u8, 0..3u8, proptest::collection::vec(any::<u8>(), 0..300), 1..100usize)
            .prop_map(|(k, e, c, p)| Op::Set(k, e, c, p)),
        2 => (0..6u8, 0..3u8).prop_map(|(k, e)| Op::Unset(k, e)),
        2 => (0..6u8).prop_map(Op::Delete),
        1 => Just(Op::Clear),
        2 => (0..6u8, any::<u8>()).prop_map(|(k, t)| Op::Retype(k, t)),
    ]
}

/// An encoding in the model: its bytes and part hashes.
type Content = (Vec<u8>, Vec<[u8; 32]>);

fn key(k: u8) -> String {
    format!("/k{k}")
}
fn enc(e: u8) -> String {
    ["identity", "gzip", "br"][e as usize].to_string()
}

/// Live extents (content and spilled bodies) and free extents tile `[0, end)` exactly.
fn check_tiling(s: &Store<Mem>) {
    let mut spans: Vec<Extent> = s.blob().free_extents();
    for entry in s.assets.iter() {
        for (_, e) in entry.value().encodings {
            if let Body::Spilled(body) = e.body {
                spans.push(body);
            }
        }
    }
    for k in s.page(0, u64::MAX).into_iter().map(|a| a.key) {
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
    fn store_matches_model(edits in proptest::collection::vec((proptest::collection::vec(op(), 1..4), any::<u8>(), any::<u8>()), 1..30)) {
        let mm = MemoryManager::init(VectorMemory::default());
        let mut s = open(&mm);
        let mut model: BTreeMap<(String, String), Content> = BTreeMap::new();
        for (ops, keep, read_first) in edits {
            // As a commit's validation does: the keys in this mask are read before the edit,
            // which starts from them.
            let mut read = edit::ReadAssets::default();
            for k in (0..6u8).filter(|k| read_first & (1 << k) != 0).map(key) {
                prop_assert_eq!(read.contains(&s, &k), s.asset(&k).is_some(), "{}", k);
            }
            let mut edit = s.edit_from(read);
            for op in ops {
                match op {
                    Op::Set(k, e, content, piece) => {
                        if edit.asset(&key(k)).is_none() {
                            edit.put_asset(&key(k), record());
                        }
                        let extents = content.chunks(piece).map(|p| edit.blob_mut().write_new(p)).collect();
                        let parts = vec![[piece as u8; 32]; content.len() % 3];
                        let r = EncodingRecord { modified_ns: 0, total_length: content.len() as u64, sha256: [0; 32], part_sha256: parts.clone(), extents };
                        edit.set_encoding(&key(k), &enc(e), r);
                        model.insert((key(k), enc(e)), (content, parts));
                    }
                    Op::Unset(k, e) => {
                        let existed = edit.unset_encoding(&key(k), &enc(e));
                        prop_assert_eq!(existed, model.remove(&(key(k), enc(e))).is_some());
                    }
                    Op::Delete(k) => {
                        let existed = edit.delete_asset(&key(k));
                        prop_assert!(existed || model.keys().all(|(mk, _)| *mk != key(k)), "an asset with content existed");
                        model.retain(|(mk, _), _| *mk != key(k));
                    }
                    Op::Clear => {
                        edit.clear();
                        model.clear();
                    }
                    Op::Retype(k, t) => {
                        if edit.asset(&key(k)).is_some() {
                            edit.put_asset(&key(k), AssetRecord { content_type: format!("t{t}"), ..record() });
                        }
                    }
                }
            }
            drop(edit);
            // Draining the change feed keeps the heap copy of the keys in this mask.
            let keep = (0..6u8).filter(|k| keep & (1 << k) != 0).map(key).collect();
            s.keep_written(&keep);
            check_tiling(&s);
            // As certification does after each update call: a record for every asset, which
            // only that asset's handle finds; a deleted asset's record went with it.
            for k in (0..6u8).map(key) {
                let written = s.write_record(&k, k.as_bytes());
                prop_assert_eq!(written.is_ok(), s.asset(&k).is_some(), "{}", k);
            }
            let stable = open(&mm);
            let mut assets = 0;
            for k in (0..6u8).map(key) {
                prop_assert_eq!(s.asset(&k), stable.asset(&k));
                prop_assert_eq!(s.encodings_of(&k), stable.encodings_of(&k));
                prop_assert_eq!(s.record_address(&k), stable.record_address(&k));
                if let Some(address) = s.record_address(&k) {
                    assets += 1;
                    let mut bytes = vec![0; k.len()];
                    s.record_region().read(address, 0, &mut bytes).unwrap();
                    prop_assert_eq!(bytes, k.as_bytes());
                }
            }
            prop_assert_eq!((s.record_count(), s.len()), (assets, assets));
        }
        for ((k, e), (content, parts)) in &model {
            let r = s.encoding(k, e).unwrap();
            prop_assert_eq!(&r.part_sha256, parts);
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
        let listed = s.page(0, u64::MAX);
        for asset in &listed {
            let encodings: Vec<(String, StoredEncodingHead)> = s.encodings_of(&asset.key).into_iter().map(|(n, e)| (n, e.split().0)).collect();
            prop_assert_eq!(Some(asset.record.clone()), s.asset(&asset.key));
            prop_assert_eq!(&asset.encodings, &encodings);
        }
        let stored: usize = listed.iter().map(|a| a.encodings.len()).sum();
        prop_assert_eq!(stored, model.len());
        s.edit().clear();
        prop_assert_eq!(s.blob().end(), 0);
        prop_assert!(s.blob().free_extents().is_empty());
    }
}

#[test]
fn a_large_body_is_spilled_read_back_and_freed_with_its_encoding() {
    let mut s = store();
    let extents: Vec<Extent> = (0..40u8).map(|i| s.blob_mut().write_new(&[i; 3])).collect();
    let r = EncodingRecord { modified_ns: 1, total_length: 120, sha256: [2; 32], part_sha256: vec![[3; 32]; 2], extents };
    let small = EncodingRecord { extents: vec![s.blob_mut().write_new(b"tiny")], total_length: 4, part_sha256: vec![], ..r.clone() };
    {
        let mut edit = s.edit();
        edit.create_asset("/big", record());
        edit.set_encoding("/big", "identity", r.clone());
        edit.set_encoding("/big", "gzip", small.clone());
    }
    let stored = s.assets.get(&KeyText::of("/big")).unwrap();
    let bodies: Vec<bool> = stored.encodings.iter().map(|(_, e)| matches!(e.body, Body::Spilled(_))).collect();
    assert_eq!(bodies, vec![false, true], "gzip inline, identity (4 + 64 + 640 bytes) spilled");
    s.keep_written(&Default::default());
    assert_eq!(s.encoding("/big", "identity"), Some(r.clone()));
    assert_eq!(s.read(&r, 0, 6), vec![0, 0, 0, 1, 1, 1]);
    check_tiling(&s);
    s.edit().unset_encoding("/big", "identity");
    check_tiling(&s);
    s.edit().delete_asset("/big");
    assert_eq!(s.blob().end(), 0, "content and spilled body freed");
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
