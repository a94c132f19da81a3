//! Layout goldens: a fixed scenario's stable memory, digested per virtual memory and as a
//! whole, must equal the committed `golden/layout.txt`. A change to any record encoding, memory
//! id or allocation policy shows up here. Regenerate deliberately with `UPDATE_GOLDENS=1`.

use super::*;
use ic_stable_structures::memory_manager::{MemoryId, MemoryManager};
use ic_stable_structures::Memory;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/state/tests/golden/layout.txt");

fn scenario() -> VectorMemory {
    let (mem, mut s) = fresh();
    upload_a(&mut s);
    s.store(&controller(), &StoreArg {
        key: "/s.bin".into(),
        content_type: "application/octet-stream".into(),
        content_encoding: "gzip".into(),
        content: ByteBuf::from((0..=255u8).collect::<Vec<_>>()),
        sha256: None,
        aliased: Some(true),
    }, T0 + 1).unwrap();
    s.store(&controller(), &StoreArg {
        key: "/parts.bin".into(),
        content_type: "application/octet-stream".into(),
        content_encoding: "identity".into(),
        content: ByteBuf::from((0..2_000_100u32).map(|i| (i % 251) as u8).collect::<Vec<_>>()),
        sha256: None,
        aliased: None,
    }, T0 + 1).unwrap();
    let gone = BatchOperationKind::DeleteAsset(DeleteAssetArguments { key: "/a".into() });
    commit(&mut s, Nat::from(0u64), vec![create("/b"), gone]).unwrap();
    let b = s.create_batch(&controller(), T0 + 2).unwrap();
    chunks(&mut s, &b, &[b"left pending", b""], T0 + 3);
    s.grant_permission(&controller(), &GrantPermission { to_principal: principal(7), permission: Permission::Prepare }).unwrap();
    s.configure(&controller(), &ConfigureArguments { max_batches: Some(Some(10)), ..Default::default() }).unwrap();
    mem
}

fn describe(mem: &VectorMemory) -> String {
    let raw = bytes(mem);
    let mut out = format!("raw {} {}\n", raw.len(), hex(&Sha256::digest(&raw)));
    let mm = MemoryManager::init(mem.clone());
    for id in (0..=ids::RECORD_INDEX).chain([ids::RECORDS]) {
        let vm = mm.get(MemoryId::new(id));
        let mut buf = vec![0u8; (vm.size() * 65536) as usize];
        vm.read(0, &mut buf);
        out.push_str(&format!("memory {id} {} {}\n", buf.len(), hex(&Sha256::digest(&buf))));
    }
    out
}

#[test]
fn layout_matches_golden() {
    let actual = describe(&scenario());
    if std::env::var_os("UPDATE_GOLDENS").is_some() {
        std::fs::write(GOLDEN, &actual).unwrap();
    }
    let golden = std::fs::read_to_string(GOLDEN).expect("golden file exists (UPDATE_GOLDENS=1 creates it)");
    assert_eq!(actual, golden);
}

#[test]
fn layout_is_deterministic() {
    assert_eq!(describe(&scenario()), describe(&scenario()));
}

#[test]
fn blob_region_bytes_are_where_the_diagram_says() {
    let mem = scenario();
    let mm = MemoryManager::init(mem.clone());
    let blob = mm.get(MemoryId::new(ids::BLOB_DATA));
    // /a's 3 extents (19 bytes at 0..19) were freed when it was deleted; the store() content
    // (256 bytes) sits after them, and the pending chunk ("left pending", 12 bytes) took the
    // best-fitting free extent, at offset 0.
    let mut head = vec![0u8; 12];
    blob.read(0, &mut head);
    assert_eq!(&head, b"left pending");
    let mut gz = vec![0u8; 256];
    blob.read(19, &mut gz);
    assert_eq!(gz, (0..=255u8).collect::<Vec<_>>());
}
