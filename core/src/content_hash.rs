//! Content hashes of one encoding: the sha256 of the whole content and, for content longer than
//! one certified part, the sha256 of each [`CHUNK_SIZE`] part, computed in one streaming pass.
//!
//! Owns only the arithmetic of those hashes; where the bytes come from (chunks in the blob
//! region, inline `last_chunk`) is the caller's business. Invariant: [`ContentHasher::finish`]
//! returns exactly the hashes of the bytes fed to [`ContentHasher::update`], in order, however
//! they were split: `part_sha256` is empty when the content fits in one part, otherwise it has
//! [`part_count`] entries, entry `i` hashing bytes `[i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)`.

use crate::certification::CHUNK_SIZE;
use sha2::{Digest, Sha256};

/// The hashes the store keeps beside an encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentHashes {
    /// sha256 of the whole content.
    pub sha256: [u8; 32],
    /// sha256 of each [`CHUNK_SIZE`] part; empty when the content fits in one part.
    pub part_sha256: Vec<[u8; 32]>,
}

impl ContentHashes {
    /// Hashes `bytes` in one call (content that is already in memory).
    pub fn of(bytes: &[u8]) -> ContentHashes {
        let mut h = ContentHasher::default();
        h.update(bytes);
        h.finish()
    }
}

/// How many part hashes content of `length` bytes has: 0 when it fits in one part.
pub fn part_count(length: u64) -> usize {
    if length <= CHUNK_SIZE {
        0
    } else {
        usize::try_from(length.div_ceil(CHUNK_SIZE)).unwrap_or(usize::MAX)
    }
}

/// Streaming hasher; feed bytes in any split, then [`finish`](ContentHasher::finish).
///
/// Bytes of the first part are hashed once (the first part's hash is a snapshot of the whole
/// hash); bytes after it twice (whole and part), the least two different digests allow.
#[derive(Clone, Debug, Default)]
pub struct ContentHasher {
    whole: Sha256,
    /// Hasher of the current part once past the first one.
    part: Option<Sha256>,
    /// Bytes fed so far.
    length: u64,
    parts: Vec<[u8; 32]>,
}

impl ContentHasher {
    /// Bytes fed so far.
    pub fn length(&self) -> u64 {
        self.length
    }

    /// Feeds the next bytes.
    pub fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let in_part = self.length % CHUNK_SIZE;
            let room = usize::try_from(CHUNK_SIZE - in_part).unwrap_or(usize::MAX);
            let (now, rest) = bytes.split_at(room.min(bytes.len()));
            self.whole.update(now);
            if let Some(part) = &mut self.part {
                part.update(now);
            }
            self.length += now.len() as u64;
            if self.length.is_multiple_of(CHUNK_SIZE) {
                let done = match self.part.take() {
                    Some(part) => part.finalize(),
                    None => self.whole.clone().finalize(),
                };
                self.parts.push(done.into());
                self.part = Some(Sha256::new());
            }
            bytes = rest;
        }
    }

    /// The hashes of everything fed.
    pub fn finish(mut self) -> ContentHashes {
        if !self.length.is_multiple_of(CHUNK_SIZE) {
            if let Some(part) = self.part.take() {
                self.parts.push(part.finalize().into());
            }
        }
        if self.length <= CHUNK_SIZE {
            self.parts.clear();
        }
        ContentHashes { sha256: self.whole.finalize().into(), part_sha256: self.parts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(bytes: &[u8]) -> ContentHashes {
        let parts = if bytes.len() as u64 <= CHUNK_SIZE {
            vec![]
        } else {
            bytes.chunks(CHUNK_SIZE as usize).map(|p| Sha256::digest(p).into()).collect()
        };
        ContentHashes { sha256: Sha256::digest(bytes).into(), part_sha256: parts }
    }

    fn content(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn boundaries_match_the_naive_split() {
        let c = CHUNK_SIZE as usize;
        for len in [0, 1, c - 1, c, c + 1, 2 * c, 2 * c + 3] {
            let bytes = content(len);
            let hashes = ContentHashes::of(&bytes);
            assert_eq!(hashes, naive(&bytes), "length {len}");
            assert_eq!(hashes.part_sha256.len(), part_count(len as u64), "length {len}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]
        #[test]
        fn any_split_gives_the_same_hashes(len in 0usize..(2 * CHUNK_SIZE as usize + 100), cuts in proptest::collection::vec(0usize..(2 * CHUNK_SIZE as usize + 100), 0..6)) {
            let bytes = content(len);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(len)).collect();
            cuts.sort_unstable();
            let mut h = ContentHasher::default();
            let mut at = 0;
            for cut in cuts.into_iter().chain([len]) {
                h.update(&bytes[at..cut]);
                at = cut;
            }
            prop_assert_eq!(h.length(), len as u64);
            prop_assert_eq!(h.finish(), naive(&bytes));
        }
    }
}
