//! The certified tree behind `certified_data`: the v2 `http_expr` tree of
//! `ic-http-certification` and the legacy v1 `http_assets` tree, forked under one root exactly as
//! the dfx asset canister does, plus the certificate headers proving one response.
//!
//! Owns tree mutation, the root hash and witness encoding; knows nothing of routing or content.
//! Invariant: `root_hash` is the digest of every witness this module hands out, because both
//! are derived from the same fork `(labeled "http_assets" v1) (labeled "http_expr" v2)`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ic_certification::{fork, fork_hash, labeled, labeled_hash, pruned, AsHashTree, Hash, RbTree};
use ic_http_certification::utils::{build_v2_certificate_header_value, cbor_encode_to_base64};
use ic_http_certification::{
    HttpCertification, HttpCertificationPath, HttpCertificationTree, HttpCertificationTreeEntry,
};

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

    /// The CBOR+base64 `expr_path` of the `IC-Certificate` header, computed once per path.
    pub fn expr_path_b64(&self) -> String {
        cbor_encode_to_base64(&self.to_http().to_expr_path())
    }
}

/// Both certification trees.
#[derive(Debug, Default)]
pub struct Trees {
    v1: RbTree<String, Hash>,
    v2: HttpCertificationTree,
}

impl Trees {
    /// Certifies responses with the given hashes at `path`.
    pub fn insert<'h>(&mut self, path: &CertPath, expr_hash: &Hash, hashes: impl IntoIterator<Item = &'h Hash>) {
        let http_path = path.to_http();
        for hash in hashes {
            let certification = HttpCertification::response_only_prehashed(*expr_hash, *hash);
            self.v2.insert(&HttpCertificationTreeEntry::new(&http_path, certification));
        }
    }

    /// Removes every v2 response certified at `path` (and nothing below it).
    pub fn remove(&mut self, path: &CertPath) {
        self.v2.delete_by_path(&path.to_http());
    }

    /// Sets (or with `None` clears) the v1 body hash of `path`.
    pub fn set_v1(&mut self, path: &str, body_sha256: Option<Hash>) {
        match body_sha256 {
            Some(hash) => self.v1.insert(path.to_string(), hash),
            None => self.v1.delete(path.as_bytes()),
        }
    }

    /// The value for `certified_data`.
    pub fn root_hash(&self) -> Hash {
        fork_hash(&self.v1_labeled_hash(), &self.v2.root_hash())
    }

    /// The whole tree, CBOR-encoded with the self-describe tag, for the `certified_tree` query.
    pub fn full_tree_cbor(&self) -> Vec<u8> {
        let tree = fork(labeled(V1_LABEL, self.v1.as_hash_tree()), self.v2.as_hash_tree());
        let mut serializer = serde_cbor::Serializer::new(Vec::new());
        serializer.self_describe().expect("writing to a Vec cannot fail");
        serde::Serialize::serialize(&tree, &mut serializer).expect("a hash tree always serializes");
        serializer.into_inner()
    }

    /// Every certified leaf path of both trees, sorted. Tree shape (and so the root hash) depends
    /// on insertion order; this listing does not, so tests compare it.
    #[cfg(test)]
    pub fn leaves(&self) -> Vec<Vec<Vec<u8>>> {
        let mut leaves: Vec<Vec<Vec<u8>>> = self
            .v2
            .as_hash_tree()
            .list_paths()
            .into_iter()
            .map(|path| path.iter().map(|l| l.as_bytes().to_vec()).collect())
            .collect();
        for (key, hash) in self.v1.iter() {
            leaves.push(vec![V1_LABEL.to_vec(), key.as_bytes().to_vec(), hash.to_vec()]);
        }
        leaves.sort();
        leaves
    }

    fn v1_labeled_hash(&self) -> Hash {
        labeled_hash(V1_LABEL, &self.v1.root_hash())
    }

    /// The v2 `IC-Certificate` header value proving the response with `response_hash` at `path`
    /// for a request to `request_path`; `None` if that response is not in the tree.
    pub fn v2_header(
        &self,
        certificate: &[u8],
        path: &CertPath,
        expr_path_b64: &str,
        expr_hash: &Hash,
        response_hash: &Hash,
        request_path: &str,
    ) -> Option<String> {
        let http_path = path.to_http();
        let certification = HttpCertification::response_only_prehashed(*expr_hash, *response_hash);
        let entry = HttpCertificationTreeEntry::new(&http_path, certification);
        let witness = self.v2.witness(&entry, request_path).ok()?;
        let tree = fork(pruned(self.v1_labeled_hash()), witness);
        Some(build_v2_certificate_header_value(certificate, &tree, expr_path_b64))
    }

    /// The v1 `IC-Certificate` header value for a request to `path`; the witness covers `path`
    /// and `/index.html`, the fallback v1 verifiers try.
    pub fn v1_header(&self, certificate: &[u8], path: &str) -> String {
        let witness = if self.v1.get(path.as_bytes()).is_some() {
            self.v1.witness(path.as_bytes())
        } else {
            self.v1.witness(b"/index.html")
        };
        let tree = fork(labeled(V1_LABEL, witness), pruned(self.v2.root_hash()));
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

    #[test]
    fn root_hash_is_the_digest_of_both_witnesses() {
        let mut trees = Trees::default();
        trees.set_v1("/a.html", Some([7; 32]));
        let path = CertPath::Exact("/a.html".into());
        trees.insert(&path, &[1; 32], [&[2; 32]]);
        let v1 = trees.v1.witness(b"/a.html");
        let v1_tree = fork(labeled(V1_LABEL, v1), pruned(trees.v2.root_hash()));
        assert_eq!(v1_tree.digest(), trees.root_hash());
        assert_eq!(v1_tree.lookup_path([V1_LABEL, b"/a.html"]), LookupResult::Found(&[7; 32]));
        let certification = HttpCertification::response_only_prehashed([1; 32], [2; 32]);
        let http_path = path.to_http();
        let entry = HttpCertificationTreeEntry::new(&http_path, certification);
        let v2_tree = fork(pruned(trees.v1_labeled_hash()), trees.v2.witness(&entry, "/a.html").unwrap());
        assert_eq!(v2_tree.digest(), trees.root_hash());
    }

    #[test]
    fn full_tree_digest_is_the_root_hash() {
        let mut trees = Trees::default();
        trees.set_v1("/a.html", Some([7; 32]));
        trees.insert(&CertPath::Wildcard("/".into()), &[1; 32], [&[2; 32]]);
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
        trees.insert(&path, &[1; 32], [&[2; 32], &[3; 32]]);
        trees.set_v1("/x", Some([1; 32]));
        assert_ne!(trees.root_hash(), before);
        trees.remove(&path);
        trees.set_v1("/x", None);
        assert_eq!(trees.root_hash(), before);
    }
}
