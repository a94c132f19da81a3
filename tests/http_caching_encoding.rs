//! Conditional requests and encoding negotiation on an uploaded site: ETag / If-None-Match
//! answered with a certified 304, and `Accept-Encoding` q-values choosing among the stored
//! encodings (br, then gzip, then identity). Every response is verified (v2).

mod support;

use sha2::{Digest, Sha256};
use support::{gzip, header, request, site, Canister, CSS};

#[test]
fn etag_304_and_encodings_verify() {
    let mut c = Canister::install();
    c.upload(&site(true, false));

    // ETag is the quoted sha256 of the served encoding; a matching If-None-Match gets 304.
    let r = c.get_verified(&request("GET", "/index.html", &[]), 2);
    let body = b"<!doctype html><title>Home</title><h1>Home</h1>";
    let etag = format!("\"{}\"", hex_of(&Sha256::digest(body)));
    assert_eq!(header(&r, "etag"), Some(etag.as_str()));
    let not_modified = c.get_verified(&request("GET", "/index.html", &[("If-None-Match", &etag)]), 2);
    assert_eq!(not_modified.status_code, 304);
    assert!(not_modified.body.is_empty());
    let other = c.get_verified(&request("GET", "/index.html", &[("If-None-Match", "\"abc\"")]), 2);
    assert_eq!(other.status_code, 200);
    assert_eq!(other.body.as_slice(), body);

    // Encodings: gzip is preferred when accepted with q > 0, identity otherwise.
    let gz = gzip(CSS.as_bytes());
    for (accept, expect_gzip) in [
        ("gzip, deflate, br", true),
        ("identity;q=1, gzip;q=0.1", true),
        ("gzip;q=0, identity", false),
        ("br", false),
        ("identity", false),
    ] {
        let r = c.get_verified(&request("GET", "/style.css", &[("Accept-Encoding", accept)]), 2);
        assert_eq!(r.status_code, 200, "{accept}");
        if expect_gzip {
            assert_eq!(header(&r, "content-encoding"), Some("gzip"), "{accept}");
            assert_eq!(r.body.as_slice(), gz.as_slice(), "{accept}");
            assert_eq!(header(&r, "etag"), Some(format!("\"{}\"", hex_of(&Sha256::digest(&gz))).as_str()));
        } else {
            assert_ne!(header(&r, "content-encoding"), Some("gzip"), "{accept}");
            assert_eq!(r.body.as_slice(), CSS.as_bytes(), "{accept}");
        }
        assert!(header(&r, "vary").is_some_and(|v| v.eq_ignore_ascii_case("accept-encoding")), "{accept}: {:?}", r.headers);
    }
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
