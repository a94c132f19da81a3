//! The certified tree behind `certified_data`: the v2 `http_expr` tree of
//! `ic-http-certification` and the legacy v1 `http_assets` tree, forked under one root exactly as
//! the dfx asset canister does, plus the certificate headers proving one response.
//!
//! The v2 tree has the labels of `ic-http-certification`'s `HttpCertificationTree`
//! (`http_expr / <segments> / <$>|<*> / expr_hash / "" / response_hash`) and the v1 tree those
//! of the legacy `http_assets` map, held in the [`treap`](super::treap) container: all responses
//! of one path are inserted as one prebuilt, prehashed subtree shared by every path serving the
//! asset, and a commit hashes each changed node once in [`Trees::rehash`]. Witnesses follow
//! `HttpCertificationTree::witness` step for step.
//!
//! Owns tree mutation, the root hash and witness encoding; knows nothing of routing or content.
//! Invariant: `root_hash` is the digest of every witness this module hands out, because both
//! are derived from the same fork `(labeled "http_assets" v1) (labeled "http_expr" v2)`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use super::treap::Tree;
use super::tree_cbor;
use ic_certification::{fork, fork_hash, labeled, labeled_hash, merge_hash_trees, pruned, Hash, HashTree};
use ic_http_certification::utils::{
    cbor_encode_to_base64, more_specific_wildcards_for,
    EXACT_PATH_TERMINATOR_BYTES, PATH_PREFIX_BYTES, WILDCARD_PATH_TERMINATOR_BYTES,
};
use ic_http_certification::HttpCertificationPath;

/// Label of the legacy tree.
const V1_LABEL: &[u8] = b"http_assets";

/// Where in the v2 tree a response is certified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertPath {
    /// An exact path such as `/a.html`.
    Exact(String),
    /// A wildcard scope such as `/` or `/docs`, covering every path below it.
    Wildcard(String),
}

impl CertPath {
    fn to_http(&self) -> HttpCertificationPath<'_> {
        match self {
            CertPath::Exact(p) => HttpCertificationPath::exact(p.as_str()),
            CertPath::Wildcard(p) => HttpCertificationPath::wildcard(p.as_str()),
        }
    }

    /// The tree path: segments as `HttpCertificationPath` splits them, then the terminator.
    fn tree_path(&self) -> Vec<Vec<u8>> {
        self.segments().into_iter().map(<[u8]>::to_vec).collect()
    }

    /// [`CertPath::tree_path`] borrowed from the path string: no copy per segment.
    fn segments(&self) -> Vec<&[u8]> {
        let (path, terminator) = match self {
            CertPath::Exact(p) => (p, EXACT_PATH_TERMINATOR_BYTES),
            CertPath::Wildcard(p) => (p, WILDCARD_PATH_TERMINATOR_BYTES),
        };
        let mut segments: Vec<&[u8]> = path.split('/').filter(|s| !s.is_empty()).map(str::as_bytes).collect();
        if path.ends_with('/') {
            segments.push(&[]);
        }
        segments.push(terminator);
        segments
    }

    /// The CBOR+base64 `expr_path` of the `IC-Certificate` header, computed once per path.
    pub fn expr_path_b64(&self) -> String {
        cbor_encode_to_base64(&self.to_http().to_expr_path())
    }
}

/// The hashed subtree certifying a set of responses under one path terminator:
/// `expr_hash / "" / response_hash` for each response (response-only certifications).
#[derive(Debug, Clone)]
pub struct ResponseSet(Tree);

impl ResponseSet {
    /// Builds (and hashes) the subtree once.
    pub fn new<'h>(expr_hash: &Hash, hashes: impl IntoIterator<Item = &'h Hash>) -> ResponseSet {
        let mut tree = Tree::default();
        for hash in hashes {
            tree.insert(&[expr_hash.to_vec(), Vec::new(), hash.to_vec()], Tree::Leaf(Vec::new()));
        }
        tree.rehash();
        ResponseSet(tree)
    }

    /// Appends the persisted form: every node with its hash, see [`Tree::encode`].
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
    }

    /// Reads a set written by [`ResponseSet::encode`], hashes included; `None` on malformed bytes.
    pub fn decode(input: &mut super::record::Reader<'_>) -> Option<ResponseSet> {
        Tree::decode(input).map(ResponseSet)
    }
}

/// Both certification trees.
#[derive(Debug, Default)]
pub struct Trees {
    /// The map under the `http_assets` label: path to body sha256.
    v1: Tree,
    /// `labeled_hash("http_assets", v1 hash)` as of the last [`Trees::rehash`], cleared by any
    /// v1 change: every v2 certificate header prunes the v1 tree to it, so serving reads it
    /// instead of hashing per request.
    v1_labeled: Option<Hash>,
    /// The subtree under the `http_expr` label.
    v2: Tree,
}

impl Trees {
    /// Certifies `responses` at `path`, replacing whatever was certified there. The set is
    /// shared, not copied or rehashed, so an asset served at several paths is hashed once.
    pub fn insert(&mut self, path: &CertPath, responses: &ResponseSet) {
        let tree_path = path.tree_path();
        // Re-certifying identical responses (an unchanged alias, a re-uploaded file) would only
        // dirty the walk down to them.
        if self.v2.get(&tree_path).is_some_and(|t| t.hash() == responses.0.hash()) {
            return;
        }
        self.v2.insert(&tree_path, responses.0.clone());
    }

    /// Removes every v2 response certified at `path` (and nothing below it).
    pub fn remove(&mut self, path: &CertPath) {
        self.v2.remove(&path.tree_path());
    }

    /// Sets (or with `None` clears) the v1 body hash of `path`.
    pub fn set_v1(&mut self, path: &str, body_sha256: Option<Hash>) {
        let key = [path.as_bytes().to_vec()];
        match body_sha256 {
            Some(hash) => {
                if !matches!(self.v1.get(&key), Some(Tree::Leaf(old)) if *old == hash) {
                    self.v1.insert(&key, Tree::Leaf(hash.to_vec()));
                    self.v1_labeled = None;
                }
            }
            None => {
                self.v1.remove(&key);
                self.v1_labeled = None;
            }
        }
    }

    /// Hashes every node changed since the last call, once, and returns the new root hash.
    pub fn rehash(&mut self) -> Hash {
        let v1 = labeled_hash(V1_LABEL, &self.v1.rehash());
        self.v1_labeled = Some(v1);
        let v2 = labeled_hash(PATH_PREFIX_BYTES, &self.v2.rehash());
        fork_hash(&v1, &v2)
    }

    /// The value for `certified_data` (nodes changed since [`Trees::rehash`] are hashed on the
    /// fly, uncached).
    pub fn root_hash(&self) -> Hash {
        fork_hash(&self.v1_labeled_hash(), &self.v2_labeled_hash())
    }

    fn v2_labeled_hash(&self) -> Hash {
        labeled_hash(PATH_PREFIX_BYTES, &self.v2.hash())
    }

    /// The whole tree, CBOR-encoded with the self-describe tag, for the `certified_tree` query.
    pub fn full_tree_cbor(&self) -> Vec<u8> {
        let tree = fork(labeled(V1_LABEL, self.v1.full()), labeled(PATH_PREFIX_BYTES, self.v2.full()));
        let mut bytes = Vec::new();
        tree_cbor::encode(&tree, &mut bytes);
        bytes
    }

    /// Every certified leaf path of both trees, sorted.
    #[cfg(test)]
    pub fn leaves(&self) -> Vec<Vec<Vec<u8>>> {
        let tree = fork(labeled(V1_LABEL, self.v1.full()), labeled(PATH_PREFIX_BYTES, self.v2.full()));
        let mut leaves: Vec<Vec<Vec<u8>>> =
            tree.list_paths().into_iter().map(|path| path.iter().map(|l| l.as_bytes().to_vec()).collect()).collect();
        leaves.sort();
        leaves
    }

    fn v1_labeled_hash(&self) -> Hash {
        self.v1_labeled.unwrap_or_else(|| labeled_hash(V1_LABEL, &self.v1.hash()))
    }

    /// The v2 `IC-Certificate` header value proving the response with `response_hash` at `path`
    /// for a request to `request_path`; `None` when a wildcard `path` cannot cover the request.
    pub fn v2_header(
        &self,
        certificate: &[u8],
        path: &CertPath,
        expr_path_b64: &str,
        expr_hash: &Hash,
        response_hash: &Hash,
        request_path: &str,
    ) -> Option<String> {
        let mut tree = Vec::with_capacity(1024);
        self.v2_tree_cbor(path, expr_hash, response_hash, request_path, &mut tree)?;
        Some(super::header_value::v2(certificate, &tree, expr_path_b64))
    }

    /// The header's self-describing CBOR tree `fork (pruned v1) (labeled "http_expr" witness)`.
    /// The witness mirrors `HttpCertificationTree::witness`: an exact path proves the one
    /// response (written while walking the tree); a wildcard proves the request path's absence,
    /// the wildcard's responses, and the absence of every more specific wildcard (merged as a
    /// `HashTree`, then encoded).
    fn v2_tree_cbor(
        &self,
        path: &CertPath,
        expr_hash: &Hash,
        response_hash: &Hash,
        request_path: &str,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        let wildcard_witness = match path {
            CertPath::Exact(_) => None,
            CertPath::Wildcard(_) => Some(self.wildcard_witness(path, request_path)?),
        };
        tree_cbor::self_describe(out);
        tree_cbor::fork_head(out);
        tree_cbor::pruned(&self.v1_labeled_hash(), out);
        tree_cbor::labeled_head(PATH_PREFIX_BYTES, out);
        match wildcard_witness {
            None => {
                let mut full = path.segments();
                full.extend([&expr_hash[..], &[], &response_hash[..]]);
                self.v2.witness_cbor(&full, out);
            }
            Some(witness) => tree_cbor::node(witness.as_ref(), out),
        }
        Some(())
    }

    fn wildcard_witness(&self, path: &CertPath, request_path: &str) -> Option<HashTree> {
        let responding = path.tree_path();
        let requested = CertPath::Exact(request_path.to_string()).tree_path();
        if responding.len() > requested.len() {
            return None;
        }
        let witness = merge_hash_trees(self.v2.witness(&requested), self.v2.witness(&responding));
        Some(
            more_specific_wildcards_for(&requested, &responding)
                .iter()
                .fold(witness, |acc, p| merge_hash_trees(acc, self.v2.witness(p))),
        )
    }

    /// The header tree as [`Trees::v2_header`] encodes it, decoded again for inspection.
    #[cfg(test)]
    fn v2_tree(&self, path: &CertPath, expr_hash: &Hash, response_hash: &Hash, request_path: &str) -> Option<HashTree> {
        let mut bytes = Vec::new();
        self.v2_tree_cbor(path, expr_hash, response_hash, request_path, &mut bytes)?;
        Some(serde_cbor::from_slice(&bytes).expect("the header tree decodes"))
    }

    /// The v1 `IC-Certificate` header value for a request to `path`; the witness covers `path`
    /// and `/index.html`, the fallback v1 verifiers try.
    pub fn v1_header(&self, certificate: &[u8], path: &str) -> String {
        let key = [path.as_bytes().to_vec()];
        let witness = if self.v1.get(&key).is_some() {
            self.v1.witness(&key)
        } else {
            self.v1.witness(&[b"/index.html".to_vec()])
        };
        let tree = fork(labeled(V1_LABEL, witness), pruned(self.v2_labeled_hash()));
        format!(
            "certificate=:{}:, tree=:{}:",
            BASE64.encode(certificate),
            cbor_encode_to_base64(&tree)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ic_certification::LookupResult;

    use ic_http_certification::{HttpCertification, HttpCertificationTree, HttpCertificationTreeEntry};

    const EXPR: Hash = [1; 32];

    fn paths() -> Vec<(CertPath, Vec<Hash>)> {
        vec![
            (CertPath::Exact("/a.html".into()), vec![[2; 32], [3; 32]]),
            (CertPath::Exact("/docs/".into()), vec![[4; 32]]),
            (CertPath::Wildcard("/".into()), vec![[5; 32], [6; 32]]),
            (CertPath::Wildcard("/docs".into()), vec![[7; 32]]),
            (CertPath::Exact("/docs/x/y.css".into()), vec![[8; 32], [9; 32], [10; 32]]),
        ]
    }

    fn library_tree() -> HttpCertificationTree {
        let mut tree = HttpCertificationTree::default();
        for (path, hashes) in paths() {
            for hash in hashes {
                let http_path = path.to_http();
                let certification = HttpCertification::response_only_prehashed(EXPR, hash);
                tree.insert(&HttpCertificationTreeEntry::new(&http_path, certification));
            }
        }
        tree
    }

    #[test]
    fn layout_and_witnesses_match_http_certification_tree() {
        let mut trees = Trees::default();
        for (path, hashes) in paths() {
            trees.insert(&path, &ResponseSet::new(&EXPR, &hashes));
        }
        let library = library_tree();
        let root = trees.rehash();
        for (path, request, hash) in [
            (CertPath::Exact("/a.html".into()), "/a.html", [3; 32]),
            (CertPath::Exact("/docs/x/y.css".into()), "/docs/x/y.css", [9; 32]),
            (CertPath::Wildcard("/docs".into()), "/docs/missing/page", [7; 32]),
            (CertPath::Wildcard("/".into()), "/nothing", [5; 32]),
        ] {
            let ours = trees.v2_tree(&path, &EXPR, &hash, request).unwrap();
            let http_path = path.to_http();
            let entry = HttpCertificationTreeEntry::new(&http_path, HttpCertification::response_only_prehashed(EXPR, hash));
            let theirs = library.witness(&entry, request).unwrap();
            // Same labels revealed as the library's witness (the fork shape inside each map
            // differs: ours depends only on the label set), and a valid proof of our root.
            assert_eq!(ours.list_paths(), theirs.list_paths(), "{request}");
            assert_eq!(ours.digest(), root, "{request}");
            let requested = CertPath::Exact(request.to_string()).tree_path();
            if let CertPath::Wildcard(_) = path {
                let mut absent = vec![PATH_PREFIX_BYTES.to_vec()];
                absent.extend(requested.clone());
                assert_eq!(ours.lookup_subtree(&absent), theirs.lookup_subtree(&absent), "{request}");
                for more_specific in more_specific_wildcards_for(&requested, &path.tree_path()) {
                    let mut p = vec![PATH_PREFIX_BYTES.to_vec()];
                    p.extend(more_specific);
                    assert!(matches!(ours.lookup_subtree(&p), ic_certification::SubtreeLookupResult::Absent), "{request}");
                }
            }
        }
    }

    #[test]
    fn cached_v1_labeled_hash_follows_every_v1_change() {
        let mut trees = Trees::default();
        let fresh = |t: &Trees| labeled_hash(V1_LABEL, &t.v1.hash());
        trees.set_v1("/a.html", Some([1; 32]));
        let root = trees.rehash();
        assert_eq!(trees.v1_labeled, Some(fresh(&trees)));
        trees.set_v1("/b.html", Some([2; 32]));
        assert_eq!(trees.v1_labeled_hash(), fresh(&trees));
        assert_ne!(trees.root_hash(), root);
        trees.rehash();
        trees.set_v1("/a.html", None);
        assert_eq!(trees.v1_labeled_hash(), fresh(&trees));
        let root = trees.rehash();
        assert_eq!(fork_hash(&trees.v1_labeled_hash(), &trees.v2_labeled_hash()), root);
    }

    #[test]
    fn root_hash_is_the_digest_of_both_witnesses() {
        let mut trees = Trees::default();
        trees.set_v1("/a.html", Some([7; 32]));
        let path = CertPath::Exact("/a.html".into());
        trees.insert(&path, &ResponseSet::new(&EXPR, [&[2; 32]]));
        let v1 = trees.v1.witness(&[b"/a.html".to_vec()]);
        let v1_tree = fork(labeled(V1_LABEL, v1), pruned(trees.v2_labeled_hash()));
        assert_eq!(v1_tree.digest(), trees.root_hash());
        assert_eq!(v1_tree.lookup_path([V1_LABEL, b"/a.html"]), LookupResult::Found(&[7; 32]));
        let v2_tree = trees.v2_tree(&path, &EXPR, &[2; 32], "/a.html").unwrap();
        assert_eq!(v2_tree.digest(), trees.root_hash());
    }

    #[test]
    fn reinserting_a_path_replaces_its_responses() {
        let mut trees = Trees::default();
        let path = CertPath::Exact("/a".into());
        trees.insert(&path, &ResponseSet::new(&EXPR, [&[2; 32], &[3; 32]]));
        trees.insert(&path, &ResponseSet::new(&EXPR, [&[4; 32]]));
        let mut fresh = Trees::default();
        fresh.insert(&path, &ResponseSet::new(&EXPR, [&[4; 32]]));
        assert_eq!(trees.leaves(), fresh.leaves());
        assert_eq!(trees.rehash(), fresh.rehash());
    }

    #[test]
    fn full_tree_digest_is_the_root_hash() {
        let mut trees = Trees::default();
        trees.set_v1("/a.html", Some([7; 32]));
        trees.insert(&CertPath::Wildcard("/".into()), &ResponseSet::new(&EXPR, [&[2; 32]]));
        let bytes = trees.full_tree_cbor();
        assert_eq!(&bytes[..3], &[0xd9, 0xd9, 0xf7]);
        let tree: ic_certification::HashTree = serde_cbor::from_slice(&bytes).unwrap();
        assert_eq!(tree.digest(), trees.root_hash());
    }

    #[test]
    fn remove_restores_the_previous_root() {
        let mut trees = Trees::default();
        let before = trees.root_hash();
        let path = CertPath::Wildcard("/docs".into());
        trees.insert(&path, &ResponseSet::new(&EXPR, [&[2; 32], &[3; 32]]));
        trees.set_v1("/x", Some([1; 32]));
        assert_ne!(trees.root_hash(), before);
        trees.remove(&path);
        trees.set_v1("/x", None);
        assert_eq!(trees.root_hash(), before);
    }
}
