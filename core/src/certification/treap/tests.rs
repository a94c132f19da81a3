use super::*;
use ic_certification::LookupResult;
use proptest::prelude::*;
use std::collections::BTreeMap;

type Path = Vec<Vec<u8>>;

/// Naive model: the set of leaf paths, hashed from scratch by building each map's treap
/// directly from its sorted labels (the highest priority label at the root, recursively).
fn model_hash(entries: &BTreeMap<Path, Vec<u8>>, depth: usize) -> Hash {
    if let Some((_, bytes)) = entries.iter().find(|(p, _)| p.len() == depth) {
        return leaf_hash(bytes);
    }
    let mut groups: BTreeMap<Vec<u8>, BTreeMap<Path, Vec<u8>>> = BTreeMap::new();
    for (path, bytes) in entries {
        groups.entry(path[depth].clone()).or_default().insert(path.clone(), bytes.clone());
    }
    let labels: Vec<(Vec<u8>, Hash)> = groups
        .iter()
        .map(|(label, sub)| (label.clone(), labeled_hash(label, &model_hash(sub, depth + 1))))
        .collect();
    fn build(labels: &[(Vec<u8>, Hash)]) -> Option<Hash> {
        let top = (0..labels.len()).max_by_key(|&i| (priority(&labels[i].0), labels[i].0.clone()))?;
        Some(combine(build(&labels[..top]), labels[top].1, build(&labels[top + 1..])))
    }
    build(&labels).unwrap_or_else(|| empty().digest())
}

fn is_prefix(prefix: &[Vec<u8>], path: &[Vec<u8>]) -> bool {
    path.len() >= prefix.len() && path[..prefix.len()] == *prefix
}

#[derive(Debug, Clone)]
enum Op {
    Insert(Path, Vec<u8>),
    Remove(Path),
    Rehash,
}

const LABELS: [&[u8]; 6] = [b"", b"a", b"b", b"ab", b"<$>", b"zz"];

fn path(min: usize) -> impl Strategy<Value = Path> {
    proptest::collection::vec((0..LABELS.len()).prop_map(|i| LABELS[i].to_vec()), min..4)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (path(1), proptest::collection::vec(any::<u8>(), 0..3)).prop_map(|(p, v)| Op::Insert(p, v)),
        2 => path(1).prop_map(Op::Remove),
        1 => Just(Op::Rehash),
    ]
}

fn apply(tree: &mut Tree, model: &mut BTreeMap<Path, Vec<u8>>, op: &Op) {
    match op {
        Op::Insert(p, v) => {
            tree.insert(p, Tree::Leaf(v.clone()));
            model.retain(|k, _| !is_prefix(k, p) && !is_prefix(p, k));
            model.insert(p.clone(), v.clone());
        }
        Op::Remove(p) => {
            let present = model.keys().any(|k| is_prefix(p, k));
            assert_eq!(tree.remove(p), present);
            model.retain(|k, _| !is_prefix(p, k));
        }
        Op::Rehash => {
            tree.rehash();
        }
    }
}

proptest! {
    #[test]
    fn root_and_witnesses_match_the_model(ops in proptest::collection::vec(op(), 0..40), probes in proptest::collection::vec(path(1), 1..12)) {
        let mut tree = Tree::default();
        let mut model = BTreeMap::new();
        for op in &ops {
            apply(&mut tree, &mut model, op);
        }
        let expected = model_hash(&model, 0);
        prop_assert_eq!(tree.hash(), expected, "lazy hash of a dirty tree");
        for probe in &probes {
            // Witnesses from a partly dirty tree are as valid as from a rehashed one.
            prop_assert_eq!(tree.witness(probe).digest(), expected);
        }
        prop_assert_eq!(tree.rehash(), expected);
        prop_assert_eq!(tree.full().digest(), expected);
        for probe in probes.iter().chain(model.keys()) {
            let witness = tree.witness(probe);
            prop_assert_eq!(witness.digest(), expected);
            if let Some(bytes) = model.get(probe) {
                prop_assert_eq!(witness.lookup_path(probe), LookupResult::Found(bytes));
            } else if !model.keys().any(|k| is_prefix(probe, k)) {
                prop_assert_eq!(witness.lookup_path(probe), LookupResult::Absent, "{:?} in {:?}", probe, model);
            }
        }
    }

    #[test]
    fn insertion_order_does_not_change_the_root(entries in proptest::collection::btree_map(path(2), any::<u8>(), 0..30), seed in any::<u64>()) {
        // Same-length paths, so no entry is a prefix of another and every order keeps them all.
        let entries: BTreeMap<Path, u8> = entries.into_iter().filter(|(p, _)| p.len() == 2).collect();
        let mut shuffled: Vec<_> = entries.iter().collect();
        shuffled.sort_by_key(|(p, _)| priority(&p.concat()) ^ seed);
        let mut sorted = Tree::default();
        for (p, v) in &entries {
            sorted.insert(p, Tree::Leaf(vec![*v]));
        }
        let mut other = Tree::default();
        for (p, v) in shuffled {
            other.insert(p, Tree::Leaf(vec![*v]));
        }
        prop_assert_eq!(sorted.rehash(), other.rehash());
    }
}

proptest! {
    /// Trees rehashed together, in any mix of dirty and clean nodes and with a shared subtree
    /// among them, end with the roots and witnesses each would have alone.
    #[test]
    fn trees_rehashed_together_match_the_model(runs in proptest::collection::vec(proptest::collection::vec(op(), 0..30), 0..6), probes in proptest::collection::vec(path(1), 1..8)) {
        let mut shared = Tree::default();
        shared.insert(&[b"s".to_vec()], Tree::Leaf(vec![7]));
        shared.rehash();
        let mut trees = Vec::new();
        let mut models = Vec::new();
        for (i, ops) in runs.iter().enumerate() {
            let mut tree = Tree::default();
            let mut model = BTreeMap::new();
            for op in ops {
                apply(&mut tree, &mut model, op);
            }
            if i % 2 == 1 {
                tree.insert(&[b"shared".to_vec()], shared.clone());
                model.retain(|k, _| k[0] != b"shared");
                model.insert(vec![b"shared".to_vec(), b"s".to_vec()], vec![7]);
            }
            trees.push(tree);
            models.push(model);
        }
        Tree::rehash_all(&mut trees.iter_mut().collect::<Vec<_>>());
        for (tree, model) in trees.iter().zip(&models) {
            let expected = model_hash(model, 0);
            prop_assert_eq!(tree.hash(), expected);
            for probe in probes.iter().chain(model.keys()) {
                prop_assert_eq!(tree.witness(probe).digest(), expected);
            }
        }
    }
}

proptest! {
    /// A map built from all its entries at once (any order, repeated labels keeping the last
    /// value) is the map their insertion builds.
    #[test]
    fn a_map_from_entries_is_the_inserted_map(entries in proptest::collection::vec((path(1), proptest::collection::vec(any::<u8>(), 0..3)), 0..30)) {
        let mut inserted = Tree::default();
        for (p, v) in &entries {
            inserted.insert(&p[..1], Tree::Leaf(v.clone()));
        }
        let built = Tree::from_entries(entries.iter().map(|(p, v)| (p[0].clone().into_boxed_slice(), Tree::Leaf(v.clone()))).collect());
        prop_assert_eq!(built.hash(), inserted.rehash());
        prop_assert_eq!(built.full(), inserted.full());
    }
}

#[test]
fn a_shared_subtree_is_copied_on_write() {
    let mut shared = Tree::default();
    shared.insert(&[b"x".to_vec()], Tree::Leaf(vec![1]));
    shared.rehash();
    let mut tree = Tree::default();
    tree.insert(&[b"a".to_vec()], shared.clone());
    tree.insert(&[b"b".to_vec()], shared.clone());
    tree.insert(&[b"a".to_vec(), b"y".to_vec()], Tree::Leaf(vec![2]));
    tree.rehash();
    assert_eq!(tree.get(&[b"b".to_vec()]).unwrap().hash(), shared.hash());
    assert_ne!(tree.get(&[b"a".to_vec()]).unwrap().hash(), shared.hash());
    assert!(tree.remove(&[b"a".to_vec(), b"y".to_vec()]));
    tree.rehash();
    assert_eq!(tree.get(&[b"a".to_vec()]).unwrap().hash(), shared.hash());
}
