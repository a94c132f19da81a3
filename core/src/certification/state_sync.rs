//! Keeps a [`Certifier`] in step with the canister [`State`]: reads the change feed and the
//! metadata views (with their stored part hashes) through `State`'s public API, reopens the
//! stored trees after an upgrade, and rebuilds from all assets after a layout change or a
//! `clear`. `State` is also the [`ContentSource`] serving
//! reads from.
//!
//! Owns the translation from the store's views to certification inputs, including the defaults
//! of unset per-asset flags. Must not reach into the store's layout. Invariant: after
//! [`Certifier::sync`] returns `Ok`, the certifier reflects every asset in `State`.

use super::certifier::{complete, AssetEntry};
use super::input::{AssetView, Change, ContentSource, Encoding, EncodingView, RecordSink};
use super::record::RecordSummary;
use super::response_hash::ResponseHasher;
use super::{ArenaMemory, Certifier, CertifyError};
use crate::state::{self, State};
use crate::store::record_region::RecordRegionError;
use ic_certification::Hash;
use ic_stable_structures::Memory;

/// `enable_aliasing` when the uploader left it unset (the legacy canister's default).
pub const DEFAULT_ENABLE_ALIASING: bool = true;
/// `allow_raw_access` when the uploader left it unset (the legacy canister's current default).
pub const DEFAULT_ALLOW_RAW_ACCESS: bool = true;
/// Keys read per page while rebuilding.
const REBUILD_PAGE: usize = 1000;

impl<M: Memory> ContentSource for State<M> {
    fn read_content(&self, locator: &[u8], start: u64, end: u64) -> Option<Vec<u8>> {
        self.read_located(locator, start, end)
    }

    fn record_prefix(&self, address: u64, max: usize) -> Option<(Vec<u8>, u32)> {
        State::record_prefix(self, address, max).ok()
    }

    fn record_bytes(&self, address: u64, offset: u64, buf: &mut [u8]) -> bool {
        State::record_bytes(self, address, offset, buf).is_ok()
    }

    fn record_address(&self, key: &str) -> Option<u64> {
        State::record_address(self, key)
    }
}

impl<M: Memory> RecordSink for State<M> {
    fn write_record(&mut self, key: &str, bytes: &[u8]) -> Result<u64, RecordRegionError> {
        self.put_record(key, bytes)
    }

    fn remove_record(&mut self, key: &str) {
        State::remove_record(self, key);
    }
}

/// The certification input for one stored asset; encodings the canister does not serve
/// (anything but br, gzip, identity) are left out.
pub fn view_of(asset: state::AssetView) -> AssetView {
    AssetView {
        encodings: asset
            .encodings
            .into_iter()
            .filter_map(|e| {
                Some(EncodingView {
                    encoding: Encoding::from_name(&e.name)?,
                    length: e.total_length,
                    sha256: e.sha256,
                    part_sha256: e.part_sha256,
                    locator: e.locator,
                })
            })
            .collect(),
        key: asset.key,
        content_type: asset.content_type,
        max_age: asset.max_age,
        headers: asset.headers,
        enable_aliasing: asset.enable_aliasing.unwrap_or(DEFAULT_ENABLE_ALIASING),
        allow_raw_access: asset.allow_raw_access.unwrap_or(DEFAULT_ALLOW_RAW_ACCESS),
    }
}

impl Certifier {
    /// The certifier of `state` after `post_upgrade` (or `init`). When this version stored the
    /// trees in `state`'s tree memory and every asset has a record, the trees are reopened and
    /// nothing else is read: every commit updated them in the message that changed the store,
    /// so they certify every record already, and they are the path index too (work independent
    /// of the number of assets; both counts are stored lengths).
    ///
    /// Otherwise (fresh install, older version, unfinished change, records reset by a layout
    /// change) the trees are built anew from every asset, see [`Certifier::fill`].
    pub fn rebuild<M: Memory + Clone + 'static>(state: &mut State<M>) -> Result<Certifier, CertifyError> {
        let memory = ArenaMemory::new(state.cert_tree_memory());
        let reopened = match state.record_count() == state.asset_count() {
            true => Certifier::open(memory.clone()),
            false => None,
        };
        match reopened {
            Some(certifier) => Ok(certifier),
            None => Certifier::create(memory)?.fill(state),
        }
    }

    /// Certifies every asset of `state` in fresh trees. An asset whose record is current is
    /// certified from the record's table and response sets alone (no metadata read, no
    /// response decoded or hashed); any other asset (no record yet, or one written by a
    /// canister that built responses differently) is built from its metadata and its record
    /// rewritten. Stale records are freed first, so they never resolve a path.
    fn fill<M: Memory>(mut self, state: &mut State<M>) -> Result<Certifier, CertifyError> {
        let certifier = &mut self;
        let mut hasher = ResponseHasher::default();
        let mut after: Option<String> = None;
        loop {
            let page = state.record_addresses_after(after.as_deref(), REBUILD_PAGE);
            let Some((last, _)) = page.last().cloned() else { break };
            let mut prepared = Vec::with_capacity(page.len());
            let mut stale = Vec::new();
            for (key, address) in page {
                match RecordSummary::read(state, address, certifier.expression()) {
                    Ok(summary) => match AssetEntry::from_summary(address, summary) {
                        Some(entry) => prepared.push((key, Some(entry))),
                        None => stale.push(key),
                    },
                    Err(_) => stale.push(key),
                }
            }
            for key in stale {
                state.remove_record(&key);
            }
            certifier.install(prepared, state)?;
            after = Some(last);
        }
        // Assets without a current record (every asset, after a layout change) are built from
        // metadata; when every asset has one, the asset map is not even walked.
        let mut after: Option<String> = None;
        while state.record_count() != state.asset_count() {
            let keys = state.asset_keys_after(after.as_deref(), REBUILD_PAGE);
            let Some(last) = keys.last().cloned() else { break };
            let mut drafts = Vec::new();
            for key in keys {
                if state.record_address(&key).is_some() {
                    continue;
                }
                let Some(view) = state.asset_view(&key).map(view_of) else { continue };
                drafts.push((key, Some(certifier.draft(&view, &mut hasher)?)));
            }
            let built = complete(&mut hasher, certifier.expression(), drafts);
            let mut prepared = Vec::with_capacity(built.len());
            for (key, (responses, page)) in built.into_iter().filter_map(|(key, built)| Some((key, built?))) {
                prepared.push((key.clone(), Some(certifier.store(&key, responses, page, state)?)));
            }
            certifier.install(prepared, state)?;
            after = Some(last);
        }
        Ok(self)
    }

    /// Drains `state`'s change feed into the certifier, storing the record of every changed
    /// asset. Returns the new root hash for `certified_data` when anything changed. On error
    /// the caller must trap, so the update that changed the store is rolled back with it.
    pub fn sync<M: Memory + Clone + 'static>(&mut self, state: &mut State<M>) -> Result<Option<Hash>, CertifyError> {
        let changes = state.take_changes();
        if changes.is_empty() {
            return Ok(None);
        }
        if changes.cleared {
            state.clear_records();
            *self = Certifier::create(ArenaMemory::new(state.cert_tree_memory()))?.fill(state)?;
            return Ok(Some(self.root_hash()));
        }
        let feed: Vec<Change> = changes
            .keys
            .into_iter()
            .map(|key| match state.asset_view(&key) {
                Some(asset) => Change::Upsert(view_of(asset)),
                None => Change::Remove { key },
            })
            .collect();
        self.apply(feed, state).map(Some)
    }
}
