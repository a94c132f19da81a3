//! The certified tree behind `certified_data`: the v2 `http_expr` tree of
//! `ic-http-certification` and the legacy v1 `http_assets` tree, forked under one root exactly as
//! the dfx asset canister does, plus the certificate headers proving one response.
//!
//! The v2 tree has the labels of `ic-http-certification`'s `HttpCertificationTree`
//! (`http_expr / <segments> / <$>|<*> / expr_hash / "" / response_hash`) and the v1 tree those
//! of the legacy `http_assets` map, both held in the [`stable_tree`](super::stable_tree) arena
//! (stable memory, reopened after an upgrade without rebuilding): all responses of one path are
//! built once as a prehashed [`treap`](super::treap) subtree (a [`ResponseSet`]) and copied with
//! its hashes into the arena at every path serving the asset, with the asset's record address in
//! the terminator entry's `aux` (so the tree is also the path index), and a commit hashes each
//! changed node once in [`Trees::rehash`]. Witnesses follow `HttpCertificationTree::witness` step
//! for step; an exact path's header tree is written by the same walk that finds the path
//! ([`Trees::find_exact`]), with the witness below its terminator taken from the record.
//!
//! Owns tree mutation, the root hash and witness encoding; knows nothing of routing or content.
//! Invariant: `root_hash` is the digest of every witness this module hands out, because both
//! are derived from the same fork `(labeled "http_assets" v1) (labeled "http_expr" v2)`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use super::stable_tree::{ArenaMemory, Root, StableTree, StableTreeError, Value};
use super::response_set::ResponseSet;
use super::treap::Tree;
use super::tree_cbor;
use std::cell::Cell;
use ic_certification::{fork, fork_hash, labeled, labeled_hash, merge_hash_trees, pruned, Hash, HashTree};
use ic_http_certification::utils::{
    cbor_encode_to_base64, more_specific_wildcards_for,
    EXACT_PATH_TERMINATOR_BYTES, PATH_PREFIX_BYTES, WILDCARD_PATH_TERMINATOR_BYTES,
};
#[cfg(test)]
use ic_http_certification::HttpCertificationPath;

/// Label of the legacy tree.
const V1_LABEL: &[u8] = b"http_assets";

/// Where in the v2 tree a response is certified (borrowed: serving builds one per request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertPath<'a> {
    /// An exact path such as `/a.html`.
    Exact(&'a str),
    /// A wildcard scope such as `/` or `/docs`, covering every path below it.
    Wildcard(&'a str),
}

impl<'a> CertPath<'a> {
    /// The library's form of the path (the reference for [`CertPath::expr_path_cbor`]).
    #[cfg(test)]
    fn to_http(self) -> HttpCertificationPath<'a> {
        match self {
            CertPath::Exact(p) => HttpCertificationPath::exact(p),
            CertPath::Wildcard(p) => HttpCertificationPath::wildcard(p),
        }
    }

    /// The tree path: segments as `HttpCertificationPath` splits them, then the terminator.
    fn tree_path(&self) -> Vec<Vec<u8>> {
        self.segments().into_iter().map(<[u8]>::to_vec).collect()
    }

    /// [`CertPath::tree_path`] borrowed from the path string: no copy per segment.
    fn segments(&self) -> Vec<&[u8]> {
        let (path, terminator) = match *self {
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

    /// [`CertPath::segments`] into `buf` (no allocation, for serving); `None` when they do not fit.
    fn segments_in<'s>(&'s self, buf: &mut [&'s [u8]]) -> Option<usize> {
        let (path, terminator) = match *self {
            CertPath::Exact(p) => (p, EXACT_PATH_TERMINATOR_BYTES),
            CertPath::Wildcard(p) => (p, WILDCARD_PATH_TERMINATOR_BYTES),
        };
        let mut n = 0;
        let trailing: &[&[u8]] = if path.ends_with('/') { &[&[], terminator] } else { &[terminator] };
        for segment in path.split('/').filter(|s| !s.is_empty()).map(str::as_bytes).chain(trailing.iter().copied()) {
            *buf.get_mut(n)? = segment;
            n += 1;
        }
        Some(n)
    }

    /// Calls `f` with the segments, on the stack when they fit [`CertPath::segments_in`]'s
    /// buffer (serving allocates nothing for them).
    fn with_segments<R>(&self, f: impl FnOnce(&[&[u8]]) -> R) -> R {
        let mut buf: [&[u8]; 16] = [&[]; 16];
        match self.segments_in(&mut buf) {
            Some(n) => f(&buf[..n]),
            None => f(&self.segments()),
        }
    }

    /// The self-describing CBOR of the `IC-Certificate` header's `expr_path` (base64-encoded
    /// into the header value), written directly per request (no `Vec<String>` and no serde on
    /// the way; the path index stores none).
    pub fn expr_path_cbor(&self) -> Vec<u8> {
        let mut cbor = Vec::with_capacity(64);
        self.with_segments(|segments| tree_cbor::expr_path(segments, &mut cbor));
        cbor
    }
}

/// An exact path found in the v2 tree, with its header tree written on the way down: the
/// self-describing CBOR of `fork (pruned v1) (labeled "http_expr" witness)` with a hole where
/// the witness of the served response inside the path's response set goes.
#[derive(Debug, Clone)]
pub struct PathWitness {
    cbor: Vec<u8>,
    hole: usize,
    /// The `aux` word of the path's terminator entry.
    pub aux: u64,
}

/// Both certification trees, in one stable-memory arena (see [`stable_tree`](super::stable_tree)).
#[derive(Debug)]
pub struct Trees {
    tree: StableTree<ArenaMemory>,
    /// `labeled_hash("http_assets", v1 hash)` as of the last [`Trees::rehash`]: every v2
    /// certificate header prunes the v1 tree to it, so serving reads it instead of hashing.
    v1_labeled: Hash,
    /// `labeled_hash("http_expr", v2 hash)` as of the last [`Trees::rehash`].
    v2_labeled: Hash,
}

impl Default for Trees {
    /// Empty trees in a heap memory (a certifier not yet rebuilt from a canister's state).
    fn default() -> Self {
        let memory = ArenaMemory::new(ic_stable_structures::VectorMemory::default());
        Trees::create(memory, [0; 32]).expect("an empty vector memory grows by one page")
    }
}

impl Trees {
    /// Empty trees in `memory` (whatever it held is abandoned), stamped with `stamp`: what the
    /// certified responses were derived with.
    pub fn create(memory: ArenaMemory, stamp: Hash) -> Result<Trees, StableTreeError> {
        Ok(Trees::with_hashes(StableTree::create(memory, stamp)?))
    }

    /// The trees stored in `memory` by [`Trees::create`] with the same `stamp` and rehashed
    /// since their last change; `None` otherwise (absent, another stamp or layout, unfinished,
    /// an unsound header). Reads the arena's header only.
    pub fn open(memory: ArenaMemory, stamp: &Hash) -> Option<Trees> {
        let tree = StableTree::open(memory)?;
        (tree.stamp() == *stamp && tree.is_clean()).then(|| Trees::with_hashes(tree))
    }

    fn with_hashes(tree: StableTree<ArenaMemory>) -> Trees {
        let (v1, v2) = (tree.hash(Root::Assets), tree.hash(Root::Expr));
        let labeled = |label, hash: Result<Hash, _>| hash.map(|h| labeled_hash(label, &h)).unwrap_or_default();
        Trees { v1_labeled: labeled(V1_LABEL, v1), v2_labeled: labeled(PATH_PREFIX_BYTES, v2), tree }
    }

    /// Certifies `responses` at `path` with `aux` on the terminator entry, replacing whatever
    /// was certified there. An exact path holds only the set's root hash (a pruned value: one
    /// slot; its witnesses below the terminator live in the record `aux` points at); a wildcard
    /// holds the whole set, copied node by node with its hashes, since its witness is built
    /// from the tree per request. Either way only the nodes above it are hashed again.
    pub fn insert(&mut self, path: &CertPath<'_>, responses: &ResponseSet, aux: u64) -> Result<(), StableTreeError> {
        let hash = responses.root_hash();
        // Re-certifying identical responses (an unchanged alias, a re-uploaded file, a scope
        // re-certified with the page it holds, as every commit touching the root scope does)
        // only rewrites the entry's `aux`, since the record may have moved; a wildcard's page
        // tree is then not even built.
        path.with_segments(|segments| match path {
            CertPath::Exact(_) => self.tree.insert(Root::Expr, segments, Value::Tree(&Tree::Pruned(hash)), aux),
            CertPath::Wildcard(_) => self.tree.insert_map(Root::Expr, segments, &hash, || responses.to_tree(), aux),
        })
        .map(drop)
    }

    /// The `aux` word of `path`'s terminator entry; `None` when nothing is certified there.
    pub fn aux(&self, path: &CertPath<'_>) -> Result<Option<u64>, StableTreeError> {
        Ok(self.tree.get(Root::Expr, &path.segments())?.map(|entry| entry.aux))
    }

    /// Finds the exact `path`, writing its header tree down to the terminator on the way (one
    /// walk serves both the lookup and the witness); `None` when nothing is certified there.
    pub fn find_exact(&self, path: &str) -> Result<Option<PathWitness>, StableTreeError> {
        let path = CertPath::Exact(path);
        let mut cbor = Vec::with_capacity(1024);
        tree_cbor::self_describe(&mut cbor);
        tree_cbor::fork_head(&mut cbor);
        tree_cbor::pruned(&self.v1_labeled, &mut cbor);
        tree_cbor::labeled_head(PATH_PREFIX_BYTES, &mut cbor);
        let met = Cell::new(None);
        let mark = |aux: u64, out: &mut Vec<u8>| met.set(Some((aux, out.len())));
        path.with_segments(|segments| self.tree.witness_cbor_onto(Root::Expr, segments, &mark, &mut cbor))?;
        Ok(met.get().map(|(aux, hole)| PathWitness { cbor, hole, aux }))
    }

    /// The v2 `IC-Certificate` header value proving a response at the exact path `found`
    /// was written for, given the response's witness inside the path's set (`below`, see
    /// [`ResponseSet::witness_cbor`]).
    pub fn v2_header_exact(&self, certificate: &[u8], found: &PathWitness, below: &[u8], expr_path: &[u8]) -> String {
        let mut tree = Vec::with_capacity(found.cbor.len() + below.len());
        tree.extend_from_slice(&found.cbor[..found.hole]);
        tree.extend_from_slice(below);
        tree.extend_from_slice(&found.cbor[found.hole..]);
        super::header_value::v2(certificate, &tree, expr_path)
    }

    /// Removes every v2 response certified at `path` (and nothing below it).
    pub fn remove(&mut self, path: &CertPath<'_>) -> Result<(), StableTreeError> {
        self.tree.remove(Root::Expr, &path.segments()).map(drop)
    }

    /// Sets (or with `None` clears) the v1 body hash of `path`.
    pub fn set_v1(&mut self, path: &str, body_sha256: Option<Hash>) -> Result<(), StableTreeError> {
        let key = [path.as_bytes()];
        match body_sha256 {
            Some(hash) => {
                self.tree.insert(Root::Assets, &key, Value::Leaf(&hash), 0)?;
            }
            None => {
                self.tree.remove(Root::Assets, &key)?;
            }
        }
        Ok(())
    }

    /// Hashes every node changed since the last call, once, and returns the new root hash.
    pub fn rehash(&mut self) -> Result<Hash, StableTreeError> {
        self.tree.rehash()?;
        self.v1_labeled = labeled_hash(V1_LABEL, &self.tree.hash(Root::Assets)?);
        self.v2_labeled = labeled_hash(PATH_PREFIX_BYTES, &self.tree.hash(Root::Expr)?);
        Ok(self.root_hash())
    }

    /// The value for `certified_data` as of the last [`Trees::rehash`] (or open).
    pub fn root_hash(&self) -> Hash {
        fork_hash(&self.v1_labeled, &self.v2_labeled)
    }

    /// The whole tree, CBOR-encoded with the self-describe tag, for the `certified_tree` query.
    pub fn full_tree_cbor(&self) -> Result<Vec<u8>, StableTreeError> {
        let tree = fork(labeled(V1_LABEL, self.tree.full(Root::Assets)?), labeled(PATH_PREFIX_BYTES, self.tree.full(Root::Expr)?));
        let mut bytes = Vec::new();
        tree_cbor::encode(&tree, &mut bytes);
        Ok(bytes)
    }

    /// Every certified leaf path of both trees, sorted.
    #[cfg(test)]
    pub fn leaves(&self) -> Vec<Vec<Vec<u8>>> {
        let tree = serde_cbor::from_slice::<HashTree>(&self.full_tree_cbor().unwrap()).unwrap();
        let mut leaves: Vec<Vec<Vec<u8>>> =
            tree.list_paths().into_iter().map(|path| path.iter().map(|l| l.as_bytes().to_vec()).collect()).collect();
        leaves.sort();
        leaves
    }

    /// The v2 `IC-Certificate` header value proving a response of the wildcard `scope` (a
    /// fallback page) for a request to `request_path`; `None` when the scope cannot cover the
    /// request or the tree cannot be read.
    pub fn v2_header_wildcard(&self, certificate: &[u8], scope: &str, expr_path: &[u8], request_path: &str) -> Option<String> {
        let mut tree = Vec::with_capacity(1024);
        self.wildcard_tree_cbor(scope, request_path, &mut tree)?;
        Some(super::header_value::v2(certificate, &tree, expr_path))
    }

    /// The header's self-describing CBOR tree `fork (pruned v1) (labeled "http_expr" witness)`
    /// for a wildcard, mirroring `HttpCertificationTree::witness`: the request path's absence,
    /// the wildcard's responses, and the absence of every more specific wildcard (merged as a
    /// `HashTree`, then encoded).
    fn wildcard_tree_cbor(&self, scope: &str, request_path: &str, out: &mut Vec<u8>) -> Option<()> {
        let witness = self.wildcard_witness(&CertPath::Wildcard(scope), request_path)?;
        tree_cbor::self_describe(out);
        tree_cbor::fork_head(out);
        tree_cbor::pruned(&self.v1_labeled, out);
        tree_cbor::labeled_head(PATH_PREFIX_BYTES, out);
        tree_cbor::node(witness.as_ref(), out);
        Some(())
    }

    fn wildcard_witness(&self, path: &CertPath<'_>, request_path: &str) -> Option<HashTree> {
        let responding = path.tree_path();
        let requested = CertPath::Exact(request_path).tree_path();
        if responding.len() > requested.len() {
            return None;
        }
        let witness = |p: &[Vec<u8>]| self.tree.witness(Root::Expr, &p.iter().map(Vec::as_slice).collect::<Vec<_>>()).ok();
        let mut merged = merge_hash_trees(witness(&requested)?, witness(&responding)?);
        for more_specific in more_specific_wildcards_for(&requested, &responding) {
            merged = merge_hash_trees(merged, witness(&more_specific)?);
        }
        Some(merged)
    }

    /// The header tree as serving encodes it (an exact path through [`Trees::find_exact`] with
    /// the witness below its terminator written from `set`), decoded again for inspection.
    #[cfg(test)]
    fn v2_tree(&self, path: &CertPath<'_>, set: &ResponseSet, response_hash: &Hash, request_path: &str) -> Option<HashTree> {
        let mut bytes = Vec::new();
        match path {
            CertPath::Exact(p) => {
                let found = self.find_exact(p).ok()??;
                let mut below = Vec::new();
                set.witness_cbor(&tests::EXPR, response_hash, &mut below);
                bytes.extend_from_slice(&found.cbor[..found.hole]);
                bytes.extend_from_slice(&below);
                bytes.extend_from_slice(&found.cbor[found.hole..]);
            }
            CertPath::Wildcard(scope) => self.wildcard_tree_cbor(scope, request_path, &mut bytes)?,
        }
        Some(serde_cbor::from_slice(&bytes).expect("the header tree decodes"))
    }

    /// The v1 `IC-Certificate` header value for a request to `path`; the witness covers `path`
    /// and `/index.html`, the fallback v1 verifiers try. `None` when the tree cannot be read.
    pub fn v1_header(&self, certificate: &[u8], path: &str) -> Option<String> {
        let key = [path.as_bytes()];
        let witness = if self.tree.get(Root::Assets, &key).ok()?.is_some() {
            self.tree.witness(Root::Assets, &key)
        } else {
            self.tree.witness(Root::Assets, &[b"/index.html"])
        };
        let tree = fork(labeled(V1_LABEL, witness.ok()?), pruned(self.v2_labeled));
        Some(format!(
            "certificate=:{}:, tree=:{}:",
            BASE64.encode(certificate),
            cbor_encode_to_base64(&tree)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certification::response_set::SetDraft;
    use ic_certification::LookupResult;

    use ic_http_certification::{HttpCertification, HttpCertificationTree, HttpCertificationTreeEntry};

    pub(super) const EXPR: Hash = [1; 32];

    fn paths() -> Vec<(CertPath<'static>, Vec<Hash>)> {
        vec![
            (CertPath::Exact("/a.html"), vec![[2; 32], [3; 32]]),
            (CertPath::Exact("/docs/"), vec![[4; 32]]),
            (CertPath::Wildcard("/"), vec![[5; 32], [6; 32]]),
            (CertPath::Wildcard("/docs"), vec![[7; 32]]),
            (CertPath::Exact("/docs/x/y.css"), vec![[8; 32], [9; 32], [10; 32]]),
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
            trees.insert(&path, &SetDraft::new(&EXPR, &hashes).hash(), 0).unwrap();
        }
        let library = library_tree();
        let root = trees.rehash().unwrap();
        let sets: Vec<(CertPath<'static>, ResponseSet)> = paths().into_iter().map(|(p, h)| (p, SetDraft::new(&EXPR, &h).hash())).collect();
        let set_of = |path: &CertPath| &sets.iter().find(|(p, _)| p == path).unwrap().1;
        for (path, request, hash) in [
            (CertPath::Exact("/a.html"), "/a.html", [3; 32]),
            (CertPath::Exact("/docs/x/y.css"), "/docs/x/y.css", [9; 32]),
            (CertPath::Wildcard("/docs"), "/docs/missing/page", [7; 32]),
            (CertPath::Wildcard("/"), "/nothing", [5; 32]),
        ] {
            let ours = trees.v2_tree(&path, set_of(&path), &hash, request).unwrap();
            let http_path = path.to_http();
            let entry = HttpCertificationTreeEntry::new(&http_path, HttpCertification::response_only_prehashed(EXPR, hash));
            let theirs = library.witness(&entry, request).unwrap();
            // Same labels revealed as the library's witness (the fork shape inside each map
            // differs: ours depends only on the label set), and a valid proof of our root.
            assert_eq!(ours.list_paths(), theirs.list_paths(), "{request}");
            assert_eq!(ours.digest(), root, "{request}");
            let requested = CertPath::Exact(request).tree_path();
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
    fn expr_path_is_the_librarys() {
        let deep = "/a".repeat(20);
        let long = format!("/{}", "x".repeat(300));
        for path in ["/", "/a.html", "/docs/", "/docs/x/y.css", "//x//", "", "/é/ü.html", deep.as_str(), long.as_str()] {
            for cert_path in [CertPath::Exact(path), CertPath::Wildcard(path)] {
                let ours = BASE64.encode(cert_path.expr_path_cbor());
                assert_eq!(ours, cbor_encode_to_base64(&cert_path.to_http().to_expr_path()), "{path}");
            }
        }
    }

    #[test]
    fn segments_without_allocation_are_the_segments() {
        let deep = "/a".repeat(20);
        for path in ["/", "/a.html", "/docs/", "/docs/x/y.css", "//x//", "", deep.as_str()] {
            for cert_path in [CertPath::Exact(path), CertPath::Wildcard(path)] {
                let mut buf: [&[u8]; 16] = [&[]; 16];
                let expected = cert_path.segments();
                match cert_path.segments_in(&mut buf) {
                    Some(n) => assert_eq!(&buf[..n], &expected[..], "{path}"),
                    None => assert!(expected.len() > buf.len(), "{path}"),
                }
            }
        }
    }

    #[test]
    fn v1_changes_reach_the_root_at_rehash() {
        let mut trees = Trees::default();
        trees.set_v1("/a.html", Some([1; 32])).unwrap();
        let root = trees.rehash().unwrap();
        trees.set_v1("/b.html", Some([2; 32])).unwrap();
        assert_eq!(trees.root_hash(), root, "the root is the last rehash's");
        assert_ne!(trees.rehash().unwrap(), root);
        trees.set_v1("/b.html", None).unwrap();
        assert_eq!(trees.rehash().unwrap(), root);
        assert_eq!(fork_hash(&trees.v1_labeled, &trees.v2_labeled), root);
    }

    #[test]
    fn root_hash_is_the_digest_of_both_witnesses() {
        let mut trees = Trees::default();
        trees.set_v1("/a.html", Some([7; 32])).unwrap();
        let path = CertPath::Exact("/a.html");
        let set = SetDraft::new(&EXPR, [&[2; 32]]).hash();
        trees.insert(&path, &set, 0).unwrap();
        trees.rehash().unwrap();
        let header = trees.v1_header(b"cert", "/a.html").unwrap();
        let tree_b64 = header.split("tree=:").nth(1).unwrap().trim_end_matches(':');
        let v1_tree: HashTree = serde_cbor::from_slice(&BASE64.decode(tree_b64).unwrap()).unwrap();
        assert_eq!(v1_tree.digest(), trees.root_hash());
        assert_eq!(v1_tree.lookup_path([V1_LABEL, b"/a.html"]), LookupResult::Found(&[7; 32]));
        let v2_tree = trees.v2_tree(&path, &set, &[2; 32], "/a.html").unwrap();
        assert_eq!(v2_tree.digest(), trees.root_hash());
    }

    #[test]
    fn reinserting_a_path_replaces_its_responses() {
        let mut trees = Trees::default();
        let path = CertPath::Exact("/a");
        trees.insert(&path, &SetDraft::new(&EXPR, [&[2; 32], &[3; 32]]).hash(), 0).unwrap();
        trees.insert(&path, &SetDraft::new(&EXPR, [&[4; 32]]).hash(), 0).unwrap();
        let mut fresh = Trees::default();
        fresh.insert(&path, &SetDraft::new(&EXPR, [&[4; 32]]).hash(), 0).unwrap();
        assert_eq!(trees.leaves(), fresh.leaves());
        assert_eq!(trees.rehash().unwrap(), fresh.rehash().unwrap());
    }

    #[test]
    fn full_tree_digest_is_the_root_hash() {
        let mut trees = Trees::default();
        trees.set_v1("/a.html", Some([7; 32])).unwrap();
        trees.insert(&CertPath::Wildcard("/"), &SetDraft::new(&EXPR, [&[2; 32]]).hash(), 0).unwrap();
        trees.rehash().unwrap();
        let bytes = trees.full_tree_cbor().unwrap();
        assert_eq!(&bytes[..3], &[0xd9, 0xd9, 0xf7]);
        let tree: ic_certification::HashTree = serde_cbor::from_slice(&bytes).unwrap();
        assert_eq!(tree.digest(), trees.root_hash());
    }

    #[test]
    fn remove_restores_the_previous_root() {
        let mut trees = Trees::default();
        let before = trees.root_hash();
        let path = CertPath::Wildcard("/docs");
        trees.insert(&path, &SetDraft::new(&EXPR, [&[2; 32], &[3; 32]]).hash(), 0).unwrap();
        trees.set_v1("/x", Some([1; 32])).unwrap();
        assert_ne!(trees.rehash().unwrap(), before);
        trees.remove(&path).unwrap();
        trees.set_v1("/x", None).unwrap();
        assert_eq!(trees.rehash().unwrap(), before);
    }

    /// Reopening the arena with the stamp it was created with gives the same trees without
    /// touching a node; another stamp or an unrehashed change gives none.
    #[test]
    fn reopened_trees_serve_the_same_root_and_witnesses() {
        let memory = ArenaMemory::new(ic_stable_structures::VectorMemory::default());
        let mut trees = Trees::create(memory.clone(), [5; 32]).unwrap();
        for (path, hashes) in paths() {
            trees.insert(&path, &SetDraft::new(&EXPR, &hashes).hash(), 0).unwrap();
        }
        trees.set_v1("/a.html", Some([7; 32])).unwrap();
        let root = trees.rehash().unwrap();
        let reopened = Trees::open(memory.clone(), &[5; 32]).expect("same stamp");
        assert_eq!(reopened.root_hash(), root);
        assert_eq!(reopened.leaves(), trees.leaves());
        let set = SetDraft::new(&EXPR, &[[7; 32]]).hash();
        let path = CertPath::Wildcard("/docs");
        assert_eq!(reopened.v2_tree(&path, &set, &[7; 32], "/docs/x"), trees.v2_tree(&path, &set, &[7; 32], "/docs/x"));
        let path = CertPath::Exact("/docs/x/y.css");
        let set = SetDraft::new(&EXPR, &[[8; 32], [9; 32], [10; 32]]).hash();
        assert_eq!(reopened.v2_tree(&path, &set, &[9; 32], "/docs/x/y.css"), trees.v2_tree(&path, &set, &[9; 32], "/docs/x/y.css"));
        assert_eq!(reopened.v2_tree(&path, &set, &[9; 32], "/docs/x/y.css").unwrap().digest(), root);
        // The arena holds only the exact path's set hash; a wildcard's whole set.
        assert_eq!(reopened.tree.value_hash_aux(Root::Expr, &path.segments()).unwrap(), Some((set.root_hash(), 0)));
        let full: HashTree = serde_cbor::from_slice(&reopened.full_tree_cbor().unwrap()).unwrap();
        let terminator: Vec<&[u8]> = [&[PATH_PREFIX_BYTES][..], &path.segments()].concat();
        assert_eq!(full.lookup_subtree(&terminator), ic_certification::SubtreeLookupResult::Found(pruned(set.root_hash())));
        let below_wildcard = [PATH_PREFIX_BYTES, b"docs", b"<*>", &EXPR[..], b"", &[7; 32][..]];
        assert!(matches!(full.lookup_path(below_wildcard), LookupResult::Found(_)));
        assert_eq!(reopened.find_exact("/docs/x/y.css").unwrap().map(|f| f.aux), Some(0));
        assert!(reopened.find_exact("/docs/x/z.css").unwrap().is_none());
        assert!(Trees::open(memory.clone(), &[6; 32]).is_none(), "another stamp");
        trees.set_v1("/b.html", Some([8; 32])).unwrap();
        assert!(Trees::open(memory, &[5; 32]).is_none(), "a change not rehashed");
    }
}
