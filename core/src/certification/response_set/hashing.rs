//! Hashing many response sets together: each set's messages are scheduled into the round in
//! which their inputs are known (every data hash in the first round, then each fork as soon as
//! the subtrees below it are), and each round's messages of every set go to one
//! [`Sha256Batch`], four lanes at a time.
//!
//! Owns only the schedule. Invariant: each node ends with `data = labeled_hash(label, empty
//! leaf)` and `subtree` = the treap fork layout over its subtree, and the set's hash is
//! `labeled(expr_hash, labeled("", root subtree))` (an empty set: the empty tree's hash).

use super::{ResponseSet, SetDraft};
use crate::certification::hash_plan::{FORK, LABELED};
use crate::certification::treap::nodes::leaf_value_hash;
use crate::sha256_batch::Sha256Batch;
use ic_certification::{empty, Hash};

/// One message of a set.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// A node's data hash.
    Data(u32),
    /// `fork(data, right subtree)` of a node with both subtrees, kept in its `subtree` until
    /// its [`Step::Subtree`].
    Inner(u32),
    /// A node's subtree hash (a node without subtrees has its data hash as its subtree hash).
    Subtree(u32),
    /// `labeled("", root subtree)`, kept in the set's hash until [`Step::Expr`].
    Terminator,
    /// `labeled(expr_hash, terminator)`: the set's hash.
    Expr,
}

/// Messages by round: `(set, step)`.
type Rounds = Vec<Vec<(usize, Step)>>;

fn at(rounds: &mut Rounds, round: usize) -> &mut Vec<(usize, Step)> {
    if rounds.len() <= round {
        rounds.resize_with(round + 1, Vec::new);
    }
    &mut rounds[round]
}

impl SetDraft {
    /// Hashes `drafts` together, in order: they do not depend on each other, so their
    /// messages share SIMD lanes round by round.
    pub fn hash_all(drafts: Vec<SetDraft>) -> Vec<ResponseSet> {
        let mut sets: Vec<ResponseSet> = drafts.into_iter().map(|SetDraft(set)| set).collect();
        let mut rounds = Rounds::new();
        for (s, set) in sets.iter_mut().enumerate() {
            let Some(root) = set.root else {
                set.hash = empty().digest();
                continue;
            };
            at(&mut rounds, 0).extend((0..set.nodes.len() as u32).map(|i| (s, Step::Data(i))));
            let ready = set.schedule(root, s, &mut rounds);
            at(&mut rounds, ready).push((s, Step::Terminator));
            at(&mut rounds, ready + 1).push((s, Step::Expr));
        }
        let mut batch = Sha256Batch::default();
        let empty_leaf = leaf_value_hash(&[]);
        for round in &rounds {
            batch.clear();
            for &(s, step) in round {
                sets[s].push(step, &empty_leaf, &mut batch);
            }
            for (&(s, step), digest) in round.iter().zip(batch.digests()) {
                sets[s].settle(step, digest);
            }
        }
        sets
    }
}

impl ResponseSet {
    /// Schedules the forks of node `index`'s subtree; returns the round after which its
    /// subtree hash is known (data hashes are known after round 0).
    fn schedule(&self, index: u32, s: usize, rounds: &mut Rounds) -> usize {
        let n = self.node(index);
        let (left, right) = (n.left, n.right);
        let left = left.map(|l| self.schedule(l, s, rounds));
        let right = right.map(|r| self.schedule(r, s, rounds));
        match (left, right) {
            (None, None) => 1,
            (Some(known), None) | (None, Some(known)) => {
                at(rounds, known).push((s, Step::Subtree(index)));
                known + 1
            }
            (Some(left), Some(right)) => {
                at(rounds, right).push((s, Step::Inner(index)));
                let round = left.max(right + 1);
                at(rounds, round).push((s, Step::Subtree(index)));
                round + 1
            }
        }
    }

    /// Pushes `step`'s message; `empty_leaf` is the empty leaf's hash every response labels.
    fn push(&self, step: Step, empty_leaf: &Hash, batch: &mut Sha256Batch) {
        let subtree = |link: Option<u32>| &self.node(link.expect("scheduled with this subtree")).subtree;
        match step {
            Step::Data(i) => batch.push(&[LABELED, &self.node(i).label, empty_leaf]),
            Step::Inner(i) => batch.push(&[FORK, &self.node(i).data, subtree(self.node(i).right)]),
            Step::Subtree(i) => {
                let n = self.node(i);
                match (n.left, n.right) {
                    (Some(l), None) => batch.push(&[FORK, subtree(Some(l)), &n.data]),
                    (None, Some(r)) => batch.push(&[FORK, &n.data, subtree(Some(r))]),
                    // `subtree` holds the inner fork here.
                    _ => batch.push(&[FORK, subtree(n.left), &n.subtree]),
                }
            }
            Step::Terminator => batch.push(&[LABELED, b"", subtree(self.root)]),
            Step::Expr => batch.push(&[LABELED, &self.expr_hash, &self.hash]),
        };
    }

    fn settle(&mut self, step: Step, digest: Hash) {
        match step {
            Step::Data(i) => {
                let n = &mut self.nodes[i as usize];
                n.data = digest;
                if n.left.is_none() && n.right.is_none() {
                    n.subtree = digest;
                }
            }
            Step::Inner(i) | Step::Subtree(i) => self.nodes[i as usize].subtree = digest,
            Step::Terminator | Step::Expr => self.hash = digest,
        }
    }
}
