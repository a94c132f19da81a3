//! Hashes and witnesses of the stable tree, node for node as `treap::Tree` computes them.
//!
//! Owns reading hashes (cached, or computed on the fly for dirty nodes without caching them;
//! `rehash.rs` caches) and witness construction, as a `HashTree` or written straight as CBOR.
//! Must not change the shape.
//! Invariant: for the same content, every hash, `HashTree` and CBOR byte equals the heap tree's
//! (`treap.rs`, `treap/witness_cbor.rs`), since certificates from either must verify alike.

use super::map::check;
use super::slot::{Arena, View};
use super::StableTreeError;
use crate::certification::treap::nodes::{combine_hashes, combine_witnesses, leaf_value_hash};
use crate::certification::tree_cbor::{self, fork_head, labeled_head, pruned as pruned_cbor};
use ic_certification::{empty, labeled, labeled_hash, leaf, pruned, Hash, HashTree};
use ic_stable_structures::Memory;
use std::cmp::Ordering;

type Result<T> = std::result::Result<T, StableTreeError>;

/// Writes the witness of a path's last value in place of the arena's copy of it, given the
/// entry's `aux` word.
pub(super) type Splice<'a> = Option<&'a dyn Fn(u64, &mut Vec<u8>)>;

/// The hash a pruned value's slot holds in place of leaf bytes.
fn pruned_hash(n: &View, bytes: &[u8]) -> Result<Hash> {
    bytes.try_into().map_err(|_| StableTreeError::Corrupt { slot: n.index })
}

impl<M: Memory> Arena<M> {
    /// Hash of the map rooted at `at` (dirty nodes hashed on the fly, uncached).
    pub fn map_hash(&self, at: u32, depth: usize) -> Result<Hash> {
        if at == 0 {
            return Ok(empty().digest());
        }
        check(depth, at)?;
        if let Some(hash) = self.cached_hash(at)? {
            return Ok(hash);
        }
        let n = self.view(at)?;
        let left = self.link_hash(n.left(), depth)?;
        let right = self.link_hash(n.right(), depth)?;
        Ok(combine_hashes(left, self.data_hash(&n, depth)?, right))
    }

    fn link_hash(&self, at: u32, depth: usize) -> Result<Option<Hash>> {
        if at == 0 {
            return Ok(None);
        }
        self.map_hash(at, depth + 1).map(Some)
    }

    /// Hash of `n`'s value (a leaf, a pruned value or its map).
    pub fn value_hash(&self, n: &View, depth: usize) -> Result<Hash> {
        if n.is_pruned() {
            pruned_hash(n, &self.payload(n)?[n.label_len()..])
        } else if n.is_leaf() {
            let payload = self.payload(n)?;
            Ok(leaf_value_hash(&payload[n.label_len()..]))
        } else {
            self.map_hash(n.child(), depth + 1)
        }
    }

    fn data_hash(&self, n: &View, depth: usize) -> Result<Hash> {
        match n.data_hash() {
            Some(data) => Ok(data),
            None => Ok(labeled_hash(&self.payload(n)?[..n.label_len()], &self.value_hash(n, depth)?)),
        }
    }

    /// The whole map rooted at `at`, nothing pruned.
    pub fn full_map(&self, at: u32, depth: usize) -> Result<HashTree> {
        if at == 0 {
            return Ok(empty());
        }
        check(depth, at)?;
        let n = self.view(at)?;
        let payload = self.payload(&n)?;
        let (label, bytes) = payload.split_at(n.label_len());
        let value = self.value_tree(&n, bytes, |child| self.full_map(child, depth + 1))?;
        let left = if n.left() == 0 { None } else { Some(self.full_map(n.left(), depth + 1)?) };
        let right = if n.right() == 0 { None } else { Some(self.full_map(n.right(), depth + 1)?) };
        Ok(combine_witnesses(left, labeled(label.to_vec(), value), right))
    }

    /// `n`'s value as a `HashTree` (`bytes` its leaf bytes): a leaf, a pruned value, or what
    /// `map` makes of its map's root.
    fn value_tree(&self, n: &View, bytes: &[u8], map: impl FnOnce(u32) -> Result<HashTree>) -> Result<HashTree> {
        if n.is_pruned() {
            Ok(pruned(pruned_hash(n, bytes)?))
        } else if n.is_leaf() {
            Ok(leaf(bytes.to_vec()))
        } else {
            map(n.child())
        }
    }

    fn pruned_link(&self, at: u32, depth: usize) -> Result<Option<HashTree>> {
        Ok(self.link_hash(at, depth)?.map(pruned))
    }

    /// Witness of `path` in the map rooted at `at`, as `treap::Tree::witness` builds it.
    pub fn map_witness(&self, at: u32, path: &[&[u8]], depth: usize) -> Result<HashTree> {
        let Some((first, rest)) = path.split_first() else { return self.full_map(at, depth) };
        let present = self.find(at, first)?.is_some();
        Ok(self.node_witness(at, first, present, rest, depth)?.unwrap_or_else(empty))
    }

    fn node_witness(&self, at: u32, label: &[u8], present: bool, rest: &[&[u8]], depth: usize) -> Result<Option<HashTree>> {
        if at == 0 {
            return Ok(None);
        }
        check(depth, at)?;
        let n = self.view(at)?;
        let payload = self.payload(&n)?;
        let (own, bytes) = payload.split_at(n.label_len());
        let on_path = |n: &View| -> Result<HashTree> {
            Ok(if present { pruned(self.data_hash(n, depth)?) } else { labeled(own.to_vec(), pruned(self.value_hash(n, depth)?)) })
        };
        Ok(Some(match label.cmp(own) {
            Ordering::Equal => {
                let value = self.value_tree(&n, bytes, |child| self.map_witness(child, rest, depth + 1))?;
                combine_witnesses(self.pruned_link(n.left(), depth)?, labeled(own.to_vec(), value), self.pruned_link(n.right(), depth)?)
            }
            Ordering::Less => combine_witnesses(
                self.node_witness(n.left(), label, present, rest, depth + 1)?,
                on_path(&n)?,
                self.pruned_link(n.right(), depth)?,
            ),
            Ordering::Greater => combine_witnesses(
                self.pruned_link(n.left(), depth)?,
                on_path(&n)?,
                self.node_witness(n.right(), label, present, rest, depth + 1)?,
            ),
        }))
    }

    /// Appends the CBOR of [`Arena::map_witness`] to `out`, written while walking; the value of
    /// the path's last entry is written by `splice` when given (see `StableTree::witness_cbor`).
    pub fn map_witness_cbor(&self, at: u32, path: &[&[u8]], splice: Splice<'_>, out: &mut Vec<u8>, depth: usize) -> Result<()> {
        match path.split_first() {
            None => tree_cbor::node(self.full_map(at, depth)?.as_ref(), out),
            Some(_) if at == 0 => tree_cbor::empty(out),
            // Written as if the label were present (the usual case: one search, not two);
            // rewritten as a proof of absence when the walk does not meet it.
            Some((first, rest)) => {
                let start = out.len();
                if !self.walk(at, first, true, rest, splice, out, depth)? {
                    out.truncate(start);
                    self.walk(at, first, false, rest, splice, out, depth)?;
                }
            }
        }
        Ok(())
    }

    /// One node of the witness of `label` in the fork layout of `combine_witnesses`: the side
    /// the search continues into is walked, the other pruned. Returns whether `label` was met.
    #[allow(clippy::too_many_arguments)]
    fn walk(&self, at: u32, label: &[u8], present: bool, rest: &[&[u8]], splice: Splice<'_>, out: &mut Vec<u8>, depth: usize) -> Result<bool> {
        check(depth, at)?;
        let mut n = View::blank();
        self.read_view(at, &mut n)?;
        let payload = self.payload(&n)?;
        let (own, bytes) = payload.split_at(n.label_len());
        let order = label.cmp(own);
        let (left, right) = (n.left(), n.right());
        if left != 0 || right != 0 {
            fork_head(out);
        }
        let mut found = order == Ordering::Equal;
        if left != 0 {
            match order {
                Ordering::Less => found = self.walk(left, label, present, rest, splice, out, depth + 1)?,
                _ => pruned_cbor(&self.map_hash(left, depth + 1)?, out),
            }
        }
        if left != 0 && right != 0 {
            fork_head(out);
        }
        match order {
            Ordering::Equal => {
                labeled_head(own, out);
                match splice {
                    Some(value) if rest.is_empty() => value(n.aux(), out),
                    _ if n.is_pruned() => pruned_cbor(&pruned_hash(&n, bytes)?, out),
                    _ if n.is_leaf() => tree_cbor::leaf(bytes, out),
                    _ => self.map_witness_cbor(n.child(), rest, splice, out, depth + 1)?,
                }
            }
            _ if present => pruned_cbor(&self.data_hash(&n, depth)?, out),
            _ => {
                labeled_head(own, out);
                pruned_cbor(&self.value_hash(&n, depth)?, out);
            }
        }
        if right != 0 {
            match order {
                Ordering::Greater => found = self.walk(right, label, present, rest, splice, out, depth + 1)?,
                _ => pruned_cbor(&self.map_hash(right, depth + 1)?, out),
            }
        }
        Ok(found)
    }
}
