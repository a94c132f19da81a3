//! Response hashes exactly as `ic-http-certification` defines them (the representation-independent
//! hash of the certified headers plus `:ic-cert-status`, then sha256 over that and the body
//! hash), computed with as few sha256 blocks as one commit allows. On the meter one sha256 block
//! costs about 4.5 K instructions, so what is memoised across every response of one commit or
//! rebuild page is whatever repeats:
//!
//! - each header's `(sha256(name), sha256(value))` pair (the certificate expression, `vary`, a
//!   common `content-type`, the `content-range` of equally long assets);
//! - the sha256 state after every prefix of sorted pairs absorbed so far, and the digest of every
//!   whole list (sorted by name hash, `etag` comes last, so an asset's lists pay one block for
//!   their `etag` pair and one to finish; a 416 or a GET's HEAD pays none);
//! - whole response hashes by `(header-list hash, body hash)` (the 416 of equally long assets).
//!
//! The memo tables are keyed by hash outputs and header text, so they use `rustc-hash`'s
//! hasher, not the default SipHash (which cost more than the sha256 blocks it saved), and
//! header text is compared eight bytes at a time (see [`same`]).
//!
//! Owns only hashing; must not decide which headers a response has. Invariant: `hash` equals
//! `ic_http_certification::response_hash_from_headers` for every input (tested by proptest).

use super::headers::HeaderList;
use ic_certification::Hash;
use ic_http_certification::RESPONSE_STATUS_PSEUDO_HEADER_NAME;
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;
use sha2::{Digest, Sha256};

/// `sha256(name) ‖ sha256(value)`, the unit the representation-independent hash sorts.
type Pair = [u8; 64];

/// Hashes responses, remembering what repeats (see the module documentation). Its memory grows
/// with the distinct headers and lists hashed: keep one per commit, not forever.
#[derive(Debug, Clone, Default)]
pub struct ResponseHasher {
    /// Headers seen, by [`text_key`] of name and value (several per key when their ends agree).
    memo: FxHashMap<u64, Vec<Known>>,
    /// Header names seen, with their sha256.
    names: Vec<(Box<str>, Hash)>,
    statuses: Vec<(u16, Pair)>,
    prefixes: Prefixes,
    /// `headers hash ‖ body hash` to the response hash.
    responses: FxHashMap<[u8; 64], Hash>,
}

/// A header hashed before.
#[derive(Debug, Clone)]
struct Known {
    name: Box<str>,
    value: Box<str>,
    pair: Pair,
}

/// A trie of absorbed pair sequences: node `n` (0 is the empty prefix) holds the sha256 state
/// after its path's pairs and, once asked for, its digest.
#[derive(Debug, Clone)]
struct Prefixes {
    nodes: Vec<(Sha256, Option<Hash>)>,
    /// Children by parent and [`pair_word`]; each holds its whole pair, compared by [`same`].
    children: FxHashMap<(usize, u64), Vec<(Pair, usize)>>,
}

impl Default for Prefixes {
    fn default() -> Self {
        Prefixes { nodes: vec![(Sha256::new(), None)], children: FxHashMap::default() }
    }
}

impl Prefixes {
    /// The sha256 of the concatenated `pairs`, reusing the longest prefix absorbed before.
    fn digest(&mut self, pairs: &[Pair]) -> Hash {
        let mut node = 0;
        for pair in pairs {
            let key = (node, pair_word(pair));
            let known = self.children.get(&key).and_then(|bucket| bucket.iter().find(|(p, _)| same(p, pair)));
            node = match known {
                Some(&(_, child)) => child,
                None => {
                    let mut state = self.nodes[node].0.clone();
                    state.update(pair);
                    self.nodes.push((state, None));
                    let child = self.nodes.len() - 1;
                    self.children.entry(key).or_default().push((*pair, child));
                    child
                }
            };
        }
        let (state, digest) = &mut self.nodes[node];
        *digest.get_or_insert_with(|| state.clone().finalize().into())
    }
}

impl ResponseHasher {
    /// The hash of a response with `status`, `headers` and a body hashing to `body_hash`, in
    /// one call: what the tests compare with the library (commits share `list` between a GET
    /// and its HEAD instead).
    #[cfg(test)]
    pub fn hash(&mut self, status: u16, headers: &HeaderList, body_hash: &Hash) -> Hash {
        let list = self.list(status, headers);
        self.response(&list, body_hash)
    }

    /// The hash of a response whose status and headers hash to `list` (from
    /// [`ResponseHasher::list`]; a GET and its HEAD share it) and whose body hashes to `body_hash`.
    pub fn response(&mut self, list: &Hash, body_hash: &Hash) -> Hash {
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(list);
        key[32..].copy_from_slice(body_hash);
        *self.responses.entry(key).or_insert_with(|| Sha256::digest(key).into())
    }

    /// The representation-independent hash of `headers` plus `:ic-cert-status`.
    pub fn list(&mut self, status: u16, headers: &HeaderList) -> Hash {
        let mut pairs: Vec<Pair> = Vec::with_capacity(headers.len() + 1);
        for (name, value) in headers {
            pairs.push(self.pair(name, value));
        }
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
        let key = text_key(name, value);
        let known = self.memo.get(&key).and_then(|bucket| {
            bucket.iter().find(|k| same(k.name.as_bytes(), name.as_bytes()) && same(k.value.as_bytes(), value.as_bytes())).map(|k| k.pair)
        });
        if let Some(pair) = known {
            return pair;
        }
        let name_hash = match self.names.iter().find(|(n, _)| same(n.as_bytes(), name.as_bytes())) {
            Some((_, hash)) => *hash,
            None => {
                let hash: Hash = Sha256::digest(name.as_bytes()).into();
                self.names.push((name.into(), hash));
                hash
            }
        };
        let pair = concat(name_hash, Sha256::digest(value.as_bytes()).into());
        self.memo.entry(key).or_default().push(Known { name: name.into(), value: value.into(), pair });
        pair
    }
}

/// The memo key of a header: `rustc-hash` of the lengths and first and last eight bytes of name
/// and value. A hit compares the whole text anyway (see [`same`]); hashing it too cost about
/// 1 K instructions per header list (the certificate expression alone is about 170 bytes).
fn text_key(name: &str, value: &str) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write_u64(ends(name.as_bytes()));
    hasher.write_u64(ends(value.as_bytes()));
    hasher.finish()
}

/// The length and the first and last eight bytes of `text`, folded into one word.
fn ends(text: &[u8]) -> u64 {
    let word = |bytes: &[u8]| {
        let mut word = [0u8; 8];
        word[..bytes.len()].copy_from_slice(bytes);
        u64::from_le_bytes(word)
    };
    let n = text.len().min(8);
    word(&text[..n]) ^ word(&text[text.len() - n..]).rotate_left(29) ^ (text.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A pair's trie key: its name hash's and value hash's first eight bytes (pairs of one name
/// share the first half).
fn pair_word(pair: &Pair) -> u64 {
    let (words, _) = pair.as_chunks::<8>();
    words.iter().step_by(4).fold(0, |acc, w| acc ^ u64::from_ne_bytes(*w))
}

/// Byte equality eight bytes at a time. The Wasm `memcmp` compares one byte per iteration, which
/// made comparing the 170-byte certificate expression (and 64-byte pairs) the largest cost of a
/// memo hit.
pub(super) fn same(a: &[u8], b: &[u8]) -> bool {
    let (a_words, a_rest) = a.as_chunks::<8>();
    let (b_words, b_rest) = b.as_chunks::<8>();
    a.len() == b.len()
        && a_words.iter().zip(b_words).all(|(x, y)| u64::from_ne_bytes(*x) == u64::from_ne_bytes(*y))
        && a_rest == b_rest
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

    proptest! {
        #[test]
        fn same_is_string_equality(a in ".{0,40}", b in ".{0,40}", equal in any::<bool>()) {
            let b = if equal { a.clone() } else { b };
            prop_assert_eq!(same(a.as_bytes(), b.as_bytes()), a == b);
        }
    }
    use ic_http_certification::response_hash_from_headers;
    use ic_representation_independent_hash::Value;
    use proptest::prelude::*;

    #[test]
    fn headers_sharing_their_ends_are_told_apart() {
        let value = |middle: &str| format!("0123456789-{middle}-0123456789");
        assert_eq!(text_key("x", &value("a")), text_key("x", &value("b")));
        let mut hasher = ResponseHasher::default();
        for middle in ["a", "b", "a"] {
            let headers: HeaderList = vec![("x".into(), value(middle))];
            let expected = response_hash_from_headers(&[("x".into(), Value::String(value(middle)))], 200, &[0; 32]);
            assert_eq!(hasher.hash(200, &headers, &[0; 32]), expected);
        }
    }

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
                // The same status and headers with another body reuse the header-list hash;
                // with the same body, the whole response hash.
                hasher.hash(status, &headers, &[0; 32]);
                hasher.hash(status, &headers, &body_hash);
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
            // One list hash, several bodies (a GET and its HEAD).
            let list = hasher.list(status, &headers);
            prop_assert_eq!(hasher.response(&list, &body_hash), expected);
            let other = response_hash_from_headers(&values, status, &[7; 32]);
            prop_assert_eq!(hasher.response(&list, &[7; 32]), other);
        }
    }
}
