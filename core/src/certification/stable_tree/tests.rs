use super::*;
use crate::certification::treap::nodes::NodeView;
use ic_stable_structures::{Memory, VectorMemory};
use proptest::prelude::*;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

type Path = Vec<Vec<u8>>;

fn refs(path: &[Vec<u8>]) -> Vec<&[u8]> {
    path.iter().map(Vec::as_slice).collect()
}

/// Labels that collide often (short, shared) mixed with long ones that overflow a slot.
fn label() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::sample::select(vec![b"".to_vec(), b"a".to_vec(), b"b".to_vec(), b"<$>".to_vec(), vec![7; 32]]),
        1 => prop::collection::vec(any::<u8>(), 0..100),
    ]
}

fn path(max: usize) -> impl Strategy<Value = Path> {
    prop::collection::vec(label(), 1..max)
}

fn leaf_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![Just(Vec::new()), prop::collection::vec(any::<u8>(), 32), prop::collection::vec(any::<u8>(), 0..80)]
}

fn root() -> impl Strategy<Value = Root> {
    prop_oneof![Just(Root::Assets), Just(Root::Expr)]
}

#[derive(Debug, Clone)]
enum Op {
    Leaf(Root, Path, Vec<u8>, u64),
    /// A heap subtree built from these leaves, hashed before the copy or not, given as a
    /// value or by its hash ([`StableTree::insert_map`]).
    Subtree(Root, Path, Vec<(Path, Vec<u8>)>, bool, bool, u64),
    Remove(Root, Path),
    /// Inserts an entry's own value again with a new aux word, if present: only the word
    /// changes.
    Reinsert(Root, Path, u64),
    /// A value known only by this hash.
    Pruned(Root, Path, [u8; 32], u64),
    Rehash,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (root(), path(4), leaf_bytes(), any::<u64>()).prop_map(|(r, p, v, a)| Op::Leaf(r, p, v, a)),
        2 => (root(), path(3), prop::collection::vec((path(4), leaf_bytes()), 0..8), any::<bool>(), any::<bool>(), any::<u64>())
            .prop_map(|(r, p, t, h, m, a)| Op::Subtree(r, p, t, h, m, a)),
        3 => (root(), path(4)).prop_map(|(r, p)| Op::Remove(r, p)),
        2 => (root(), path(4), any::<u64>()).prop_map(|(r, p, a)| Op::Reinsert(r, p, a)),
        2 => (root(), path(4), any::<[u8; 32]>(), any::<u64>()).prop_map(|(r, p, h, a)| Op::Pruned(r, p, h, a)),
        1 => Just(Op::Rehash),
        1 => Just(Op::Reopen),
    ]
}

/// The heap trees the stable tree must equal, and the aux word of each entry.
#[derive(Default)]
struct Model {
    trees: [Tree; 2],
    aux: BTreeMap<(usize, Path), u64>,
}

impl Model {
    fn tree(&mut self, root: Root) -> &mut Tree {
        &mut self.trees[root.index()]
    }

    /// Drops the words of entries that no longer exist (removed, replaced, emptied maps).
    fn prune(&mut self) {
        let trees = &self.trees;
        self.aux.retain(|(r, p), _| trees[*r].get(p).is_some());
    }

    fn entry(&self, root: Root, path: &Path) -> Option<Entry> {
        let value = self.trees[root.index()].get(path)?;
        let leaf = match value {
            Tree::Leaf(bytes) => Some(bytes.clone()),
            Tree::Map(_) | Tree::Pruned(_) => None,
        };
        Some(Entry { aux: self.aux.get(&(root.index(), path.clone())).copied().unwrap_or(0), leaf })
    }
}

fn heap_subtree(entries: &[(Path, Vec<u8>)], hashed: bool) -> Tree {
    let mut tree = Tree::default();
    for (p, v) in entries {
        tree.insert(p, Tree::Leaf(v.clone()));
    }
    if hashed {
        tree.rehash();
    }
    tree
}

fn apply<M: Memory + Clone>(stable: &mut StableTree<M>, memory: &M, model: &mut Model, op: &Op) {
    match op {
        Op::Leaf(r, p, v, a) => {
            stable.insert(*r, &refs(p), Value::Leaf(v), *a).unwrap();
            model.tree(*r).insert(p, Tree::Leaf(v.clone()));
            model.aux.retain(|(root, k), _| *root != r.index() || !k.starts_with(p));
            model.aux.insert((r.index(), p.clone()), *a);
        }
        Op::Subtree(r, p, entries, hashed, by_hash, a) => {
            let sub = heap_subtree(entries, *hashed);
            match by_hash {
                true => stable.insert_map(*r, &refs(p), &sub.hash(), || sub.clone(), *a).unwrap(),
                false => stable.insert(*r, &refs(p), Value::Tree(&sub), *a).unwrap(),
            };
            model.tree(*r).insert(p, sub);
            model.aux.retain(|(root, k), _| *root != r.index() || !k.starts_with(p));
            model.aux.insert((r.index(), p.clone()), *a);
        }
        Op::Remove(r, p) => {
            let expected = model.tree(*r).remove(p);
            assert_eq!(stable.remove(*r, &refs(p)).unwrap(), expected);
        }
        Op::Pruned(r, p, h, a) => {
            stable.insert(*r, &refs(p), Value::Tree(&Tree::Pruned(*h)), *a).unwrap();
            model.tree(*r).insert(p, Tree::Pruned(*h));
            model.aux.retain(|(root, k), _| *root != r.index() || !k.starts_with(p));
            model.aux.insert((r.index(), p.clone()), *a);
        }
        Op::Reinsert(r, p, a) => {
            if let Some(value) = model.trees[r.index()].get(p).cloned() {
                let clean = stable.is_clean();
                let changed = match &value {
                    // A map again: by its hash for even words, as a value for odd ones.
                    Tree::Map(_) if a % 2 == 0 => stable.insert_map(*r, &refs(p), &value.hash(), || panic!("an unchanged map is not built"), *a),
                    _ => stable.insert(*r, &refs(p), Value::Tree(&value), *a),
                };
                assert!(!changed.unwrap(), "the same value again");
                assert_eq!(stable.is_clean(), clean, "aux is not hashed");
                model.aux.insert((r.index(), p.clone()), *a);
            }
        }
        Op::Rehash => {
            stable.rehash().unwrap();
            model.trees.iter_mut().for_each(|t| {
                t.rehash();
            });
        }
        Op::Reopen => *stable = StableTree::open(memory.clone()).expect("an arena is stored"),
    }
    model.prune();
}

fn assert_same(stable: &StableTree<VectorMemory>, model: &Model, probes: &[Path]) -> std::result::Result<(), TestCaseError> {
    for root in [Root::Assets, Root::Expr] {
        let heap = &model.trees[root.index()];
        prop_assert_eq!(stable.hash(root).unwrap(), heap.hash());
        prop_assert_eq!(stable.full(root).unwrap(), heap.full());
        let leaves: Vec<Path> = heap.full().list_paths().into_iter().map(|p| p.iter().map(|l| l.as_bytes().to_vec()).collect()).collect();
        for probe in probes.iter().chain(&leaves) {
            let path = refs(probe);
            prop_assert_eq!(stable.witness(root, &path).unwrap(), heap.witness(probe));
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            stable.witness_cbor(root, &path, &mut ours).unwrap();
            heap.witness_cbor(&path, &mut theirs);
            prop_assert_eq!(&ours, &theirs);
            // The same witness with the value at a prefix written from the heap copy.
            for cut in 1..probe.len() {
                let (head, rest) = probe.split_at(cut);
                let rest = refs(rest);
                let mut spliced = Vec::new();
                let met = std::cell::Cell::new(None);
                let value = |aux: u64, out: &mut Vec<u8>| {
                    met.set(Some(aux));
                    heap.get(head).expect("spliced only when present").witness_cbor(&rest, out);
                };
                stable.witness_cbor_onto(root, &refs(head), &value, &mut spliced).unwrap();
                prop_assert_eq!(&spliced, &theirs);
                let head_aux = model.entry(root, &head.to_vec()).map(|e| e.aux);
                prop_assert_eq!(met.get(), head_aux, "the splice gets the entry's aux exactly when present");
            }
            prop_assert_eq!(stable.get(root, &path).unwrap(), model.entry(root, probe));
            let value_hash = heap.get(probe).map(Tree::hash);
            let aux = model.entry(root, probe).map(|e| e.aux);
            prop_assert_eq!(stable.value_hash_aux(root, &path).unwrap(), value_hash.zip(aux));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any sequence of changes leaves the same hashes, witnesses (as trees and as CBOR bytes),
    /// whole trees and entries as the heap tree, before and after a rehash and a reopen.
    #[test]
    fn matches_the_heap_tree(ops in prop::collection::vec(op(), 0..40), probes in prop::collection::vec(path(5), 1..10)) {
        let memory = VectorMemory::default();
        let mut stable = StableTree::create(memory.clone(), [3; 32]).unwrap();
        let mut model = Model::default();
        for op in &ops {
            apply(&mut stable, &memory, &mut model, op);
        }
        assert_same(&stable, &model, &probes)?;
        stable.rehash().unwrap();
        assert_same(&stable, &model, &probes)?;
        let reopened = StableTree::open(memory.clone()).expect("an arena is stored");
        assert_same(&reopened, &model, &probes)?;
    }

    /// The batched rehash, after any changes and at any point, caches the heap treap's hashes
    /// node for node and writes each dirty slot once.
    #[test]
    fn batched_rehash_equals_the_heap_treap(ops in prop::collection::vec(op(), 0..40)) {
        let memory = Counting::default();
        let mut stable = StableTree::create(memory.clone(), [3; 32]).unwrap();
        let mut model = Model::default();
        for op in &ops {
            match op {
                Op::Rehash => rehash_like_the_heap(&mut stable, &memory, &mut model)?,
                op => apply(&mut stable, &memory, &mut model, op),
            }
        }
        rehash_like_the_heap(&mut stable, &memory, &mut model)?;
    }

    /// Removing everything frees every slot, and the slots are reused: the arena never grows
    /// past what its largest content needed.
    #[test]
    fn removal_frees_and_reuses_slots(entries in prop::collection::btree_map(path(4), leaf_bytes(), 1..20)) {
        let memory = VectorMemory::default();
        let mut stable = StableTree::create(memory.clone(), [3; 32]).unwrap();
        for round in 0..3 {
            for (p, v) in &entries {
                stable.insert(Root::Expr, &refs(p), Value::Leaf(v), 0).unwrap();
            }
            stable.rehash().unwrap();
            let high_water = stable.arena.header.high_water;
            let mut removed = entries.keys().collect::<Vec<_>>();
            removed.reverse();
            for p in removed {
                stable.remove(Root::Expr, &refs(p)).unwrap();
            }
            prop_assert_eq!(stable.arena.header.roots, [0, 0]);
            prop_assert_eq!(stable.hash(Root::Expr).unwrap(), ic_certification::empty().digest());
            let mut free = 0;
            let mut at = stable.arena.header.free;
            while at != 0 {
                free += 1;
                let mut b = [0u8; 8];
                memory.read(u64::from(at) * slot::SLOT, &mut b);
                at = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            }
            prop_assert_eq!(free, high_water - 1, "round {}: every slot but the header is free", round);
        }
    }

    /// Corrupt bytes anywhere give errors or wrong answers, never a panic, on every read.
    #[test]
    fn corrupt_bytes_never_panic(entries in prop::collection::btree_map(path(4), leaf_bytes(), 1..12), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6), probe in path(4)) {
        let memory = VectorMemory::default();
        let mut stable = StableTree::create(memory.clone(), [3; 32]).unwrap();
        for (p, v) in &entries {
            stable.insert(Root::Expr, &refs(p), Value::Leaf(v), 0).unwrap();
        }
        stable.rehash().unwrap();
        let used = (u64::from(stable.arena.header.high_water) * slot::SLOT) as usize;
        for (at, byte) in &flips {
            memory.write(at.index(used) as u64, &[*byte]);
        }
        if let Some(mut tree) = StableTree::open(memory.clone()) {
            let path = refs(&probe);
            for root in [Root::Assets, Root::Expr] {
                let _ = tree.get(root, &path);
                let _ = tree.value_hash_aux(root, &path);
                let _ = tree.witness(root, &path);
                let _ = tree.witness_cbor(root, &path, &mut Vec::new());
                let _ = tree.full(root);
                let _ = tree.hash(root);
            }
            // Changes may fail half-way on corrupt slots (the caller traps), but never panic.
            let _ = tree.insert(Root::Expr, &path, Value::Leaf(&[9; 40]), 1);
            let _ = tree.insert(Root::Assets, &path, Value::Tree(&Tree::Pruned([4; 32])), 2);
            let _ = tree.rehash();
            let _ = tree.remove(Root::Expr, &path);
        }
    }
}

/// Checks that node `at` and every node below it cache the hashes of the heap treap's node in
/// the same place (both trees have the same shape); returns how many nodes were compared.
fn same_node_hashes<M: Memory>(arena: &slot::Arena<M>, at: u32, heap: Option<NodeView<'_>>) -> std::result::Result<usize, TestCaseError> {
    let Some(view) = heap else {
        prop_assert_eq!(at, 0);
        return Ok(0);
    };
    let node = arena.node(at).unwrap();
    prop_assert_eq!(&node.label[..], view.label());
    prop_assert_eq!(node.data, Some(view.data_hash()), "data hash of slot {}", at);
    prop_assert_eq!(node.hash, Some(view.subtree_hash()), "subtree hash of slot {}", at);
    let below = match view.value() {
        Shape::Map(child) if node.leaf.is_none() => same_node_hashes(arena, node.child, child)?,
        _ => 0,
    };
    Ok(1 + below + same_node_hashes(arena, node.left, view.left())? + same_node_hashes(arena, node.right, view.right())?)
}

/// Slots reachable from `at` whose subtree hash is not cached.
fn dirty_nodes<M: Memory>(arena: &slot::Arena<M>, at: u32) -> usize {
    if at == 0 {
        return 0;
    }
    let node = arena.node(at).unwrap();
    if node.hash.is_some() {
        return 0;
    }
    let child = if node.leaf.is_none() { dirty_nodes(arena, node.child) } else { 0 };
    1 + child + dirty_nodes(arena, node.left) + dirty_nodes(arena, node.right)
}

/// One batched rehash over both maps caches, at every node, exactly the hashes the heap treap
/// computes for its node in the same place, writing each dirty slot once (and the header).
fn rehash_like_the_heap(stable: &mut StableTree<Counting>, memory: &Counting, model: &mut Model) -> std::result::Result<(), TestCaseError> {
    let dirty: usize = [Root::Assets, Root::Expr].iter().map(|r| dirty_nodes(&stable.arena, stable.root(*r))).sum();
    let was_clean = stable.is_clean();
    memory.writes.set(0);
    stable.rehash().unwrap();
    prop_assert_eq!(memory.writes.get(), if was_clean { 0 } else { dirty + 1 }, "{} dirty nodes", dirty);
    for root in [Root::Assets, Root::Expr] {
        let heap = &mut model.trees[root.index()];
        prop_assert_eq!(stable.hash(root).unwrap(), heap.rehash());
        let Shape::Map(top) = heap.shape() else { panic!("a top-level map") };
        same_node_hashes(&stable.arena, stable.root(root), top)?;
    }
    Ok(())
}

/// A memory that counts writes, to see which slots an operation touches.
#[derive(Clone, Default)]
struct Counting {
    inner: VectorMemory,
    writes: Rc<Cell<usize>>,
}

impl Memory for Counting {
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn grow(&self, pages: u64) -> i64 {
        self.inner.grow(pages)
    }
    fn read(&self, offset: u64, dst: &mut [u8]) {
        self.inner.read(offset, dst)
    }
    fn write(&self, offset: u64, src: &[u8]) {
        self.writes.set(self.writes.get() + 1);
        self.inner.write(offset, src)
    }
}

/// A copied, prehashed subtree is not hashed again: the rehash after inserting it writes only
/// the nodes on the path down to it (and the header), however large it is.
#[test]
fn rehash_writes_each_dirty_node_once_and_skips_copied_subtrees() {
    let memory = Counting::default();
    let mut stable = StableTree::create(memory.clone(), [3; 32]).unwrap();
    let responses: Vec<(Path, Vec<u8>)> = (0..100u8).map(|i| (vec![vec![1; 32], Vec::new(), vec![i; 32]], Vec::new())).collect();
    let set = heap_subtree(&responses, true);
    let path: [&[u8]; 3] = [b"docs", b"page.html", b"<$>"];
    stable.insert(Root::Expr, &path, Value::Tree(&set), 9).unwrap();
    memory.writes.set(0);
    stable.rehash().unwrap();
    assert_eq!(memory.writes.get(), path.len() + 1);
    memory.writes.set(0);
    stable.rehash().unwrap();
    assert_eq!(memory.writes.get(), 0, "a clean tree writes nothing");
    let mut heap = Tree::default();
    heap.insert(&path.map(<[u8]>::to_vec), set.clone());
    assert_eq!(stable.hash(Root::Expr).unwrap(), heap.rehash());
    assert_eq!(stable.get(Root::Expr, &path).unwrap(), Some(Entry { aux: 9, leaf: None }));
}

/// Inserting the value an entry already holds writes only its aux word (when it differs) and
/// leaves the tree clean; another value dirties the path again.
#[test]
fn an_unchanged_value_rewrites_only_aux() {
    let memory = Counting::default();
    let mut stable = StableTree::create(memory.clone(), [3; 32]).unwrap();
    let path: [&[u8]; 3] = [b"docs", b"page.html", b"<$>"];
    for i in 0..20u8 {
        stable.insert(Root::Expr, &[b"docs", &[i], b"<$>"], Value::Tree(&Tree::Pruned([i; 32])), 0).unwrap();
    }
    assert!(stable.insert(Root::Expr, &path, Value::Tree(&Tree::Pruned([1; 32])), 5).unwrap());
    stable.rehash().unwrap();
    let root = stable.hash(Root::Expr).unwrap();
    memory.writes.set(0);
    assert!(!stable.insert(Root::Expr, &path, Value::Tree(&Tree::Pruned([1; 32])), 5).unwrap());
    assert_eq!(memory.writes.get(), 0, "same value, same aux");
    assert!(!stable.insert(Root::Expr, &path, Value::Tree(&Tree::Pruned([1; 32])), 6).unwrap());
    assert_eq!(memory.writes.get(), 1, "one aux write");
    assert!(stable.is_clean());
    assert_eq!(stable.get(Root::Expr, &path).unwrap(), Some(Entry { aux: 6, leaf: None }));
    assert!(stable.insert(Root::Expr, &path, Value::Tree(&Tree::Pruned([2; 32])), 6).unwrap());
    assert!(!stable.is_clean());
    stable.rehash().unwrap();
    assert_ne!(stable.hash(Root::Expr).unwrap(), root);
}

/// The trees are derived state: an arena of another layout version (older or newer code) or
/// with an unsound header is not reused, so the caller rebuilds instead of failing an upgrade.
#[test]
fn open_reuses_only_a_current_sound_arena() {
    let memory = VectorMemory::default();
    assert!(StableTree::open(memory.clone()).is_none(), "empty memory");
    let mut stable = StableTree::create(memory.clone(), [3; 32]).unwrap();
    assert_eq!(StableTree::open(memory.clone()).map(|t| t.stamp()), Some([3; 32]));
    stable.insert(Root::Assets, &[b"/a"], Value::Leaf(&[1; 32]), 0).unwrap();
    stable.rehash().unwrap();
    for version in [slot::VERSION.wrapping_sub(1), slot::VERSION + 1] {
        memory.write(4, &[version]);
        assert!(StableTree::open(memory.clone()).is_none(), "layout version {version}");
    }
    memory.write(4, &[slot::VERSION]);
    assert!(StableTree::open(memory.clone()).is_some());
    memory.write(8, &u32::MAX.to_be_bytes());
    assert!(StableTree::open(memory.clone()).is_none(), "high water beyond the memory");
    memory.write(0, b"XXXX");
    assert!(StableTree::open(memory).is_none(), "no magic: no arena");
}

#[test]
fn a_cycle_is_reported_not_followed() {
    let memory = VectorMemory::default();
    let mut stable = StableTree::create(memory.clone(), [3; 32]).unwrap();
    for label in [b"a", b"b", b"c", b"d"] {
        stable.insert(Root::Expr, &[label], Value::Leaf(b""), 0).unwrap();
    }
    let root = stable.arena.header.roots[1];
    let node = stable.arena.node(root).unwrap();
    // Point the root's children back at the root.
    let mut cyclic = node.clone();
    (cyclic.left, cyclic.right) = (root, root);
    stable.arena.write(root, &cyclic);
    assert!(matches!(stable.get(Root::Expr, &[b"zz"]), Err(StableTreeError::TooDeep { .. })));
    assert!(matches!(stable.full(Root::Expr), Err(StableTreeError::TooDeep { .. })));
    assert!(matches!(stable.witness_cbor(Root::Expr, &[b"zz"], &mut Vec::new()), Err(StableTreeError::TooDeep { .. })));
}

#[test]
fn empty_paths_are_refused() {
    let mut stable = StableTree::create(VectorMemory::default(), [3; 32]).unwrap();
    assert_eq!(stable.insert(Root::Expr, &[], Value::Leaf(b"x"), 0), Err(StableTreeError::EmptyPath));
    assert_eq!(stable.remove(Root::Expr, &[]), Ok(false));
    assert_eq!(stable.get(Root::Expr, &[]), Ok(None));
}
