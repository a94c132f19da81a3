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

    c.upgrade();

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
