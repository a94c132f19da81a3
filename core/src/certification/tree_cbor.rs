//! Self-describing CBOR of a hash tree (a witness), as the `IC-Certificate` header carries it.
//!
//! Written by hand instead of through `serde_cbor` (serde writes every head and string through a
//! generic `Write`): measured 1.0 K of the 10 KiB serve's 67.8 K, and the pieces let
//! [`treap`](super::treap) write witnesses with no `HashTree` at all (down to 59.5 K).
//! Owns only the encoding; must not build or change trees. Invariant: the bytes are exactly
//! what `serde_cbor` writes for the same `HashTree` with the self-describe tag (tested by
//! proptest), i.e. the CDDL `hash-tree` of the IC interface specification with minimal heads.

use ic_certification::hash_tree::HashTreeNode;
use ic_certification::HashTree;

/// The self-describe tag 55799 that `serde_cbor::Serializer::self_describe` writes first.
const SELF_DESCRIBE: [u8; 3] = [0xd9, 0xd9, 0xf7];

/// CBOR major type 2 (byte string), shifted into the head byte.
const BYTES: u8 = 2 << 5;
/// CBOR major type 3 (text string), shifted into the head byte.
const TEXT: u8 = 3 << 5;
/// CBOR major type 4 (array), shifted into the head byte.
const ARRAY: u8 = 4 << 5;

/// Appends the self-describing CBOR of `tree` to `out`.
pub(crate) fn encode(tree: &HashTree, out: &mut Vec<u8>) {
    self_describe(out);
    node(tree.as_ref(), out);
}

/// Appends the self-describe tag that opens a header's tree.
pub(crate) fn self_describe(out: &mut Vec<u8>) {
    out.extend_from_slice(&SELF_DESCRIBE);
}

/// Appends the CBOR of one node and everything below it.
pub(crate) fn node(tree: &HashTreeNode<Vec<u8>>, out: &mut Vec<u8>) {
    match tree {
        HashTreeNode::Empty() => empty(out),
        HashTreeNode::Fork(children) => {
            fork_head(out);
            node(&children.0, out);
            node(&children.1, out);
        }
        HashTreeNode::Labeled(label, child) => {
            labeled_head(label.as_bytes(), out);
            node(child, out);
        }
        HashTreeNode::Leaf(value) => leaf(value, out),
        HashTreeNode::Pruned(hash) => pruned(hash, out),
    }
}

/// `[0]`: the empty tree.
pub(crate) fn empty(out: &mut Vec<u8>) {
    out.extend_from_slice(&[ARRAY | 1, 0]);
}

/// `[1, `: a fork, whose two subtrees the caller appends next.
pub(crate) fn fork_head(out: &mut Vec<u8>) {
    out.extend_from_slice(&[ARRAY | 3, 1]);
}

/// `[2, label, `: a labeled node, whose subtree the caller appends next.
pub(crate) fn labeled_head(label: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&[ARRAY | 3, 2]);
    bytes(label, out);
}

/// `[3, value]`: a leaf.
pub(crate) fn leaf(value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&[ARRAY | 2, 3]);
    bytes(value, out);
}

/// `[4, hash]`: a pruned subtree (a 32-byte string, head `0x58 0x20`).
pub(crate) fn pruned(hash: &[u8; 32], out: &mut Vec<u8>) {
    out.extend_from_slice(&[ARRAY | 2, 4, BYTES | 24, 32]);
    out.extend_from_slice(hash);
}

/// The self-describing CBOR of an `expr_path`: an array of the text strings `"http_expr"`,
/// then `segments` (UTF-8: the segments of a path and its terminator).
pub(crate) fn expr_path(segments: &[&[u8]], out: &mut Vec<u8>) {
    self_describe(out);
    head(ARRAY, segments.len() + 1, out);
    head(TEXT, PATH_PREFIX.len(), out);
    out.extend_from_slice(PATH_PREFIX);
    for segment in segments {
        head(TEXT, segment.len(), out);
        out.extend_from_slice(segment);
    }
}

/// The `http_expr` label, the first element of every `expr_path`.
const PATH_PREFIX: &[u8] = b"http_expr";

/// A byte string with the shortest head for its length, as `serde_cbor` writes it.
fn bytes(value: &[u8], out: &mut Vec<u8>) {
    head(BYTES, value.len(), out);
    out.extend_from_slice(value);
}

/// The shortest head of `major` (shifted) with argument `len`, as `serde_cbor` writes it.
fn head(major: u8, len: usize, out: &mut Vec<u8>) {
    if len < 24 {
        out.push(major | len as u8);
    } else if let Ok(len) = u8::try_from(len) {
        out.extend_from_slice(&[major | 24, len]);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(major | 25);
        out.extend_from_slice(&len.to_be_bytes());
    } else if let Ok(len) = u32::try_from(len) {
        out.push(major | 26);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(major | 27);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ic_certification::{empty, fork, labeled, leaf, pruned};
    use super::super::treap::Tree;
    use proptest::prelude::*;

    fn label_path() -> impl Strategy<Value = Vec<Vec<u8>>> {
        let label = prop_oneof![Just(Vec::new()), Just(b"<$>".to_vec()), prop::collection::vec(any::<u8>(), 1..34)];
        prop::collection::vec(label, 1..5)
    }

    fn serde_cbor_bytes(tree: &HashTree) -> Vec<u8> {
        let mut serializer = serde_cbor::Serializer::new(Vec::new());
        serializer.self_describe().unwrap();
        serde::Serialize::serialize(tree, &mut serializer).unwrap();
        serializer.into_inner()
    }

    /// Byte strings around every head-size boundary (23/24, 255/256) and beyond 65535.
    fn blob() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..40),
            prop::collection::vec(any::<u8>(), 250..300),
            prop::collection::vec(any::<u8>(), 65_530..65_540),
        ]
    }

    fn hash_tree() -> impl Strategy<Value = HashTree> {
        let leaf_node = prop_oneof![
            Just(empty()),
            blob().prop_map(leaf),
            any::<[u8; 32]>().prop_map(pruned),
        ];
        leaf_node.prop_recursive(6, 40, 2, |inner| {
            prop_oneof![
                (inner.clone(), inner.clone()).prop_map(|(l, r)| fork(l, r)),
                (prop::collection::vec(any::<u8>(), 0..30), inner).prop_map(|(label, t)| labeled(label, t)),
            ]
        })
    }

    proptest! {
        #[test]
        fn matches_serde_cbor(tree in hash_tree()) {
            let mut ours = Vec::new();
            encode(&tree, &mut ours);
            prop_assert_eq!(ours, serde_cbor_bytes(&tree));
        }

        /// The witnesses serving actually encodes: random certification trees, random paths.
        #[test]
        fn matches_serde_cbor_for_witnesses(
            entries in prop::collection::vec((label_path(), prop::collection::vec(any::<u8>(), 0..40)), 0..30),
            probes in prop::collection::vec(label_path(), 1..8),
        ) {
            let mut tree = Tree::default();
            for (path, value) in &entries {
                tree.insert(path, Tree::Leaf(value.clone()));
            }
            tree.rehash();
            // Random probes mostly miss; the inserted paths, and paths running past their
            // leaves, are found.
            let extended: Vec<Vec<Vec<u8>>> =
                entries.iter().map(|(p, _)| p.iter().cloned().chain([b"x".to_vec()]).collect()).collect();
            for probe in probes.iter().chain(entries.iter().map(|(p, _)| p)).chain(&extended) {
                let witness = tree.witness(probe);
                let expected = serde_cbor_bytes(&witness);
                let mut ours = Vec::new();
                encode(&witness, &mut ours);
                prop_assert_eq!(&ours, &expected);
                let segments: Vec<&[u8]> = probe.iter().map(Vec::as_slice).collect();
                let mut walked = Vec::new();
                self_describe(&mut walked);
                tree.witness_cbor(&segments, &mut walked);
                prop_assert_eq!(&walked, &expected);
            }
        }
    }
}
