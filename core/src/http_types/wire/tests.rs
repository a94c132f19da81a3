use super::*;
use crate::http_types::{StreamingCallback, StreamingCallbackToken, StreamingStrategy};
use candid::{CandidType, Deserialize, Func, Nat, Principal};
use proptest::prelude::*;

fn header() -> impl Strategy<Value = (String, String)> {
    (".{0,12}", ".{0,40}")
}

fn response() -> impl Strategy<Value = HttpResponse> {
    (
        any::<u16>(),
        prop::collection::vec(header(), 0..8),
        prop::collection::vec(any::<u8>(), 0..300),
        prop::option::of(any::<bool>()),
    )
        .prop_map(|(status_code, headers, body, upgrade)| HttpResponse {
            status_code,
            headers,
            body: ByteBuf::from(body),
            streaming_strategy: None,
            upgrade,
        })
}

fn request() -> impl Strategy<Value = HttpRequest> {
    (
        "[A-Z]{0,7}",
        ".{0,60}",
        prop::collection::vec(header(), 0..8),
        prop::collection::vec(any::<u8>(), 0..200),
        prop::option::of(any::<u16>()),
    )
        .prop_map(|(method, url, headers, body, certificate_version)| HttpRequest {
            method,
            url,
            headers,
            body: ByteBuf::from(body),
            certificate_version,
        })
}

proptest! {
    #[test]
    fn responses_encode_exactly_as_candid_does(response in response()) {
        prop_assert_eq!(encode_response(&response), candid::encode_one(&response).unwrap());
    }

    #[test]
    fn requests_encoded_by_candid_decode_on_the_fast_path(request in request()) {
        let bytes = candid::encode_one(&request).unwrap();
        prop_assert!(bytes.starts_with(REQUEST_HEADER), "candid writes the table the fast path expects");
        let values = &bytes[REQUEST_HEADER.len()..];
        prop_assert_eq!(read_request(values), Some(request.clone()));
        prop_assert_eq!(decode_request(&bytes).unwrap(), request);
    }

    #[test]
    fn truncated_or_corrupted_requests_are_errors_not_panics(
        request in request(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let bytes = candid::encode_one(&request).unwrap();
        let truncated = &bytes[..cut.index(bytes.len())];
        prop_assert!(decode_request(truncated).is_err());
        let mut corrupted = bytes.clone();
        let at = REQUEST_HEADER.len() + flip.index(bytes.len() - REQUEST_HEADER.len());
        corrupted[at] ^= 0xff;
        // Whatever it decodes to, the fast path agrees with candid on it.
        let ours = decode_request(&corrupted).ok();
        let theirs = candid::decode_one::<HttpRequest>(&corrupted).ok();
        prop_assert_eq!(ours, theirs);
    }
}

#[test]
fn streaming_responses_encode_as_candid_does() {
    let token = StreamingCallbackToken {
        key: "/big.bin".into(),
        content_encoding: "identity".into(),
        index: Nat::from(1u64),
        sha256: Some(ByteBuf::from(vec![7; 32])),
    };
    let response = HttpResponse {
        status_code: 200,
        headers: vec![("content-type".into(), "application/octet-stream".into())],
        body: ByteBuf::from(vec![1, 2, 3]),
        streaming_strategy: Some(StreamingStrategy::Callback {
            callback: StreamingCallback(Func {
                principal: Principal::management_canister(),
                method: "http_request_streaming_callback".into(),
            }),
            token,
        }),
        upgrade: None,
    };
    assert_eq!(encode_response(&response), candid::encode_one(&response).unwrap());
}

/// A client whose request type lacks `certificate_version` (an old gateway).
#[derive(CandidType, Deserialize)]
struct LegacyRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: ByteBuf,
}

#[test]
fn other_type_tables_decode_through_candid() {
    let legacy = LegacyRequest {
        method: "GET".into(),
        url: "/index.html".into(),
        headers: vec![("accept".into(), "*/*".into())],
        body: ByteBuf::new(),
    };
    let bytes = candid::encode_one(&legacy).unwrap();
    assert!(!bytes.starts_with(REQUEST_HEADER));
    let request = decode_request(&bytes).unwrap();
    assert_eq!(
        request,
        HttpRequest {
            method: "GET".into(),
            url: "/index.html".into(),
            headers: vec![("accept".into(), "*/*".into())],
            body: ByteBuf::new(),
            certificate_version: None,
        }
    );
}

#[test]
fn trailing_bytes_are_left_to_candid() {
    let request = HttpRequest {
        method: "GET".into(),
        url: "/".into(),
        headers: vec![],
        body: ByteBuf::new(),
        certificate_version: Some(2),
    };
    let mut bytes = candid::encode_one(&request).unwrap();
    bytes.push(0);
    assert_eq!(read_request(&bytes[REQUEST_HEADER.len()..]), None);
    assert_eq!(decode_request(&bytes).ok(), candid::decode_one::<HttpRequest>(&bytes).ok());
}

/// The request shape `ic-utils`' `HttpRequestCanister` (used by `ic-http-gateway` 0.4) sends.
#[derive(CandidType)]
struct GatewayHeader<'a>(std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>);

#[derive(CandidType)]
struct GatewayRequest<'a> {
    method: &'a str,
    url: &'a str,
    headers: Vec<GatewayHeader<'a>>,
    body: &'a [u8],
    certificate_version: Option<&'a u16>,
}

#[test]
fn the_gateway_request_shape_takes_the_fast_path() {
    let gateway = GatewayRequest {
        method: "GET",
        url: "/a.html?x=1",
        headers: vec![GatewayHeader("accept-encoding".into(), "gzip, br".into())],
        body: &[],
        certificate_version: Some(&2),
    };
    let bytes = candid::encode_one(&gateway).unwrap();
    assert!(bytes.starts_with(REQUEST_HEADER));
    let request = read_request(&bytes[REQUEST_HEADER.len()..]).expect("fast path");
    assert_eq!(request.url, "/a.html?x=1");
    assert_eq!(request.headers, vec![("accept-encoding".to_string(), "gzip, br".to_string())]);
    assert_eq!(request.certificate_version, Some(2));
}
