//! The hashed subtree certifying the responses of one path below its terminator
//! (`expr_hash / "" / response_hash` for each response, response-only certifications), built
//! once per asset or fallback page and copied to every path serving it.
//!
//! Kept flat: the response hashes in label order, each with its treap links and node hashes.
//! A commit builds, hashes, witnesses and stores one or two sets per asset; as boxed heap
//! [`Tree`]s hashed through the generic plan they cost about 20 K instructions more per asset
//! (a commit of 50 small assets: 17.53 M, flat 16.52 M). The shape is the treap's for the same
//! labels, so the hashes and witnesses are exactly the `Tree`'s (tested), and a wildcard that
//! needs the nodes gets that `Tree` ([`ResponseSet::to_tree`]).
//!
//! Owns the set's shape, hashes, witnesses and stored form; must not touch the trees it is
//! inserted into. Invariant: [`ResponseSet::root_hash`] is the digest of every witness
//! [`ResponseSet::witness_cbor`] writes. A set is built as a [`SetDraft`], and only hashing
//! ([`SetDraft::hash_all`]) makes it a `ResponseSet`, so no set is read before its hashes are.

mod hashing;
#[cfg(test)]
mod tests;

use super::record::Reader;
use super::tree_cbor::{empty, fork_head, labeled_head, leaf, pruned};
use super::treap::nodes::{label_priority, leaf_value_hash};
use super::treap::Tree;
use ic_certification::{labeled_hash, Hash};
use std::cmp::Ordering;

/// Bytes of one stored node: label, data hash, subtree hash.
const NODE_LEN: usize = 3 * 32;

/// The hashed subtree certifying a set of responses under one path terminator:
/// `expr_hash / "" / response_hash` for each response (response-only certifications).
#[derive(Debug, Clone)]
pub struct ResponseSet {
    expr_hash: Hash,
    /// The responses' nodes, in label order.
    nodes: Vec<Node>,
    /// The treap's root node.
    root: Option<u32>,
    /// The whole set's hash (what an exact path's terminator holds).
    hash: Hash,
}

/// A response set whose hashes are not digested yet: [`SetDraft::hash_all`] hashes a commit's
/// drafts together into [`ResponseSet`]s.
#[derive(Debug)]
pub struct SetDraft(ResponseSet);

/// One response's treap node.
#[derive(Debug, Clone)]
struct Node {
    /// The response hash.
    label: Hash,
    left: Option<u32>,
    right: Option<u32>,
    /// `labeled_hash(label, empty leaf)`.
    data: Hash,
    /// The hash of the forks over this node's treap subtree.
    subtree: Hash,
}

impl SetDraft {
    /// The subtree of these response hashes (in any order, repeats ignored), to be hashed.
    pub fn new<'h>(expr_hash: &Hash, hashes: impl IntoIterator<Item = &'h Hash>) -> SetDraft {
        let mut labels: Vec<Hash> = hashes.into_iter().copied().collect();
        labels.sort_unstable();
        labels.dedup();
        let nodes = labels.into_iter().map(|label| Node { label, left: None, right: None, data: [0; 32], subtree: [0; 32] }).collect();
        SetDraft(ResponseSet::linked(*expr_hash, nodes, [0; 32]))
    }

    /// This set hashed alone (a commit's sets are hashed together instead).
    pub fn hash(self) -> ResponseSet {
        SetDraft::hash_all(vec![self]).pop().expect("one set hashed")
    }
}

impl ResponseSet {
    /// `nodes` (strictly increasing labels) linked into their treap.
    fn linked(expr_hash: Hash, mut nodes: Vec<Node>, hash: Hash) -> ResponseSet {
        let root = link(&mut nodes);
        ResponseSet { expr_hash, nodes, root, hash }
    }

    /// Appends the CBOR witness of the response `hash` inside the set
    /// (`expr_hash / "" / hash`): what a v2 header proves below the path's terminator.
    pub fn witness_cbor(&self, expr_hash: &Hash, hash: &Hash, out: &mut Vec<u8>) {
        let Some(root) = self.root else { return empty(out) };
        labeled_head(&self.expr_hash, out);
        let responses = self.node(root).subtree;
        if *expr_hash != self.expr_hash {
            // The one entry revealed with its value pruned: a proof of absence.
            return pruned(&labeled_hash(b"", &responses), out);
        }
        labeled_head(b"", out);
        // Written as if `hash` were present (the usual case: one search, not two); rewritten
        // as a proof of absence when the walk does not meet it.
        let start = out.len();
        if !self.walk(root, hash, true, out) {
            out.truncate(start);
            self.walk(root, hash, false, out);
        }
    }

    fn node(&self, index: u32) -> &Node {
        &self.nodes[index as usize]
    }

    /// One treap node of the witness of `label`, in the fork layout of the `Tree`'s: the side
    /// the search continues into is walked, the other side pruned. Returns whether `label` was met.
    fn walk(&self, index: u32, label: &Hash, present: bool, out: &mut Vec<u8>) -> bool {
        let n = self.node(index);
        let order = label.cmp(&n.label);
        if n.left.is_some() || n.right.is_some() {
            fork_head(out);
        }
        let mut found = order == Ordering::Equal;
        if let Some(left) = n.left {
            match order {
                Ordering::Less => found = self.walk(left, label, present, out),
                _ => pruned(&self.node(left).subtree, out),
            }
        }
        if n.left.is_some() && n.right.is_some() {
            fork_head(out);
        }
        match order {
            Ordering::Equal => {
                labeled_head(&n.label, out);
                leaf(&[], out);
            }
            _ if present => pruned(&n.data, out),
            _ => {
                labeled_head(&n.label, out);
                pruned(&leaf_value_hash(&[]), out);
            }
        }
        if let Some(right) = n.right {
            match order {
                Ordering::Greater => found = self.walk(right, label, present, out),
                _ => pruned(&self.node(right).subtree, out),
            }
        }
        found
    }

    /// The root hash (what an exact path's terminator holds).
    pub fn root_hash(&self) -> Hash {
        self.hash
    }

    /// The subtree as a hashed heap tree, for copying into the stable tree at a wildcard.
    pub fn to_tree(&self) -> Tree {
        if self.nodes.is_empty() {
            return Tree::default();
        }
        let responses = self.nodes.iter().map(|n| (Box::from(&n.label[..]), Tree::Leaf(Vec::new()))).collect();
        let terminator = Tree::from_entries(vec![(Box::default(), Tree::from_entries(responses))]);
        let mut tree = Tree::from_entries(vec![(Box::from(&self.expr_hash[..]), terminator)]);
        Tree::rehash_all(&mut [&mut tree]);
        tree
    }

    /// Appends the stored form: `n u32 | root hash | n x (label | data hash | subtree hash)`,
    /// in label order (the shape follows from the labels).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let count = u32::try_from(self.nodes.len()).expect("a set has fewer than 2^32 responses");
        out.reserve(4 + 32 + self.nodes.len() * NODE_LEN);
        out.extend_from_slice(&count.to_be_bytes());
        out.extend_from_slice(&self.hash);
        for n in &self.nodes {
            out.extend_from_slice(&n.label);
            out.extend_from_slice(&n.data);
            out.extend_from_slice(&n.subtree);
        }
    }

    /// Reads a set written by [`ResponseSet::encode`] under `expr_hash`, hashes included;
    /// `None` on malformed bytes (labels out of order included).
    pub fn decode(input: &mut Reader<'_>, expr_hash: &Hash) -> Option<ResponseSet> {
        let count = input.u32()? as usize;
        let hash = input.hash()?;
        let bytes = input.bytes(count.checked_mul(NODE_LEN)?)?;
        let nodes: Vec<Node> = bytes
            .chunks_exact(NODE_LEN)
            .map(|b| {
                let hash_at = |at: usize| -> Hash { b[at..at + 32].try_into().expect("32 bytes") };
                Node { label: hash_at(0), left: None, right: None, data: hash_at(32), subtree: hash_at(64) }
            })
            .collect();
        if nodes.windows(2).any(|pair| pair[0].label >= pair[1].label) {
            return None;
        }
        Some(ResponseSet::linked(*expr_hash, nodes, hash))
    }
}

/// Links `nodes` (in label order) into the treap of [`Tree`]'s maps: heap order by
/// `(priority, label)`, built as a Cartesian tree along its right spine. Returns the root.
fn link(nodes: &mut [Node]) -> Option<u32> {
    let keys: Vec<u64> = nodes.iter().map(|n| label_priority(&n.label)).collect();
    let above = |a: usize, b: usize| (keys[a], &nodes[a].label) > (keys[b], &nodes[b].label);
    let mut links: Vec<(Option<u32>, Option<u32>)> = vec![(None, None); nodes.len()];
    let mut spine: Vec<usize> = Vec::with_capacity(nodes.len());
    for i in 0..nodes.len() {
        let mut below = None;
        while let Some(&top) = spine.last().filter(|&&top| above(i, top)) {
            spine.pop();
            links[top].1 = below;
            below = Some(top as u32);
        }
        links[i].0 = below;
        spine.push(i);
    }
    let mut root = None;
    while let Some(top) = spine.pop() {
        links[top].1 = root;
        root = Some(top as u32);
    }
    for (n, (left, right)) in nodes.iter_mut().zip(links) {
        (n.left, n.right) = (left, right);
    }
    root
}
