//! Response hashes exactly as `ic-http-certification` defines them (the representation-independent
//! hash of the certified headers plus `:ic-cert-status`, then sha256 over that and the body
//! hash), for every response of one commit or rebuild page at once. A sha256 block costs about
//! 4.9 K instructions on the meter alone and about 2.4 K inside a [`Sha256Batch`] that digests
//! four independent messages at a time, so the hashes are requested while the responses are
//! built ([`ResponseHasher::list`], [`ResponseHasher::response`]) and digested in one round of
//! three levels ([`ResponseHasher::finish_round`]), each level one batch across all assets:
//!
//! 1. the names and values of headers not seen before (each asset's `etag` value);
//! 2. each header list: its pairs sorted, all but the last absorbed once per distinct prefix
//!    (see [`prefixes`]), the last pair and the padding continuing that state in the batch
//!    (`etag` sorts last, so an asset's lists pay two batched blocks each);
//! 3. each response: sha256 of the list hash and the body hash.
//!
//! What repeats is memoised across rounds: pairs by header text, prefix states, whole lists,
//! and whole responses by `(list hash, body hash)` (the 416 of equally long assets). The memo
//! tables are keyed by hash outputs and header text, so they use `rustc-hash`'s hasher, not the
//! default SipHash (which cost more than the sha256 blocks it saved).
//!
//! Owns only hashing; must not decide which headers a response has. Invariant: every hash a
//! round returns equals `ic_http_certification::response_hash_from_headers` for the request's
//! status, headers and body hash (tested by proptest).

mod prefixes;
#[cfg(test)]
mod tests;

use super::headers::HeaderList;
use crate::sha256_batch::Sha256Batch;
use ic_certification::Hash;
use ic_http_certification::RESPONSE_STATUS_PSEUDO_HEADER_NAME;
use prefixes::Prefixes;
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::Hasher;

/// `sha256(name) ‖ sha256(value)`, the unit the representation-independent hash sorts.
type Pair = [u8; 64];

/// A header (name and value) known to a [`ResponseHasher`], in any round.
#[derive(Debug, Clone, Copy)]
pub struct PairId(usize);

/// A header list requested in the current round of a [`ResponseHasher`].
#[derive(Debug, Clone, Copy)]
pub struct ListId(usize);

/// A response hash requested in the current round of a [`ResponseHasher`]; the round's
/// [`ResponseHashes`] hold its value.
#[derive(Debug, Clone, Copy)]
pub struct ResponseId(usize);

/// The response hashes of one round, by the [`ResponseId`]s its requests returned.
#[derive(Debug)]
pub struct ResponseHashes(Vec<Hash>);

impl ResponseHashes {
    /// The hash requested as `id`. Ids index the round that returned them: resolving an id of
    /// another round is a bug (it panics or gives another response's hash).
    pub fn get(&self, id: ResponseId) -> Hash {
        self.0[id.0]
    }
}

/// A digest known, or the index of its message in the batch being collected.
#[derive(Debug, Clone, Copy)]
enum Digest {
    Known(Hash),
    Pending(usize),
}

impl Digest {
    /// The digest, taking a pending one from the batch's `digests`.
    fn resolve(self, digests: &[Hash]) -> Hash {
        match self {
            Digest::Known(hash) => hash,
            Digest::Pending(index) => digests[index],
        }
    }
}

/// Hashes responses in rounds, remembering what repeats (see the module documentation). Its
/// memory grows with the distinct headers and lists hashed: keep one per commit, not forever.
#[derive(Debug, Default)]
pub struct ResponseHasher {
    /// Headers seen, by [`text_key`] of name and value (several per key when their ends agree).
    memo: FxHashMap<u64, Vec<Known>>,
    /// Header names seen, with their sha256 (pending until the round's first level).
    names: Vec<(Box<str>, Digest)>,
    /// The `:ic-cert-status` pair of each status seen, as an index into `pairs`.
    statuses: Vec<(u16, usize)>,
    /// Every pair seen; those added in the current round are zeros until its first level.
    pairs: Vec<Pair>,
    prefixes: Prefixes,
    /// `list hash ‖ body hash` to the response hash (pending only during a round's last level).
    responses: FxHashMap<[u8; 64], Digest>,
    round: Round,
}

/// A header hashed (or requested) before.
#[derive(Debug)]
struct Known {
    name: Box<str>,
    value: Box<str>,
    /// Index into [`ResponseHasher::pairs`].
    pair: usize,
}

/// What the current round requested.
#[derive(Debug, Default)]
struct Round {
    /// Messages of the first level: new names and values.
    batch: Sha256Batch,
    /// New pairs: their index in `pairs`, their name's index in `names`, their value's message.
    fresh: Vec<(usize, usize, usize)>,
    /// The pair indices of every requested list, back to back.
    list_pairs: Vec<usize>,
    /// Where each requested list ends in `list_pairs`.
    list_ends: Vec<usize>,
    /// Requested responses: list and body hash.
    requests: Vec<(ListId, Hash)>,
}

impl ResponseHasher {
    /// Requests the representation-independent hash of `headers` plus `:ic-cert-status`, for
    /// [`ResponseHasher::response`] (a GET and its HEAD share one list).
    pub fn list(&mut self, status: u16, headers: &HeaderList) -> ListId {
        let pairs: Vec<PairId> = headers.iter().map(|(name, value)| self.pair(name, value)).collect();
        self.list_of(status, pairs)
    }

    /// [`ResponseHasher::list`] of headers already looked up with [`ResponseHasher::pair`] (the
    /// headers several lists share are looked up once).
    pub fn list_of(&mut self, status: u16, headers: impl IntoIterator<Item = PairId>) -> ListId {
        self.round.list_pairs.extend(headers.into_iter().map(|PairId(pair)| pair));
        let pair = self.status_pair(status);
        self.round.list_pairs.push(pair);
        self.round.list_ends.push(self.round.list_pairs.len());
        ListId(self.round.list_ends.len() - 1)
    }

    /// Requests the hash of a response whose status and headers are `list` (of this round) and
    /// whose body hashes to `body_hash`.
    pub fn response(&mut self, list: ListId, body_hash: &Hash) -> ResponseId {
        self.round.requests.push((list, *body_hash));
        ResponseId(self.round.requests.len() - 1)
    }

    /// Digests everything this round requested, level by level, and starts the next round (its
    /// ids start over; the memo stays).
    pub fn finish_round(&mut self) -> ResponseHashes {
        let mut round = std::mem::take(&mut self.round);
        let mut batch = round.batch;
        // Level 1: names and values of new pairs.
        let digests = batch.digests();
        for &(pair, name, value) in &round.fresh {
            self.pairs[pair][..32].copy_from_slice(&self.names[name].1.resolve(&digests));
            self.pairs[pair][32..].copy_from_slice(&digests[value]);
        }
        for (_, name) in &mut self.names {
            *name = Digest::Known(name.resolve(&digests));
        }
        // Level 2: header lists, each continuing the state of its sorted prefix.
        batch.clear();
        let mut lists = Vec::with_capacity(round.list_ends.len());
        let mut sorted: Vec<usize> = Vec::new();
        let mut start = 0;
        for &end in &round.list_ends {
            sorted.clear();
            sorted.extend_from_slice(&round.list_pairs[start..end]);
            let pairs = &self.pairs;
            sorted.sort_unstable_by(|&a, &b| pairs[a].cmp(&pairs[b]));
            lists.push(self.prefixes.digest(&sorted, pairs, &mut batch));
            start = end;
        }
        let digests = batch.digests();
        self.prefixes.settle(&digests);
        let lists: Vec<Hash> = lists.into_iter().map(|list| list.resolve(&digests)).collect();
        // Level 3: responses, `sha256(list hash ‖ body hash)`.
        batch.clear();
        let mut fresh = Vec::new();
        let mut requested = Vec::with_capacity(round.requests.len());
        for (list, body_hash) in &round.requests {
            let mut key = [0u8; 64];
            key[..32].copy_from_slice(&lists[list.0]);
            key[32..].copy_from_slice(body_hash);
            requested.push(*self.responses.entry(key).or_insert_with(|| {
                fresh.push(key);
                Digest::Pending(batch.push(&[&key]))
            }));
        }
        let digests = batch.digests();
        for key in &fresh {
            if let Some(digest) = self.responses.get_mut(key) {
                *digest = Digest::Known(digest.resolve(&digests));
            }
        }
        let hashes = requested.into_iter().map(|hash| hash.resolve(&digests)).collect();
        batch.clear();
        round.fresh.clear();
        round.list_pairs.clear();
        round.list_ends.clear();
        round.requests.clear();
        self.round = Round { batch, ..round };
        ResponseHashes(hashes)
    }

    fn status_pair(&mut self, status: u16) -> usize {
        if let Some(&(_, pair)) = self.statuses.iter().find(|(s, _)| *s == status) {
            return pair;
        }
        let pair = self.fresh_pair(RESPONSE_STATUS_PSEUDO_HEADER_NAME, &leb128(status));
        self.statuses.push((status, pair));
        pair
    }

    /// The header `name: value`, requested in this round's first level unless seen before.
    pub fn pair(&mut self, name: &str, value: &str) -> PairId {
        PairId(self.pair_index(name, value))
    }

    fn pair_index(&mut self, name: &str, value: &str) -> usize {
        let key = text_key(name, value);
        let known = self.memo.get(&key).and_then(|bucket| {
            bucket.iter().find(|k| *k.name == *name && *k.value == *value).map(|k| k.pair)
        });
        if let Some(pair) = known {
            return pair;
        }
        let pair = self.fresh_pair(name, value.as_bytes());
        self.memo.entry(key).or_default().push(Known { name: name.into(), value: value.into(), pair });
        pair
    }

    /// A new pair, its name (unless seen) and value requested in the first level.
    fn fresh_pair(&mut self, name: &str, value: &[u8]) -> usize {
        let name = match self.names.iter().position(|(n, _)| **n == *name) {
            Some(index) => index,
            None => {
                let message = self.round.batch.push(&[name.as_bytes()]);
                self.names.push((name.into(), Digest::Pending(message)));
                self.names.len() - 1
            }
        };
        let value = self.round.batch.push(&[value]);
        self.pairs.push([0; 64]);
        let pair = self.pairs.len() - 1;
        self.round.fresh.push((pair, name, value));
        pair
    }
}

/// The memo key of a header: `rustc-hash` of the lengths and first and last eight bytes of name
/// and value. A hit compares the whole text anyway; hashing it too cost about
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

/// The unsigned LEB128 of `status`, how `:ic-cert-status` values are hashed.
fn leb128(status: u16) -> Vec<u8> {
    let mut leb = Vec::with_capacity(3);
    let mut rest = status;
    loop {
        let byte = (rest & 0x7f) as u8;
        rest >>= 7;
        leb.push(if rest == 0 { byte } else { byte | 0x80 });
        if rest == 0 {
            return leb;
        }
    }
}
