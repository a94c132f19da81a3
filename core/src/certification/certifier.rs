//! The certifier: the served paths and fallback scopes, certified in the trees, which are also
//! the index from a path to the record answering it (each terminator entry's `aux` word is the
//! record's address), updated incrementally per commit, with each asset's responses in its
//! record (written through a [`RecordSink`] and read back in place through a
//! [`ContentSource`]).
//!
//! Owns the mapping from served paths to assets and its certification. Must not parse requests.
//! Invariant: a path (scope) is certified exactly when the alias (fallback) rules resolve it
//! over the stored records, with that record's responses, and its terminator entry's `aux` is
//! that record's address ([`PLAIN_NOT_FOUND`] for the canister's own 404). The heap holds
//! nothing per asset: `post_upgrade` reopens the trees and is done.

use super::input::{AssetView, Change, ContentSource, RecordSink};
use super::paths::{self, INDEX};
use super::record::{self, RecordError, RecordSummary, RecordView};
use super::response_hash::ResponseHasher;
use super::responses::{AssetDraft, AssetResponses, CertifiedResponse, Expression, FallbackPage, PageDraft};
use super::stable_tree::ArenaMemory;
use super::response_set::{ResponseSet, SetDraft};
use super::tree::{CertPath, PathWitness, Trees};
use super::CertifyError;
use ic_certification::Hash;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// `aux` of a scope answered by the canister's own plain 404, which has no stored record.
const PLAIN_NOT_FOUND: u64 = u64::MAX;

/// What resolving paths needs of one certified asset: its record's address, flags and
/// response sets (read from the record, or just built by the commit).
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

/// The assets one [`Certifier::install`] resolves paths against: the entries it installs, and
/// any other key's read from its record on first use (a few alias and page candidates per
/// changed key), each at most once. Dropped when the install ends: nothing stays on the heap.
struct Entries<'s> {
    records: &'s dyn ContentSource,
    expression: &'s Expression,
    known: BTreeMap<String, Option<AssetEntry>>,
}

impl Entries<'_> {
    /// The certified asset `key`, if it has a current record.
    fn get(&mut self, key: &str) -> Option<&AssetEntry> {
        if !self.known.contains_key(key) {
            let entry = self.records.record_address(key).and_then(|address| {
                let summary = RecordSummary::read(self.records, address, self.expression).ok()?;
                AssetEntry::from_summary(address, summary)
            });
            self.known.insert(key.to_string(), entry);
        }
        self.known.get(key).and_then(Option::as_ref)
    }

    /// The asset a served path resolves to under the alias rules.
    fn resolve(&mut self, path: &str) -> Option<AssetEntry> {
        if let Some(entry) = self.get(path).filter(|a| a.servable) {
            return Some(entry.clone());
        }
        paths::alias_targets(path)
            .iter()
            .find_map(|key| self.get(key).filter(|a| a.enable_aliasing && a.servable).cloned())
    }

    /// The stored page a scope serves, with its record's address: its `404.html`'s, else (root
    /// only) `/index.html`'s; `None` leaves the root to the plain 404 and removes any other.
    fn page(&mut self, scope: &str) -> Option<(u64, ResponseSet)> {
        let mut page_of = |key: &str| self.get(key).and_then(|a| Some((a.address, a.page.clone()?)));
        page_of(&paths::not_found_page(scope)).or_else(|| (scope == "/").then(|| page_of(INDEX)).flatten())
    }
}

/// What a request path resolves to, with the record to answer from.
pub enum Target<'a> {
    /// A stored asset, at its key or an alias.
    Asset {
        /// The served path (tree path).
        path: &'a str,
        /// Address of the asset's record.
        address: u64,
        /// The path's header tree, written while finding it.
        witness: PathWitness,
        /// The asset's record.
        record: RecordView<'a>,
    },
    /// A fallback scope answering a missing path.
    Fallback {
        /// The scope (wildcard path).
        scope: &'a str,
        /// Address of the record holding the page; `None` for the canister's plain 404.
        address: Option<u64>,
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

    /// The record to answer from.
    pub fn record(&self) -> &RecordView<'_> {
        match self {
            Target::Asset { record, .. } | Target::Fallback { record, .. } => record,
        }
    }
}

/// Certification state for the whole store: the expression and the trees, nothing per asset.
#[derive(Debug)]
pub struct Certifier {
    expression: Expression,
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
/// rules), the `aux` words change meaning or the tree holds responses in another form (3: exact
/// paths hold their set's hash only): trees stored by an older version are then rebuilt instead
/// of reopened.
const TREE_RULES_VERSION: u8 = 3;

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

    /// A certifier over the trees a certifier of this version stored in `memory`, which certify
    /// the records already (every commit updated them in the message that wrote the records);
    /// `None` when there are none to reuse. Reads the arena's header only.
    pub fn open(memory: ArenaMemory) -> Option<Certifier> {
        Trees::open(memory, &tree_stamp(&Expression::new())).map(Certifier::with_trees)
    }

    fn with_trees(trees: Trees) -> Certifier {
        let expression = Expression::new();
        let page = FallbackPage::plain_not_found(&expression);
        let plain_not_found = (record::encode_page(&page, &expression), page.certified);
        Certifier { expression, plain_not_found, trees }
    }

    fn certify_empty(&mut self) -> Result<(), CertifyError> {
        self.trees.insert(&CertPath::Wildcard("/"), &self.plain_not_found.1, PLAIN_NOT_FOUND)?;
        self.trees.rehash()?;
        Ok(())
    }

    /// Applies one commit's changes, writing each changed asset's record to `records`, and
    /// returns the new root hash for `certified_data`. Every response is built before anything
    /// is written, so a [`CertifyError::PartHashesMissing`] leaves `self` and `records`
    /// untouched; after a [`CertifyError::RecordNotWritten`] the caller must trap (records may
    /// have been replaced).
    pub fn apply(&mut self, changes: impl IntoIterator<Item = Change>, records: &mut dyn RecordSink) -> Result<Hash, CertifyError> {
        let mut drafts = Vec::new();
        let mut hasher = ResponseHasher::default();
        for change in changes {
            drafts.push(match change {
                Change::Upsert(view) => {
                    let draft = self.draft(&view, &mut hasher)?;
                    (view.key, Some(draft))
                }
                Change::Remove { key } => (key, None),
            });
        }
        let built = complete(&mut hasher, &self.expression, drafts);
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
        self.install(prepared, records)
    }

    /// Writes the record of `key` and returns the entry resolving paths to it.
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

    /// The responses of `view` and the fallback page it provides (if its key is a `404.html`
    /// or `/index.html`), their hashes requested from `hasher` (see [`complete`]).
    pub(super) fn draft(&self, view: &AssetView, hasher: &mut ResponseHasher) -> Result<Drafted, CertifyError> {
        let responses = AssetDraft::build(view, &self.expression, hasher)?;
        let page = paths::scope_of(&view.key).and_then(|_| {
            let status = if view.key == INDEX { 200 } else { 404 };
            PageDraft::from_asset(view, status, &self.expression, hasher)
        });
        Ok((responses, page))
    }

    /// The expression every response is certified with (records are tied to it).
    pub(super) fn expression(&self) -> &Expression {
        &self.expression
    }

    /// Installs prepared entries (`None`: the key's record is gone) whose records `records`
    /// now holds: re-resolves every path and scope they could occupy against `records`,
    /// certifies the result, and returns the root hash.
    pub(super) fn install(&mut self, prepared: Vec<Prepared>, records: &dyn ContentSource) -> Result<Hash, CertifyError> {
        let mut touched_paths = BTreeSet::new();
        let mut touched_scopes = BTreeSet::new();
        let mut entries = Entries { records, expression: &self.expression, known: BTreeMap::new() };
        for (key, entry) in prepared {
            touched_paths.extend(paths::candidate_paths(&key));
            touched_scopes.extend(paths::scope_of(&key));
            entries.known.insert(key, entry);
        }
        for path in &touched_paths {
            let cert_path = CertPath::Exact(path);
            match entries.resolve(path) {
                Some(asset) => {
                    // Inserting replaces what the path certified before: no delete-then-insert.
                    self.trees.insert(&cert_path, &asset.certified, asset.address)?;
                    self.trees.set_v1(path, asset.v1_sha256)?;
                }
                None => {
                    self.trees.remove(&cert_path)?;
                    self.trees.set_v1(path, None)?;
                }
            }
        }
        for scope in &touched_scopes {
            let cert_path = CertPath::Wildcard(scope);
            match entries.page(scope) {
                Some((address, certified)) => self.trees.insert(&cert_path, &certified, address)?,
                None if scope == "/" => self.trees.insert(&cert_path, &self.plain_not_found.1, PLAIN_NOT_FOUND)?,
                None => self.trees.remove(&cert_path).map(drop)?,
            }
        }
        self.trees.rehash()?;
        Ok(self.trees.root_hash())
    }

    /// The value for `certified_data`.
    pub fn root_hash(&self) -> Hash {
        self.trees.root_hash()
    }

    /// CBOR of the whole certified tree (the legacy `certified_tree` query).
    pub fn certified_tree(&self) -> Result<Vec<u8>, CertifyError> {
        Ok(self.trees.full_tree_cbor()?)
    }

    /// Resolves a canonical request path to an asset or the deepest fallback scope by walking
    /// the tree (the exact path's walk also writes its header tree), and opens the record to
    /// answer from.
    pub fn lookup<'a>(&'a self, canonical: &'a str, source: &'a dyn ContentSource) -> Result<Target<'a>, RecordError> {
        let text = &self.expression.text;
        let unindexed = |error| RecordError::Unindexed { error };
        if let Some(witness) = self.trees.find_exact(canonical).map_err(unindexed)? {
            let address = witness.aux;
            let record = RecordView::stored(source, address, text)?;
            return Ok(Target::Asset { path: canonical, address, witness, record });
        }
        for scope in paths::enclosing_scopes(canonical) {
            let Some(aux) = self.trees.aux(&CertPath::Wildcard(scope)).map_err(unindexed)? else { continue };
            let (address, record) = match aux {
                PLAIN_NOT_FOUND => (None, RecordView::heap(&self.plain_not_found.0, text)?),
                address => (Some(address), RecordView::stored(source, address, text)?),
            };
            return Ok(Target::Fallback { scope, address, record });
        }
        Err(RecordError::Unrouted)
    }

    /// The record of an asset, by key (the legacy streaming callback names assets by key).
    pub fn asset_record<'a>(&'a self, key: &str, source: &'a dyn ContentSource) -> Option<Result<RecordView<'a>, RecordError>> {
        let address = source.record_address(key)?;
        Some(RecordView::stored(source, address, &self.expression.text))
    }

    /// The key of the asset `target` serves (the path itself or the alias target whose record
    /// it answers from); `None` for a fallback. Reads asset records by key, so only the legacy
    /// streaming answer (which names the asset in its token) asks.
    pub fn served_key(&self, target: &Target<'_>, source: &dyn ContentSource) -> Option<String> {
        let Target::Asset { path, address, .. } = *target else { return None };
        std::iter::once(path.to_string())
            .chain(paths::alias_targets(path))
            .find(|key| source.record_address(key) == Some(address))
    }

    /// The 405 response, certified at every path and scope.
    pub fn method_not_allowed(&self) -> &CertifiedResponse {
        &self.expression.method_not_allowed
    }

    /// The v2 `IC-Certificate` header value for `response` served from `target` to a request
    /// for `request_path` (the decoded path the verifier will see). `below` is the response's
    /// witness inside an asset's response set as its record stores it; without it (the shared
    /// 405) it is written from the set in the record's summary. `None` when the record or the
    /// tree cannot be read (the response then fails verification; nothing traps).
    pub fn v2_certificate_header(
        &self,
        certificate: &[u8],
        target: &Target<'_>,
        response: &CertifiedResponse,
        below: Option<&[u8]>,
        request_path: &str,
    ) -> Option<String> {
        let expr_path = target.cert_path().expr_path_cbor();
        match target {
            Target::Asset { witness, record, .. } => {
                let written;
                let below = match below {
                    Some(below) => below,
                    None => {
                        let set = record.response_set(&self.expression).ok()??;
                        let mut out = Vec::new();
                        set.witness_cbor(&self.expression.hash, &response.hash, &mut out);
                        written = out;
                        &written
                    }
                };
                Some(self.trees.v2_header_exact(certificate, witness, below, &expr_path))
            }
            Target::Fallback { scope, .. } => self.trees.v2_header_wildcard(certificate, scope, &expr_path, request_path),
        }
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
}

/// An upserted asset's responses and fallback page, their hashes requested but not digested.
pub(super) type Drafted = (AssetDraft, Option<PageDraft>);

/// An upserted asset's responses and fallback page, hashed, with their response sets.
pub(super) type Built = (AssetResponses, Option<FallbackPage>);

/// Completes the drafts of one round of `hasher` (`None`: a removed key, passed through):
/// digests every response hash they requested together, then their response sets together.
pub(super) fn complete<K>(hasher: &mut ResponseHasher, expression: &Expression, drafts: Vec<(K, Option<Drafted>)>) -> Vec<(K, Option<Built>)> {
    let hashes = hasher.finish_round();
    // The drafts of the sets go to one list, in order, and come back hashed in the same order.
    let mut sets = Vec::new();
    let resolved: Vec<_> = drafts
        .into_iter()
        .map(|(key, draft)| {
            let resolved = draft.map(|(responses, page)| {
                let responses = responses.resolve(&hashes, expression).map_set(|set| sets.push(set));
                let page = page.map(|page| page.resolve(&hashes, expression).map_set(|set| sets.push(set)));
                (responses, page)
            });
            (key, resolved)
        })
        .collect();
    let mut hashed = SetDraft::hash_all(sets).into_iter();
    let mut next = |()| hashed.next().expect("one hashed set per draft");
    resolved
        .into_iter()
        .map(|(key, resolved)| (key, resolved.map(|(responses, page)| (responses.map_set(&mut next), page.map(|page| page.map_set(&mut next))))))
        .collect()
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
