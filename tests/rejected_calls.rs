//! Calls that must be refused leave the canister exactly as it was: an unauthorized caller, an
//! unknown batch id, an unknown chunk id (after a valid operation in the same commit), a wrong
//! sha256. Compared through `list` and a verified `http_request` before and after. An
//! `http_request` whose argument is not a Candid request is answered with a 400, not a trap.

mod support;

use asset_canister_core::http_types::HttpResponse;
use asset_canister_core::types::*;
use candid::{Nat, Principal};
use serde_bytes::ByteBuf;
use support::{admin, request, site, stranger, Canister};

fn snapshot(c: &mut Canister) -> (Vec<AssetDetails>, Vec<u8>) {
    let (list, _): (Vec<AssetDetails>, _) =
        c.query(Principal::anonymous(), "list", (ListRequest::default(),)).unwrap();
    let page = c.get_verified(&request("GET", "/index.html", &[]), 2);
    (list, page.body.into_vec())
}

fn create(key: &str) -> BatchOperationKind {
    BatchOperationKind::CreateAsset(CreateAssetArguments {
        key: key.into(),
        content_type: "text/plain".into(),
        max_age: None,
        headers: None,
        enable_aliasing: None,
        allow_raw_access: None,
    })
}

fn set_content(key: &str, chunk_ids: Vec<Nat>, sha256: Option<Vec<u8>>) -> BatchOperationKind {
    BatchOperationKind::SetAssetContent(SetAssetContentArguments {
        key: key.into(),
        content_encoding: "identity".into(),
        chunk_ids,
        last_chunk: None,
        sha256: sha256.map(ByteBuf::from),
    })
}

#[test]
fn refused_calls_change_nothing() {
    let mut c = Canister::install();
    c.upload(&site(true, false));
    let before = snapshot(&mut c);

    // Unauthorized: no permission to create batches, chunks, or commit.
    assert!(c.update::<_, CreateBatchResponse>(stranger(), "create_batch", (CreateBatchArg {},)).is_err_and(|e| e.reject().is_some()));
    let (batch, _) = c.create_batch();
    let (ids, _) = c.create_chunks(&batch, &[b"hello".as_slice()]);
    let chunk = CreateChunkArg { batch_id: batch.clone(), content: ByteBuf::from(b"x".to_vec()) };
    assert!(c.update::<_, CreateChunkResponse>(stranger(), "create_chunk", (chunk,)).is_err());
    let ops = vec![create("/new.txt"), set_content("/new.txt", ids.clone(), None)];
    let arg = CommitBatchArguments { batch_id: batch.clone(), operations: ops.clone() };
    assert!(c.update::<_, ()>(stranger(), "commit_batch", (arg,)).is_err());
    assert!(c.update::<_, ()>(Principal::anonymous(), "delete_asset", (DeleteAssetArguments { key: "/index.html".into() },)).is_err());
    assert_eq!(snapshot(&mut c), before);

    // Unknown batch id.
    assert!(c.commit_batch(Nat::from(987_654u32), ops.clone()).is_err());
    let chunk = CreateChunkArg { batch_id: Nat::from(987_654u32), content: ByteBuf::from(b"x".to_vec()) };
    assert!(c.update::<_, CreateChunkResponse>(admin(), "create_chunk", (chunk,)).is_err());
    assert_eq!(snapshot(&mut c), before);

    // Unknown chunk id after a valid CreateAsset: the whole commit is refused.
    let bad = vec![create("/new.txt"), set_content("/new.txt", vec![Nat::from(123_456u32)], None)];
    assert!(c.commit_batch(batch.clone(), bad).is_err());
    assert_eq!(snapshot(&mut c), before);

    // Wrong sha256.
    let wrong = vec![create("/new.txt"), set_content("/new.txt", ids.clone(), Some(vec![0; 32]))];
    assert!(c.commit_batch(batch.clone(), wrong).is_err());
    assert_eq!(snapshot(&mut c), before);

    // The same batch still commits once the operations are right: nothing above consumed it.
    c.commit_batch(batch, ops).expect("valid commit");
    let (after, _) = snapshot(&mut c);
    assert_eq!(after.len(), before.0.len() + 1);
}

#[test]
fn http_request_with_an_undecodable_argument_gets_a_400() {
    let mut c = Canister::install();
    c.upload(&site(true, false));
    let before = snapshot(&mut c);
    let not_a_request = [
        b"not candid at all".to_vec(),
        candid::encode_one("a text, not a record").unwrap(),
        candid::encode_one(42u64).unwrap(),
        b"DIDL".to_vec(),
        Vec::new(),
    ];
    for arg in not_a_request {
        let out = c.ic.query_call(c.id, Principal::anonymous(), "http_request", arg.clone()).expect("a reply, not a trap");
        let response = candid::decode_one::<HttpResponse>(&out.reply).expect("the reply is an HttpResponse");
        assert_eq!(response.status_code, 400, "argument {arg:?}");
        let body = String::from_utf8(response.body.into_vec()).unwrap();
        assert!(body.starts_with("the http_request argument is not a Candid HttpRequest"), "{body}");
        assert!(response.headers.iter().all(|(name, _)| !name.eq_ignore_ascii_case("ic-certificate")));
    }
    assert_eq!(snapshot(&mut c), before);
}
