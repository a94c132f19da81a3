use super::*;
use ic_http_certification::response_hash_from_headers;
use ic_representation_independent_hash::Value;
use proptest::prelude::*;

/// What the library computes for the same response.
fn library(status: u16, headers: &HeaderList, body_hash: &Hash) -> Hash {
    let values: Vec<(String, Value)> = headers.iter().map(|(n, v)| (n.clone(), Value::String(v.clone()))).collect();
    response_hash_from_headers(&values, status, body_hash)
}

/// One response hashed in a round of its own.
fn hash_alone(hasher: &mut ResponseHasher, status: u16, headers: &HeaderList, body_hash: &Hash) -> Hash {
    let list = hasher.list(status, headers);
    let id = hasher.response(list, body_hash);
    hasher.finish_round().get(id)
}

/// A response request: status, headers, body hash.
type Request = (u16, HeaderList, Hash);

fn request() -> impl Strategy<Value = Request> {
    let status = prop_oneof![Just(200u16), Just(206), Just(304), Just(416), 100u16..600];
    let headers = proptest::collection::vec(
        (prop_oneof![Just("etag".to_string()), Just("content-type".to_string()), "[a-z-]{1,12}"], prop_oneof![Just(String::new()), ".{0,80}"]),
        0..8,
    );
    let body = prop_oneof![Just([0u8; 32]), any::<[u8; 32]>()];
    (status, headers, body)
}

/// Requests with repeats: the same lists, lists sharing a prefix, the same responses.
fn round() -> impl Strategy<Value = Vec<Request>> {
    proptest::collection::vec(request(), 0..12).prop_flat_map(|requests| {
        let n = requests.len();
        let repeats = proptest::collection::vec((any::<prop::sample::Index>(), any::<bool>(), any::<bool>()), 0..8);
        (Just(requests), repeats).prop_map(move |(mut requests, repeats)| {
            if n > 0 {
                for (index, cut, other_body) in repeats {
                    let (status, mut headers, mut body) = requests[index.index(n)].clone();
                    if cut {
                        headers.truncate(headers.len() / 2);
                    } else if let Some((_, value)) = headers.last_mut() {
                        value.push('x');
                    }
                    if other_body {
                        body[0] ^= 1;
                    }
                    requests.push((status, headers, body));
                }
            }
            requests
        })
    })
}

#[test]
fn headers_sharing_their_ends_are_told_apart() {
    let value = |middle: &str| format!("0123456789-{middle}-0123456789");
    assert_eq!(text_key("x", &value("a")), text_key("x", &value("b")));
    let mut hasher = ResponseHasher::default();
    for middle in ["a", "b", "a"] {
        let headers: HeaderList = vec![("x".into(), value(middle))];
        assert_eq!(hash_alone(&mut hasher, 200, &headers, &[0; 32]), library(200, &headers, &[0; 32]));
    }
}

#[test]
fn an_empty_round_hashes_nothing() {
    let mut hasher = ResponseHasher::default();
    assert!(hasher.finish_round().0.is_empty());
    let headers: HeaderList = vec![("etag".into(), "\"x\"".into())];
    assert_eq!(hash_alone(&mut hasher, 304, &headers, &[1; 32]), library(304, &headers, &[1; 32]));
}

proptest! {
    /// Every response of several rounds (each a commit's worth, with repeats within and across
    /// rounds, so memo hits, shared prefixes and pending digests all occur) equals the library's.
    #[test]
    fn every_round_equals_the_library(rounds in proptest::collection::vec(round(), 1..4)) {
        let mut hasher = ResponseHasher::default();
        for requests in &rounds {
            let mut ids = Vec::new();
            for (status, headers, body_hash) in requests {
                let list = hasher.list(*status, headers);
                ids.push(hasher.response(list, body_hash));
                // A GET and its HEAD share one list.
                ids.push(hasher.response(list, &[9; 32]));
            }
            let hashes = hasher.finish_round();
            for ((status, headers, body_hash), ids) in requests.iter().zip(ids.chunks(2)) {
                prop_assert_eq!(hashes.get(ids[0]), library(*status, headers, body_hash));
                prop_assert_eq!(hashes.get(ids[1]), library(*status, headers, &[9; 32]));
            }
        }
    }

    #[test]
    fn a_warm_memo_equals_the_library(first in round(), (status, headers, body_hash) in request()) {
        let mut hasher = ResponseHasher::default();
        for (status, headers, body_hash) in &first {
            hash_alone(&mut hasher, *status, headers, body_hash);
        }
        prop_assert_eq!(hash_alone(&mut hasher, status, &headers, &body_hash), library(status, &headers, &body_hash));
    }
}
