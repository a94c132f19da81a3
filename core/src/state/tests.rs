//! End-to-end behaviour of the state over an in-memory stable memory.

use super::*;
use crate::batch::BATCH_EXPIRY_NS;
use ic_stable_structures::VectorMemory;
use sha2::{Digest, Sha256};

mod chunk_release;
mod commit_hashing;
mod golden;

const T0: u64 = 1_700_000_000_000_000_000;

fn principal(n: u8) -> Principal {
    Principal::from_slice(&[n; 10])
}
fn controller() -> Caller {
    Caller { principal: principal(1), is_controller: true }
}
fn user(n: u8) -> Caller {
    Caller { principal: principal(n), is_controller: false }
}
fn fresh() -> (VectorMemory, State<VectorMemory>) {
    let mem = VectorMemory::default();
    let state = State::init(mem.clone(), principal(1), None).unwrap();
    (mem, state)
}
fn bytes(mem: &VectorMemory) -> Vec<u8> {
    mem.borrow().clone()
}
fn sha(b: &[u8]) -> ByteBuf {
    ByteBuf::from(Sha256::digest(b).to_vec())
}
fn create_args(key: &str) -> CreateAssetArguments {
    CreateAssetArguments {
        key: key.into(),
        content_type: "text/plain".into(),
        max_age: Some(60),
        headers: Some(vec![("x-b".into(), "2".into()), ("x-a".into(), "1".into())]),
        enable_aliasing: None,
        allow_raw_access: Some(true),
    }
}
fn create(key: &str) -> BatchOperationKind {
    BatchOperationKind::CreateAsset(create_args(key))
}
fn set(key: &str, chunks: &[Nat], last: Option<&[u8]>, sha256: Option<ByteBuf>) -> BatchOperationKind {
    BatchOperationKind::SetAssetContent(SetAssetContentArguments {
        key: key.into(),
        content_encoding: "identity".into(),
        chunk_ids: chunks.to_vec(),
        last_chunk: last.map(|l| ByteBuf::from(l.to_vec())),
        sha256,
    })
}
fn chunks(s: &mut State<VectorMemory>, batch: &Nat, parts: &[&[u8]], now: u64) -> Vec<Nat> {
    let arg = CreateChunksArg {
        batch_id: batch.clone(),
        content: parts.iter().map(|p| ByteBuf::from(p.to_vec())).collect(),
    };
    s.create_chunks(&controller(), &arg, now).unwrap()
}
fn commit(s: &mut State<VectorMemory>, batch: Nat, ops: Vec<BatchOperationKind>) -> Result<(), Error> {
    let args = CommitBatchArguments { batch_id: batch, operations: ops };
    assert_eq!(s.commit_batch(&controller(), &args, T0, HASHED_BYTES_PER_MESSAGE)?, CommitProgress::Done);
    Ok(())
}
fn get(s: &State<VectorMemory>, key: &str) -> Result<EncodedAsset, Error> {
    s.get(&GetArg { key: key.into(), accept_encodings: vec!["identity".into()] })
}

/// Uploads `/a` from two chunks and an inline last chunk.
fn upload_a(s: &mut State<VectorMemory>) -> Vec<u8> {
    let b = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(s, &b, &[b"hello ", b"chunked "], T0);
    let content = b"hello chunked world".to_vec();
    commit(s, b, vec![create("/a"), set("/a", &ids, Some(b"world"), Some(sha(&content)))]).unwrap();
    content
}

#[test]
fn upload_commit_and_read_back() {
    let (_, mut s) = fresh();
    let content = upload_a(&mut s);
    let got = get(&s, "/a").unwrap();
    assert_eq!(got.content.as_slice(), b"hello ");
    assert_eq!(got.total_length, Nat::from(content.len()));
    assert_eq!(got.sha256, Some(sha(&content)));
    let chunk = |i: u64| {
        s.get_chunk(&GetChunkArg { key: "/a".into(), content_encoding: "identity".into(), index: Nat::from(i), sha256: Some(sha(&content)) })
    };
    assert_eq!(chunk(1).unwrap().content.as_slice(), b"chunked ");
    assert_eq!(chunk(2).unwrap().content.as_slice(), b"world");
    assert!(matches!(chunk(3), Err(Error::ChunkIndexOutOfRange { .. })));
    assert_eq!(s.read_encoding("/a", "identity", 3, 9).unwrap(), content[3..12].to_vec());
    assert_eq!(s.read_encoding("/a", "identity", 15, 100).unwrap(), content[15..].to_vec());
    let list = s.list(&ListRequest::default());
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].encodings[0].length, Nat::from(content.len()));
    assert_eq!(list[0].encodings[0].modified, Int::from(T0));
    let props = s.get_asset_properties("/a").unwrap();
    assert_eq!(props.headers, Some(vec![("x-a".into(), "1".into()), ("x-b".into(), "2".into())]));
    assert_eq!(props.allow_raw_access, Some(true));
    assert!(matches!(s.get_asset_properties("/nope"), Err(Error::AssetNotFound { .. })));
    let view = s.asset_view("/a").unwrap();
    assert_eq!(view.encodings[0].chunk_count, 3);
    let changes = s.take_changes();
    assert_eq!(changes.keys.into_iter().collect::<Vec<_>>(), vec!["/a".to_string()]);
    assert!(s.take_changes().is_empty());
}

#[test]
fn commit_with_batch_zero_keeps_the_batch_and_final_commit_deletes_it() {
    let (_, mut s) = fresh();
    let b = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(&mut s, &b, &[b"x", b"y"], T0);
    commit(&mut s, Nat::from(0u64), vec![create("/x"), set("/x", &ids[..1], None, None)]).unwrap();
    assert!(s.batches.live_batch(&b).is_ok());
    commit(&mut s, Nat::from(0u64), vec![create("/y"), set("/y", &ids[1..], None, None)]).unwrap();
    commit(&mut s, b.clone(), vec![]).unwrap();
    assert!(matches!(s.batches.live_batch(&b), Err(Error::BatchNotFound { .. })));
    assert_eq!(get(&s, "/y").unwrap().content.as_slice(), b"y");
}

#[test]
fn invalid_commit_names_the_operation_and_changes_nothing() {
    let (mem, mut s) = fresh();
    upload_a(&mut s);
    let b = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(&mut s, &b, &[b"data"], T0);
    let before = bytes(&mem);
    let cases: Vec<(Vec<BatchOperationKind>, usize, OperationError)> = vec![
        (vec![create("/new"), create("/a")], 1, OperationError::AssetExists { key: "/a".into() }),
        (vec![create("/new"), set("/missing", &[], None, None)], 1, OperationError::AssetNotFound { key: "/missing".into() }),
        (vec![create("/n"), set("/n", &[Nat::from(999u64)], None, None)], 1, OperationError::ChunkNotFound { chunk_id: Nat::from(999u64) }),
        (
            vec![create("/n"), set("/n", &ids, None, None), create("/m"), set("/m", &ids, None, None)],
            3,
            OperationError::ChunkUsedTwice { chunk_id: ids[0].clone() },
        ),
        (
            vec![create("/n"), set("/n", &ids, None, Some(ByteBuf::from(vec![1; 31])))],
            1,
            OperationError::InvalidSha256Length { key: "/n".into(), encoding: "identity".into(), len: 31 },
        ),
        (
            vec![BatchOperationKind::DeleteAsset(DeleteAssetArguments { key: "/a".into() }), set("/a", &[], None, None)],
            1,
            OperationError::AssetNotFound { key: "/a".into() },
        ),
        (
            vec![BatchOperationKind::Clear(ClearArguments {}), create("/a"), create("/a")],
            2,
            OperationError::AssetExists { key: "/a".into() },
        ),
    ];
    let with_headers = |key: &str, headers: Vec<(String, String)>| {
        BatchOperationKind::CreateAsset(CreateAssetArguments { headers: Some(headers), ..create_args(key) })
    };
    let long_name = "x".repeat(70_000);
    let many: Vec<(String, String)> = (0..1_001).map(|i| (format!("x-{i}"), String::new())).collect();
    let cases = cases.into_iter().chain([
        (
            vec![create("/new"), with_headers("/h", vec![(long_name.clone(), "v".into())])],
            1,
            OperationError::HeadersTooLarge { key: "/h".into(), count: 1, longest_name: 70_000 },
        ),
        (
            vec![with_headers("/h", many)],
            0,
            OperationError::HeadersTooLarge { key: "/h".into(), count: 1_001, longest_name: 6 },
        ),
        (
            vec![BatchOperationKind::SetAssetProperties(SetAssetPropertiesArguments {
                key: "/a".into(),
                max_age: None,
                headers: Some(Some(vec![(long_name, "v".into())])),
                allow_raw_access: None,
                is_aliased: None,
            })],
            0,
            OperationError::HeadersTooLarge { key: "/a".into(), count: 1, longest_name: 70_000 },
        ),
    ]);
    for (ops, index, reason) in cases {
        assert_eq!(commit(&mut s, b.clone(), ops), Err(Error::Operation { index, reason }));
        assert!(bytes(&mem) == before, "state changed by a failed commit");
    }
    let err = commit(&mut s, b.clone(), vec![create("/n"), set("/n", &ids, None, Some(sha(b"other")))]).unwrap_err();
    assert!(matches!(err, Error::Operation { index: 1, reason: OperationError::Sha256Mismatch { .. } }));
    assert!(bytes(&mem) == before);
    assert!(s.take_changes().keys.contains("/a"));
}

#[test]
fn unauthorized_callers_change_nothing() {
    let (mem, mut s) = fresh();
    upload_a(&mut s);
    let before = bytes(&mem);
    let stranger = user(9);
    assert_eq!(s.create_batch(&stranger, T0), Err(Error::Unauthorized { needed: Permission::Prepare }));
    let args = CommitBatchArguments { batch_id: Nat::from(0u64), operations: vec![create("/z")] };
    assert_eq!(s.commit_batch(&stranger, &args, T0, HASHED_BYTES_PER_MESSAGE), Err(Error::Unauthorized { needed: Permission::Commit }));
    assert_eq!(s.clear(&stranger, T0), Err(Error::Unauthorized { needed: Permission::Commit }));
    assert_eq!(s.authorize(&stranger, principal(9)), Err(Error::Unauthorized { needed: Permission::ManagePermissions }));
    assert_eq!(s.authorize(&controller(), Principal::anonymous()), Err(Error::AnonymousPrincipal));
    assert!(bytes(&mem) == before);
    // A Prepare holder may upload but not commit.
    s.grant_permission(&controller(), &GrantPermission { to_principal: principal(5), permission: Permission::Prepare }).unwrap();
    let b = s.create_batch(&user(5), T0).unwrap();
    let args = CommitBatchArguments { batch_id: b, operations: vec![] };
    assert_eq!(s.commit_batch(&user(5), &args, T0, HASHED_BYTES_PER_MESSAGE), Err(Error::Unauthorized { needed: Permission::Commit }));
}

#[test]
fn limits_are_enforced_without_side_effects() {
    let (mem, mut s) = fresh();
    let cfg = ConfigureArguments { max_batches: Some(Some(1)), max_chunks: Some(Some(2)), max_bytes: Some(Some(10)) };
    s.configure(&controller(), &cfg).unwrap();
    assert_eq!(s.get_configuration(&controller()).unwrap().max_bytes, Some(10));
    let b = s.create_batch(&controller(), T0).unwrap();
    let before = bytes(&mem);
    assert_eq!(s.create_batch(&controller(), T0), Err(Error::TooManyBatches { max: 1 }));
    let too_big = CreateChunkArg { batch_id: b.clone(), content: ByteBuf::from(vec![0; 11]) };
    assert_eq!(s.create_chunk(&controller(), &too_big, T0), Err(Error::TooManyBytes { max: 10 }));
    let three = CreateChunksArg { batch_id: b.clone(), content: vec![ByteBuf::from(vec![1]); 3] };
    assert_eq!(s.create_chunks(&controller(), &three, T0), Err(Error::TooManyChunks { max: 2 }));
    let unknown = CreateChunkArg { batch_id: Nat::from(77u64), content: ByteBuf::from(vec![1]) };
    assert!(matches!(s.create_chunk(&controller(), &unknown, T0), Err(Error::BatchNotFound { .. })));
    assert!(bytes(&mem) == before);
}

#[test]
fn batches_expire_300_seconds_after_their_last_chunk() {
    let (_, mut s) = fresh();
    let b = s.create_batch(&controller(), T0).unwrap();
    let later = T0 + 200 * 1_000_000_000;
    let ids = chunks(&mut s, &b, &[b"abc"], later);
    s.create_batch(&controller(), later + BATCH_EXPIRY_NS - 1).unwrap();
    assert!(s.batches.chunk(id_u64(&ids[0]).unwrap()).is_some(), "expired too early");
    s.create_batch(&controller(), later + BATCH_EXPIRY_NS).unwrap();
    assert!(s.batches.chunk(id_u64(&ids[0]).unwrap()).is_none());
    assert!(matches!(s.batches.live_batch(&b), Err(Error::BatchNotFound { .. })));
    assert_eq!(s.store.blob().end(), 0, "expired chunk bytes were not freed");
}

#[test]
fn proposal_evidence_and_commit() {
    let (_, mut s) = fresh();
    let b = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(&mut s, &b, &[b"abc"], T0);
    let ops = vec![create("/p"), set("/p", &ids, None, Some(sha(b"abc")))];
    let args = CommitBatchArguments { batch_id: b.clone(), operations: ops.clone() };
    s.propose_commit_batch(&controller(), &args).unwrap();
    assert_eq!(s.create_batch(&controller(), T0), Err(Error::ProposedBatchExists { batch_id: 1 }));
    assert!(matches!(s.commit_batch(&controller(), &args, T0, HASHED_BYTES_PER_MESSAGE), Err(Error::BatchAlreadyProposed { .. })));
    let premature = CommitProposedBatchArguments { batch_id: b.clone(), evidence: ByteBuf::from(vec![0; 32]) };
    assert_eq!(s.commit_proposed_batch(&controller(), &premature, T0, HASHED_BYTES_PER_MESSAGE), Err(Error::EvidenceNotComputed { batch_id: 1 }));
    let step = ComputeEvidenceArguments { batch_id: b.clone(), max_iterations: Some(1) };
    let mut calls = 0;
    let evidence = loop {
        calls += 1;
        if let Some(e) = s.compute_evidence(&controller(), &step).unwrap() {
            break e;
        }
    };
    // create, set header, one chunk, finish.
    assert_eq!(calls, 4);
    let mut expected = EvidenceComputation::default();
    let lookup = |id: u64| (id == 1).then(|| b"abc".to_vec());
    assert_eq!(expected.advance(&ops, 100, lookup).map(|e| e.to_vec()), Some(evidence.to_vec()));
    // Evidence-computed batches never expire.
    assert_eq!(s.batches.live_batch(&b).unwrap().1.expires_at_ns, u64::MAX);
    let wrong = CommitProposedBatchArguments { batch_id: b.clone(), evidence: ByteBuf::from(vec![0; 32]) };
    assert!(matches!(s.validate_commit_proposed_batch(&wrong), ValidationResult::Err(_)));
    assert!(matches!(s.commit_proposed_batch(&controller(), &wrong, T0, HASHED_BYTES_PER_MESSAGE), Err(Error::EvidenceMismatch { .. })));
    let right = CommitProposedBatchArguments { batch_id: b.clone(), evidence };
    assert!(matches!(s.validate_commit_proposed_batch(&right), ValidationResult::Ok(_)));
    assert_eq!(s.commit_proposed_batch(&controller(), &right, T0, HASHED_BYTES_PER_MESSAGE), Ok(CommitProgress::Done));
    assert_eq!(get(&s, "/p").unwrap().content.as_slice(), b"abc");
    assert!(matches!(s.batches.live_batch(&b), Err(Error::BatchNotFound { .. })));
}

#[test]
fn upgrade_round_trip_keeps_everything() {
    let (mem, mut s) = fresh();
    let content = upload_a(&mut s);
    s.store(&controller(), &StoreArg {
        key: "/s".into(),
        content_type: "image/png".into(),
        content_encoding: "identity".into(),
        content: ByteBuf::from(vec![7; 5000]),
        sha256: None,
        aliased: Some(false),
    }, T0).unwrap();
    let b = s.create_batch(&controller(), T0).unwrap();
    let pending = chunks(&mut s, &b, &[b"pending"], T0);
    let list_before = s.list(&ListRequest::default());
    drop(s);
    let snapshot = bytes(&mem);
    let mut s = State::load(mem.clone());
    assert!(bytes(&mem) == snapshot, "loading wrote to stable memory");
    s.post_upgrade(None).unwrap();
    assert_eq!(s.list(&ListRequest::default()), list_before);
    assert_eq!(s.read_encoding("/a", "identity", 0, 1000).unwrap(), content);
    assert_eq!(s.retrieve("/s").unwrap().to_vec(), vec![7; 5000]);
    assert!(s.permissions.has(&principal(1), Permission::Commit));
    // The batch and its chunk survived, and ids continue.
    commit(&mut s, b, vec![create("/c"), set("/c", &pending, None, None)]).unwrap();
    assert_eq!(get(&s, "/c").unwrap().content.as_slice(), b"pending");
    assert_eq!(s.create_batch(&controller(), T0).unwrap(), Nat::from(3u64));
}

#[test]
fn install_and_upgrade_arguments() {
    let lists = SetPermissions { prepare: vec![principal(2)], commit: vec![principal(3)], manage_permissions: vec![principal(4)] };
    let args = AssetCanisterArgs::Init(InitArgs { set_permissions: Some(lists) });
    let mut s = State::init(VectorMemory::default(), principal(1), Some(args)).unwrap();
    assert_eq!(s.list_permitted(Permission::Commit), vec![principal(3)]);
    assert_eq!(s.list_permitted(Permission::Prepare), vec![principal(2)]);
    let bad = AssetCanisterArgs::Init(InitArgs::default());
    assert!(matches!(s.post_upgrade(Some(bad)), Err(Error::InvalidInstallArgs { .. })));
    let upgrade = AssetCanisterArgs::Upgrade(UpgradeArgs { set_permissions: Some(SetPermissions::default()) });
    s.post_upgrade(Some(upgrade)).unwrap();
    assert!(s.list_permitted(Permission::Commit).is_empty());
    let anon = SetPermissions { commit: vec![Principal::anonymous()], ..Default::default() };
    let args = AssetCanisterArgs::Init(InitArgs { set_permissions: Some(anon) });
    assert!(matches!(State::init(VectorMemory::default(), principal(1), Some(args)), Err(Error::AnonymousPrincipal)));
    let s = State::init(VectorMemory::default(), Principal::anonymous(), None).unwrap();
    assert!(s.list_permitted(Permission::Commit).is_empty());
}

#[test]
fn replaced_and_deleted_content_is_reused() {
    let (_, mut s) = fresh();
    upload_a(&mut s);
    let end = s.store.blob().end();
    commit(&mut s, Nat::from(0u64), vec![BatchOperationKind::DeleteAsset(DeleteAssetArguments { key: "/a".into() })]).unwrap();
    assert_eq!(s.store.blob().end(), 0);
    upload_a(&mut s);
    assert_eq!(s.store.blob().end(), end);
    s.clear(&controller(), T0).unwrap();
    assert_eq!(s.store.blob().end(), 0);
    assert!(s.take_changes().cleared);
}

#[test]
fn get_and_retrieve_errors() {
    let (_, mut s) = fresh();
    upload_a(&mut s);
    assert!(matches!(get(&s, "/none"), Err(Error::AssetNotFound { .. })));
    let gz = GetArg { key: "/a".into(), accept_encodings: vec!["gzip".into()] };
    assert!(matches!(s.get(&gz), Err(Error::EncodingNotFound { .. })));
    assert!(matches!(s.retrieve("/a"), Err(Error::AssetTooLarge { .. })));
    let stale = GetChunkArg { key: "/a".into(), content_encoding: "identity".into(), index: Nat::from(0u64), sha256: Some(sha(b"old")) };
    assert!(matches!(s.get_chunk(&stale), Err(Error::Sha256Mismatch { .. })));
}

#[test]
fn list_pages_by_start_and_length() {
    let (_, mut s) = fresh();
    let ops: Vec<_> = (0..25).map(|i| create(&format!("/k{i:02}"))).collect();
    commit(&mut s, Nat::from(0u64), ops).unwrap();
    let page = |start: u64, len: Option<u64>| {
        s.list(&ListRequest { start: Some(Nat::from(start)), length: len.map(Nat::from) })
            .into_iter()
            .map(|d| d.key)
            .collect::<Vec<_>>()
    };
    assert_eq!(page(0, Some(2)), vec!["/k00", "/k01"]);
    assert_eq!(page(23, None), vec!["/k23", "/k24"]);
    assert!(page(25, None).is_empty());
}

#[test]
fn state_hash_follows_the_ic_asset_stream_and_restarts_on_change() {
    let (_, mut s) = fresh();
    assert_eq!(s.compute_state_hash(), Some(hex(&Sha256::digest(b""))));
    let content = upload_a(&mut s);
    assert_eq!(s.get_state_info().state_hash, None);
    let mut stream = vec![4u8];
    stream.extend_from_slice(b"/atext/plain");
    stream.extend_from_slice(&[3, 0, 0, 0, 0, 0, 0, 0, 60, 3]);
    stream.extend_from_slice(b"x-a1x-b2");
    stream.extend_from_slice(&[3, 1, 2]); // allow_raw_access Some(true), enable_aliasing None
    stream.push(5);
    stream.extend_from_slice(b"/aidentity");
    stream.push(3);
    stream.extend_from_slice(&Sha256::digest(&content));
    stream.extend_from_slice(&content);
    let expected = hex(&Sha256::digest(&stream));
    assert_eq!(s.compute_state_hash(), Some(expected.clone()));
    assert_eq!(s.get_state_info(), StateInfo { last_state_update_timestamp: T0, state_hash: Some(expected) });
}

#[test]
fn the_change_feed_names_every_key_a_commit_touched() {
    let (_, mut s) = fresh();
    upload_a(&mut s);
    s.take_changes();
    let b = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(&mut s, &b, &[b"1", b"2"], T0);
    let unset = BatchOperationKind::UnsetAssetContent(UnsetAssetContentArguments { key: "/a".into(), content_encoding: "identity".into() });
    let ops = vec![create("/x"), set("/x", &ids[..1], None, None), unset, create("/y"), create("/z"), set("/z", &ids[1..], None, None)];
    commit(&mut s, b, ops).unwrap();
    let changes = s.take_changes();
    assert!(!changes.cleared);
    assert_eq!(changes.keys.into_iter().collect::<Vec<_>>(), ["/a", "/x", "/y", "/z"]);
}
