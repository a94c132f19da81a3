//! Commit-time hashing: the whole and per-part sha256 are computed once, from chunks and
//! inline content however they split the bytes, and kept beside the encoding.

use super::*;
use crate::certification::CHUNK_SIZE;
use crate::content_hash::ContentHashes;

fn content(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32).map(|i| (i.wrapping_mul(31).wrapping_add(seed) % 253) as u8).collect()
}

fn naive_parts(bytes: &[u8]) -> Vec<[u8; 32]> {
    if bytes.len() as u64 <= CHUNK_SIZE {
        return vec![];
    }
    bytes.chunks(CHUNK_SIZE as usize).map(|p| Sha256::digest(p).into()).collect()
}

#[test]
fn commit_stores_whole_and_part_hashes_across_chunk_and_part_boundaries() {
    let (_, mut s) = fresh();
    let bytes = content(2 * CHUNK_SIZE as usize + 1234, 5);
    let (a, rest) = bytes.split_at(1_900_000);
    let (b, rest) = rest.split_at(1_900_000);
    let (c, last) = rest.split_at(rest.len() - 1000);
    let batch = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(&mut s, &batch, &[a, b, c], T0);
    commit(&mut s, batch, vec![create("/big"), set("/big", &ids, Some(last), Some(sha(&bytes)))]).unwrap();
    let view = s.asset_view("/big").unwrap();
    let e = &view.encodings[0];
    assert_eq!(e.total_length, bytes.len() as u64);
    assert_eq!(e.sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));
    assert_eq!(e.part_sha256, naive_parts(&bytes));
    assert_eq!(e.part_sha256.len(), 3);
    assert_eq!(s.read_encoding("/big", "identity", 0, u64::MAX).unwrap(), bytes);
}

#[test]
fn content_within_one_part_stores_no_part_hashes() {
    let (_, mut s) = fresh();
    let bytes = content(CHUNK_SIZE as usize, 1);
    let batch = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(&mut s, &batch, &[&bytes[..7], &bytes[7..]], T0);
    commit(&mut s, batch, vec![create("/one"), set("/one", &ids, None, None)]).unwrap();
    let e = &s.asset_view("/one").unwrap().encodings[0];
    assert_eq!(e.sha256, <[u8; 32]>::from(Sha256::digest(&bytes)));
    assert!(e.part_sha256.is_empty());
}

#[test]
fn store_keeps_part_hashes_of_inline_content() {
    let (_, mut s) = fresh();
    let bytes = content(CHUNK_SIZE as usize + 1, 9);
    let arg = StoreArg {
        key: "/s".into(),
        content_type: "application/octet-stream".into(),
        content_encoding: "identity".into(),
        content: ByteBuf::from(bytes.clone()),
        sha256: Some(sha(&bytes)),
        aliased: None,
    };
    s.store(&controller(), &arg, T0).unwrap();
    let e = &s.asset_view("/s").unwrap().encodings[0];
    assert_eq!(ContentHashes { sha256: e.sha256, part_sha256: e.part_sha256.clone() }, ContentHashes::of(&bytes));
    assert_eq!(e.part_sha256, naive_parts(&bytes));
}
