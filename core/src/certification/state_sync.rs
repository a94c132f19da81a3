//! Keeps a [`Certifier`] in step with the canister [`State`]: reads the change feed and the
//! metadata views (with their stored part hashes) through `State`'s public API, and rebuilds
//! from all assets after an upgrade or a `clear`. `State` is also the [`ContentSource`] serving
//! reads from.
//!
//! Owns the translation from the store's views to certification inputs, including the defaults
//! of unset per-asset flags. Must not reach into the store's layout. Invariant: after
//! [`Certifier::sync`] returns `Ok`, the certifier reflects every asset in `State`.

use super::input::{AssetView, Change, ContentSource, Encoding, EncodingView};
use super::paths;
use super::record;
use super::response_hash::ResponseHasher;
use super::responses::AssetResponses;
use super::{Certifier, CertifyError};
use crate::state::{self, State};
use ic_certification::Hash;
use ic_stable_structures::Memory;

/// `enable_aliasing` when the uploader left it unset (the legacy canister's default).
pub const DEFAULT_ENABLE_ALIASING: bool = true;
/// `allow_raw_access` when the uploader left it unset (the legacy canister's current default).
pub const DEFAULT_ALLOW_RAW_ACCESS: bool = true;
/// Keys read per page while rebuilding.
const REBUILD_PAGE: usize = 1000;

impl<M: Memory> ContentSource for State<M> {
    fn read(&self, key: &str, encoding: Encoding, start: u64, end: u64) -> Option<Vec<u8>> {
        let len = end.checked_sub(start)?;
        let bytes = self.read_encoding(key, encoding.name(), start, len).ok()?;
        (bytes.len() as u64 == len).then_some(bytes)
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
    /// Certifies every asset of `state` from scratch (after `post_upgrade`, or after `clear`).
    /// An asset whose stored record is current is restored from it without reading its
    /// metadata or hashing a response; any other asset (no record yet, one written by a canister
    /// that built responses differently, or a fallback page key) is built from its metadata.
    pub fn rebuild<M: Memory>(state: &State<M>) -> Result<Certifier, CertifyError> {
        let mut certifier = Certifier::new();
        let mut hasher = ResponseHasher::default();
        let mut after: Option<String> = None;
        loop {
            let keys = state.asset_keys_after(after.as_deref(), REBUILD_PAGE);
            let Some(last) = keys.last().cloned() else { break };
            let mut prepared = Vec::with_capacity(keys.len());
            for key in keys {
                let stored = state.cert_record(&key).and_then(|bytes| record::decode(&key, &bytes, certifier.expression()));
                let stored = match stored {
                    // Only fallback page keys need their metadata beside a current record.
                    Some(responses) if paths::scope_of(&key).is_none() => {
                        prepared.push((key, Some((responses, None))));
                        continue;
                    }
                    stored => stored,
                };
                let Some(view) = state.asset_view(&key).map(view_of) else { continue };
                let responses = match stored {
                    Some(responses) => responses,
                    None => AssetResponses::build(&view, certifier.expression(), &mut hasher)?,
                };
                let page = certifier.page_of(&view, &mut hasher);
                prepared.push((key, Some((responses, page))));
            }
            certifier.install(prepared);
            after = Some(last);
        }
        Ok(certifier)
    }

    /// Drains `state`'s change feed into the certifier and stores the record of every changed
    /// asset. Returns the new root hash for `certified_data` when anything changed. On error
    /// the caller must trap, so the update that changed the store is rolled back with it.
    pub fn sync<M: Memory>(&mut self, state: &mut State<M>) -> Result<Option<Hash>, CertifyError> {
        let changes = state.take_changes();
        if changes.is_empty() {
            return Ok(None);
        }
        if changes.cleared {
            state.clear_cert_records();
            *self = Certifier::rebuild(state)?;
            for (key, responses) in self.assets() {
                state.set_cert_record(key, record::encode(responses, self.expression()));
            }
            return Ok(Some(self.root_hash()));
        }
        let feed = changes.keys.into_iter().map(|key| match state.asset_view(&key) {
            Some(asset) => Change::Upsert(view_of(asset)),
            None => Change::Remove { key },
        });
        let feed: Vec<Change> = feed.collect();
        let keys: Vec<String> = feed
            .iter()
            .map(|change| match change {
                Change::Upsert(view) => view.key.clone(),
                Change::Remove { key } => key.clone(),
            })
            .collect();
        let root = self.apply(feed)?;
        for key in &keys {
            match self.asset(key) {
                Some(responses) => state.set_cert_record(key, record::encode(responses, self.expression())),
                None => state.remove_cert_record(key),
            }
        }
        Ok(Some(root))
    }
}
