//! Arbitrary requests never panic, and every v2 response to a well-formed request verifies.

// Shared with http_verification; this binary uses only the standard site.
#[allow(dead_code)]
mod site;

use asset_canister_core::http::{http_request, http_request_streaming_callback, ServeContext};
use asset_canister_core::http_types::{HttpRequest, StreamingCallbackToken};
use candid::Nat;
use ic_http_certification::Method;
use ic_response_verification::verify_request_response_pair;
use proptest::prelude::*;
use serde_bytes::ByteBuf;
use site::{Site, CANISTER_ID, NOW_NS};

fn site() -> &'static Site {
    // Per thread: the site's record store lives in (single-threaded) vector memory.
    thread_local! {
        static SITE: &'static Site = Box::leak(Box::new(Site::standard()));
    }
    SITE.with(|s| *s)
}

fn serve(req: &HttpRequest) -> asset_canister_core::http_types::HttpResponse {
    let s = site();
    http_request(&s.certifier, req, ServeContext { certificate: &s.certificate, canister_id: CANISTER_ID }, s.content())
}

fn header_strategy() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        Just("Accept-Encoding".to_string()),
        Just("Range".to_string()),
        Just("If-None-Match".to_string()),
        Just("Host".to_string()),
        ".{0,12}",
    ];
    (name, ".{0,40}")
}

fn path_strategy() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        Just("index.html"), Just("about"), Just("docs"), Just("404.html"), Just("video.bin"),
        Just("style.css"), Just("x"), Just(""), Just("a%20b"), Just("legal"),
    ];
    (proptest::collection::vec(segment, 0..4), proptest::option::of(Just("?q=1"))).prop_map(|(segments, query)| {
        format!("/{}{}", segments.join("/"), query.unwrap_or(""))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_requests_never_panic(
        method in prop_oneof![Just("GET".to_string()), Just("HEAD".to_string()), ".{0,8}"],
        url in prop_oneof![".{0,60}", path_strategy(), "/[%0-9a-fA-F/]{0,30}"],
        headers in proptest::collection::vec(header_strategy(), 0..6),
        version in proptest::option::of(any::<u16>()),
    ) {
        let req = HttpRequest { method, url, headers, body: ByteBuf::new(), certificate_version: version };
        let response = serve(&req);
        prop_assert!((200..600).contains(&response.status_code));
    }

    #[test]
    fn arbitrary_tokens_never_panic(key in ".{0,20}", encoding in ".{0,10}", index in any::<u128>(), sha in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40))) {
        let token = StreamingCallbackToken { key, content_encoding: encoding, index: Nat::from(index), sha256: sha.map(ByteBuf::from) };
        let s = site();
        let _ = http_request_streaming_callback(&s.certifier, &token, s.content());
    }

    #[test]
    fn every_v2_response_to_a_well_formed_request_verifies(
        method in prop_oneof![Just("GET"), Just("HEAD"), Just("POST"), Just("DELETE")],
        url in path_strategy(),
        accept in prop_oneof![Just(""), Just("gzip, deflate, br"), Just("br;q=0, gzip"), Just("*;q=0")],
        range in proptest::option::of(prop_oneof![Just("bytes=0-"), Just("bytes=10-20"), Just("bytes=-5"), Just("bytes=99999999-"), Just("bytes=5-1"), Just("bytes=2000001-")]),
    ) {
        let mut headers = vec![("Accept-Encoding".to_string(), accept.to_string())];
        if let Some(range) = range {
            headers.push(("Range".to_string(), range.to_string()));
        }
        let req = HttpRequest { method: method.into(), url: url.clone(), headers: headers.clone(), body: ByteBuf::new(), certificate_version: Some(2) };
        let response = serve(&req);
        let request = ic_http_certification::HttpRequest::builder()
            .with_method(Method::from_bytes(method.as_bytes()).unwrap())
            .with_url(url)
            .with_headers(headers)
            .with_certificate_version(2)
            .build();
        let http_response = ic_http_certification::HttpResponse::builder()
            .with_status_code(ic_http_certification::StatusCode::from_u16(response.status_code).unwrap())
            .with_headers(response.headers.clone())
            .with_body(response.body.to_vec())
            .build();
        let result = verify_request_response_pair(request, http_response, CANISTER_ID.as_slice(), u128::from(NOW_NS), 300_000_000_000, &site().root_key, 2);
        prop_assert!(result.is_ok(), "status {} error {:?}", response.status_code, result.err());
    }
}
