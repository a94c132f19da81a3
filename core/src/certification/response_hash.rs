//! Response hashes exactly as `ic-http-certification` defines them (the representation-independent
//! hash of the certified headers plus `:ic-cert-status`, then sha256 over that and the body
//! hash), with each header's `(sha256(name), sha256(value))` pair computed once and reused across
//! every response of one commit or rebuild page (most pairs, such as the certificate expression,
//! `vary` or a common `content-type`, repeat across assets). The library recomputes every pair
//! per response. The sha256 of a header list absorbs its sorted pairs, one 64-byte block each;
//! the hasher keeps the sha256 state after every prefix it has absorbed, so lists that share a
//! prefix (sorted by name hash, `etag` comes last) pay only for the blocks after it.
//!
//! Owns only hashing; must not decide which headers a response has. Invariant: `hash` equals
//! `ic_http_certification::response_hash_from_headers` for every input (tested by proptest).

use super::headers::HeaderList;
use ic_certification::Hash;
use ic_http_certification::RESPONSE_STATUS_PSEUDO_HEADER_NAME;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// `sha256(name) ‖ sha256(value)`, the unit the representation-independent hash sorts.
type Pair = [u8; 64];

/// Hashes responses, remembering header pairs and status pairs it has seen, and the last header
/// list's hash (a GET and its HEAD, hashed one after the other, share it; only the body differs).
/// Its memory grows with the distinct headers hashed: keep one per commit, not forever.
#[derive(Debug, Clone, Default)]
pub struct ResponseHasher {
    /// Name hash, then value to pair: looked up by `&str` without allocating.
    memo: HashMap<String, (Hash, HashMap<String, Pair>)>,
    statuses: Vec<(u16, Pair)>,
    last: Option<(u16, HeaderList, Hash)>,
    prefixes: Prefixes,
}

/// A trie of absorbed pair sequences: node `n` (1-based; 0 is the empty prefix) holds the sha256
/// state after its path's pairs.
#[derive(Debug, Clone, Default)]
struct Prefixes {
    states: Vec<Sha256>,
    children: HashMap<(usize, Pair), usize>,
}

impl Prefixes {
    /// The sha256 of the concatenated `pairs`, reusing the longest prefix absorbed before.
    fn digest(&mut self, pairs: &[Pair]) -> Hash {
        let mut node = 0;
        for pair in pairs {
            node = match self.children.get(&(node, *pair)) {
                Some(&child) => child,
                None => {
                    let mut state = self.state(node);
                    state.update(pair);
                    self.states.push(state);
                    self.children.insert((node, *pair), self.states.len());
                    self.states.len()
                }
            };
        }
        self.state(node).finalize().into()
    }

    fn state(&self, node: usize) -> Sha256 {
        node.checked_sub(1).and_then(|i| self.states.get(i)).cloned().unwrap_or_default()
    }
}

impl ResponseHasher {
    /// The hash of a response with `status`, `headers` and a body hashing to `body_hash`.
    pub fn hash(&mut self, status: u16, headers: &HeaderList, body_hash: &Hash) -> Hash {
        let headers_hash = match &self.last {
            Some((s, h, hash)) if *s == status && h == headers => *hash,
            _ => {
                let hash = self.headers_hash(status, headers);
                self.last = Some((status, headers.clone(), hash));
                hash
            }
        };
        let mut hasher = Sha256::new();
        hasher.update(headers_hash);
        hasher.update(body_hash);
        hasher.finalize().into()
    }

    fn headers_hash(&mut self, status: u16, headers: &HeaderList) -> Hash {
        let mut pairs: Vec<Pair> = headers.iter().map(|(n, v)| self.pair(n, v)).collect();
        pairs.push(self.status_pair(status));
        pairs.sort_unstable();
        self.prefixes.digest(&pairs)
    }

    fn status_pair(&mut self, status: u16) -> Pair {
        if let Some((_, pair)) = self.statuses.iter().find(|(s, _)| *s == status) {
            return *pair;
        }
        let pair = status_pair(status);
        self.statuses.push((status, pair));
        pair
    }

    fn pair(&mut self, name: &str, value: &str) -> Pair {
        if let Some(pair) = self.memo.get(name).and_then(|(_, values)| values.get(value)) {
            return *pair;
        }
        let name_hash = match self.memo.get(name) {
            Some((hash, _)) => *hash,
            None => {
                let hash = Sha256::digest(name.as_bytes()).into();
                self.memo.insert(name.to_string(), (hash, HashMap::new()));
                hash
            }
        };
        let pair = concat(name_hash, Sha256::digest(value.as_bytes()).into());
        if let Some((_, values)) = self.memo.get_mut(name) {
            values.insert(value.to_string(), pair);
        }
        pair
    }
}

fn status_pair(status: u16) -> Pair {
    let mut leb = Vec::with_capacity(3);
    let mut rest = status;
    loop {
        let byte = (rest & 0x7f) as u8;
        rest >>= 7;
        leb.push(if rest == 0 { byte } else { byte | 0x80 });
        if rest == 0 {
            break;
        }
    }
    concat(Sha256::digest(RESPONSE_STATUS_PSEUDO_HEADER_NAME.as_bytes()).into(), Sha256::digest(&leb).into())
}

fn concat(a: Hash, b: Hash) -> Pair {
    let mut pair = [0; 64];
    pair[..32].copy_from_slice(&a);
    pair[32..].copy_from_slice(&b);
    pair
}

#[cfg(test)]
mod tests {
    use super::*;
    use ic_http_certification::response_hash_from_headers;
    use ic_representation_independent_hash::Value;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn equals_the_library(
            headers in proptest::collection::vec(("[a-z-]{1,12}", ".{0,40}"), 0..10),
            status in 100u16..600,
            body_hash in any::<[u8; 32]>(),
            repeat in any::<bool>(),
        ) {
            let values: Vec<(String, Value)> = headers.iter().map(|(n, v)| (n.clone(), Value::String(v.clone()))).collect();
            let expected = response_hash_from_headers(&values, status, &body_hash);
            let mut hasher = ResponseHasher::default();
            if repeat {
                // A warm memo must give the same answer.
                hasher.hash(200, &headers, &[0; 32]);
                // The same status and headers with another body reuse the header-list hash.
                hasher.hash(status, &headers, &[0; 32]);
                // Lists sharing some of its sorted pairs leave prefix states behind.
                hasher.hash(status, &headers[..headers.len() / 2].to_vec(), &[0; 32]);
                let mut changed = headers.clone();
                if let Some((_, value)) = changed.last_mut() {
                    value.push('x');
                }
                hasher.hash(status, &changed, &[0; 32]);
                hasher.hash(404, &Vec::new(), &[0; 32]);
            }
            prop_assert_eq!(hasher.hash(status, &headers, &body_hash), expected);
        }
    }
}
