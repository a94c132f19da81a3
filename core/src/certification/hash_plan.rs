//! The dirty nodes of a hash tree container (a heap treap or the stable tree), copied into a flat
//! plan and digested one dependency level at a time: each round's leaf, labeled and fork
//! messages go to one [`Sha256Batch`], four lanes at a time. The containers only collect their
//! dirty nodes into the plan and write the results back.
//!
//! Owns the hashing order of a rehash; knows nothing of where nodes live. Invariant: each
//! planned node ends with `data = labeled_hash(label, value hash)` and `hash` =
//! `combine_hashes(left, data, right)` (`ic-certification`'s node hashes, `RbTree`'s fork layout).

use crate::sha256_batch::Sha256Batch;
use ic_certification::Hash;
use std::ops::Range;

/// Domain separators of `ic-certification`'s hash tree nodes (length byte, then the name).
const LEAF: &[u8] = b"\x10ic-hashtree-leaf";
pub(super) const FORK: &[u8] = b"\x10ic-hashtree-fork";
pub(super) const LABELED: &[u8] = b"\x13ic-hashtree-labeled";

/// A subtree hash known when the walk met it, or the plan node whose subtree hash it will be.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    /// Already hashed.
    Known(Hash),
    /// Hashed by the plan: this node's subtree hash.
    Node(usize),
}

/// What a dirty node's labeled hash is taken over, until it is known.
#[derive(Debug, Clone)]
pub enum ValueHash {
    /// Already hashed.
    Known(Hash),
    /// A non-empty leaf: these bytes of the plan's buffer are hashed first.
    Leaf(Range<usize>),
    /// A map whose root is this plan node.
    Map(usize),
}

/// One dirty node, `tag` saying where it lives.
#[derive(Debug)]
pub struct Dirty<T> {
    /// Where the caller writes the results back.
    pub tag: T,
    /// The label, in the plan's buffer (unused when `data` is known).
    pub label: Range<usize>,
    /// The value the labeled hash is over (unused when `data` is known).
    pub value: ValueHash,
    /// `labeled_hash(label, value)`, if known.
    pub data: Option<Hash>,
    /// Left treap subtree.
    pub left: Option<Input>,
    /// Right treap subtree.
    pub right: Option<Input>,
    /// `fork(data, right)` of a node with both subtrees, between two rounds.
    inner: Option<Hash>,
    /// The node's subtree hash, once known.
    pub hash: Option<Hash>,
}

/// Where a digest of a round goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    Value,
    Data,
    Inner,
    Hash,
}

/// The dirty nodes of one rehash, in the order the caller collected them.
#[derive(Debug)]
pub struct Plan<T> {
    /// The nodes; results are read from here after [`Plan::digest`].
    pub nodes: Vec<Dirty<T>>,
    /// Labels and leaf bytes of the nodes, back to back.
    bytes: Vec<u8>,
}

impl<T> Default for Plan<T> {
    fn default() -> Self {
        Plan { nodes: Vec::new(), bytes: Vec::new() }
    }
}

impl<T> Plan<T> {
    /// Copies `bytes` (a label or leaf) into the plan's buffer.
    pub fn keep(&mut self, bytes: &[u8]) -> Range<usize> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        start..self.bytes.len()
    }

    /// Adds a node whose data hash is `data` (or, when `None`, hashed from its label and value,
    /// set afterwards with [`Plan::set_value`]); subtrees are set with [`Plan::set_subtrees`].
    pub fn push(&mut self, tag: T, data: Option<Hash>) -> usize {
        self.nodes.push(Dirty {
            tag,
            label: 0..0,
            value: ValueHash::Known([0; 32]),
            data,
            left: None,
            right: None,
            inner: None,
            hash: None,
        });
        self.nodes.len() - 1
    }

    /// Sets what node `index`'s data hash is over.
    pub fn set_value(&mut self, index: usize, label: Range<usize>, value: ValueHash) {
        (self.nodes[index].label, self.nodes[index].value) = (label, value);
    }

    /// Sets node `index`'s treap subtrees.
    pub fn set_subtrees(&mut self, index: usize, left: Option<Input>, right: Option<Input>) {
        (self.nodes[index].left, self.nodes[index].right) = (left, right);
    }

    /// The hash `input` stands for, once known.
    pub fn resolve(&self, input: Input) -> Option<Hash> {
        match input {
            Input::Known(hash) => Some(hash),
            Input::Node(index) => self.nodes[index].hash,
        }
    }

    /// Digests the plan round by round until every node's data and subtree hashes are known.
    /// `Err(index)` names a node that can never be hashed (an input refers to nothing that
    /// will be: a malformed plan), instead of looping forever.
    pub fn digest(&mut self) -> Result<(), usize> {
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
            if sent.is_empty() && open.len() == before {
                return Err(open[0]);
            }
        }
        Ok(())
    }

    /// Pushes node `index`'s next message to `batch` if its inputs are known, settling a
    /// node without subtrees at once (its hash is its data). Reads only hashes settled in
    /// earlier rounds or earlier in this one, so the order of the open nodes does not matter.
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
}
