use super::*;
use proptest::prelude::*;

/// Response hashes drawn from a small alphabet, so sets share and repeat labels.
fn hashes() -> impl Strategy<Value = Vec<Hash>> {
    prop::collection::vec((0u8..40, any::<u8>()).prop_map(|(a, b)| [a, b].repeat(16).try_into().unwrap()), 0..24)
}

/// The `Tree` path of a response's witness inside a set.
fn path<'a>(expr: &'a Hash, hash: &'a Hash) -> [&'a [u8]; 3] {
    [&expr[..], &[], &hash[..]]
}

fn witness(set: &ResponseSet, expr: &Hash, hash: &Hash) -> Vec<u8> {
    let mut out = Vec::new();
    set.witness_cbor(expr, hash, &mut out);
    out
}

fn tree_witness(tree: &Tree, expr: &Hash, hash: &Hash) -> Vec<u8> {
    let mut out = Vec::new();
    tree.witness_cbor(&path(expr, hash), &mut out);
    out
}

/// Every witness a server could ask of `set` (each member, a missing hash, another
/// expression), checked against the treap `Tree` of the same entries.
fn assert_same_as_tree(set: &ResponseSet, tree: &Tree, expr: &Hash, members: &[Hash], missing: &Hash) -> Result<(), TestCaseError> {
    prop_assert_eq!(set.root_hash(), tree.hash());
    let other_expr = [0xee; 32];
    for hash in members.iter().chain([missing]) {
        prop_assert_eq!(witness(set, expr, hash), tree_witness(tree, expr, hash));
        prop_assert_eq!(witness(set, &other_expr, hash), tree_witness(tree, &other_expr, hash));
    }
    Ok(())
}

proptest! {
    /// Hashed together in one batch, every set has the treap's hashes and witnesses.
    #[test]
    fn sets_hashed_together_equal_the_treap(sets in prop::collection::vec(hashes(), 1..6), missing in any::<[u8; 32]>()) {
        let expr = [7; 32];
        let built = SetDraft::hash_all(sets.iter().map(|h| SetDraft::new(&expr, h)).collect());
        for (set, members) in built.iter().zip(&sets) {
            let entries = members.iter().map(|h| (Box::from(&h[..]), Tree::Leaf(Vec::new()))).collect();
            let reference = match members.is_empty() {
                true => Tree::default(),
                false => Tree::from_entries(vec![(Box::from(&expr[..]), Tree::from_entries(vec![(Box::default(), Tree::from_entries(entries))]))]),
            };
            assert_same_as_tree(set, &reference, &expr, members, &missing)?;
            assert_same_as_tree(set, &set.to_tree(), &expr, members, &missing)?;
        }
    }

    /// The stored form reads back with the same hashes and witnesses, consuming exactly its bytes.
    #[test]
    fn encode_then_decode_is_the_same_set(members in hashes(), missing in any::<[u8; 32]>()) {
        let expr = [9; 32];
        let set = SetDraft::new(&expr, &members).hash();
        let mut bytes = Vec::new();
        set.encode(&mut bytes);
        bytes.push(0xaa);
        let mut reader = Reader::new(&bytes);
        let decoded = ResponseSet::decode(&mut reader, &expr).expect("decodes");
        prop_assert_eq!(reader.u8(), Some(0xaa));
        prop_assert!(reader.is_empty());
        prop_assert_eq!(decoded.root_hash(), set.root_hash());
        for hash in members.iter().chain([&missing]) {
            prop_assert_eq!(witness(&decoded, &expr, hash), witness(&set, &expr, hash));
        }
    }

    /// Truncated bytes never decode.
    #[test]
    fn truncated_sets_do_not_decode(members in hashes(), cut in any::<prop::sample::Index>()) {
        let mut bytes = Vec::new();
        SetDraft::new(&[1; 32], &members).hash().encode(&mut bytes);
        let cut = cut.index(bytes.len());
        prop_assert!(ResponseSet::decode(&mut Reader::new(&bytes[..cut]), &[1; 32]).is_none());
    }
}

#[test]
fn labels_out_of_order_do_not_decode() {
    let mut bytes = Vec::new();
    SetDraft::new(&[1; 32], &[[2; 32], [3; 32]]).hash().encode(&mut bytes);
    let (first, second) = (4 + 32, 4 + 32 + NODE_LEN);
    let label = bytes[first..first + 32].to_vec();
    bytes.copy_within(second..second + 32, first);
    bytes[second..second + 32].copy_from_slice(&label);
    assert!(ResponseSet::decode(&mut Reader::new(&bytes), &[1; 32]).is_none());
}

#[test]
fn the_empty_set_is_the_empty_tree() {
    let set = SetDraft::new(&[1; 32], []).hash();
    assert_eq!(set.root_hash(), Tree::default().hash());
    assert_eq!(witness(&set, &[1; 32], &[2; 32]), tree_witness(&Tree::default(), &[1; 32], &[2; 32]));
}
