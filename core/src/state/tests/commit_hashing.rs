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

/// A large upload: chunks of 1,900,000 bytes (as ic-asset cuts them), `extra` inline bytes.
fn upload_large(s: &mut State<VectorMemory>, len: usize, seed: u32) -> (Nat, Vec<Nat>, Vec<u8>) {
    let bytes = content(len, seed);
    let batch = s.create_batch(&controller(), T0).unwrap();
    let pieces: Vec<&[u8]> = bytes.chunks(1_900_000).collect();
    let ids = chunks(s, &batch, &pieces, T0);
    (batch, ids, bytes)
}

fn args(batch: &Nat, ops: Vec<BatchOperationKind>) -> CommitBatchArguments {
    CommitBatchArguments { batch_id: batch.clone(), operations: ops }
}

/// Runs a commit to the end with `budget` bytes per message; returns how many messages it took.
fn commit_in_messages(s: &mut State<VectorMemory>, mem: &VectorMemory, a: &CommitBatchArguments, budget: u64) -> Result<usize, Error> {
    let before = bytes(mem);
    for message in 1..1000 {
        match s.commit_batch(&controller(), a, T0 + 5, budget)? {
            CommitProgress::Done => return Ok(message),
            CommitProgress::Pending => {
                assert!(bytes(mem) == before, "a pending step changed stable memory");
                assert!(s.take_changes().is_empty(), "a pending step reported changes");
            }
        }
    }
    panic!("commit never finished");
}

#[test]
fn a_commit_larger_than_the_budget_continues_over_messages_and_applies_once() {
    let (mem, mut s) = fresh();
    let len = 2 * CHUNK_SIZE as usize + 777;
    let (batch, ids, bytes_) = upload_large(&mut s, len, 3);
    let tail = b"inline tail".to_vec();
    let mut whole = bytes_.clone();
    whole.extend_from_slice(&tail);
    let a = args(&batch, vec![create("/big"), set("/big", &ids, Some(&tail), Some(sha(&whole)))]);
    let budget = 1_000_000;
    let messages = commit_in_messages(&mut s, &mem, &a, budget).unwrap();
    assert_eq!(messages, len.div_ceil(budget as usize), "one message per budget's worth of chunk bytes");
    let e = &s.asset_view("/big").unwrap().encodings[0];
    assert_eq!(ContentHashes { sha256: e.sha256, part_sha256: e.part_sha256.clone() }, ContentHashes::of(&whole));
    assert_eq!(e.part_sha256, naive_parts(&whole));
    assert_eq!(s.read_encoding("/big", "identity", 0, u64::MAX).unwrap(), whole);
    assert!(matches!(s.batches.live_batch(&batch), Err(Error::BatchNotFound { .. })));
    assert_eq!(s.hashing.len(), 0, "finished jobs are dropped");
}

#[test]
fn a_wrong_sha256_found_after_several_messages_changes_nothing() {
    let (mem, mut s) = fresh();
    let (batch, ids, _) = upload_large(&mut s, 3_000_000, 4);
    let before = bytes(&mem);
    let a = args(&batch, vec![create("/big"), set("/big", &ids, None, Some(sha(b"something else")))]);
    let err = commit_in_messages(&mut s, &mem, &a, 700_000).unwrap_err();
    assert!(matches!(err, Error::Operation { index: 1, reason: OperationError::Sha256Mismatch { .. } }));
    assert!(bytes(&mem) == before);
    assert!(s.asset_view("/big").is_none());
}

#[test]
fn each_message_revalidates_so_interleaved_changes_fail_the_commit_cleanly() {
    let (mem, mut s) = fresh();
    commit(&mut s, Nat::from(0u64), vec![create("/big")]).unwrap();
    let (batch, ids, _) = upload_large(&mut s, 3_000_000, 5);
    let a = args(&batch, vec![set("/big", &ids, None, None)]);
    assert_eq!(s.commit_batch(&controller(), &a, T0, 1_000_000), Ok(CommitProgress::Pending));
    // Another commit deletes the asset between two messages of this one.
    let gone = BatchOperationKind::DeleteAsset(DeleteAssetArguments { key: "/big".into() });
    commit(&mut s, Nat::from(0u64), vec![gone]).unwrap();
    s.take_changes();
    let before = bytes(&mem);
    assert_eq!(
        s.commit_batch(&controller(), &a, T0, 1_000_000),
        Err(Error::Operation { index: 0, reason: OperationError::AssetNotFound { key: "/big".into() } })
    );
    assert!(bytes(&mem) == before);
    // The chunks' batch is deleted between two messages of a batch-0 commit: the chunks are
    // gone, and so is the hashing job.
    commit(&mut s, Nat::from(0u64), vec![create("/big")]).unwrap();
    let a = args(&Nat::from(0u64), vec![set("/big", &ids, None, None)]);
    assert_eq!(s.commit_batch(&controller(), &a, T0, 1_000_000), Ok(CommitProgress::Pending));
    s.delete_batch(&controller(), &DeleteBatchArguments { batch_id: batch }).unwrap();
    let err = s.commit_batch(&controller(), &a, T0, 1_000_000).unwrap_err();
    assert_eq!(err, Error::Operation { index: 0, reason: OperationError::ChunkNotFound { chunk_id: ids[0].clone() } });
    assert_eq!(s.hashing.len(), 0, "jobs of deleted chunks are dropped");
    assert!(s.asset_view("/big").unwrap().encodings.is_empty());
}

#[test]
fn permission_is_checked_in_every_message() {
    let (_, mut s) = fresh();
    s.grant_permission(&controller(), &GrantPermission { to_principal: principal(5), permission: Permission::Commit }).unwrap();
    let (batch, ids, _) = upload_large(&mut s, 3_000_000, 6);
    let a = args(&batch, vec![create("/big"), set("/big", &ids, None, None)]);
    assert_eq!(s.commit_batch(&user(5), &a, T0, 1_000_000), Ok(CommitProgress::Pending));
    s.revoke_permission(&controller(), &RevokePermission { of_principal: principal(5), permission: Permission::Commit }).unwrap();
    assert_eq!(s.commit_batch(&user(5), &a, T0, 1_000_000), Err(Error::Unauthorized { needed: Permission::Commit }));
    assert!(s.asset_view("/big").is_none());
}

#[test]
fn set_asset_content_and_proposed_commits_resume_too() {
    let (mem, mut s) = fresh();
    commit(&mut s, Nat::from(0u64), vec![create("/direct")]).unwrap();
    let (_, ids, bytes_) = upload_large(&mut s, 2_500_000, 7);
    let direct = SetAssetContentArguments {
        key: "/direct".into(),
        content_encoding: "identity".into(),
        chunk_ids: ids,
        last_chunk: None,
        sha256: Some(sha(&bytes_)),
    };
    let before = bytes(&mem);
    assert_eq!(s.set_asset_content(&controller(), &direct, T0, 1_000_000), Ok(CommitProgress::Pending));
    assert!(bytes(&mem) == before);
    assert_eq!(s.set_asset_content(&controller(), &direct, T0, 1_000_000), Ok(CommitProgress::Pending));
    assert_eq!(s.set_asset_content(&controller(), &direct, T0, 1_000_000), Ok(CommitProgress::Done));
    assert_eq!(s.read_encoding("/direct", "identity", 0, u64::MAX).unwrap(), bytes_);

    let (batch, ids, bytes_) = upload_large(&mut s, 2_500_000, 8);
    let a = args(&batch, vec![create("/proposed"), set("/proposed", &ids, None, Some(sha(&bytes_)))]);
    s.propose_commit_batch(&controller(), &a).unwrap();
    let evidence = loop {
        let arg = ComputeEvidenceArguments { batch_id: batch.clone(), max_iterations: Some(100) };
        if let Some(e) = s.compute_evidence(&controller(), &arg).unwrap() {
            break e;
        }
    };
    let p = CommitProposedBatchArguments { batch_id: batch, evidence };
    let mut messages = 1;
    while s.commit_proposed_batch(&controller(), &p, T0, 1_000_000).unwrap() == CommitProgress::Pending {
        messages += 1;
    }
    assert_eq!(messages, 3);
    assert_eq!(s.read_encoding("/proposed", "identity", 0, u64::MAX).unwrap(), bytes_);
}

#[test]
fn small_chunks_are_hashed_at_upload_so_their_commit_hashes_nothing() {
    let (_, mut s) = fresh();
    let page = content(4096, 1);
    let big = content(crate::batch::UPLOAD_HASH_MAX_CHUNK + 1, 2);
    let batch = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(&mut s, &batch, &[&page, &big], T0);
    let small_only = args(&Nat::from(0u64), vec![create("/page"), set("/page", &ids[..1], None, Some(sha(&page)))]);
    assert_eq!(s.commit_batch(&controller(), &small_only, T0, 0), Ok(CommitProgress::Done), "budget 0 suffices");
    assert_eq!(s.asset_view("/page").unwrap().encodings[0].sha256, <[u8; 32]>::from(Sha256::digest(&page)));
    let large = args(&batch, vec![create("/big"), set("/big", &ids[1..], None, Some(sha(&big)))]);
    assert_eq!(s.commit_batch(&controller(), &large, T0, 0), Ok(CommitProgress::Pending), "a large chunk is hashed at commit");
    assert_eq!(s.commit_batch(&controller(), &large, T0, u64::MAX), Ok(CommitProgress::Done));
    assert_eq!(s.asset_view("/big").unwrap().encodings[0].sha256, <[u8; 32]>::from(Sha256::digest(&big)));
}

#[test]
fn clear_drops_hashing_progress() {
    let (_, mut s) = fresh();
    let (batch, ids, _) = upload_large(&mut s, 3_000_000, 9);
    let a = args(&batch, vec![create("/big"), set("/big", &ids, None, None)]);
    assert_eq!(s.commit_batch(&controller(), &a, T0, 1_000_000), Ok(CommitProgress::Pending));
    assert_eq!(s.hashing.len(), 1);
    s.clear(&controller(), T0).unwrap();
    assert_eq!(s.hashing.len(), 0);
    assert!(matches!(s.commit_batch(&controller(), &a, T0, 1_000_000), Err(Error::BatchNotFound { .. })));
}

#[test]
fn clear_restarts_batch_and_chunk_ids_like_the_legacy_canister() {
    let (_, mut s) = fresh();
    let b1 = s.create_batch(&controller(), T0).unwrap();
    chunks(&mut s, &b1, &[b"one", b"two"], T0);
    let b2 = s.create_batch(&controller(), T0).unwrap();
    assert_eq!(b2, Nat::from(2u64));
    s.clear(&controller(), T0).unwrap();
    assert_eq!(s.batches.batch_count(), 0);
    assert_eq!(s.batches.live_bytes(), 0);
    let b = s.create_batch(&controller(), T0).unwrap();
    assert_eq!(b, Nat::from(1u64));
    assert_eq!(chunks(&mut s, &b, &[b"again"], T0), vec![Nat::from(1u64)]);
}

#[test]
fn a_clear_operation_deletes_batches_and_chunks_too() {
    let (_, mut s) = fresh();
    commit(&mut s, Nat::from(0u64), vec![create("/old")]).unwrap();
    let other = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(&mut s, &other, &[b"other batch"], T0);
    let batch = s.create_batch(&controller(), T0).unwrap();
    let mine = chunks(&mut s, &batch, &[b"mine"], T0);
    // After a Clear no chunk exists, so a later operation naming one fails and nothing changes.
    let after = vec![BatchOperationKind::Clear(ClearArguments {}), create("/new"), set("/new", &mine, None, None)];
    assert_eq!(
        commit(&mut s, batch.clone(), after),
        Err(Error::Operation { index: 2, reason: OperationError::ChunkNotFound { chunk_id: mine[0].clone() } })
    );
    assert!(s.asset_view("/old").is_some());
    // Content set before the Clear is cleared with everything else.
    let before = vec![set("/old", &mine, None, None), BatchOperationKind::Clear(ClearArguments {}), create("/new")];
    commit(&mut s, batch, before).unwrap();
    assert!(s.asset_view("/old").is_none());
    assert!(s.asset_view("/new").unwrap().encodings.is_empty());
    assert_eq!(s.batches.chunk(id_u64(&ids[0]).unwrap()), None, "the other batch's chunk is gone");
    assert_eq!((s.batches.batch_count(), s.batches.chunk_count(), s.batches.live_bytes()), (0, 0, 0));
    assert_eq!(s.store.blob().end(), 0, "every byte was freed");
    assert_eq!(s.create_batch(&controller(), T0).unwrap(), Nat::from(1u64));
}
