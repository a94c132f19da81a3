//! Every response the serving code produces, run through the real `ic-response-verification`
//! against certificates minted by `local-ic` for the certifier's root hash.

mod site;

use asset_canister_core::certification::Encoding;
use asset_canister_core::http::{http_request, http_request_streaming_callback, ServeContext};
use asset_canister_core::http_types::{HttpRequest, HttpResponse};
use ic_http_certification::Method;
use ic_response_verification::{verify_request_response_pair, ResponseVerificationError};
use serde_bytes::ByteBuf;
use site::{Site, CANISTER_ID, NOW_NS};

fn request(method: &str, url: &str, headers: &[(&str, &str)], version: Option<u16>) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        url: url.into(),
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: ByteBuf::new(),
        certificate_version: version,
    }
}

/// Serves `req` and verifies the response with `min_version` as the gateway would.
fn serve_and_verify(site: &Site, req: &HttpRequest, min_version: u8) -> (HttpResponse, Result<u16, String>) {
    let response = serve(site, req);
    let verified = verify(site, req, &response, min_version);
    (response, verified)
}

fn serve(site: &Site, req: &HttpRequest) -> HttpResponse {
    let context = ServeContext { certificate: &site.certificate, canister_id: CANISTER_ID };
    http_request(&site.certifier, req, context, site.content())
}

fn verify(site: &Site, req: &HttpRequest, response: &HttpResponse, min_version: u8) -> Result<u16, String> {
    let method = Method::from_bytes(req.method.as_bytes()).unwrap();
    let mut builder = ic_http_certification::HttpRequest::builder()
        .with_method(method)
        .with_url(req.url.clone())
        .with_headers(req.headers.clone());
    if let Some(version) = req.certificate_version {
        builder = builder.with_certificate_version(version);
    }
    let http_response = ic_http_certification::HttpResponse::builder()
        .with_status_code(ic_http_certification::StatusCode::from_u16(response.status_code).unwrap())
        .with_headers(response.headers.clone())
        .with_body(response.body.to_vec())
        .build();
    verify_request_response_pair(
        builder.build(),
        http_response,
        CANISTER_ID.as_slice(),
        u128::from(NOW_NS),
        300_000_000_000,
        &site.root_key,
        min_version,
    )
    .map(|info| info.verification_version)
    .map_err(|e: ResponseVerificationError| e.to_string())
}

fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
    response.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

const ALL: &str = "gzip, deflate, br";

#[test]
fn asset_200_v2_and_v1() {
    let site = Site::standard();
    let (r, v) = serve_and_verify(&site, &request("GET", "/style.css", &[("Accept-Encoding", "identity")], Some(2)), 2);
    assert_eq!(r.status_code, 200);
    assert_eq!(r.body.as_slice(), site.bytes("/style.css", Encoding::Identity));
    assert_eq!(header(&r, "content-type"), Some("text/css"));
    assert_eq!(header(&r, "vary"), Some("Accept-Encoding"));
    assert_eq!(v, Ok(2));
    let (r, v) = serve_and_verify(&site, &request("GET", "/style.css", &[], None), 1);
    assert_eq!(r.status_code, 200);
    assert_eq!(v, Ok(1));
}

#[test]
fn encoding_negotiation_respects_q_values() {
    let site = Site::standard();
    for (accept, want) in [
        (ALL, Some("br")),
        ("gzip, br;q=0", Some("gzip")),
        ("br;q=0, gzip;q=0", None),
        ("identity", None),
    ] {
        let (r, v) = serve_and_verify(&site, &request("GET", "/index.html", &[("Accept-Encoding", accept)], Some(2)), 2);
        assert_eq!(v, Ok(2), "{accept}");
        assert_eq!(header(&r, "content-encoding"), want, "{accept}");
        let encoding = want.and_then(Encoding::from_name).unwrap_or(Encoding::Identity);
        assert_eq!(r.body.as_slice(), site.bytes("/index.html", encoding));
    }
}

#[test]
fn aliases_verify() {
    let site = Site::standard();
    for (url, key) in [("/", "/index.html"), ("/about", "/about.html"), ("/docs", "/docs/index.html"), ("/docs/", "/docs/index.html")] {
        for version in [Some(2), None] {
            let (r, v) = serve_and_verify(&site, &request("GET", url, &[], version), 1);
            assert_eq!(r.status_code, 200, "{url}");
            assert_eq!(r.body.as_slice(), site.bytes(key, Encoding::Identity), "{url}");
            assert_eq!(v, Ok(version.map_or(1, |_| 2)), "{url} {version:?}");
        }
    }
    // /legal.html has aliasing disabled: /legal is a missing path.
    let (r, v) = serve_and_verify(&site, &request("GET", "/legal", &[], Some(2)), 2);
    assert_eq!((r.status_code, v), (404, Ok(2)));
}

#[test]
fn missing_paths_get_the_deepest_404_page() {
    let site = Site::standard();
    let (r, v) = serve_and_verify(&site, &request("GET", "/docs/deep/missing.png", &[], Some(2)), 2);
    assert_eq!((r.status_code, v), (404, Ok(2)));
    assert_eq!(r.body.as_slice(), site.bytes("/docs/404.html", Encoding::Identity));
    let (r, v) = serve_and_verify(&site, &request("GET", "/missing?x=1", &[], Some(2)), 2);
    assert_eq!((r.status_code, v), (404, Ok(2)));
    assert_eq!(r.body.as_slice(), site.bytes("/404.html", Encoding::Identity));
}

#[test]
fn single_page_app_fallback_and_plain_404() {
    let spa = Site::single_page_app();
    let (r, v) = serve_and_verify(&spa, &request("GET", "/app/route/42", &[], Some(2)), 2);
    assert_eq!((r.status_code, v), (200, Ok(2)));
    assert_eq!(r.body.as_slice(), spa.bytes("/index.html", Encoding::Identity));
    let (r, v) = serve_and_verify(&spa, &request("GET", "/app/route/42", &[], None), 1);
    assert_eq!((r.status_code, v), (200, Ok(1)));
    let empty = Site::without_index();
    let (r, v) = serve_and_verify(&empty, &request("GET", "/nothing", &[], Some(2)), 2);
    assert_eq!((r.status_code, v), (404, Ok(2)));
    assert_eq!(r.body.as_slice(), b"404 Not Found");
}

#[test]
fn if_none_match_gets_a_certified_304() {
    let site = Site::standard();
    let (first, _) = serve_and_verify(&site, &request("GET", "/app.js", &[("Accept-Encoding", ALL)], Some(2)), 2);
    let etag = header(&first, "etag").unwrap().to_string();
    let (r, v) = serve_and_verify(&site, &request("GET", "/app.js", &[("Accept-Encoding", ALL), ("If-None-Match", &etag)], Some(2)), 2);
    assert_eq!((r.status_code, v), (304, Ok(2)));
    assert!(r.body.is_empty());
    // The etag is per encoding: the gzip etag does not match the identity representation.
    let (r, _) = serve_and_verify(&site, &request("GET", "/app.js", &[("If-None-Match", &etag)], Some(2)), 2);
    assert_eq!(r.status_code, 200);
}

#[test]
fn ranges_get_certified_206_and_416() {
    let site = Site::standard();
    let (r, v) = serve_and_verify(&site, &request("GET", "/style.css", &[("Range", "bytes=3-5")], Some(2)), 2);
    assert_eq!((r.status_code, v), (206, Ok(2)));
    let len = site.bytes("/style.css", Encoding::Identity).len();
    assert_eq!(header(&r, "content-range"), Some(format!("bytes 0-{}/{len}", len - 1).as_str()));
    let (r, v) = serve_and_verify(&site, &request("GET", "/style.css", &[("Range", "bytes=99999-")], Some(2)), 2);
    assert_eq!((r.status_code, v), (416, Ok(2)));
    let (r, v) = serve_and_verify(&site, &request("GET", "/style.css", &[("Range", "bytes=9-2")], Some(2)), 2);
    assert_eq!((r.status_code, v), (416, Ok(2)));
}

#[test]
fn large_asset_is_served_as_verified_206_parts_like_ic_http_gateway() {
    let site = Site::standard();
    let expected = site.bytes("/video.bin", Encoding::Identity);
    let (first, v) = serve_and_verify(&site, &request("GET", "/video.bin", &[], Some(2)), 2);
    assert_eq!((first.status_code, v), (206, Ok(2)));
    let mut body = first.body.to_vec();
    // Follow the gateway: `Range: bytes=<fetched>-` until the total length is reached.
    while body.len() < expected.len() {
        let range = format!("bytes={}-", body.len());
        let (r, v) = serve_and_verify(&site, &request("GET", "/video.bin", &[("Range", &range)], Some(2)), 2);
        assert_eq!((r.status_code, v), (206, Ok(2)), "{range}");
        let content_range = header(&r, "content-range").unwrap();
        assert!(content_range.starts_with(&format!("bytes {}-", body.len())), "{content_range}");
        body.extend_from_slice(&r.body);
    }
    assert_eq!(body, expected);
    // Seeking into the middle of a part answers with the part containing the offset.
    let (r, v) = serve_and_verify(&site, &request("GET", "/video.bin", &[("Range", "bytes=2500000-")], Some(2)), 2);
    assert_eq!((r.status_code, v), (206, Ok(2)));
    assert!(header(&r, "content-range").unwrap().starts_with("bytes 2000000-"));
}

#[test]
fn if_range_applies_the_range_only_to_the_version_it_names() {
    let site = Site::standard();
    let (full, _) = serve_and_verify(&site, &request("GET", "/video.bin", &[], Some(2)), 2);
    let etag = header(&full, "etag").unwrap().to_string();
    let ranged = |if_range: &str| {
        let headers = [("Range", "bytes=2500000-"), ("If-Range", if_range)];
        let (r, v) = serve_and_verify(&site, &request("GET", "/video.bin", &headers, Some(2)), 2);
        assert_eq!(v, Ok(2), "{if_range}");
        r
    };
    let current = ranged(&etag);
    assert_eq!(current.status_code, 206);
    assert!(header(&current, "content-range").unwrap().starts_with("bytes 2000000-"));
    // Another version, a weak tag or a date: the range is ignored, as for a plain GET (whose
    // answer for a body of several parts is its first part).
    for other in ["\"0123\"", &format!("W/{etag}"), "Tue, 24 Nov 2026 10:00:00 GMT"] {
        let r = ranged(other);
        assert_eq!((r.status_code, header(&r, "content-range")), (206, header(&full, "content-range")), "{other}");
        assert_eq!(r.body, full.body, "{other}");
    }
    let (small, _) = serve_and_verify(&site, &request("GET", "/style.css", &[("Range", "bytes=3-5"), ("If-Range", "\"old\"")], Some(2)), 2);
    assert_eq!((small.status_code, header(&small, "content-range")), (200, None));
}

#[test]
fn large_asset_streams_by_callback_for_v1() {
    let site = Site::standard();
    let expected = site.bytes("/video.bin", Encoding::Identity);
    let first = serve(&site, &request("GET", "/video.bin", &[], None));
    assert_eq!(first.status_code, 200);
    let mut body = first.body.to_vec();
    let mut token = first
        .streaming_strategy
        .as_ref()
        .map(|asset_canister_core::http_types::StreamingStrategy::Callback { token, .. }| token.clone());
    assert!(token.is_some(), "a body past one chunk is streamed");
    while let Some(t) = token {
        let chunk = http_request_streaming_callback(&site.certifier, &t, site.content()).unwrap();
        body.extend_from_slice(&chunk.body);
        token = chunk.token;
    }
    assert_eq!(body, expected);
    let whole = HttpResponse { body: ByteBuf::from(body), streaming_strategy: None, ..first };
    assert_eq!(verify(&site, &request("GET", "/video.bin", &[], None), &whole, 1), Ok(1));
}

#[test]
fn head_and_405_verify() {
    let site = Site::standard();
    let (r, v) = serve_and_verify(&site, &request("HEAD", "/style.css", &[], Some(2)), 2);
    assert_eq!((r.status_code, v), (200, Ok(2)));
    assert!(r.body.is_empty());
    assert_eq!(header(&r, "content-type"), Some("text/css"));
    let (r, v) = serve_and_verify(&site, &request("HEAD", "/video.bin", &[], Some(2)), 2);
    assert_eq!((r.status_code, v), (200, Ok(2)));
    for url in ["/style.css", "/missing", "/docs/x"] {
        let (r, v) = serve_and_verify(&site, &request("POST", url, &[], Some(2)), 2);
        assert_eq!((r.status_code, v), (405, Ok(2)), "{url}");
        assert_eq!(header(&r, "allow"), Some("GET, HEAD"));
    }
}

#[test]
fn tampered_responses_fail_verification() {
    let site = Site::standard();
    let req = request("GET", "/style.css", &[], Some(2));
    let mut r = serve(&site, &req);
    r.body = ByteBuf::from(b"body{display:none}".to_vec());
    assert!(verify(&site, &req, &r, 2).is_err());
    let mut r = serve(&site, &req);
    r.headers.retain(|(n, _)| n != "cache-control");
    assert!(verify(&site, &req, &r, 2).is_err());
    let mut r = serve(&site, &req);
    r.status_code = 404;
    assert!(verify(&site, &req, &r, 2).is_err());
}

#[test]
fn raw_domain_redirects_when_raw_access_is_off() {
    let site = Site::standard();
    let host = format!("{CANISTER_ID}.raw.icp0.io");
    let r = serve(&site, &request("GET", "/private.html?a=1", &[("Host", &host)], Some(2)));
    assert_eq!(r.status_code, 308);
    assert_eq!(header(&r, "location"), Some(format!("https://{CANISTER_ID}.icp0.io/private.html?a=1").as_str()));
    let r = serve(&site, &request("GET", "/style.css", &[("Host", &host)], Some(2)));
    assert_eq!(r.status_code, 200);
}

#[test]
fn updates_recertify_only_changed_paths() {
    let mut site = Site::standard();
    site.replace("/style.css", b"body{color:red}");
    let (r, v) = serve_and_verify(&site, &request("GET", "/style.css", &[], Some(2)), 2);
    assert_eq!((r.status_code, v), (200, Ok(2)));
    assert_eq!(r.body.as_slice(), b"body{color:red}");
    site.remove("/docs/404.html");
    let (r, v) = serve_and_verify(&site, &request("GET", "/docs/missing", &[], Some(2)), 2);
    assert_eq!((r.status_code, v), (404, Ok(2)));
    assert_eq!(r.body.as_slice(), site.bytes("/404.html", Encoding::Identity));
}
