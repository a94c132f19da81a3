//! Pages of an uploaded site through `http_request`: 200 with certified headers, aliases, the
//! nested page, `404.html` for a missing path, HEAD, 405 for other methods; every response
//! verified with v2, and with v1 where the legacy tree can prove it.

mod support;

use support::{header, request, site, Canister, CSS};

fn canister() -> Canister {
    let mut canister = Canister::install();
    canister.upload(&site(true, false));
    canister
}

#[test]
fn home_page_and_files_are_served_with_their_headers_and_verify() {
    let mut c = canister();
    for (url, content_type, body) in [
        ("/index.html", "text/html", &b"<!doctype html><title>Home</title><h1>Home</h1>"[..]),
        ("/style.css", "text/css", CSS.as_bytes()),
        ("/app.js", "text/javascript", b"document.querySelector('h1').textContent += '!';\n"),
    ] {
        for version in [2, 1] {
            let r = c.get_verified(&request("GET", url, &[]), version);
            assert_eq!(r.status_code, 200, "{url} v{version}");
            assert_eq!(header(&r, "content-type"), Some(content_type), "{url} v{version}");
            assert_eq!(r.body.as_slice(), body, "{url} v{version}");
        }
    }
    let logo = c.get_verified(&request("GET", "/logo.png", &[]), 2);
    assert_eq!(logo.body.as_slice(), support::generated_bytes(3_000, 5).as_slice());
    assert_eq!(header(&logo, "content-type"), Some("image/png"));
}

#[test]
fn aliases_and_nested_page_resolve_and_verify() {
    let mut c = canister();
    let home = b"<!doctype html><title>Home</title><h1>Home</h1>".as_slice();
    for (url, body) in [
        ("/", home),
        ("/about", b"<h1>About</h1>".as_slice()),
        ("/docs/guide", b"<h1>Guide</h1>".as_slice()),
        ("/docs/guide/", b"<h1>Guide</h1>".as_slice()),
        ("/docs/guide/index.html", b"<h1>Guide</h1>".as_slice()),
        ("/about?ref=home", b"<h1>About</h1>".as_slice()),
        ("/docs/%67uide/", b"<h1>Guide</h1>".as_slice()),
    ] {
        for version in [2, 1] {
            let r = c.get_verified(&request("GET", url, &[]), version);
            assert_eq!(r.status_code, 200, "{url} v{version}");
            assert_eq!(r.body.as_slice(), body, "{url} v{version}");
        }
    }
}

#[test]
fn missing_path_gets_the_404_page_with_status_404_under_v2() {
    let mut c = canister();
    for url in ["/nope", "/docs/missing/page.html"] {
        let r = c.get_verified(&request("GET", url, &[]), 2);
        assert_eq!(r.status_code, 404, "{url}");
        assert_eq!(r.body.as_slice(), b"<h1>Not found</h1>", "{url}");
        assert_eq!(header(&r, "content-type"), Some("text/html"));
    }
}

#[test]
fn head_has_headers_and_no_body_and_verifies() {
    let mut c = canister();
    let get = c.get_verified(&request("GET", "/about.html", &[]), 2);
    let head = c.get_verified(&request("HEAD", "/about.html", &[]), 2);
    assert_eq!(head.status_code, 200);
    assert!(head.body.is_empty());
    assert_eq!(header(&head, "content-type"), Some("text/html"));
    assert_eq!(header(&head, "etag"), header(&get, "etag"));
}

#[test]
fn other_methods_get_a_certified_405() {
    let mut c = canister();
    for method in ["POST", "PUT", "DELETE"] {
        let r = c.get_verified(&request(method, "/index.html", &[]), 2);
        assert_eq!(r.status_code, 405, "{method}");
        assert!(header(&r, "allow").is_some_and(|v| v.contains("GET") && v.contains("HEAD")), "{:?}", r.headers);
    }
}
