//! Building a map from all its entries at once: a response set is a fresh map of a few labels,
//! and inserting them one by one (a search, rotations and dirty marking per label, with the
//! label path allocated each time) cost more than hashing them.
//!
//! Owns only construction. Invariant: the result has exactly the shape insertion of the same
//! labels gives (the unique treap of that label set), with every node dirty.

use super::{Link, Map, Node, Tree};
use std::sync::Arc;

impl Tree {
    /// A map of `entries` (a repeated label keeps its last value), unhashed.
    pub fn from_entries(mut entries: Vec<(Box<[u8]>, Tree)>) -> Tree {
        entries.reverse();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|a, b| a.0 == b.0);
        // In label order, a right spine of the heap order on a stack (a Cartesian tree): each
        // node takes the spine nodes it belongs above as its left subtree.
        let mut spine: Vec<Box<Node>> = Vec::with_capacity(entries.len());
        for (label, value) in entries {
            let mut node = Node::new(&label, value);
            let mut below: Link = None;
            while spine.last().is_some_and(|top| node.above(top)) {
                let mut top = spine.pop().expect("checked above");
                top.right = below;
                below = Some(top);
            }
            node.left = below;
            spine.push(node);
        }
        let mut root: Link = None;
        while let Some(mut node) = spine.pop() {
            node.right = root;
            root = Some(node);
        }
        Tree::Map(Arc::new(Map { root }))
    }
}
