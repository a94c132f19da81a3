//! Rehashing many trees together: their dirty nodes are collected into one [`Plan`] in a walk,
//! digested one dependency level at a time across every tree (so a commit's response sets, each
//! a few dozen small messages, share SIMD lanes), and written back in a second walk of the same
//! order.
//!
//! Owns only the two walks. Invariant: every node of every tree ends with its cached hashes
//! (`data = labeled_hash(label, value)`, `hash` over its treap subtree), as if hashed alone.

use super::{leaf_digest, Node, Tree};
use crate::certification::hash_plan::{Input, Plan, ValueHash};
use ic_certification::{empty, Hash};
use std::sync::Arc;

impl Tree {
    /// Hashes every dirty node of all `trees`, caching the results.
    pub fn rehash_all(trees: &mut [&mut Tree]) {
        let mut plan = Plan::default();
        for tree in trees.iter() {
            tree.collect(&mut plan);
        }
        // Every input of a collected node is known or another collected node, so the plan
        // always completes.
        plan.digest().expect("a plan collected from trees is complete");
        let mut results = plan.nodes.iter().map(|node| (node.data, node.hash));
        for tree in trees.iter_mut() {
            tree.write_back(&mut results);
        }
    }

    /// The hash of `self` if known, else adds its dirty nodes to `plan`.
    fn collect(&self, plan: &mut Plan<()>) -> Input {
        match self {
            Tree::Leaf(bytes) => Input::Known(leaf_digest(bytes)),
            Tree::Pruned(hash) => Input::Known(*hash),
            Tree::Map(map) => match &map.root {
                None => Input::Known(empty().digest()),
                // A shared map was hashed before it was shared.
                Some(_) if Arc::strong_count(map) > 1 => Input::Known(map.hash()),
                Some(root) => root.collect(plan),
            },
        }
    }

    /// Takes the results of the nodes [`Tree::collect`] added, in the same order.
    fn write_back(&mut self, results: &mut impl Iterator<Item = (Option<Hash>, Option<Hash>)>) {
        if let Tree::Map(map) = self {
            if let Some(root) = Arc::get_mut(map).and_then(|map| map.root.as_deref_mut()) {
                root.write_back(results);
            }
        }
    }
}

impl Node {
    fn collect(&self, plan: &mut Plan<()>) -> Input {
        if let Some(hash) = self.hash {
            return Input::Known(hash);
        }
        let index = plan.push((), self.data);
        if self.data.is_none() {
            let label = plan.keep(&self.label);
            let value = match &self.value {
                Tree::Leaf(bytes) if !bytes.is_empty() => ValueHash::Leaf(plan.keep(bytes)),
                value => match value.collect(plan) {
                    Input::Known(hash) => ValueHash::Known(hash),
                    Input::Node(child) => ValueHash::Map(child),
                },
            };
            plan.set_value(index, label, value);
        }
        let left = self.left.as_deref().map(|node| node.collect(plan));
        let right = self.right.as_deref().map(|node| node.collect(plan));
        plan.set_subtrees(index, left, right);
        Input::Node(index)
    }

    fn write_back(&mut self, results: &mut impl Iterator<Item = (Option<Hash>, Option<Hash>)>) {
        if self.hash.is_some() {
            return;
        }
        let (data, hash) = results.next().expect("one result per collected node");
        if self.data.is_none() {
            self.value.write_back(results);
        }
        for link in [&mut self.left, &mut self.right] {
            if let Some(node) = link.as_deref_mut() {
                node.write_back(results);
            }
        }
        (self.data, self.hash) = (data, hash);
    }
}
