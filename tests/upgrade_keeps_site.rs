//! An upgrade keeps every asset (content hashes and metadata, compared through `list`) and the
//! certification rebuilt in post_upgrade still verifies, v2 and v1.

mod support;

use asset_canister_core::types::*;
use candid::Principal;
use support::{header, request, site, Canister};

#[test]
fn upgrade_keeps_content_and_serves_verified() {
    let mut c = Canister::install();
    c.upload(&site(true, false));
    let (before, _): (Vec<AssetDetails>, _) =
        c.query(Principal::anonymous(), "list", (ListRequest::default(),)).unwrap();
    let page_before = c.get_verified(&request("GET", "/docs/guide", &[]), 2);
    let tree_before = certified_tree(&mut c);

    c.upgrade();

    // The rebuilt tree is the incrementally built one, node for node: its shape depends only on
    // the certified paths, not on the order they were inserted in.
    assert_eq!(certified_tree(&mut c), tree_before);

    let (after, _): (Vec<AssetDetails>, _) =
        c.query(Principal::anonymous(), "list", (ListRequest::default(),)).unwrap();
    assert_eq!(before, after);
    let page_after = c.get_verified(&request("GET", "/docs/guide", &[]), 2);
    assert_eq!(page_after.body, page_before.body);
    assert_eq!(header(&page_after, "etag"), header(&page_before, "etag"));
    let v1 = c.get_verified(&request("GET", "/style.css", &[]), 1);
    assert_eq!(v1.status_code, 200);
    let missing = c.get_verified(&request("GET", "/gone", &[]), 2);
    assert_eq!((missing.status_code, missing.body.as_slice()), (404, b"<h1>Not found</h1>".as_slice()));
}

/// CBOR of the whole certified tree, from the legacy `certified_tree` query.
fn certified_tree(c: &mut Canister) -> Vec<u8> {
    #[derive(candid::CandidType)]
    struct Empty {}
    let (tree, _): (CertifiedTree, _) = c.query(Principal::anonymous(), "certified_tree", (Empty {},)).unwrap();
    tree.tree.into_vec()
}
