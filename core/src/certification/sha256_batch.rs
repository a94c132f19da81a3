//! Digests of many independent messages at once: a commit hashes thousands of short messages
//! (labeled and fork nodes, response hashes) whose inputs do not depend on each other within a
//! tree level, so they are collected first and digested together.
//!
//! Owns only the hashing; callers decide what is independent. Invariant: `digests()[i]` is the
//! sha256 of the concatenation of the parts given to the `i`-th [`Sha256Batch::push`].

use ic_certification::Hash;
use sha2::{Digest, Sha256};

/// Messages waiting to be digested, stored back to back.
#[derive(Debug, Default, Clone)]
pub struct Sha256Batch {
    bytes: Vec<u8>,
    /// End offset of each message in `bytes`.
    ends: Vec<usize>,
}

impl Sha256Batch {
    /// An empty batch with room for `messages` messages of about `bytes_each` bytes.
    pub fn with_capacity(messages: usize, bytes_each: usize) -> Sha256Batch {
        Sha256Batch { bytes: Vec::with_capacity(messages * bytes_each), ends: Vec::with_capacity(messages) }
    }

    /// Adds the message `parts` concatenated; returns its index in [`Sha256Batch::digests`].
    pub fn push(&mut self, parts: &[&[u8]]) -> usize {
        for part in parts {
            self.bytes.extend_from_slice(part);
        }
        self.ends.push(self.bytes.len());
        self.ends.len() - 1
    }

    /// Number of messages pushed.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The digest of every message, in push order.
    pub fn digests(&self) -> Vec<Hash> {
        let mut start = 0;
        self.ends
            .iter()
            .map(|&end| {
                let digest = Sha256::digest(&self.bytes[start..end]).into();
                start = end;
                digest
            })
            .collect()
    }

    /// Forgets every message, keeping the buffers.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn each_digest_is_the_sha256_of_its_parts(messages in prop::collection::vec(prop::collection::vec(prop::collection::vec(any::<u8>(), 0..100), 0..4), 0..20)) {
            let mut batch = Sha256Batch::default();
            for (i, parts) in messages.iter().enumerate() {
                let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
                prop_assert_eq!(batch.push(&parts), i);
            }
            let expected: Vec<Hash> = messages.iter().map(|parts| Sha256::digest(parts.concat()).into()).collect();
            prop_assert_eq!(batch.digests(), expected);
        }
    }
}
