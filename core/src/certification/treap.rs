//! The container behind both certification trees: nested maps from labels to leaves or further
//! maps, hashed exactly as `ic-certification`'s `NestedTree`/`RbTree` hash them (each entry is
//! `labeled(label, value)`, a map is a binary tree of `fork`s over its entries in label order),
//! but with hashing deferred: a change only marks the nodes above it dirty, and
//! [`Tree::rehash_all`] hashes each dirty node once.
//!
//! Why not `ic-certification`'s `RbTree`: it rehashes every node on the path at every insert and
//! rotation, so certifying a commit hashed the same upper nodes once per inserted response (about
//! 200 K instructions per walk in a tree of 100 entries). Its shape also depends on insertion
//! order, so a rebuild after an upgrade and the incrementally updated tree had different roots.
//!
//! Each map is a treap: binary-search order by label, heap order by a priority derived from the
//! label alone, so the shape depends only on the set of labels (any insertion order gives the
//! same root hash) and has expected depth O(log n). The priority is a fixed, public hash; an
//! uploader holding `Commit` could pick keys that deepen the tree, which costs only their own
//! canister's instructions.
//!
//! A fallback page's response set becomes one when a scope certifies it (the stable tree copies
//! it). Its witnesses (`HashTree` and CBOR) and its removal exist only in tests: they are the
//! reference model the stable tree and the flat `ResponseSet` are tested against.
//!
//! Owns the node layout, dirty marking and hashing; knows nothing of HTTP paths.
//! Invariant: a node with a cached hash has a clean subtree, so [`Tree::hash`] (cached or, for
//! dirty nodes, recomputed on the fly) is always the digest of every witness [`Tree::witness`]
//! returns.

use ic_certification::{empty, fork, fork_hash, labeled_hash, leaf_hash, Hash, HashTree};
#[cfg(test)]
use ic_certification::{labeled, leaf, pruned};
use std::cmp::Ordering;
use std::sync::{Arc, LazyLock};

/// Hash of the empty leaf, which ends every v2 response path: computed once, not per node.
static EMPTY_LEAF: LazyLock<Hash> = LazyLock::new(|| leaf_hash(&[]));

fn leaf_digest(bytes: &[u8]) -> Hash {
    if bytes.is_empty() {
        *EMPTY_LEAF
    } else {
        leaf_hash(bytes)
    }
}

/// A leaf or a map of labeled subtrees. Maps are shared copy-on-write, so one prehashed subtree
/// can sit at several paths (an asset served at its key and its aliases) without cloning.
#[derive(Debug, Clone)]
pub enum Tree {
    /// A leaf with these bytes.
    Leaf(Vec<u8>),
    /// A map from labels to subtrees.
    Map(Arc<Map>),
    /// A subtree known only by its root hash: every witness reaching it prunes it. The stable
    /// tree holds exact paths' response sets so, their witnesses living in the records.
    Pruned(Hash),
}

impl Default for Tree {
    fn default() -> Self {
        Tree::Map(Arc::default())
    }
}

/// One map level: a treap of labeled entries.
#[derive(Debug, Clone, Default)]
pub struct Map {
    root: Link,
}

type Link = Option<Box<Node>>;

#[derive(Debug, Clone)]
struct Node {
    label: Box<[u8]>,
    priority: u64,
    value: Tree,
    left: Link,
    right: Link,
    /// `labeled_hash(label, value hash)`, `None` when the value changed since the last rehash.
    data: Option<Hash>,
    /// Hash of the forks over this node's treap subtree, `None` when anything below changed.
    hash: Option<Hash>,
}

impl Node {
    fn new(label: &[u8], value: Tree) -> Box<Node> {
        Box::new(Node { priority: priority(label), label: label.into(), value, left: None, right: None, data: None, hash: None })
    }

    /// Whether `self` belongs above `other` in the heap order (ties broken by label, so the
    /// shape stays a function of the label set).
    fn above(&self, other: &Node) -> bool {
        (self.priority, &self.label) > (other.priority, &other.label)
    }

    fn data_hash(&self) -> Hash {
        self.data.unwrap_or_else(|| labeled_hash(&self.label, &self.value.hash()))
    }

    fn subtree_hash(&self) -> Hash {
        self.hash.unwrap_or_else(|| combine(self.left.as_deref().map(Node::subtree_hash), self.data_hash(), self.right.as_deref().map(Node::subtree_hash)))
    }

}

/// The fork layout `RbTree` uses for a node between its two subtrees.
fn combine(left: Option<Hash>, data: Hash, right: Option<Hash>) -> Hash {
    match (left, right) {
        (None, None) => data,
        (Some(l), None) => fork_hash(&l, &data),
        (None, Some(r)) => fork_hash(&data, &r),
        (Some(l), Some(r)) => fork_hash(&l, &fork_hash(&data, &r)),
    }
}

/// The witness counterpart of [`combine`].
fn three_way_fork(left: Option<HashTree>, data: HashTree, right: Option<HashTree>) -> HashTree {
    match (left, right) {
        (None, None) => data,
        (Some(l), None) => fork(l, data),
        (None, Some(r)) => fork(data, r),
        (Some(l), Some(r)) => fork(l, fork(data, r)),
    }
}

/// FNV-1a followed by the murmur3 finalizer: cheap, well mixed, a function of the label only.
fn priority(label: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in label {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
fn pruned_link(link: &Link) -> Option<HashTree> {
    link.as_deref().map(|n| pruned(n.subtree_hash()))
}

impl Map {
    fn get(&self, label: &[u8]) -> Option<&Tree> {
        let mut link = &self.root;
        while let Some(n) = link {
            match label.cmp(&n.label) {
                Ordering::Less => link = &n.left,
                Ordering::Greater => link = &n.right,
                Ordering::Equal => return Some(&n.value),
            }
        }
        None
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.root.is_none()
    }

    /// The value at `label`, inserting `Tree::default()` if absent; every node on the way
    /// (and the entry itself) is marked dirty, since the caller is about to change the value.
    fn entry(&mut self, label: &[u8]) -> &mut Tree {
        if self.get(label).is_none() {
            insert(&mut self.root, Node::new(label, Tree::default()));
        }
        &mut find_dirty(&mut self.root, label).expect("inserted above").value
    }

    /// Removes `label`, marking the nodes above it dirty; false when it was absent.
    #[cfg(test)]
    fn remove(&mut self, label: &[u8]) -> bool {
        self.get(label).is_some() && remove(&mut self.root, label)
    }

    fn hash(&self) -> Hash {
        self.root.as_deref().map_or_else(|| empty().digest(), Node::subtree_hash)
    }

    /// Proof of `label` with its value witnessed by `inner`, or proof of its absence (every label
    /// on the search path revealed, values pruned: the absent label's neighbours in order are
    /// always on that path).
    #[cfg(test)]
    fn witness(&self, label: &[u8], inner: impl FnOnce(&Tree) -> HashTree) -> HashTree {
        let present = self.get(label).is_some();
        witness(&self.root, label, present, inner).unwrap_or_else(empty)
    }

    #[cfg(test)]
    fn full(&self) -> HashTree {
        fn go(link: &Link) -> Option<HashTree> {
            let n = link.as_deref()?;
            Some(three_way_fork(go(&n.left), labeled(&n.label[..], n.value.full()), go(&n.right)))
        }
        go(&self.root).unwrap_or_else(empty)
    }
}

#[cfg(test)]
fn witness(link: &Link, label: &[u8], present: bool, inner: impl FnOnce(&Tree) -> HashTree) -> Option<HashTree> {
    let n = link.as_deref()?;
    let on_path = || if present { pruned(n.data_hash()) } else { labeled(&n.label[..], pruned(n.value.hash())) };
    Some(match label.cmp(&n.label) {
        Ordering::Equal => three_way_fork(pruned_link(&n.left), labeled(&n.label[..], inner(&n.value)), pruned_link(&n.right)),
        Ordering::Less => three_way_fork(witness(&n.left, label, present, inner), on_path(), pruned_link(&n.right)),
        Ordering::Greater => three_way_fork(pruned_link(&n.left), on_path(), witness(&n.right, label, present, inner)),
    })
}

fn insert(link: &mut Link, node: Box<Node>) {
    let Some(n) = link.as_deref_mut() else {
        *link = Some(node);
        return;
    };
    n.hash = None;
    if node.label < n.label {
        insert(&mut n.left, node);
        if n.left.as_deref().is_some_and(|l| l.above(n)) {
            rotate_right(link);
        }
    } else {
        insert(&mut n.right, node);
        if n.right.as_deref().is_some_and(|r| r.above(n)) {
            rotate_left(link);
        }
    }
}

fn rotate_right(link: &mut Link) {
    let Some(mut n) = link.take() else { return };
    let Some(mut l) = n.left.take() else {
        *link = Some(n);
        return;
    };
    n.left = l.right.take();
    n.hash = None;
    l.right = Some(n);
    l.hash = None;
    *link = Some(l);
}

fn rotate_left(link: &mut Link) {
    let Some(mut n) = link.take() else { return };
    let Some(mut r) = n.right.take() else {
        *link = Some(n);
        return;
    };
    n.right = r.left.take();
    n.hash = None;
    r.left = Some(n);
    r.hash = None;
    *link = Some(r);
}

fn find_dirty<'a>(link: &'a mut Link, label: &[u8]) -> Option<&'a mut Node> {
    let n = link.as_deref_mut()?;
    n.hash = None;
    match label.cmp(&n.label) {
        Ordering::Less => find_dirty(&mut n.left, label),
        Ordering::Greater => find_dirty(&mut n.right, label),
        Ordering::Equal => {
            n.data = None;
            Some(n)
        }
    }
}

#[cfg(test)]
fn remove(link: &mut Link, label: &[u8]) -> bool {
    let Some(n) = link.as_deref_mut() else { return false };
    n.hash = None;
    match label.cmp(&n.label) {
        Ordering::Less => remove(&mut n.left, label),
        Ordering::Greater => remove(&mut n.right, label),
        Ordering::Equal => {
            let left = n.left.take();
            let right = n.right.take();
            *link = merge(left, right);
            true
        }
    }
}

/// Joins two treaps whose labels are all ordered `left < right`.
#[cfg(test)]
fn merge(left: Link, right: Link) -> Link {
    match (left, right) {
        (None, side) | (side, None) => side,
        (Some(mut l), Some(mut r)) => {
            if l.above(&r) {
                l.right = merge(l.right.take(), Some(r));
                l.hash = None;
                Some(l)
            } else {
                r.left = merge(Some(l), r.left.take());
                r.hash = None;
                Some(r)
            }
        }
    }
}

impl Tree {
    /// The root hash; cached nodes are reused, dirty ones recomputed without caching.
    pub fn hash(&self) -> Hash {
        match self {
            Tree::Leaf(bytes) => leaf_digest(bytes),
            Tree::Map(map) => map.hash(),
            Tree::Pruned(hash) => *hash,
        }
    }

    /// Hashes every dirty node once, caching the results, and returns the root hash (one
    /// tree's [`Tree::rehash_all`]).
    #[cfg(test)]
    pub fn rehash(&mut self) -> Hash {
        Tree::rehash_all(&mut [&mut *self]);
        self.hash()
    }

    /// The subtree at `path`, if any.
    #[cfg(test)]
    pub fn get(&self, path: &[Vec<u8>]) -> Option<&Tree> {
        match path.split_first() {
            None => Some(self),
            Some((first, rest)) => match self {
                Tree::Map(map) => map.get(first)?.get(rest),
                Tree::Leaf(_) | Tree::Pruned(_) => None,
            },
        }
    }

    /// Puts `subtree` at `path`, creating maps on the way (a leaf or pruned value on the way
    /// becomes a map).
    pub fn insert(&mut self, path: &[Vec<u8>], subtree: Tree) {
        let Some((first, rest)) = path.split_first() else {
            *self = subtree;
            return;
        };
        if let Tree::Leaf(_) | Tree::Pruned(_) = self {
            *self = Tree::default();
        }
        if let Tree::Map(map) = self {
            Arc::make_mut(map).entry(first).insert(rest, subtree);
        }
    }

    /// Removes the subtree at `path` and every map left empty above it; false when absent.
    #[cfg(test)]
    pub fn remove(&mut self, path: &[Vec<u8>]) -> bool {
        if path.is_empty() || self.get(path).is_none() {
            return false;
        }
        self.remove_present(path);
        true
    }

    #[cfg(test)]
    fn remove_present(&mut self, path: &[Vec<u8>]) {
        let (Some((first, rest)), Tree::Map(map)) = (path.split_first(), self) else { return };
        let map = Arc::make_mut(map);
        if rest.is_empty() {
            map.remove(first);
            return;
        }
        let child = map.entry(first);
        child.remove_present(rest);
        if matches!(child, Tree::Map(m) if m.is_empty()) {
            map.remove(first);
        }
    }

    /// Witness for `path`, as `NestedTree::witness` builds it: the path's subtree revealed
    /// (a leaf reached early is revealed and ends the walk, a pruned value stays pruned), or a
    /// proof of absence.
    #[cfg(test)]
    pub fn witness(&self, path: &[Vec<u8>]) -> HashTree {
        match (path.split_first(), self) {
            (None, tree) => tree.full(),
            (Some(_), Tree::Leaf(bytes)) => leaf(bytes.clone()),
            (Some(_), Tree::Pruned(hash)) => pruned(*hash),
            (Some((first, rest)), Tree::Map(map)) => map.witness(first, |child| child.witness(rest)),
        }
    }

    /// The whole tree, nothing pruned but its pruned values.
    #[cfg(test)]
    pub fn full(&self) -> HashTree {
        match self {
            Tree::Leaf(bytes) => leaf(bytes.clone()),
            Tree::Map(map) => map.full(),
            Tree::Pruned(hash) => pruned(*hash),
        }
    }
}

mod batch_rehash;
mod from_entries;
pub(crate) mod nodes;
#[cfg(test)]
mod witness_cbor;

#[cfg(test)]
mod tests;
