//! The legacy read API after an upload through create_batch / create_chunks / commit_batch:
//! `list` (sorted, with encodings, lengths and hashes), `get`, `get_chunk` (including a chunk
//! past the first of a multi-chunk asset), and `get_asset_properties`, which rejects an unknown key.
//! `compute_state_hash` and `get_state_info` answer in the shapes of dfx's asset canister.

mod support;

use asset_canister_core::types::*;
use candid::{CandidType, Deserialize, Nat, Principal};
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use support::{generated_bytes, gzip, site, stranger, Canister, Upload, BIG_BYTES, CSS};

#[test]
fn list_get_get_chunk_and_properties_match_the_upload() {
    let mut c = Canister::install();
    let files = site(true, true);
    c.upload(&files);

    let (list, _): (Vec<AssetDetails>, _) =
        c.query(Principal::anonymous(), "list", (ListRequest::default(),)).unwrap();
    let keys: Vec<&str> = list.iter().map(|a| a.key.as_str()).collect();
    let mut expected: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
    expected.sort();
    assert_eq!(keys, expected);
    let css = list.iter().find(|a| a.key == "/style.css").unwrap();
    assert_eq!(css.content_type, "text/css");
    let mut encodings: Vec<(String, Nat, Option<ByteBuf>)> =
        css.encodings.iter().map(|e| (e.content_encoding.clone(), e.length.clone(), e.sha256.clone())).collect();
    encodings.sort_by(|a, b| a.0.cmp(&b.0));
    let gz = gzip(CSS.as_bytes());
    assert_eq!(
        encodings,
        vec![
            ("gzip".to_string(), Nat::from(gz.len()), Some(ByteBuf::from(Sha256::digest(&gz).to_vec()))),
            ("identity".to_string(), Nat::from(CSS.len()), Some(ByteBuf::from(Sha256::digest(CSS).to_vec()))),
        ]
    );

    let page = ListRequest { start: Some(Nat::from(1u8)), length: Some(Nat::from(2u8)) };
    let (paged, _): (Vec<AssetDetails>, _) = c.query(stranger(), "list", (page,)).unwrap();
    assert_eq!(paged.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(), expected[1..3].to_vec());

    let arg = GetArg { key: "/style.css".into(), accept_encodings: vec!["gzip".into(), "identity".into()] };
    let (got, _): (EncodedAsset, _) = c.query(stranger(), "get", (arg,)).unwrap();
    assert_eq!(got.content_encoding, "gzip");
    assert_eq!(got.content.as_slice(), gz.as_slice());
    assert_eq!(got.total_length, Nat::from(gz.len()));

    let big = generated_bytes(BIG_BYTES, 77);
    let arg = GetChunkArg {
        key: "/big.bin".into(),
        content_encoding: "identity".into(),
        index: Nat::from(2u8),
        sha256: Some(ByteBuf::from(Sha256::digest(&big).to_vec())),
    };
    let (chunk, _): (GetChunkResponse, _) = c.query(stranger(), "get_chunk", (arg.clone(),)).unwrap();
    assert!(!chunk.content.is_empty());
    // The canister's chunking is its own: locate the chunk by the lengths of the ones before it.
    let (first, _): (GetChunkResponse, _) =
        c.query(stranger(), "get_chunk", (GetChunkArg { index: Nat::from(0u8), ..arg.clone() },)).unwrap();
    let (second, _): (GetChunkResponse, _) =
        c.query(stranger(), "get_chunk", (GetChunkArg { index: Nat::from(1u8), ..arg.clone() },)).unwrap();
    let start = first.content.len() + second.content.len();
    assert_eq!(chunk.content.as_slice(), &big[start..start + chunk.content.len()]);
    let wrong_hash = GetChunkArg { sha256: Some(ByteBuf::from(vec![0; 32])), ..arg };
    assert!(c.query::<_, GetChunkResponse>(stranger(), "get_chunk", (wrong_hash,)).is_err());

    let (props, _): (AssetProperties, _) =
        c.query(stranger(), "get_asset_properties", ("/index.html".to_string(),)).unwrap();
    assert_eq!(props.max_age, None);
    let unknown = c.query::<_, AssetProperties>(stranger(), "get_asset_properties", ("/missing".to_string(),));
    assert!(unknown.is_err_and(|e| e.reject().is_some()));
}

/// `get_state_info`'s record as dfx's asset canister defines it (`StateInfo` of dfinity/sdk's
/// ic-certified-assets), spelled here independently of the core's type.
#[derive(CandidType, Deserialize, Debug, PartialEq)]
struct DfxStateInfo {
    last_state_update_timestamp: u64,
    state_hash: Option<String>,
}

#[test]
fn state_hash_and_state_info_answer_in_dfx_shapes() {
    let mut c = Canister::install();
    c.upload(&site(true, false));
    let (info, _): (DfxStateInfo, _) = c.query(stranger(), "get_state_info", ()).unwrap();
    assert_eq!(info.state_hash, None, "no hash is computed before compute_state_hash");
    assert!(info.last_state_update_timestamp > 0 && info.last_state_update_timestamp <= c.ic.time());

    let (hash, _): (Option<String>, _) = c.update(stranger(), "compute_state_hash", ()).unwrap();
    let hash = hash.expect("compute_state_hash finishes within the call");
    assert!(hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{hash}");
    let (info, _): (DfxStateInfo, _) = c.query(stranger(), "get_state_info", ()).unwrap();
    assert_eq!(info.state_hash.as_ref(), Some(&hash));

    // A change makes the stored hash stale: it is no longer reported, and the next one differs.
    c.upload(&[Upload::new("/new.txt", "text/plain", "new")]);
    let (after, _): (DfxStateInfo, _) = c.query(stranger(), "get_state_info", ()).unwrap();
    assert_eq!(after.state_hash, None);
    assert!(after.last_state_update_timestamp >= info.last_state_update_timestamp);
    let (next, _): (Option<String>, _) = c.update(stranger(), "compute_state_hash", ()).unwrap();
    assert_ne!(next.expect("finished"), hash);
}
