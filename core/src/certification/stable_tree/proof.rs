//! Hashes and witnesses of the stable tree, node for node as `treap::Tree` computes them.
//!
//! Owns hashing (cached, on the fly, and [`Arena::rehash_map`] which caches) and witness
//! construction, as a `HashTree` or written straight as CBOR. Must not change the shape.
//! Invariant: for the same content, every hash, `HashTree` and CBOR byte equals the heap tree's
//! (`treap.rs`, `treap/witness_cbor.rs`), since certificates from either must verify alike.

use super::map::check;
use super::slot::{Arena, Node};
use super::StableTreeError;
use crate::certification::treap::nodes::{combine_hashes, combine_witnesses, leaf_value_hash};
use crate::certification::tree_cbor::{self, fork_head, labeled_head, pruned as pruned_cbor};
use ic_certification::{empty, labeled, labeled_hash, leaf, pruned, Hash, HashTree};
use ic_stable_structures::Memory;
use std::cmp::Ordering;

type Result<T> = std::result::Result<T, StableTreeError>;

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
        let n = self.node(at)?;
        let left = self.link_hash(n.left, depth)?;
        let right = self.link_hash(n.right, depth)?;
        Ok(combine_hashes(left, self.data_hash(&n, depth)?, right))
    }

    fn link_hash(&self, at: u32, depth: usize) -> Result<Option<Hash>> {
        if at == 0 {
            return Ok(None);
        }
        self.map_hash(at, depth + 1).map(Some)
    }

    fn value_hash(&self, n: &Node, depth: usize) -> Result<Hash> {
        match &n.leaf {
            Some(bytes) => Ok(leaf_value_hash(bytes)),
            None => self.map_hash(n.child, depth + 1),
        }
    }

    fn data_hash(&self, n: &Node, depth: usize) -> Result<Hash> {
        match n.data {
            Some(data) => Ok(data),
            None => Ok(labeled_hash(&n.label, &self.value_hash(n, depth)?)),
        }
    }

    /// Hash of `n`'s value (a leaf or its map).
    pub fn entry_value_hash(&self, n: &Node) -> Result<Hash> {
        self.value_hash(n, 0)
    }

    /// Hashes every dirty node of the map rooted at `at` once, caching the results.
    pub fn rehash_map(&mut self, at: u32, depth: usize) -> Result<Hash> {
        if at == 0 {
            return Ok(empty().digest());
        }
        check(depth, at)?;
        let mut n = self.node(at)?;
        if let Some(hash) = n.hash {
            return Ok(hash);
        }
        let data = match n.data {
            Some(data) => data,
            None => {
                let value = match &n.leaf {
                    Some(bytes) => leaf_value_hash(bytes),
                    None => self.rehash_map(n.child, depth + 1)?,
                };
                labeled_hash(&n.label, &value)
            }
        };
        let left = if n.left == 0 { None } else { Some(self.rehash_map(n.left, depth + 1)?) };
        let right = if n.right == 0 { None } else { Some(self.rehash_map(n.right, depth + 1)?) };
        let hash = combine_hashes(left, data, right);
        n.data = Some(data);
        n.hash = Some(hash);
        self.write(at, &n);
        Ok(hash)
    }

    /// The whole map rooted at `at`, nothing pruned.
    pub fn full_map(&self, at: u32, depth: usize) -> Result<HashTree> {
        if at == 0 {
            return Ok(empty());
        }
        check(depth, at)?;
        let n = self.node(at)?;
        let value = match &n.leaf {
            Some(bytes) => leaf(bytes.clone()),
            None => self.full_map(n.child, depth + 1)?,
        };
        let left = if n.left == 0 { None } else { Some(self.full_map(n.left, depth + 1)?) };
        let right = if n.right == 0 { None } else { Some(self.full_map(n.right, depth + 1)?) };
        Ok(combine_witnesses(left, labeled(n.label, value), right))
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

    fn value_witness(&self, n: &Node, rest: &[&[u8]], depth: usize) -> Result<HashTree> {
        match &n.leaf {
            Some(bytes) => Ok(leaf(bytes.clone())),
            None => self.map_witness(n.child, rest, depth + 1),
        }
    }

    fn node_witness(&self, at: u32, label: &[u8], present: bool, rest: &[&[u8]], depth: usize) -> Result<Option<HashTree>> {
        if at == 0 {
            return Ok(None);
        }
        check(depth, at)?;
        let n = self.node(at)?;
        let on_path = |n: &Node| -> Result<HashTree> {
            Ok(if present { pruned(self.data_hash(n, depth)?) } else { labeled(n.label.clone(), pruned(self.value_hash(n, depth)?)) })
        };
        Ok(Some(match label.cmp(&n.label) {
            Ordering::Equal => combine_witnesses(
                self.pruned_link(n.left, depth)?,
                labeled(n.label.clone(), self.value_witness(&n, rest, depth)?),
                self.pruned_link(n.right, depth)?,
            ),
            Ordering::Less => combine_witnesses(
                self.node_witness(n.left, label, present, rest, depth + 1)?,
                on_path(&n)?,
                self.pruned_link(n.right, depth)?,
            ),
            Ordering::Greater => combine_witnesses(
                self.pruned_link(n.left, depth)?,
                on_path(&n)?,
                self.node_witness(n.right, label, present, rest, depth + 1)?,
            ),
        }))
    }

    /// Appends the CBOR of [`Arena::map_witness`] to `out`, written while walking.
    pub fn map_witness_cbor(&self, at: u32, path: &[&[u8]], out: &mut Vec<u8>, depth: usize) -> Result<()> {
        match path.split_first() {
            None => tree_cbor::node(self.full_map(at, depth)?.as_ref(), out),
            Some(_) if at == 0 => tree_cbor::empty(out),
            // Written as if the label were present (the usual case: one search, not two);
            // rewritten as a proof of absence when the walk does not meet it.
            Some((first, rest)) => {
                let start = out.len();
                if !self.walk(at, first, true, rest, out, depth)? {
                    out.truncate(start);
                    self.walk(at, first, false, rest, out, depth)?;
                }
            }
        }
        Ok(())
    }

    /// One node of the witness of `label` in the fork layout of `combine_witnesses`: the side
    /// the search continues into is walked, the other pruned. Returns whether `label` was met.
    fn walk(&self, at: u32, label: &[u8], present: bool, rest: &[&[u8]], out: &mut Vec<u8>, depth: usize) -> Result<bool> {
        check(depth, at)?;
        let n = self.node(at)?;
        let order = label.cmp(&n.label);
        if n.left != 0 || n.right != 0 {
            fork_head(out);
        }
        let mut found = order == Ordering::Equal;
        if n.left != 0 {
            match order {
                Ordering::Less => found = self.walk(n.left, label, present, rest, out, depth + 1)?,
                _ => pruned_cbor(&self.map_hash(n.left, depth + 1)?, out),
            }
        }
        if n.left != 0 && n.right != 0 {
            fork_head(out);
        }
        match order {
            Ordering::Equal => {
                labeled_head(&n.label, out);
                match &n.leaf {
                    Some(bytes) => tree_cbor::leaf(bytes, out),
                    None => self.map_witness_cbor(n.child, rest, out, depth + 1)?,
                }
            }
            _ if present => pruned_cbor(&self.data_hash(&n, depth)?, out),
            _ => {
                labeled_head(&n.label, out);
                pruned_cbor(&self.value_hash(&n, depth)?, out);
            }
        }
        if n.right != 0 {
            match order {
                Ordering::Greater => found = self.walk(n.right, label, present, rest, out, depth + 1)?,
                _ => pruned_cbor(&self.map_hash(n.right, depth + 1)?, out),
            }
        }
        Ok(found)
    }
}
