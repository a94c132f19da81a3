//! A read-only view of a tree's treap nodes with their hashes, for copying a prebuilt, hashed
//! subtree node by node into another container (the stable tree) without hashing it again.
//!
//! Owns only this view; must not change the tree. Invariant: the hashes a view reports are the
//! ones [`Tree::rehash`] caches (computed on the fly, uncached, for nodes still dirty).

use super::{leaf_digest, Node, Tree};
use ic_certification::Hash;

/// One level of a tree as the stable tree copies it.
#[derive(Debug, Clone, Copy)]
pub enum Shape<'a> {
    /// A leaf with these bytes.
    Leaf(&'a [u8]),
    /// A map: the root of its treap, `None` when empty.
    Map(Option<NodeView<'a>>),
    /// A value known only by its hash.
    Pruned(&'a Hash),
}

/// One treap node of a map.
#[derive(Debug, Clone, Copy)]
pub struct NodeView<'a>(&'a Node);

impl Tree {
    /// The top level of `self`, for copying.
    pub fn shape(&self) -> Shape<'_> {
        match self {
            Tree::Leaf(bytes) => Shape::Leaf(bytes),
            Tree::Map(map) => Shape::Map(map.root.as_deref().map(NodeView)),
            Tree::Pruned(hash) => Shape::Pruned(hash),
        }
    }
}

impl<'a> NodeView<'a> {
    /// The entry's label.
    pub fn label(&self) -> &'a [u8] {
        &self.0.label
    }

    /// The treap priority (a function of the label).
    pub fn priority(&self) -> u64 {
        self.0.priority
    }

    /// The entry's value.
    pub fn value(&self) -> Shape<'a> {
        self.0.value.shape()
    }

    /// `labeled_hash(label, value hash)`.
    pub fn data_hash(&self) -> Hash {
        self.0.data_hash()
    }

    /// Hash of the forks over this node's treap subtree.
    pub fn subtree_hash(&self) -> Hash {
        self.0.subtree_hash()
    }

    /// Left child (smaller labels).
    pub fn left(&self) -> Option<NodeView<'a>> {
        self.0.left.as_deref().map(NodeView)
    }

    /// Right child (greater labels).
    pub fn right(&self) -> Option<NodeView<'a>> {
        self.0.right.as_deref().map(NodeView)
    }
}

/// Hash of a leaf value, with the empty leaf's computed once.
pub fn leaf_value_hash(bytes: &[u8]) -> Hash {
    leaf_digest(bytes)
}

/// The treap priority of `label`: another container holding the same labels must order its
/// nodes by it to reach the same shape, and thus the same hashes.
pub fn label_priority(label: &[u8]) -> u64 {
    super::priority(label)
}

/// The fork layout over a node between its two subtrees, as hashes.
pub fn combine_hashes(left: Option<Hash>, data: Hash, right: Option<Hash>) -> Hash {
    super::combine(left, data, right)
}

/// The fork layout over a node between its two subtrees, as a witness.
pub fn combine_witnesses(
    left: Option<ic_certification::HashTree>,
    data: ic_certification::HashTree,
    right: Option<ic_certification::HashTree>,
) -> ic_certification::HashTree {
    super::three_way_fork(left, data, right)
}
