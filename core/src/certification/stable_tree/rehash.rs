//! Rehashing the stable tree in one walk: every dirty node of both top-level maps is read once
//! into a [`Plan`], the plan is digested one dependency level at a time, and each dirty slot is
//! then written once, with only its flags and two hashes.
//!
//! Owns the walk over slots and the write-back; must not change the shape or any byte but a
//! node's flags and hashes. Invariant: every hash written is the one `treap::Tree::rehash`
//! caches for the same node, so clean subtrees keep their meaning.

use super::map::check;
use super::slot::{Arena, CleanFlags, ROOTS};
use super::StableTreeError;
use crate::certification::hash_plan::{Input, Plan, ValueHash};
use crate::certification::treap::nodes::leaf_value_hash;
use ic_certification::{empty, Hash};
use ic_stable_structures::Memory;

type Result<T> = std::result::Result<T, StableTreeError>;

/// A dirty node's slot and the flags it is written back with.
type SlotTag = (u32, CleanFlags);

impl<M: Memory> Arena<M> {
    /// Hashes every dirty node of the maps rooted at `roots` once, caching the results, and
    /// returns each map's hash.
    pub fn rehash_maps(&mut self, roots: [u32; ROOTS]) -> Result<[Hash; ROOTS]> {
        let mut plan: Plan<SlotTag> = Plan::default();
        let mut inputs = [Input::Known(empty().digest()); ROOTS];
        for (input, root) in inputs.iter_mut().zip(roots) {
            if root != 0 {
                *input = self.collect(root, 0, &mut plan)?;
            }
        }
        // A node that can never be hashed is unreachable for a tree read by the walk; the
        // check keeps a logic error from looping forever.
        plan.digest().map_err(|index| StableTreeError::Corrupt { slot: plan.nodes[index].tag.0 })?;
        for node in &plan.nodes {
            let (Some(data), Some(hash)) = (node.data, node.hash) else {
                return Err(StableTreeError::Corrupt { slot: node.tag.0 });
            };
            self.write_hashes(node.tag.0, node.tag.1, &data, &hash);
        }
        let mut hashes = [[0; 32]; ROOTS];
        for (hash, input) in hashes.iter_mut().zip(inputs) {
            *hash = plan.resolve(input).ok_or(StableTreeError::Corrupt { slot: 0 })?;
        }
        Ok(hashes)
    }

    /// Adds the dirty nodes of the treap at `at` (not 0) to `plan`, reading each slot once.
    fn collect(&self, at: u32, depth: usize, plan: &mut Plan<SlotTag>) -> Result<Input> {
        check(depth, at)?;
        let n = self.view(at)?;
        if let Some(hash) = n.subtree_hash() {
            return Ok(Input::Known(hash));
        }
        let index = plan.push((at, n.clean_flags()), n.data_hash());
        if plan.nodes[index].data.is_none() {
            let payload = self.payload(&n)?;
            let (label, bytes) = payload.split_at(n.label_len());
            let label = plan.keep(label);
            let value = if n.is_pruned() {
                ValueHash::Known(bytes.try_into().map_err(|_| StableTreeError::Corrupt { slot: at })?)
            } else if n.is_leaf() && bytes.is_empty() {
                ValueHash::Known(leaf_value_hash(bytes))
            } else if n.is_leaf() {
                ValueHash::Leaf(plan.keep(bytes))
            } else if n.child() == 0 {
                ValueHash::Known(empty().digest())
            } else {
                match self.collect(n.child(), depth + 1, plan)? {
                    Input::Known(hash) => ValueHash::Known(hash),
                    Input::Node(child) => ValueHash::Map(child),
                }
            };
            plan.set_value(index, label, value);
        }
        let left = (n.left() != 0).then(|| self.collect(n.left(), depth + 1, plan)).transpose()?;
        let right = (n.right() != 0).then(|| self.collect(n.right(), depth + 1, plan)).transpose()?;
        plan.set_subtrees(index, left, right);
        Ok(Input::Node(index))
    }
}
