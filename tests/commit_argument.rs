//! How the canister reads `commit_batch`'s and `propose_commit_batch`'s argument (the shell's
//! `decode_with` over `commit_wire`): arguments in another type table than the Rust uploaders'
//! (an older uploader's, without the optional fields) still commit, through candid; bytes that
//! are not Candid of the argument type trap with `ic0.trap` and leave every asset as it was.

mod support;

use asset_canister_core::types::*;
use candid::{CandidType, Deserialize, Nat, Principal};
use local_ic::{CallError, ErrorCode, LocalIc};
use serde_bytes::ByteBuf;
use support::{admin, request, site, Canister};

/// An older uploader's operation types: `CreateAsset` without the optional fields added later.
#[derive(CandidType, Deserialize)]
struct OldCreateAsset {
    key: String,
    content_type: String,
}

#[derive(CandidType, Deserialize)]
enum OldOperation {
    CreateAsset(OldCreateAsset),
    SetAssetContent(SetAssetContentArguments),
}

#[derive(CandidType, Deserialize)]
struct OldCommit {
    batch_id: Nat,
    operations: Vec<OldOperation>,
}

fn listed(c: &mut Canister) -> Vec<AssetDetails> {
    let (list, _): (Vec<AssetDetails>, _) =
        c.query(Principal::anonymous(), "list", (ListRequest::default(),)).unwrap();
    list
}

fn raw_update(c: &mut Canister, method: &str, arg: Vec<u8>) -> Result<(), CallError> {
    let out = LocalIc::update_call(&mut c.ic, c.id, admin(), method, arg)?;
    assert_eq!(candid::decode_one::<()>(&out.reply).ok(), Some(()));
    Ok(())
}

#[test]
fn another_type_table_commits_through_candid() {
    let mut c = Canister::install();
    let (batch, _) = c.create_batch();
    let (ids, _) = c.create_chunks(&batch, &[b"written by an older uploader".as_slice()]);
    let old = OldCommit {
        batch_id: batch,
        operations: vec![
            OldOperation::CreateAsset(OldCreateAsset { key: "/old.txt".into(), content_type: "text/plain".into() }),
            OldOperation::SetAssetContent(SetAssetContentArguments {
                key: "/old.txt".into(),
                content_encoding: "identity".into(),
                chunk_ids: ids,
                last_chunk: None,
                sha256: None,
            }),
        ],
    };
    raw_update(&mut c, "commit_batch", candid::encode_one(&old).unwrap()).expect("the older table commits");
    let page = c.get_verified(&request("GET", "/old.txt", &[]), 2);
    assert_eq!(page.body.as_ref(), b"written by an older uploader");
}

#[test]
fn undecodable_arguments_trap_and_change_nothing() {
    let mut c = Canister::install();
    c.upload(&site(true, false));
    let before = listed(&mut c);
    let valid = CommitBatchArguments {
        batch_id: Nat::from(0u64),
        operations: vec![BatchOperationKind::DeleteAsset(DeleteAssetArguments { key: "/index.html".into() })],
    };
    let bytes = candid::encode_one(&valid).unwrap();
    // The values are batch id, count, case, key: make the case index one past the six cases.
    let case = bytes.len() - "/index.html".len() - 2;
    assert_eq!(bytes[case], 3, "DeleteAsset is the fourth case in hash order");
    let mut bad_case = bytes.clone();
    bad_case[case] = 6;
    let mut trailing = bytes.clone();
    trailing.push(0);
    let not_candid = b"commit everything".to_vec();
    let wrong_type = candid::encode_one(ByteBuf::from(bytes.clone())).unwrap();
    for method in ["commit_batch", "propose_commit_batch"] {
        for (what, arg) in [
            ("unknown case", &bad_case),
            ("trailing byte", &trailing),
            ("not Candid", &not_candid),
            ("a blob", &wrong_type),
            ("empty", &Vec::new()),
        ] {
            let error = raw_update(&mut c, method, arg.clone()).expect_err(what);
            let reject = error.reject().unwrap_or_else(|| panic!("{method}, {what}: {error:?}"));
            assert_eq!(reject.error_code, ErrorCode::CanisterCalledTrap, "{method}, {what}: {reject:?}");
        }
    }
    assert_eq!(listed(&mut c), before);
    // The same bytes before the damage still decode and apply.
    raw_update(&mut c, "commit_batch", bytes).expect("the intact argument commits");
    assert!(listed(&mut c).iter().all(|asset| asset.key != "/index.html"));
}
