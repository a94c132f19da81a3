//! Rehashing many trees together, one dependency level at a time: every dirty node whose inputs
//! are known is hashed in the same round as all the others across every tree, so the
//! [`Sha256Batch`] digests the round's messages four at a time. A commit's response sets (one
//! per asset, each a few dozen small messages) are hashed this way.
//!
//! Owns only the round order. Invariant: the result is exactly [`Tree::rehash`]'s on each tree
//! (the scalar rehash finishes each tree and finds nothing left to hash).

use super::{leaf_digest, Link, Node, Tree};
use crate::certification::sha256_batch::Sha256Batch;
use ic_certification::{empty, Hash};
use std::sync::Arc;

const FORK: &[u8] = b"\x10ic-hashtree-fork";
const LABELED: &[u8] = b"\x13ic-hashtree-labeled";

impl Tree {
    /// Hashes every dirty node of all `trees`, caching the results as [`Tree::rehash`] does.
    pub fn rehash_all(trees: &mut [&mut Tree]) {
        let mut batch = Sha256Batch::default();
        loop {
            batch.clear();
            for tree in trees.iter_mut() {
                tree.step(&mut Pass::Collect(&mut batch));
            }
            if batch.is_empty() {
                break;
            }
            let mut digests = batch.digests().into_iter();
            for tree in trees.iter_mut() {
                tree.step(&mut Pass::Assign(&mut digests));
            }
        }
        for tree in trees.iter_mut() {
            tree.rehash();
        }
    }

    /// One round over the unshared, dirty maps of `self`.
    fn step(&mut self, pass: &mut Pass<'_>) {
        if let Tree::Map(map) = self {
            if let Some(root) = Arc::get_mut(map).and_then(|map| map.root.as_deref_mut()) {
                root.step(pass);
            }
        }
    }

    /// The hash of `self` if nothing below it still needs a message.
    fn known_hash(&self) -> Option<Hash> {
        match self {
            Tree::Leaf(bytes) => Some(leaf_digest(bytes)),
            Tree::Pruned(hash) => Some(*hash),
            Tree::Map(map) => match &map.root {
                None => Some(empty().digest()),
                // A shared map was hashed before it was shared.
                Some(_) if Arc::strong_count(map) > 1 => Some(map.hash()),
                Some(root) => root.known_hash(),
            },
        }
    }
}

/// Collecting a round's messages, or handing out their digests in the same order.
enum Pass<'a> {
    Collect(&'a mut Sha256Batch),
    Assign(&'a mut std::vec::IntoIter<Hash>),
}

/// The message a node sends in a round, and where its digest goes.
#[derive(Clone, Copy)]
enum Message {
    /// `labeled(label, value)` into `data`.
    Labeled(Hash),
    /// `fork(left, data)` into `hash`.
    LeftFork(Hash),
    /// `fork(data, right)` into `hash`, or into `inner` when there is also a left subtree
    /// (the treap's three-way fork is `fork(left, fork(data, right))`).
    RightFork(Hash),
    /// `fork(left, inner)` into `hash`.
    OuterFork(Hash),
}

impl Node {
    /// A node without subtrees hashes to its data; no message needed.
    fn known_hash(&self) -> Option<Hash> {
        self.hash.or(if self.left.is_none() && self.right.is_none() { self.data } else { None })
    }

    /// What this node can send now. Decided before the subtrees take their turn, so both
    /// passes of a round decide the same.
    fn message(&self) -> Option<Message> {
        if self.data.is_none() {
            return self.value.known_hash().map(Message::Labeled);
        }
        let known = |link: &Link| link.as_deref().map(Node::known_hash);
        match (known(&self.left), known(&self.right), self.inner) {
            (None, None, _) => None,
            (Some(Some(left)), None, _) => Some(Message::LeftFork(left)),
            (None, Some(Some(right)), _) => Some(Message::RightFork(right)),
            (Some(_), Some(Some(right)), None) => Some(Message::RightFork(right)),
            (Some(Some(left)), Some(_), Some(_)) => Some(Message::OuterFork(left)),
            _ => None,
        }
    }

    fn step(&mut self, pass: &mut Pass<'_>) {
        if self.known_hash().is_some() {
            self.hash = self.known_hash();
            return;
        }
        let message = self.message();
        if self.data.is_none() {
            self.value.step(pass);
        }
        for link in [&mut self.left, &mut self.right] {
            if let Some(node) = link.as_deref_mut() {
                node.step(pass);
            }
        }
        let Some(message) = message else { return };
        match pass {
            Pass::Collect(batch) => {
                let data = self.data.unwrap_or_default();
                match message {
                    Message::Labeled(value) => batch.push(&[LABELED, &self.label, &value]),
                    Message::LeftFork(left) => batch.push(&[FORK, &left, &data]),
                    Message::RightFork(right) => batch.push(&[FORK, &data, &right]),
                    Message::OuterFork(left) => batch.push(&[FORK, &left, &self.inner.unwrap_or_default()]),
                };
            }
            Pass::Assign(digests) => {
                let digest = digests.next().expect("one digest per collected message");
                match message {
                    Message::Labeled(_) => self.data = Some(digest),
                    Message::RightFork(_) if self.left.is_some() => self.inner = Some(digest),
                    Message::LeftFork(_) | Message::RightFork(_) => self.hash = Some(digest),
                    Message::OuterFork(_) => {
                        self.hash = Some(digest);
                        self.inner = None;
                    }
                }
            }
        }
    }
}
