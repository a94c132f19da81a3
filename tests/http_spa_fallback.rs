//! A single-page app (no `404.html`): a missing path is answered with `/index.html` and status
//! 200, verified with v2 and v1 (v1 proves the `/index.html` fallback).

mod support;

use support::{header, request, site, Canister};

#[test]
fn missing_paths_fall_back_to_index_html_and_verify() {
    let mut c = Canister::install();
    c.upload(&site(false, false));
    let home = b"<!doctype html><title>Home</title><h1>Home</h1>".as_slice();
    for url in ["/dashboard", "/users/42/profile"] {
        for version in [2, 1] {
            let r = c.get_verified(&request("GET", url, &[]), version);
            assert_eq!(r.status_code, 200, "{url} v{version}");
            assert_eq!(r.body.as_slice(), home, "{url} v{version}");
            assert_eq!(header(&r, "content-type"), Some("text/html"), "{url} v{version}");
        }
    }
}
