//! The sha256 states of sorted header-pair prefixes, shared by every header list of one
//! [`super::ResponseHasher`]. Each pair is exactly one 64-byte block, so the state after a prefix
//! is a raw `compress256` state after that many blocks: a list's last pair (usually its `etag`)
//! and the padding continue from it in a batch, while the prefix itself (the same for every
//! asset with the same headers) is absorbed once, here.
//!
//! Owns the trie and its states; must not build pairs or decide what a list holds. Invariant:
//! a node's state is the compression of its path's pairs from the IV, and its digest (known or
//! pending in the batch being collected) is the sha256 of exactly those pairs.

use super::{Digest, Pair};
use crate::sha256_batch::Sha256Batch;
use rustc_hash::FxHashMap;
use sha2::compress256;

/// The SHA-256 initial state.
const IV: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// One absorbed pair sequence.
#[derive(Debug, Clone)]
enum Node {
    /// A prefix some list continued: the state after its `blocks` pairs, and the digest of a
    /// list ending here, once one did.
    Inner { state: [u32; 8], blocks: u64, digest: Option<Digest> },
    /// The end of a list that no longer list continues yet: its digest only (the batch gives
    /// digests, not states).
    End { digest: Digest },
}

/// A trie of pair sequences; node 0 is the empty prefix.
#[derive(Debug, Clone)]
pub(super) struct Prefixes {
    nodes: Vec<Node>,
    /// Children by parent and pair, pairs named by their index in the hasher's pairs (one per
    /// distinct header text, so a lookup compares two words, not 64 bytes; two indices with
    /// equal bytes would only cost a duplicate path with equal states).
    children: FxHashMap<(usize, usize), usize>,
    /// Nodes whose digest is pending in the batch being collected.
    pending: Vec<usize>,
}

impl Default for Prefixes {
    fn default() -> Self {
        Prefixes {
            nodes: vec![Node::Inner { state: IV, blocks: 0, digest: None }],
            children: FxHashMap::default(),
            pending: Vec::new(),
        }
    }
}

impl Prefixes {
    /// The sha256 of the concatenated pairs `list` names (indices into `pairs`): known when
    /// this sequence was digested before or is already pending, else pushed to `batch` as its
    /// last pair continuing the state after the others (which are absorbed here, once per
    /// distinct prefix).
    pub(super) fn digest(&mut self, list: &[usize], pairs: &[Pair], batch: &mut Sha256Batch) -> Digest {
        let Some((&last, prefix)) = list.split_last() else {
            return self.end_at(0, IV, 0, batch);
        };
        let (mut node, mut state, mut blocks) = (0, IV, 0);
        for &pair in prefix {
            (node, state) = self.inner(node, &state, blocks, pair, &pairs[pair]);
            blocks += 1;
        }
        match self.child(node, last) {
            Some(child) => match self.nodes[child] {
                Node::Inner { digest: Some(digest), .. } | Node::End { digest } => digest,
                Node::Inner { state, blocks, digest: None } => self.end_at(child, state, blocks, batch),
            },
            None => {
                let digest = Digest::Pending(batch.push_resumed(&state, blocks, &[&pairs[last]]));
                let child = self.add_child(node, last, Node::End { digest });
                self.pending.push(child);
                digest
            }
        }
    }

    /// Records every pending digest from the batch's `digests`, once it is digested.
    pub(super) fn settle(&mut self, digests: &[ic_certification::Hash]) {
        for node in self.pending.drain(..) {
            if let Node::Inner { digest: Some(digest), .. } | Node::End { digest } = &mut self.nodes[node] {
                *digest = Digest::Known(digest.resolve(digests));
            }
        }
    }

    /// The digest of the list ending at inner node `node` (state `state` after `blocks` pairs),
    /// pushed as the padding alone continuing that state.
    fn end_at(&mut self, node: usize, state: [u32; 8], blocks: u64, batch: &mut Sha256Batch) -> Digest {
        if let Node::Inner { digest: Some(digest), .. } = self.nodes[node] {
            return digest;
        }
        let digest = Digest::Pending(batch.push_resumed(&state, blocks, &[]));
        self.nodes[node] = Node::Inner { state, blocks, digest: Some(digest) };
        self.pending.push(node);
        digest
    }

    /// The child of `parent` (state `state` after `blocks` pairs) through `pair` (whose bytes
    /// are `bytes`), with its state: absorbed now when the child is new or was only a list's end
    /// so far.
    fn inner(&mut self, parent: usize, state: &[u32; 8], blocks: u64, pair: usize, bytes: &Pair) -> (usize, [u32; 8]) {
        let absorbed = || {
            let mut next = *state;
            compress256(&mut next, &[(*bytes).into()]);
            next
        };
        match self.child(parent, pair) {
            Some(child) => match self.nodes[child] {
                Node::Inner { state, .. } => (child, state),
                Node::End { digest } => {
                    let next = absorbed();
                    self.nodes[child] = Node::Inner { state: next, blocks: blocks + 1, digest: Some(digest) };
                    (child, next)
                }
            },
            None => {
                let next = absorbed();
                (self.add_child(parent, pair, Node::Inner { state: next, blocks: blocks + 1, digest: None }), next)
            }
        }
    }

    fn child(&self, parent: usize, pair: usize) -> Option<usize> {
        self.children.get(&(parent, pair)).copied()
    }

    fn add_child(&mut self, parent: usize, pair: usize, node: Node) -> usize {
        self.nodes.push(node);
        let child = self.nodes.len() - 1;
        self.children.insert((parent, pair), child);
        child
    }
}
