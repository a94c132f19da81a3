//! Witnesses written straight as CBOR while walking the tree, for the header of every request.
//!
//! Building a `HashTree` first (boxed nodes, copied labels and leaves) and then encoding and
//! dropping it was the larger part of a witness's cost per request; this walk writes the same
//! bytes with no intermediate tree. Owns only this walk; must not change the tree. Invariant: the
//! bytes are exactly `tree_cbor::node` of [`Tree::witness`] for the same path (tested by
//! proptest in `tree_cbor`'s tests).

use super::{Node, Tree};
use crate::certification::tree_cbor::{fork_head, labeled_head, leaf, node, pruned};
use std::cmp::Ordering;

impl Tree {
    /// Appends the CBOR of [`Tree::witness`]`(path)` to `out`.
    pub fn witness_cbor(&self, path: &[&[u8]], out: &mut Vec<u8>) {
        match (path.split_first(), self) {
            (_, Tree::Leaf(bytes)) => leaf(bytes, out),
            (_, Tree::Pruned(hash)) => pruned(hash, out),
            (None, tree) => node(tree.full().as_ref(), out),
            (Some((first, rest)), Tree::Map(map)) => match map.root.as_deref() {
                None => crate::certification::tree_cbor::empty(out),
                // Written as if `first` were present (the usual case: one search, not two);
                // rewritten as a proof of absence when the walk does not meet it.
                Some(root) => {
                    let start = out.len();
                    if !walk(root, first, true, rest, out) {
                        out.truncate(start);
                        walk(root, first, false, rest, out);
                    }
                }
            },
        }
    }
}

/// One treap node of the witness of `label`, in the fork layout of `three_way_fork`: the side
/// the search continues into is walked, the other side pruned. Returns whether `label` was met.
fn walk(n: &Node, label: &[u8], present: bool, rest: &[&[u8]], out: &mut Vec<u8>) -> bool {
    let order = label.cmp(&n.label);
    let (left, right) = (n.left.as_deref(), n.right.as_deref());
    if left.is_some() || right.is_some() {
        fork_head(out);
    }
    let mut found = order == Ordering::Equal;
    if let Some(left) = left {
        match order {
            Ordering::Less => found = walk(left, label, present, rest, out),
            _ => pruned(&left.subtree_hash(), out),
        }
    }
    if left.is_some() && right.is_some() {
        fork_head(out);
    }
    match order {
        Ordering::Equal => {
            labeled_head(&n.label, out);
            n.value.witness_cbor(rest, out);
        }
        _ if present => pruned(&n.data_hash(), out),
        _ => {
            labeled_head(&n.label, out);
            pruned(&n.value.hash(), out);
        }
    }
    if let Some(right) = right {
        match order {
            Ordering::Greater => found = walk(right, label, present, rest, out),
            _ => pruned(&right.subtree_hash(), out),
        }
    }
    found
}
