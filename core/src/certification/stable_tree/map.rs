//! One map level of the stable tree: treap search, insertion, removal and copying, on slots.
//!
//! Owns the treap algorithms over slot indices (index 0 is "no node"). Must not hash: it only
//! marks dirty every node whose subtree it changes (or, for [`Arena::locate`], hands the nodes
//! above the spot to the caller, who marks them before changing anything below), which is what
//! makes [`rehash`] correct.
//! Invariant: a map is a treap ordered by label and heap-ordered by `(priority, label)`, the
//! same order as `treap::Tree`, so the shape (and thus every hash) depends on the label set only.
//!
//! [`rehash`]: super::StableTree::rehash

use super::slot::{pieces, Arena, Node, View, SLOT};
use super::{StableTreeError, MAX_DEPTH};
use crate::certification::treap::nodes::{label_priority, NodeView, Shape};
use ic_stable_structures::Memory;
use std::cmp::Ordering;

impl Node {
    /// A new entry `label` with an empty map as value, both hashes dirty.
    pub fn new(label: &[u8]) -> Node {
        Node {
            label: label.to_vec(),
            priority: label_priority(label),
            leaf: None,
            pruned: false,
            child: 0,
            left: 0,
            right: 0,
            aux: 0,
            data: None,
            hash: None,
            overflow: 0,
        }
    }
}

/// Where [`Arena::locate`] stopped.
#[derive(Debug)]
pub(super) enum Spot {
    /// The entry is present, as read.
    Found(View),
    /// The entry is absent: a new node goes in place of `at` (0: an empty position), linked
    /// from `parent` on `side` (`parent` 0: as the map's root).
    Vacant {
        /// The node above the spot, 0 when the spot is the root.
        parent: u32,
        /// Which link of `parent` (`Less`: left).
        side: Ordering,
        /// The subtree the new node displaces and splits.
        at: u32,
        /// Depth of `at` in the map.
        depth: usize,
    },
}

/// Whether `a` belongs above `b` in the heap order (ties broken by label, as in `treap`).
fn above(a: &Node, b: &Node) -> bool {
    (a.priority, &a.label) > (b.priority, &b.label)
}

pub(super) fn check(depth: usize, slot: u32) -> Result<(), StableTreeError> {
    if depth > MAX_DEPTH {
        return Err(StableTreeError::TooDeep { slot });
    }
    Ok(())
}

impl<M: Memory> Arena<M> {
    /// The entry `label` of the map rooted at `root`.
    pub fn find(&self, root: u32, label: &[u8]) -> Result<Option<View>, StableTreeError> {
        let mut at = root;
        let mut depth = 0;
        let mut buf = [0; SLOT as usize];
        while at != 0 {
            check(depth, at)?;
            let view = self.view(at)?;
            at = match label.cmp(&self.label(&view, &mut buf)?) {
                Ordering::Equal => return Ok(Some(view)),
                Ordering::Less => view.left(),
                Ordering::Greater => view.right(),
            };
            depth += 1;
        }
        Ok(None)
    }

    /// Finds where `label` is, or would go, in the map rooted at `root`, in one descent that
    /// reads each node once and writes nothing; the nodes above the spot are appended to
    /// `passed`, for [`Arena::mark_dirty`] once the caller decides to change the entry. Since a
    /// label's priority is a function of the label, the search path of a present label never
    /// passes a node the label would sit above: the first such node is where an absent label
    /// goes.
    pub fn locate(&self, root: u32, label: &[u8], passed: &mut Vec<View>) -> Result<Spot, StableTreeError> {
        let priority = label_priority(label);
        let (mut parent, mut side, mut at) = (0, Ordering::Less, root);
        let mut depth = 0;
        let mut buf = [0; SLOT as usize];
        while at != 0 {
            check(depth, at)?;
            let view = self.view(at)?;
            let own = self.label(&view, &mut buf)?;
            let order = label.cmp(&own);
            if order == Ordering::Equal {
                drop(own);
                return Ok(Spot::Found(view));
            }
            if (priority, label) > (view.priority(), &own[..]) {
                break;
            }
            drop(own);
            (parent, side) = (at, order);
            at = if order == Ordering::Less { view.left() } else { view.right() };
            passed.push(view);
            depth += 1;
        }
        Ok(Spot::Vacant { parent, side, at, depth })
    }

    /// Puts `new` (not yet written, its payload not placed) at the vacant `spot` of the map
    /// rooted at `root`, splitting the subtree it displaces; writes it once and returns the
    /// map's new root and the node's slot.
    pub fn attach(&mut self, root: u32, spot: Spot, new: &mut Node) -> Result<(u32, u32), StableTreeError> {
        let Spot::Vacant { parent, side, at, depth } = spot else {
            return Err(StableTreeError::Corrupt { slot: root });
        };
        (new.left, new.right) = self.split(at, &new.label, depth)?;
        let index = self.insert(new)?;
        if parent == 0 {
            return Ok((index, index));
        }
        self.write_link(parent, side, index);
        Ok((root, index))
    }

    /// Splits the treap at `at` into the labels below and above `label` (which is absent),
    /// rewriting only the links and flags of the nodes on the way.
    fn split(&mut self, at: u32, label: &[u8], depth: usize) -> Result<(u32, u32), StableTreeError> {
        if at == 0 {
            return Ok((0, 0));
        }
        check(depth, at)?;
        let mut view = self.view(at)?;
        let order = label.cmp(&self.label(&view, &mut [0; SLOT as usize])?);
        let (left, right) = if order == Ordering::Less {
            let (left, right) = self.split(view.left(), label, depth + 1)?;
            view.set_link(Ordering::Less, right);
            (left, at)
        } else {
            let (left, right) = self.split(view.right(), label, depth + 1)?;
            view.set_link(Ordering::Greater, left);
            (at, right)
        };
        view.clear_hash();
        self.write_links(&view);
        Ok((left, right))
    }

    /// Takes the present entry `label` out of the treap at `at`, marking the nodes above it
    /// dirty; returns the new root and the detached slot with its node (still allocated).
    pub fn detach(&mut self, at: u32, label: &[u8], depth: usize) -> Result<(u32, u32, Node), StableTreeError> {
        if at == 0 {
            return Err(StableTreeError::Corrupt { slot: 0 });
        }
        check(depth, at)?;
        let mut n = self.node(at)?;
        let (root, index, node) = match label.cmp(&n.label) {
            Ordering::Equal => return Ok((self.merge(n.left, n.right, depth + 1)?, at, n)),
            Ordering::Less => {
                let (left, index, node) = self.detach(n.left, label, depth + 1)?;
                n.left = left;
                (at, index, node)
            }
            Ordering::Greater => {
                let (right, index, node) = self.detach(n.right, label, depth + 1)?;
                n.right = right;
                (at, index, node)
            }
        };
        n.hash = None;
        self.write(at, &n);
        Ok((root, index, node))
    }

    /// Joins two treaps whose labels are all ordered `left < right`.
    fn merge(&mut self, left: u32, right: u32, depth: usize) -> Result<u32, StableTreeError> {
        if left == 0 || right == 0 {
            return Ok(left.max(right));
        }
        check(depth, left)?;
        let (mut l, mut r) = (self.node(left)?, self.node(right)?);
        if above(&l, &r) {
            l.right = self.merge(l.right, right, depth + 1)?;
            l.hash = None;
            self.write(left, &l);
            Ok(left)
        } else {
            r.left = self.merge(left, r.left, depth + 1)?;
            r.hash = None;
            self.write(right, &r);
            Ok(right)
        }
    }

    /// Frees whatever `node`'s value holds (a map's every slot; a leaf lives in the node).
    pub fn free_value(&mut self, node: &Node, depth: usize) -> Result<(), StableTreeError> {
        if node.leaf.is_none() {
            self.free_map(node.child, depth)?;
        }
        Ok(())
    }

    /// Frees every slot of the map rooted at `at`.
    pub fn free_map(&mut self, at: u32, depth: usize) -> Result<(), StableTreeError> {
        if at == 0 {
            return Ok(());
        }
        check(depth, at)?;
        let n = self.node(at)?;
        self.free_map(n.left, depth + 1)?;
        self.free_map(n.right, depth + 1)?;
        self.free_value(&n, depth + 1)?;
        self.release(at, &n)
    }

    /// Copies a hashed heap map node by node, its cached hashes included; returns the root.
    pub fn copy(&mut self, view: Option<NodeView<'_>>) -> Result<u32, StableTreeError> {
        let Some(view) = view else { return Ok(0) };
        let (leaf, pruned, child) = match view.value() {
            Shape::Leaf(bytes) => (Some(bytes.to_vec()), false, 0),
            Shape::Pruned(hash) => (Some(hash.to_vec()), true, 0),
            Shape::Map(root) => (None, false, self.copy(root)?),
        };
        let left = self.copy(view.left())?;
        let right = self.copy(view.right())?;
        let mut node = Node {
            label: view.label().to_vec(),
            priority: view.priority(),
            leaf,
            pruned,
            child,
            left,
            right,
            aux: 0,
            data: Some(view.data_hash()),
            hash: Some(view.subtree_hash()),
            overflow: 0,
        };
        self.insert(&mut node)
    }
}

/// Slots [`Arena::copy`] takes for `shape`'s nodes (for reserving memory up front).
pub(super) fn slots_of(shape: Shape<'_>) -> u64 {
    fn node(view: NodeView<'_>) -> u64 {
        let leaf = match view.value() {
            Shape::Leaf(bytes) => bytes.len(),
            Shape::Pruned(hash) => hash.len(),
            Shape::Map(_) => 0,
        };
        1 + pieces(view.label().len() + leaf)
            + slots_of(view.value())
            + view.left().map_or(0, node)
            + view.right().map_or(0, node)
    }
    match shape {
        Shape::Leaf(_) | Shape::Pruned(_) => 0,
        Shape::Map(root) => root.map_or(0, node),
    }
}
