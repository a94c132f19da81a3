//! Evidence vectors. The expected byte streams are written out by hand from `ic-asset` 0.29's
//! `src/evidence/mod.rs` (tags 0..=9, big-endian max_age, headers sorted by name, no length
//! prefixes), so they check the encoding independently of the code under test.

use super::*;
use crate::types::{
    ClearArguments, DeleteAssetArguments, SetAssetContentArguments, UnsetAssetContentArguments,
};
use candid::Nat;
use serde_bytes::ByteBuf;

fn sha(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn run(ops: &[BatchOperationKind], chunks: &[(u64, &[u8])], steps: u16) -> ([u8; 32], usize) {
    let mut c = EvidenceComputation::default();
    let mut calls = 0;
    loop {
        calls += 1;
        let lookup = |id: u64| chunks.iter().find(|(i, _)| *i == id).map(|(_, b)| b.to_vec());
        if let Some(e) = c.advance(ops, steps, lookup) {
            return (e, calls);
        }
    }
}

#[test]
fn create_asset_stream() {
    let op = BatchOperationKind::CreateAsset(CreateAssetArguments {
        key: "/a".into(),
        content_type: "text/plain".into(),
        max_age: Some(258),
        headers: Some(vec![("x".into(), "2".into()), ("a".into(), "1".into())]),
        enable_aliasing: Some(true),
        allow_raw_access: None,
    });
    let mut expected = vec![4u8];
    expected.extend_from_slice(b"/a");
    expected.extend_from_slice(b"text/plain");
    expected.extend_from_slice(&[3, 0, 0, 0, 0, 0, 0, 1, 2]);
    expected.extend_from_slice(&[3]);
    expected.extend_from_slice(b"a1x2");
    expected.extend_from_slice(&[2]); // allow_raw_access: None
    expected.extend_from_slice(&[3, 1]); // enable_aliasing: Some(true)
    assert_eq!(run(&[op], &[], 20).0, sha(&expected));
}

#[test]
fn set_asset_content_hashes_chunks_then_last_chunk() {
    let op = BatchOperationKind::SetAssetContent(SetAssetContentArguments {
        key: "/k".into(),
        content_encoding: "gzip".into(),
        chunk_ids: vec![Nat::from(7u64), Nat::from(3u64)],
        last_chunk: Some(ByteBuf::from(b"ZZ".to_vec())),
        sha256: Some(ByteBuf::from(vec![0xAB; 32])),
    });
    let mut expected = vec![5u8];
    expected.extend_from_slice(b"/kgzip");
    expected.push(3);
    expected.extend_from_slice(&[0xAB; 32]);
    expected.extend_from_slice(b"seven");
    expected.extend_from_slice(b"three");
    expected.extend_from_slice(b"ZZ");
    let chunks: &[(u64, &[u8])] = &[(3, b"three"), (7, b"seven")];
    assert_eq!(run(std::slice::from_ref(&op), chunks, 20).0, sha(&expected));
    // One step per call gives the same digest: header, 2 chunks, last chunk, finish = 5 calls.
    assert_eq!(run(&[op], chunks, 1), (sha(&expected), 5));
}

#[test]
fn other_operations_stream() {
    let ops = vec![
        BatchOperationKind::UnsetAssetContent(UnsetAssetContentArguments {
            key: "/u".into(),
            content_encoding: "br".into(),
        }),
        BatchOperationKind::DeleteAsset(DeleteAssetArguments { key: "/d".into() }),
        BatchOperationKind::Clear(ClearArguments {}),
        BatchOperationKind::SetAssetProperties(SetAssetPropertiesArguments {
            key: "/p".into(),
            max_age: Some(None),
            headers: Some(Some(vec![("h".into(), "v".into())])),
            allow_raw_access: None,
            is_aliased: Some(Some(false)),
        }),
    ];
    let mut expected = vec![6u8];
    expected.extend_from_slice(b"/ubr");
    expected.push(7);
    expected.extend_from_slice(b"/d");
    expected.push(8);
    expected.push(9);
    expected.extend_from_slice(b"/p");
    expected.extend_from_slice(&[3, 2]); // max_age: Some(None)
    expected.extend_from_slice(&[3, 3]); // headers: Some(Some(..))
    expected.extend_from_slice(b"hv");
    expected.extend_from_slice(&[2]); // allow_raw_access: None
    expected.extend_from_slice(&[3, 3, 0]); // is_aliased: Some(Some(false))
    assert_eq!(run(&ops, &[], 3).0, sha(&expected));
}

#[test]
fn empty_operations_hash_to_empty_digest() {
    assert_eq!(run(&[], &[], 1), (sha(b""), 1));
}

#[test]
fn duplicate_header_names_keep_the_last_value() {
    let h = normalize_headers(&[
        ("b".into(), "1".into()),
        ("a".into(), "x".into()),
        ("b".into(), "2".into()),
    ]);
    assert_eq!(h, vec![("a".into(), "x".into()), ("b".into(), "2".into())]);
}
