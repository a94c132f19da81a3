//! The certifier: the served-path and fallback-scope indexes and the trees, updated
//! incrementally per commit, with each asset's responses in its record (written through a
//! [`RecordSink`] and read back in place through a [`ContentSource`]).
//!
//! Owns the mapping from served paths to assets and its certification. Must not parse requests.
//! Invariant: a path is in `paths` (scope in `scopes`) exactly when its responses are in the
//! trees, `paths[p]` is the key `p` resolves to under the alias rules with that key's current
//! record address, and the heap holds per asset only its address, flags and response sets.

use super::input::{AssetView, Change, ContentSource, RecordSink};
use super::paths::{self, INDEX};
use super::record::{self, RecordError, RecordSummary, RecordView};
use super::response_hash::ResponseHasher;
use super::responses::{AssetResponses, CertifiedResponse, Expression, FallbackPage};
use super::stable_tree::ArenaMemory;
use super::tree::{CertPath, Proven, ResponseSet, Trees};
use super::CertifyError;
use ic_certification::Hash;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What the heap keeps of one certified asset.
#[derive(Debug, Clone)]
pub(super) struct AssetEntry {
    address: u64,
    enable_aliasing: bool,
    servable: bool,
    v1_sha256: Option<Hash>,
    certified: ResponseSet,
    /// The fallback page's response set, when the key is a `404.html` or `/index.html` and
    /// one of its encodings qualifies.
    page: Option<ResponseSet>,
}

impl AssetEntry {
    /// The entry of a record read back at `address`; `None` for a page-only summary.
    pub(super) fn from_summary(address: u64, summary: RecordSummary) -> Option<AssetEntry> {
        Some(AssetEntry {
            address,
            enable_aliasing: summary.enable_aliasing,
            servable: summary.servable,
            v1_sha256: summary.v1_sha256,
            certified: summary.certified?,
            page: summary.page,
        })
    }

    fn from_built(address: u64, asset: AssetResponses, page: Option<FallbackPage>) -> AssetEntry {
        AssetEntry {
            address,
            enable_aliasing: asset.enable_aliasing,
            servable: !asset.variants.is_empty(),
            v1_sha256: asset.v1_variant().map(|v| v.view.sha256),
            certified: asset.certified,
            page: page.map(|p| p.certified),
        }
    }
}

/// One asset's certification ready to install; `None` removes the key.
pub(super) type Prepared = (String, Option<AssetEntry>);

/// A served path: the asset it resolves to, its record and its precomputed `expr_path`.
#[derive(Debug, Clone)]
pub struct ServedPath {
    /// Key of the asset served.
    pub key: String,
    /// Address of the asset's record.
    pub address: u64,
    /// CBOR+base64 `expr_path` for the `IC-Certificate` header.
    pub expr_path: String,
    /// The response set certified at the path (shared with the asset's entry, not copied): the
    /// header's witness below the path is written from it.
    set: ResponseSet,
}

/// A fallback scope: the page served for missing paths below it.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Address of the record holding the page; `None` for the canister's plain 404.
    pub address: Option<u64>,
    /// CBOR+base64 `expr_path` for the `IC-Certificate` header.
    pub expr_path: String,
}

/// What a request path resolves to, with the record to answer from.
pub enum Target<'a> {
    /// A stored asset, at its key or an alias.
    Asset {
        /// The served path (tree path).
        path: &'a str,
        /// Its index entry.
        served: &'a ServedPath,
        /// The asset's record.
        record: RecordView<'a>,
    },
    /// A fallback scope answering a missing path.
    Fallback {
        /// The scope (wildcard path).
        scope: &'a str,
        /// Its entry.
        entry: &'a Scope,
        /// The record holding the page.
        record: RecordView<'a>,
    },
}

impl Target<'_> {
    /// The tree path the target's responses are certified at.
    pub fn cert_path(&self) -> CertPath<'_> {
        match *self {
            Target::Asset { path, .. } => CertPath::Exact(path),
            Target::Fallback { scope, .. } => CertPath::Wildcard(scope),
        }
    }

    /// The precomputed `expr_path`.
    pub fn expr_path(&self) -> &str {
        match self {
            Target::Asset { served, .. } => &served.expr_path,
            Target::Fallback { entry, .. } => &entry.expr_path,
        }
    }

    /// The record to answer from.
    pub fn record(&self) -> &RecordView<'_> {
        match self {
            Target::Asset { record, .. } | Target::Fallback { record, .. } => record,
        }
    }
}

/// Certification state for the whole store.
#[derive(Debug)]
pub struct Certifier {
    expression: Expression,
    assets: BTreeMap<String, AssetEntry>,
    paths: BTreeMap<String, ServedPath>,
    scopes: BTreeMap<String, Scope>,
    /// The plain 404's record (held here, not in a sink: it depends on no asset) and its set.
    plain_not_found: (Vec<u8>, ResponseSet),
    trees: Trees,
}

impl Default for Certifier {
    fn default() -> Self {
        Self::new()
    }
}

/// Bump whenever the same assets would be certified at other tree paths (alias or fallback
/// rules): trees stored by an older version are then rebuilt instead of reopened.
const TREE_RULES_VERSION: u8 = 1;

impl Certifier {
    /// An empty store with its trees on the heap: every path answers the certified plain 404.
    pub fn new() -> Certifier {
        let mut certifier = Certifier::with_trees(Trees::default());
        certifier.certify_empty().expect("a heap memory holds the trees of an empty store");
        certifier
    }

    /// An empty store with its trees created in `memory` (whatever it held is abandoned).
    pub fn create(memory: ArenaMemory) -> Result<Certifier, CertifyError> {
        let mut certifier = Certifier::with_trees(Trees::create(memory, tree_stamp(&Expression::new()))?);
        certifier.certify_empty()?;
        Ok(certifier)
    }

    /// A certifier over the trees a certifier of this version stored in `memory`, with no asset
    /// installed yet (the trees already certify them: install with `certify` false); `None`
    /// when there are none to reuse.
    pub fn open(memory: ArenaMemory) -> Result<Option<Certifier>, CertifyError> {
        Ok(Trees::open(memory, &tree_stamp(&Expression::new()))?.map(Certifier::with_trees))
    }

    fn with_trees(trees: Trees) -> Certifier {
        let expression = Expression::new();
        let page = FallbackPage::plain_not_found(&expression);
        let plain_not_found = (record::encode_page(&page, &expression), page.certified);
        Certifier { expression, assets: BTreeMap::new(), paths: BTreeMap::new(), scopes: BTreeMap::new(), plain_not_found, trees }
    }

    fn certify_empty(&mut self) -> Result<(), CertifyError> {
        self.recertify_scope("/", true)?;
        self.trees.rehash()?;
        Ok(())
    }

    /// Applies one commit's changes, writing each changed asset's record to `records`, and
    /// returns the new root hash for `certified_data`. Every response is built before anything
    /// is written, so a [`CertifyError::PartHashesMissing`] leaves `self` and `records`
    /// untouched; after a [`CertifyError::RecordNotWritten`] the caller must trap (records may
    /// have been replaced).
    pub fn apply(&mut self, changes: impl IntoIterator<Item = Change>, records: &mut dyn RecordSink) -> Result<Hash, CertifyError> {
        let mut built = Vec::new();
        let mut hasher = ResponseHasher::default();
        for change in changes {
            built.push(match change {
                Change::Upsert(view) => {
                    let responses = AssetResponses::build(&view, &self.expression, &mut hasher)?;
                    let page = self.page_of(&view, &mut hasher);
                    (view.key, Some((responses, page)))
                }
                Change::Remove { key } => (key, None),
            });
        }
        let mut prepared = Vec::with_capacity(built.len());
        for (key, new) in built {
            let entry = match new {
                Some((responses, page)) => Some(self.store(&key, responses, page, records)?),
                None => {
                    records.remove_record(&key);
                    None
                }
            };
            prepared.push((key, entry));
        }
        self.install(prepared, true)
    }

    /// Writes the record of `key` and returns the heap entry pointing at it.
    pub(super) fn store(
        &self,
        key: &str,
        responses: AssetResponses,
        page: Option<FallbackPage>,
        records: &mut dyn RecordSink,
    ) -> Result<AssetEntry, CertifyError> {
        let bytes = record::encode(&responses, page.as_ref(), &self.expression);
        let address = records
            .write_record(key, &bytes)
            .map_err(|error| CertifyError::RecordNotWritten { key: key.to_string(), error })?;
        Ok(AssetEntry::from_built(address, responses, page))
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

    /// Installs prepared entries (`None` removes the key) and returns the root hash. With
    /// `certify` false only the heap indexes change: the trees already certify the entries
    /// (restoring a certifier over reopened trees after an upgrade).
    pub(super) fn install(&mut self, prepared: Vec<Prepared>, certify: bool) -> Result<Hash, CertifyError> {
        let mut touched_paths = BTreeSet::new();
        let mut touched_scopes = BTreeSet::new();
        for (key, entry) in prepared {
            touched_paths.extend(paths::candidate_paths(&key));
            touched_scopes.extend(paths::scope_of(&key));
            match entry {
                Some(entry) => {
                    self.assets.insert(key, entry);
                }
                None => {
                    self.assets.remove(&key);
                }
            }
        }
        for path in &touched_paths {
            self.recertify_path(path, certify)?;
        }
        for scope in &touched_scopes {
            self.recertify_scope(scope, certify)?;
        }
        if certify {
            self.trees.rehash()?;
        }
        Ok(self.trees.root_hash())
    }

    /// Whether `key` is certified.
    pub(super) fn has_asset(&self, key: &str) -> bool {
        self.assets.contains_key(key)
    }

    /// Number of certified assets.
    pub(super) fn asset_count(&self) -> u64 {
        self.assets.len() as u64
    }

    /// The value for `certified_data`.
    pub fn root_hash(&self) -> Hash {
        self.trees.root_hash()
    }

    /// CBOR of the whole certified tree (the legacy `certified_tree` query).
    pub fn certified_tree(&self) -> Result<Vec<u8>, CertifyError> {
        Ok(self.trees.full_tree_cbor()?)
    }

    /// Resolves a canonical request path to an asset or the deepest fallback scope, and opens
    /// the record to answer from.
    pub fn lookup<'a>(&'a self, canonical: &str, source: &'a dyn ContentSource) -> Result<Target<'a>, RecordError> {
        let text = &self.expression.text;
        if let Some((path, served)) = self.paths.get_key_value(canonical) {
            let record = RecordView::stored(source, served.address, text)?;
            return Ok(Target::Asset { path, served, record });
        }
        let (scope, entry) = paths::enclosing_scopes(canonical)
            .find_map(|s| self.scopes.get_key_value(s))
            .expect("the root scope is always certified");
        let record = match entry.address {
            Some(address) => RecordView::stored(source, address, text)?,
            None => RecordView::heap(&self.plain_not_found.0, text)?,
        };
        Ok(Target::Fallback { scope, entry, record })
    }

    /// The record of an asset, by key (the legacy streaming callback names assets by key).
    pub fn asset_record<'a>(&'a self, key: &str, source: &'a dyn ContentSource) -> Option<Result<RecordView<'a>, RecordError>> {
        let entry = self.assets.get(key)?;
        Some(RecordView::stored(source, entry.address, &self.expression.text))
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
        // An exact path's witness below its terminator comes from the heap copy of its set.
        let set = match target {
            Target::Asset { served, .. } => Some(&served.set),
            Target::Fallback { .. } => None,
        };
        let proven = Proven { set, expr_hash: &self.expression.hash, hash: &response.hash };
        self.trees.v2_header(certificate, &target.cert_path(), target.expr_path(), &proven, request_path)
    }

    /// The v1 `IC-Certificate` header value for a request to `path`; `None` when the stored
    /// tree cannot be read.
    pub fn v1_certificate_header(&self, certificate: &[u8], path: &str) -> Option<String> {
        self.trees.v1_header(certificate, path)
    }

    /// Every certified leaf path, independent of insertion order.
    #[cfg(test)]
    fn leaves(&self) -> Vec<Vec<Vec<u8>>> {
        self.trees.leaves()
    }

    fn resolve<'a>(assets: &'a BTreeMap<String, AssetEntry>, path: &str) -> Option<(&'a String, &'a AssetEntry)> {
        let servable = |(_, a): &(&String, &AssetEntry)| a.servable;
        assets.get_key_value(path).filter(servable).or_else(|| {
            paths::alias_targets(path)
                .iter()
                .filter_map(|k| assets.get_key_value(k))
                .find(|entry| entry.1.enable_aliasing && servable(entry))
        })
    }

    fn recertify_path(&mut self, path: &str, certify: bool) -> Result<(), CertifyError> {
        let cert_path = CertPath::Exact(path);
        let Some((key, asset)) = Self::resolve(&self.assets, path) else {
            if self.paths.remove(path).is_some() && certify {
                self.trees.remove(&cert_path)?;
                self.trees.set_v1(path, None)?;
            }
            return Ok(());
        };
        // Inserting replaces what the path certified before: no delete-then-insert walks.
        let served = ServedPath {
            key: key.clone(),
            address: asset.address,
            expr_path: cert_path.expr_path_b64(),
            set: asset.certified.clone(),
        };
        if certify {
            self.trees.insert(&cert_path, &asset.certified)?;
            self.trees.set_v1(path, asset.v1_sha256)?;
        }
        self.paths.insert(path.to_string(), served);
        Ok(())
    }

    fn recertify_scope(&mut self, scope: &str, certify: bool) -> Result<(), CertifyError> {
        let cert_path = CertPath::Wildcard(scope);
        let root = scope == "/";
        let page_of = |key: &str| self.assets.get(key).and_then(|a| Some((Some(a.address), a.page.as_ref()?)));
        let page = page_of(&paths::not_found_page(scope))
            .or_else(|| root.then(|| page_of(INDEX)).flatten())
            .or_else(|| root.then_some((None, &self.plain_not_found.1)));
        let Some((address, certified)) = page else {
            if self.scopes.remove(scope).is_some() && certify {
                self.trees.remove(&cert_path)?;
            }
            return Ok(());
        };
        let entry = Scope { address, expr_path: cert_path.expr_path_b64() };
        if certify {
            self.trees.insert(&cert_path, certified)?;
        }
        self.scopes.insert(scope.to_string(), entry);
        Ok(())
    }
}

/// What stored trees were derived with: the record layout (which fixes every response and its
/// hash), the expression and the path rules. Trees with another stamp are rebuilt.
fn tree_stamp(expression: &Expression) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(b"asset-canister certification trees");
    hasher.update([record::RECORD_VERSION, TREE_RULES_VERSION]);
    hasher.update(expression.hash);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests;
