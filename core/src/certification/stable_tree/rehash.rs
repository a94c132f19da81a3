//! Rehashing the stable tree in one walk: every dirty node of both top-level maps is read once
//! into a heap plan, the plan is digested one dependency level at a time (each round's leaf,
//! labeled and fork messages go to one [`Sha256Batch`], four lanes at a time), and each dirty
//! slot is then written once, with only its flags and two hashes.
//!
//! Owns the rehash order; must not change the shape or any byte but a node's flags and hashes.
//! Invariant: every hash written is the one `treap::Tree::rehash` caches for the same node
//! (`combine_hashes` over `labeled_hash(label, value)`), so clean subtrees keep their meaning.

use super::map::check;
use super::slot::{Arena, CleanFlags, ROOTS};
use super::StableTreeError;
use crate::certification::sha256_batch::Sha256Batch;
use crate::certification::treap::nodes::leaf_value_hash;
use ic_certification::{empty, Hash};
use ic_stable_structures::Memory;
use std::ops::Range;

type Result<T> = std::result::Result<T, StableTreeError>;

/// Domain separators of `ic-certification`'s hash tree nodes (length byte, then the name).
const LEAF: &[u8] = b"\x10ic-hashtree-leaf";
const FORK: &[u8] = b"\x10ic-hashtree-fork";
const LABELED: &[u8] = b"\x13ic-hashtree-labeled";

/// A hash known when the walk met it, or the plan node whose subtree hash it will be.
#[derive(Debug, Clone, Copy)]
enum Input {
    Known(Hash),
    Node(usize),
}

/// What a dirty node's labeled hash is taken over, until it is known.
#[derive(Debug, Clone)]
enum ValueHash {
    Known(Hash),
    /// A non-empty leaf: these bytes of [`Plan::bytes`] are hashed first.
    Leaf(Range<usize>),
    /// A map whose root is this plan node.
    Map(usize),
}

/// One dirty slot and the hashes found for it so far.
#[derive(Debug)]
struct Dirty {
    slot: u32,
    flags: CleanFlags,
    /// The label, in [`Plan::bytes`] (read only when the data hash is dirty).
    label: Range<usize>,
    value: ValueHash,
    data: Option<Hash>,
    left: Option<Input>,
    right: Option<Input>,
    /// `fork(data, right)` of a node with both subtrees.
    inner: Option<Hash>,
    hash: Option<Hash>,
}

/// Where a digest of a round goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    Value,
    Data,
    Inner,
    Hash,
}

/// The dirty nodes of a rehash, in walk order.
#[derive(Debug, Default)]
struct Plan {
    nodes: Vec<Dirty>,
    /// Labels and leaf bytes of the dirty nodes, back to back.
    bytes: Vec<u8>,
}

impl Plan {
    fn keep(&mut self, bytes: &[u8]) -> Range<usize> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        start..self.bytes.len()
    }

    fn resolve(&self, input: Input) -> Option<Hash> {
        match input {
            Input::Known(hash) => Some(hash),
            Input::Node(index) => self.nodes[index].hash,
        }
    }

    /// Pushes node `index`'s next message to `batch` if its inputs are known, settling a
    /// node without subtrees at once (its hash is its data). Reads only hashes settled in
    /// earlier rounds or earlier in this one, so the order of `open` does not matter.
    fn step(&mut self, index: usize, batch: &mut Sha256Batch, sent: &mut Vec<(usize, Target)>) {
        let node = &self.nodes[index];
        let Some(data) = node.data else {
            let (parts, target): ([&[u8]; 3], _) = match &node.value {
                ValueHash::Leaf(bytes) => ([LEAF, &self.bytes[bytes.clone()], &[]], Target::Value),
                ValueHash::Known(value) => ([LABELED, &self.bytes[node.label.clone()], value], Target::Data),
                ValueHash::Map(child) => match &self.nodes[*child].hash {
                    Some(value) => ([LABELED, &self.bytes[node.label.clone()], value], Target::Data),
                    None => return,
                },
            };
            batch.push(&parts);
            sent.push((index, target));
            return;
        };
        let left = node.left.map(|input| self.resolve(input));
        let right = node.right.map(|input| self.resolve(input));
        let (first, second, target) = match (left, right, node.inner) {
            (None, None, _) => {
                self.nodes[index].hash = Some(data);
                return;
            }
            (Some(Some(left)), None, _) => (left, data, Target::Hash),
            (None, Some(Some(right)), _) => (data, right, Target::Hash),
            (Some(_), Some(Some(right)), None) => (data, right, Target::Inner),
            (Some(Some(left)), Some(_), Some(inner)) => (left, inner, Target::Hash),
            _ => return,
        };
        batch.push(&[FORK, &first, &second]);
        sent.push((index, target));
    }

    fn settle(&mut self, index: usize, target: Target, digest: Hash) {
        let node = &mut self.nodes[index];
        match target {
            Target::Value => node.value = ValueHash::Known(digest),
            Target::Data => node.data = Some(digest),
            Target::Inner => node.inner = Some(digest),
            Target::Hash => node.hash = Some(digest),
        }
    }

    /// Digests the plan round by round until every node's subtree hash is known.
    fn digest(&mut self) -> Result<()> {
        let mut open: Vec<usize> = (0..self.nodes.len()).collect();
        let mut batch = Sha256Batch::default();
        let mut sent = Vec::new();
        while !open.is_empty() {
            let before = open.len();
            batch.clear();
            sent.clear();
            for &index in &open {
                self.step(index, &mut batch, &mut sent);
            }
            for ((index, target), digest) in sent.iter().zip(batch.digests()) {
                self.settle(*index, *target, digest);
            }
            open.retain(|&index| self.nodes[index].hash.is_none());
            // Unreachable for a tree read by the walk (a node whose inputs are all known
            // always exists); kept so a logic error cannot loop forever.
            if sent.is_empty() && open.len() == before {
                return Err(StableTreeError::Corrupt { slot: self.nodes[open[0]].slot });
            }
        }
        Ok(())
    }
}

impl<M: Memory> Arena<M> {
    /// Hashes every dirty node of the maps rooted at `roots` once, caching the results, and
    /// returns each map's hash.
    pub fn rehash_maps(&mut self, roots: [u32; ROOTS]) -> Result<[Hash; ROOTS]> {
        let mut plan = Plan::default();
        let mut inputs = [Input::Known(empty().digest()); ROOTS];
        for (input, root) in inputs.iter_mut().zip(roots) {
            if root != 0 {
                *input = self.collect(root, 0, &mut plan)?;
            }
        }
        plan.digest()?;
        for node in &plan.nodes {
            let (Some(data), Some(hash)) = (node.data, node.hash) else {
                return Err(StableTreeError::Corrupt { slot: node.slot });
            };
            self.write_hashes(node.slot, node.flags, &data, &hash);
        }
        let mut hashes = [[0; 32]; ROOTS];
        for (hash, input) in hashes.iter_mut().zip(inputs) {
            *hash = plan.resolve(input).ok_or(StableTreeError::Corrupt { slot: 0 })?;
        }
        Ok(hashes)
    }

    /// Adds the dirty nodes of the treap at `at` (not 0) to `plan`, reading each slot once.
    fn collect(&self, at: u32, depth: usize, plan: &mut Plan) -> Result<Input> {
        check(depth, at)?;
        let n = self.view(at)?;
        if let Some(hash) = n.subtree_hash() {
            return Ok(Input::Known(hash));
        }
        let index = plan.nodes.len();
        plan.nodes.push(Dirty {
            slot: at,
            flags: n.clean_flags(),
            label: 0..0,
            value: ValueHash::Known([0; 32]),
            data: n.data_hash(),
            left: None,
            right: None,
            inner: None,
            hash: None,
        });
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
            (plan.nodes[index].label, plan.nodes[index].value) = (label, value);
        }
        let left = (n.left() != 0).then(|| self.collect(n.left(), depth + 1, plan)).transpose()?;
        let right = (n.right() != 0).then(|| self.collect(n.right(), depth + 1, plan)).transpose()?;
        (plan.nodes[index].left, plan.nodes[index].right) = (left, right);
        Ok(Input::Node(index))
    }
}
