//! The certification tree in stable memory: the same nested treap maps as
//! [`treap::Tree`](super::treap::Tree) (same labels, priorities, fork layout and hashes), with
//! every node in a fixed-size slot of one memory, updated in place at commit. Reopening after an
//! upgrade reads one header slot; nothing is rehashed or rebuilt on the heap.
//!
//! ```text
//!  slot 0 (header)   magic "CTRE" | version | clean | high-water | free head | 2 root slots
//!                    | 2 root hashes as of the last rehash | owner's stamp
//!  slot n (node)     kind | flags (data clean, subtree clean, overflow, pruned) | left | right | child map
//!                    | overflow head | label len | leaf len | priority | aux | data hash
//!                    | subtree hash | label ++ leaf inline (48 bytes), else in overflow pieces
//!  slot n (piece)    next piece | 152 payload bytes       slot n (free)   next free slot
//! ```
//!
//! Owns the arena in its memory and the tree operations; knows nothing of HTTP paths. Each
//! entry carries an `aux` word that is not hashed (the caller's record address), rewritten in
//! place when [`StableTree::insert`] meets an unchanged value and handed to a witness splice,
//! so the tree doubles as the caller's index.
//! Invariant: a node whose subtree hash is cached has a clean subtree, and every change marks
//! dirty each node above it, so [`StableTree::rehash`] hashes each changed node once and the
//! root hash is the digest of every witness, exactly as for the heap tree.
//!
//! A change that fails with [`StableTreeError::Corrupt`] or [`StableTreeError::TooDeep`] may
//! have written part of itself: the caller must trap, so the IC discards the message's writes.
//! Running out of memory is checked before anything is written.

mod map;
mod proof;
mod rehash;
mod slot;

use super::treap::nodes::Shape;
use super::treap::Tree;
use ic_certification::{Hash, HashTree};
use ic_stable_structures::Memory;
use map::Spot;
use slot::{pieces, Arena, Node};
use std::rc::Rc;
use thiserror::Error;

/// Deepest walk (treap depth plus nesting) followed before the arena is taken as corrupt (a
/// cycle). Treap depth is logarithmic for ordinary labels; only labels chosen to defeat the
/// priority hash reach this, and they only cost their uploader's canister.
const MAX_DEPTH: usize = 256;

/// Why a stable tree operation failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StableTreeError {
    /// A slot's bytes are not what the tree wrote (bad kind, index out of range, bad length).
    #[error("stable tree slot {slot} is corrupt")]
    Corrupt {
        /// The slot read.
        slot: u32,
    },
    /// A walk went deeper than its bound (256 nodes): a cycle in corrupt slots, or adversarial labels.
    #[error("stable tree walk deeper than {MAX_DEPTH} at slot {slot}")]
    TooDeep {
        /// The slot reached.
        slot: u32,
    },
    /// The memory cannot grow by the slots the change needs; nothing was written.
    #[error("stable memory cannot grow by {slots} tree slots")]
    OutOfMemory {
        /// Slots needed.
        slots: u64,
    },
    /// A change needs a path of at least one label (the top-level maps are not entries).
    #[error("a stable tree change needs a non-empty path")]
    EmptyPath,
}

type Result<T> = std::result::Result<T, StableTreeError>;

/// One of the two top-level maps the arena holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// The legacy v1 `http_assets` map.
    Assets,
    /// The v2 `http_expr` map.
    Expr,
}

impl Root {
    fn index(self) -> usize {
        match self {
            Root::Assets => 0,
            Root::Expr => 1,
        }
    }
}

/// The value an insertion puts at a path.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    /// A leaf with these bytes.
    Leaf(&'a [u8]),
    /// A copy of this heap tree, its cached hashes included ([`Tree::Pruned`]: its hash only).
    Tree(&'a Tree),
}

/// What a lookup finds at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The word stored with the entry (not hashed).
    pub aux: u64,
    /// The leaf's bytes, `None` when the value is a map.
    pub leaf: Option<Vec<u8>>,
}

/// A memory handle of any kind, so the certifier's type does not depend on the canister's
/// memory (stable memory in the canister, a vector in tests).
#[derive(Clone)]
pub struct ArenaMemory(Rc<dyn Memory>);

impl ArenaMemory {
    /// Wraps `memory`.
    pub fn new(memory: impl Memory + 'static) -> ArenaMemory {
        ArenaMemory(Rc::new(memory))
    }
}

impl std::fmt::Debug for ArenaMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ArenaMemory({} pages)", self.0.size())
    }
}

impl Memory for ArenaMemory {
    fn size(&self) -> u64 {
        self.0.size()
    }
    fn grow(&self, pages: u64) -> i64 {
        self.0.grow(pages)
    }
    fn read(&self, offset: u64, dst: &mut [u8]) {
        self.0.read(offset, dst)
    }
    fn write(&self, offset: u64, src: &[u8]) {
        self.0.write(offset, src)
    }
}

/// What the read-only descent of [`StableTree::insert`] found at each level, consumed level
/// by level as the change is made. The tree keeps one to reuse its buffers.
#[derive(Debug, Default)]
struct Located {
    /// Each level's map root, spot and the end of its nodes in `passed`, deepest first.
    levels: Vec<(u32, Spot, usize)>,
    /// The nodes above each level's spot, top level first.
    passed: Vec<slot::View>,
    /// How many of `passed` are marked dirty.
    marked: usize,
}

impl Located {
    /// The next level's map root and spot, with the nodes above the spot marked dirty; past the
    /// levels found, an empty map (the new path continues below a new or former leaf entry).
    fn next<M: Memory>(&mut self, arena: &Arena<M>) -> (u32, Spot) {
        let Some((root, spot, end)) = self.levels.pop() else {
            return (0, Spot::Vacant { parent: 0, side: std::cmp::Ordering::Less, at: 0, depth: 0 });
        };
        for view in &mut self.passed[self.marked..end] {
            arena.mark_dirty(view, false);
        }
        self.marked = end;
        (root, spot)
    }
}

/// The tree over its memory.
#[derive(Debug)]
pub struct StableTree<M: Memory> {
    arena: Arena<M>,
    /// Buffers of the last insertion, kept so a commit's inserts allocate nothing for them.
    located: Located,
}

impl<M: Memory> StableTree<M> {
    /// A new, empty tree in `memory` (whatever it held is abandoned), stamped with what its
    /// owner derives the content with, so a later version can tell a tree it cannot reuse.
    pub fn create(memory: M, stamp: Hash) -> Result<StableTree<M>> {
        Ok(StableTree { arena: Arena::create(memory, stamp)?, located: Located::default() })
    }

    /// Whether every change has been rehashed (the header's root hashes are current).
    pub fn is_clean(&self) -> bool {
        self.arena.header.clean
    }

    /// The stamp given to [`StableTree::create`].
    pub fn stamp(&self) -> Hash {
        self.arena.header.stamp
    }

    /// The tree stored in `memory` (reads only the header); `None` when it holds none this
    /// code can reuse (see [`Arena::open`]).
    pub fn open(memory: M) -> Option<StableTree<M>> {
        Arena::open(memory).map(|arena| StableTree { arena, located: Located::default() })
    }

    fn root(&self, root: Root) -> u32 {
        self.arena.header.roots[root.index()]
    }

    fn set_root(&mut self, root: Root, slot: u32) {
        self.arena.header.roots[root.index()] = slot;
        self.arena.header.clean = false;
        self.arena.write_header();
    }

    fn find_path(&self, root: Root, path: &[&[u8]]) -> Result<Option<slot::View>> {
        let Some((last, init)) = path.split_last() else { return Ok(None) };
        let mut at = self.root(root);
        for label in init {
            match self.arena.find(at, label)? {
                Some(view) if !view.is_leaf() => at = view.child(),
                _ => return Ok(None),
            }
        }
        self.arena.find(at, last)
    }

    /// The entry at `path`, if any (a leaf or pruned value on the way ends the search unfound);
    /// a pruned value is reported as a map (no leaf).
    pub fn get(&self, root: Root, path: &[&[u8]]) -> Result<Option<Entry>> {
        let Some(view) = self.find_path(root, path)? else { return Ok(None) };
        let leaf = (view.is_leaf() && !view.is_pruned())
            .then(|| self.arena.payload(&view).map(|p| p[view.label_len()..].to_vec()))
            .transpose()?;
        Ok(Some(Entry { aux: view.aux(), leaf }))
    }

    /// The hash of the value at `path` (a leaf's or a map's) and the entry's `aux`, if any.
    #[cfg(test)]
    pub fn value_hash_aux(&self, root: Root, path: &[&[u8]]) -> Result<Option<(Hash, u64)>> {
        match self.find_path(root, path)? {
            Some(view) => Ok(Some((self.arena.value_hash(&view, 0)?, view.aux()))),
            None => Ok(None),
        }
    }

    /// Puts `value` at `path` with `aux`, replacing what was there (and freeing its slots) and
    /// creating maps on the way (a leaf on the way becomes a map, as in `treap::Tree`), unless
    /// the entry already holds the same value (the same leaf bytes, pruned hash or map hash):
    /// then only its `aux` is rewritten and nothing becomes dirty. Returns whether the value
    /// changed. A copied tree keeps its cached hashes: only the nodes above it are hashed
    /// again; a [`Tree::Pruned`] value takes only its entry's slot.
    pub fn insert(&mut self, root: Root, path: &[&[u8]], value: Value<'_>, aux: u64) -> Result<bool> {
        self.with_located(|tree, located| {
            if let Some(view) = tree.descend(root, path, located)? {
                if tree.holds(view, value)? {
                    tree.keep(view, aux);
                    return Ok(false);
                }
            }
            tree.put(root, path, value, aux, located)
        })
    }

    /// Puts the map `build()` at `path` with `aux`, as [`StableTree::insert`] does, unless the
    /// entry already holds a map hashing to `hash` (then only `aux` is rewritten): a map that
    /// did not change is neither built nor copied. `build()` must hash to `hash`.
    pub fn insert_map(&mut self, root: Root, path: &[&[u8]], hash: &Hash, build: impl FnOnce() -> Tree, aux: u64) -> Result<bool> {
        self.with_located(|tree, located| {
            if let Some(view) = tree.descend(root, path, located)? {
                if !view.is_leaf() && tree.arena.value_hash(view, 0)? == *hash {
                    tree.keep(view, aux);
                    return Ok(false);
                }
            }
            tree.put(root, path, Value::Tree(&build()), aux, located)
        })
    }

    /// Runs `f` with the reusable descent buffers, emptied.
    fn with_located<R>(&mut self, f: impl FnOnce(&mut Self, &mut Located) -> Result<R>) -> Result<R> {
        let mut located = std::mem::take(&mut self.located);
        located.levels.clear();
        located.passed.clear();
        located.marked = 0;
        let result = f(self, &mut located);
        self.located = located;
        result
    }

    /// An entry left holding its value: only its `aux` may change.
    fn keep(&mut self, view: &slot::View, aux: u64) {
        if view.aux() != aux {
            self.arena.write_aux(view.index, aux);
        }
    }

    /// One read-only descent through every level of `path`, recorded in `located` for the
    /// change that may follow; returns the entry at `path` if there is one.
    fn descend<'l>(&self, root: Root, path: &[&[u8]], located: &'l mut Located) -> Result<Option<&'l slot::View>> {
        if path.is_empty() {
            return Err(StableTreeError::EmptyPath);
        }
        let mut at = self.root(root);
        for (depth, label) in path.iter().enumerate() {
            map::check(depth, at)?;
            let spot = self.arena.locate(at, label, &mut located.passed)?;
            let child = match &spot {
                Spot::Found(view) if !view.is_leaf() => Some(view.child()),
                _ => None,
            };
            located.levels.push((at, spot, located.passed.len()));
            match child {
                Some(child) => at = child,
                None => break,
            }
        }
        Ok(match (located.levels.len() == path.len(), located.levels.last()) {
            (true, Some((_, Spot::Found(view), _))) => Some(view),
            _ => None,
        })
    }

    /// Puts `value` at `path` along the descent in `located`; returns true (the value changed).
    fn put(&mut self, root: Root, path: &[&[u8]], value: Value<'_>, aux: u64, located: &mut Located) -> Result<bool> {
        let (leaf_len, copied) = match value {
            Value::Leaf(bytes) => (bytes.len(), 0),
            Value::Tree(tree) => match tree.shape() {
                Shape::Leaf(bytes) => (bytes.len(), 0),
                Shape::Pruned(hash) => (hash.len(), 0),
                shape => (0, map::slots_of(shape)),
            },
        };
        let path_slots: u64 = path.iter().map(|l| 1 + pieces(l.len() + leaf_len)).sum();
        self.arena.reserve(path_slots + copied)?;
        located.levels.reverse();
        let at = self.insert_at(path, value, aux, 0, located)?;
        self.set_root(root, at);
        Ok(true)
    }

    /// Whether the entry `view` holds `value` already.
    fn holds(&self, view: &slot::View, value: Value<'_>) -> Result<bool> {
        let (bytes, pruned): (&[u8], bool) = match value {
            Value::Leaf(bytes) => (bytes, false),
            Value::Tree(tree) => match tree.shape() {
                Shape::Leaf(bytes) => (bytes, false),
                Shape::Pruned(hash) => (hash, true),
                Shape::Map(_) => return Ok(!view.is_leaf() && self.arena.value_hash(view, 0)? == tree.hash()),
            },
        };
        Ok(view.is_leaf() && view.is_pruned() == pruned && self.arena.payload(view)?[view.label_len()..] == *bytes)
    }

    /// Inserts at the next located level of `located` (an empty map below the levels the
    /// descent reached); returns the map's new root. Each node is written once: a new one when
    /// attached (its value, or the map below it, already in place), a present one only when
    /// its value or child root changes (its flags were marked dirty first).
    fn insert_at(&mut self, path: &[&[u8]], value: Value<'_>, aux: u64, depth: usize, located: &mut Located) -> Result<u32> {
        let Some((first, rest)) = path.split_first() else { return Err(StableTreeError::EmptyPath) };
        let (at, spot) = located.next(&self.arena);
        match spot {
            Spot::Found(mut view) if !rest.is_empty() && !view.is_leaf() => {
                // A map on the way: only its child root may change, written in place.
                self.arena.mark_dirty(&mut view, true);
                let child = self.insert_at(rest, value, aux, depth + 1, located)?;
                if child != view.child() {
                    self.arena.write_child(view.index, child);
                }
                Ok(at)
            }
            Spot::Found(mut view) => {
                self.arena.mark_dirty(&mut view, true);
                let mut node = self.arena.decode(&view)?;
                if rest.is_empty() {
                    self.arena.free_value(&node, depth)?;
                    (node.leaf, node.pruned, node.child) = self.stored(value)?;
                    node.aux = aux;
                    self.arena.place(&mut node)?;
                    self.arena.write(view.index, &node);
                    return Ok(at);
                }
                // A leaf on the way becomes a map.
                (node.leaf, node.pruned) = (None, false);
                self.arena.place(&mut node)?;
                node.child = self.insert_at(rest, value, aux, depth + 1, located)?;
                self.arena.write(view.index, &node);
                Ok(at)
            }
            spot @ Spot::Vacant { .. } => {
                let mut node = Node::new(first);
                if rest.is_empty() {
                    (node.leaf, node.pruned, node.child) = self.stored(value)?;
                    node.aux = aux;
                } else {
                    node.child = self.insert_at(rest, value, aux, depth + 1, located)?;
                }
                Ok(self.arena.attach(at, spot, &mut node)?.0)
            }
        }
    }

    /// `value` as a node stores it: leaf bytes, whether they are a pruned value's hash, and the
    /// root of a copied map.
    fn stored(&mut self, value: Value<'_>) -> Result<(Option<Vec<u8>>, bool, u32)> {
        Ok(match value {
            Value::Leaf(bytes) => (Some(bytes.to_vec()), false, 0),
            Value::Tree(tree) => match tree.shape() {
                Shape::Leaf(bytes) => (Some(bytes.to_vec()), false, 0),
                Shape::Pruned(hash) => (Some(hash.to_vec()), true, 0),
                Shape::Map(top) => (None, false, self.arena.copy(top)?),
            },
        })
    }

    /// Removes the value at `path` and every map left empty above it, freeing their slots;
    /// false when absent.
    pub fn remove(&mut self, root: Root, path: &[&[u8]]) -> Result<bool> {
        if self.find_path(root, path)?.is_none() {
            return Ok(false);
        }
        let at = self.remove_at(self.root(root), path, 0)?;
        self.set_root(root, at);
        Ok(true)
    }

    fn remove_at(&mut self, at: u32, path: &[&[u8]], depth: usize) -> Result<u32> {
        let Some((first, rest)) = path.split_first() else { return Err(StableTreeError::EmptyPath) };
        map::check(depth, at)?;
        if !rest.is_empty() {
            let mut passed = Vec::new();
            let Spot::Found(mut view) = self.arena.locate(at, first, &mut passed)? else {
                return Err(StableTreeError::Corrupt { slot: at });
            };
            for above in &mut passed {
                self.arena.mark_dirty(above, false);
            }
            self.arena.mark_dirty(&mut view, true);
            let mut node = self.arena.decode(&view)?;
            let child = self.remove_at(node.child, rest, depth + 1)?;
            if child != node.child {
                node.child = child;
                self.arena.write(view.index, &node);
            }
            if node.child != 0 {
                return Ok(at);
            }
        }
        let (root, index, node) = self.arena.detach(at, first, depth)?;
        self.arena.free_value(&node, depth)?;
        self.arena.release(index, &node)?;
        Ok(root)
    }

    /// Hashes every node changed since the last call, once, and records both root hashes in
    /// the header.
    pub fn rehash(&mut self) -> Result<()> {
        if self.arena.header.clean {
            return Ok(());
        }
        self.arena.header.hashes = self.arena.rehash_maps(self.arena.header.roots)?;
        self.arena.header.clean = true;
        self.arena.write_header();
        Ok(())
    }

    /// The hash of a top-level map: read from the header after a rehash, else computed with
    /// the dirty nodes hashed on the fly (uncached).
    pub fn hash(&self, root: Root) -> Result<Hash> {
        if self.arena.header.clean {
            return Ok(self.arena.header.hashes[root.index()]);
        }
        self.arena.map_hash(self.root(root), 0)
    }

    /// Witness for `path` in a top-level map, as `treap::Tree::witness` builds it.
    pub fn witness(&self, root: Root, path: &[&[u8]]) -> Result<HashTree> {
        self.arena.map_witness(self.root(root), path, 0)
    }

    /// Appends the CBOR of [`StableTree::witness`] to `out`, written while walking.
    #[cfg(test)]
    pub fn witness_cbor(&self, root: Root, path: &[&[u8]], out: &mut Vec<u8>) -> Result<()> {
        self.arena.map_witness_cbor(self.root(root), path, None, out, 0)
    }

    /// [`StableTree::witness_cbor`] of `path ++ rest` where the caller knows the value at `path`
    /// (identical to the arena's copy): `value` is called with the entry's `aux` when the walk
    /// meets `path`, and writes that value's witness of `rest`, so the walk reads no slot below
    /// `path`. Not called when `path` is absent (the output then proves its absence). Serving
    /// uses it to find a path's record and write the witness above the response set at once.
    pub fn witness_cbor_onto(&self, root: Root, path: &[&[u8]], value: &dyn Fn(u64, &mut Vec<u8>), out: &mut Vec<u8>) -> Result<()> {
        self.arena.map_witness_cbor(self.root(root), path, Some(value), out, 0)
    }

    /// A whole top-level map, nothing pruned.
    pub fn full(&self, root: Root) -> Result<HashTree> {
        self.arena.full_map(self.root(root), 0)
    }
}

#[cfg(test)]
mod tests;
