//! The certifier: precomputed responses per asset, the served-path and fallback-scope indexes,
//! and the trees, updated incrementally per commit.
//!
//! Owns the mapping from served paths to assets and its certification. Must not parse requests.
//! Invariant: a path is in `paths` (scope in `scopes`) exactly when its responses are in the
//! trees, and `paths[p]` is the key `p` resolves to under the alias rules.

use super::input::{AssetView, Change};
use super::paths::{self, INDEX};
use super::response_hash::ResponseHasher;
use super::responses::{AssetResponses, CertifiedResponse, Expression, FallbackPage};
use super::tree::{CertPath, Trees};
use super::CertifyError;
use ic_certification::Hash;
use std::collections::{BTreeMap, BTreeSet};

/// One asset's certification ready to install: its responses and, when its key is a fallback
/// page, the page; `None` removes the key.
pub(super) type Prepared = (String, Option<(AssetResponses, Option<FallbackPage>)>);

/// A served path: the asset it resolves to and its precomputed `expr_path`.
#[derive(Debug, Clone)]
pub struct ServedPath {
    /// Key of the asset served.
    pub key: String,
    /// CBOR+base64 `expr_path` for the `IC-Certificate` header.
    pub expr_path: String,
}

/// A fallback scope: the page served for missing paths below it.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The page.
    pub page: FallbackPage,
    /// CBOR+base64 `expr_path` for the `IC-Certificate` header.
    pub expr_path: String,
}

/// What a request path resolves to.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// A stored asset, at its key or an alias.
    Asset {
        /// The served path (tree path).
        path: &'a str,
        /// Its index entry.
        served: &'a ServedPath,
        /// The asset's responses.
        asset: &'a AssetResponses,
    },
    /// A fallback scope answering a missing path.
    Fallback {
        /// The scope (wildcard path).
        scope: &'a str,
        /// Its entry.
        entry: &'a Scope,
    },
}

impl Target<'_> {
    /// The tree path the target's responses are certified at.
    pub fn cert_path(&self) -> CertPath {
        match self {
            Target::Asset { path, .. } => CertPath::Exact(path.to_string()),
            Target::Fallback { scope, .. } => CertPath::Wildcard(scope.to_string()),
        }
    }

    /// The precomputed `expr_path`.
    pub fn expr_path(&self) -> &str {
        match self {
            Target::Asset { served, .. } => &served.expr_path,
            Target::Fallback { entry, .. } => &entry.expr_path,
        }
    }
}

/// Certification state for the whole store.
#[derive(Debug)]
pub struct Certifier {
    expression: Expression,
    assets: BTreeMap<String, AssetResponses>,
    pages: BTreeMap<String, FallbackPage>,
    paths: BTreeMap<String, ServedPath>,
    scopes: BTreeMap<String, Scope>,
    trees: Trees,
}

impl Default for Certifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Certifier {
    /// An empty store: every path answers the certified plain 404.
    pub fn new() -> Certifier {
        let mut certifier = Certifier {
            expression: Expression::new(),
            assets: BTreeMap::new(),
            pages: BTreeMap::new(),
            paths: BTreeMap::new(),
            scopes: BTreeMap::new(),
            trees: Trees::default(),
        };
        certifier.recertify_scope("/");
        certifier.trees.rehash();
        certifier
    }

    /// Applies one commit's changes and returns the new root hash for `certified_data`.
    /// Every response is built before any state changes, so an error leaves `self` untouched.
    pub fn apply(&mut self, changes: impl IntoIterator<Item = Change>) -> Result<Hash, CertifyError> {
        let mut prepared = Vec::new();
        let mut hasher = ResponseHasher::default();
        for change in changes {
            prepared.push(match change {
                Change::Upsert(view) => {
                    let responses = AssetResponses::build(&view, &self.expression, &mut hasher)?;
                    let page = self.page_of(&view, &mut hasher);
                    (view.key, Some((responses, page)))
                }
                Change::Remove { key } => (key, None),
            });
        }
        Ok(self.install(prepared))
    }

    /// The fallback page `view` provides, if its key is a `404.html` or `/index.html`.
    pub(super) fn page_of(&self, view: &AssetView, hasher: &mut ResponseHasher) -> Option<FallbackPage> {
        paths::scope_of(&view.key).and_then(|_| {
            let status = if view.key == INDEX { 200 } else { 404 };
            FallbackPage::from_asset(view, status, &self.expression, hasher)
        })
    }

    /// The expression every response is certified with (records are tied to it).
    pub(super) fn expression(&self) -> &Expression {
        &self.expression
    }

    /// Installs prepared certifications (`None` removes the key) and returns the root hash.
    pub(super) fn install(&mut self, prepared: Vec<Prepared>) -> Hash {
        let mut touched_paths = BTreeSet::new();
        let mut touched_scopes = BTreeSet::new();
        for (key, new) in prepared {
            touched_paths.extend(paths::candidate_paths(&key));
            touched_scopes.extend(paths::scope_of(&key));
            self.pages.remove(&key);
            match new {
                Some((responses, page)) => {
                    if let Some(page) = page {
                        self.pages.insert(key.clone(), page);
                    }
                    self.assets.insert(key, responses);
                }
                None => {
                    self.assets.remove(&key);
                }
            }
        }
        for path in &touched_paths {
            self.recertify_path(path);
        }
        for scope in &touched_scopes {
            self.recertify_scope(scope);
        }
        self.trees.rehash()
    }

    /// Every certified asset's key with its responses, in key order.
    pub(super) fn assets(&self) -> impl Iterator<Item = (&String, &AssetResponses)> {
        self.assets.iter()
    }

    /// The value for `certified_data`.
    pub fn root_hash(&self) -> Hash {
        self.trees.root_hash()
    }

    /// CBOR of the whole certified tree (the legacy `certified_tree` query).
    pub fn certified_tree(&self) -> Vec<u8> {
        self.trees.full_tree_cbor()
    }

    /// Resolves a canonical request path to an asset or the deepest fallback scope.
    pub fn lookup(&self, canonical: &str) -> Target<'_> {
        if let Some((path, served)) = self.paths.get_key_value(canonical) {
            if let Some(asset) = self.assets.get(&served.key) {
                return Target::Asset { path, served, asset };
            }
        }
        paths::enclosing_scopes(canonical)
            .find_map(|s| self.scopes.get_key_value(s))
            .map(|(scope, entry)| Target::Fallback { scope, entry })
            .expect("the root scope is always certified")
    }

    /// The precomputed responses of an asset, by key.
    pub fn asset(&self, key: &str) -> Option<&AssetResponses> {
        self.assets.get(key)
    }

    /// The 405 response, certified at every path and scope.
    pub fn method_not_allowed(&self) -> &CertifiedResponse {
        &self.expression.method_not_allowed
    }

    /// The v2 `IC-Certificate` header value for `response` served from `target` to a request
    /// for `request_path` (the decoded path the verifier will see).
    pub fn v2_certificate_header(
        &self,
        certificate: &[u8],
        target: &Target<'_>,
        response: &CertifiedResponse,
        request_path: &str,
    ) -> Option<String> {
        self.trees.v2_header(
            certificate,
            &target.cert_path(),
            target.expr_path(),
            &self.expression.hash,
            &response.hash,
            request_path,
        )
    }

    /// The v1 `IC-Certificate` header value for a request to `path`.
    pub fn v1_certificate_header(&self, certificate: &[u8], path: &str) -> String {
        self.trees.v1_header(certificate, path)
    }

    /// Every certified leaf path, independent of insertion order.
    #[cfg(test)]
    fn leaves(&self) -> Vec<Vec<Vec<u8>>> {
        self.trees.leaves()
    }

    fn resolve<'a>(assets: &'a BTreeMap<String, AssetResponses>, path: &str) -> Option<&'a AssetResponses> {
        let servable = |a: &&AssetResponses| !a.variants.is_empty();
        assets.get(path).filter(servable).or_else(|| {
            paths::alias_targets(path)
                .iter()
                .filter_map(|k| assets.get(k))
                .find(|a| a.enable_aliasing && servable(a))
        })
    }

    fn recertify_path(&mut self, path: &str) {
        let cert_path = CertPath::Exact(path.to_string());
        let Some(asset) = Self::resolve(&self.assets, path) else {
            if self.paths.remove(path).is_some() {
                self.trees.remove(&cert_path);
                self.trees.set_v1(path, None);
            }
            return;
        };
        // Inserting replaces what the path certified before: no delete-then-insert walks.
        let v1 = asset.v1_variant().map(|v| v.view.sha256);
        let served = ServedPath { key: asset.key.clone(), expr_path: cert_path.expr_path_b64() };
        self.trees.insert(&cert_path, &asset.certified);
        self.trees.set_v1(path, v1);
        self.paths.insert(path.to_string(), served);
    }

    fn recertify_scope(&mut self, scope: &str) {
        let cert_path = CertPath::Wildcard(scope.to_string());
        let root = scope == "/";
        let page = self
            .pages
            .get(&paths::not_found_page(scope))
            .or_else(|| root.then(|| self.pages.get(INDEX)).flatten())
            .cloned()
            .or_else(|| root.then(|| FallbackPage::plain_not_found(&self.expression)));
        let Some(page) = page else {
            if self.scopes.remove(scope).is_some() {
                self.trees.remove(&cert_path);
            }
            return;
        };
        self.trees.insert(&cert_path, &page.certified);
        self.scopes.insert(scope.to_string(), Scope { page, expr_path: cert_path.expr_path_b64() });
    }
}

#[cfg(test)]
mod tests;
