//! The hashed subtree certifying the responses of one path below its terminator
//! (`expr_hash / "" / response_hash` for each response, response-only certifications), built
//! once per asset or fallback page and copied to every path serving it.
//!
//! Owns the set's shape and its witnesses; must not touch the trees it is inserted into.
//! Invariant: [`ResponseSet::root_hash`] is the digest of every witness
//! [`ResponseSet::witness_cbor`] writes.

use super::record::Reader;
use super::treap::Tree;
use ic_certification::Hash;

/// The hashed subtree certifying a set of responses under one path terminator:
/// `expr_hash / "" / response_hash` for each response (response-only certifications).
#[derive(Debug, Clone)]
pub struct ResponseSet(Tree);

impl ResponseSet {
    /// Builds the subtree, unhashed: [`ResponseSet::hash_all`] hashes a commit's sets together
    /// (until then each hash is recomputed wherever it is used: right, but slow).
    pub fn new<'h>(expr_hash: &Hash, hashes: impl IntoIterator<Item = &'h Hash>) -> ResponseSet {
        let responses: Vec<_> = hashes.into_iter().map(|hash| (Box::from(&hash[..]), Tree::Leaf(Vec::new()))).collect();
        if responses.is_empty() {
            return ResponseSet(Tree::default());
        }
        let terminator = Tree::from_entries(vec![(Box::default(), Tree::from_entries(responses))]);
        ResponseSet(Tree::from_entries(vec![(Box::from(&expr_hash[..]), terminator)]))
    }

    /// Hashes `sets` together: they do not depend on each other, so their nodes are digested a
    /// tree level at a time, four messages per SHA-256 pass (see [`Tree::rehash_all`]).
    pub fn hash_all<'s>(sets: impl IntoIterator<Item = &'s mut ResponseSet>) {
        let mut trees: Vec<&mut Tree> = sets.into_iter().map(|set| &mut set.0).collect();
        Tree::rehash_all(&mut trees);
    }

    /// Appends the CBOR witness of the response `hash` inside the set
    /// (`expr_hash / "" / hash`): what a v2 header proves below the path's terminator.
    pub fn witness_cbor(&self, expr_hash: &Hash, hash: &Hash, out: &mut Vec<u8>) {
        self.0.witness_cbor(&[&expr_hash[..], &[], &hash[..]], out);
    }

    /// The root hash (what an exact path's terminator holds).
    pub fn root_hash(&self) -> Hash {
        self.0.hash()
    }

    /// The subtree itself, for copying into the stable tree at a wildcard.
    pub fn tree(&self) -> &Tree {
        &self.0
    }

    /// Appends the persisted form: every node with its hash, see [`Tree::encode`].
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
    }

    /// Reads a set written by [`ResponseSet::encode`], hashes included; `None` on malformed bytes.
    pub fn decode(input: &mut Reader<'_>) -> Option<ResponseSet> {
        Tree::decode(input).map(ResponseSet)
    }
}
