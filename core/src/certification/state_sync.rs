//! Keeps a [`Certifier`] in step with the canister [`State`]: reads the change feed and the
//! metadata views (with their stored part hashes) through `State`'s public API, and rebuilds
//! from all assets after an upgrade or a `clear`. `State` is also the [`ContentSource`] serving
//! reads from.
//!
//! Owns the translation from the store's views to certification inputs, including the defaults
//! of unset per-asset flags. Must not reach into the store's layout. Invariant: after
//! [`Certifier::sync`] returns `Ok`, the certifier reflects every asset in `State`.

use super::input::{AssetView, Change, ContentSource, Encoding, EncodingView};
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
    pub fn rebuild<M: Memory>(state: &State<M>) -> Result<Certifier, CertifyError> {
        let mut certifier = Certifier::new();
        let mut after: Option<String> = None;
        loop {
            let keys = state.asset_keys_after(after.as_deref(), REBUILD_PAGE);
            let Some(last) = keys.last().cloned() else { break };
            let changes = keys.iter().filter_map(|k| state.asset_view(k)).map(|a| Change::Upsert(view_of(a)));
            certifier.apply(changes)?;
            after = Some(last);
        }
        Ok(certifier)
    }

    /// Drains `state`'s change feed into the certifier. Returns the new root hash for
    /// `certified_data` when anything changed. On error the caller must trap, so the update
    /// that changed the store is rolled back with it.
    pub fn sync<M: Memory>(&mut self, state: &mut State<M>) -> Result<Option<Hash>, CertifyError> {
        let changes = state.take_changes();
        if changes.is_empty() {
            return Ok(None);
        }
        if changes.cleared {
            *self = Certifier::rebuild(state)?;
            return Ok(Some(self.root_hash()));
        }
        let feed = changes.keys.into_iter().map(|key| match state.asset_view(&key) {
            Some(asset) => Change::Upsert(view_of(asset)),
            None => Change::Remove { key },
        });
        let feed: Vec<Change> = feed.collect();
        self.apply(feed).map(Some)
    }
}
