//! Uploading a folder with the `ic-asset` crate (the library dfx and icx-asset use) and
//! telling the user what changed.
//!
//! Owns the call into `ic_asset::sync` and the summary. It never speaks the upload protocol
//! itself. The summary compares the canister's listing before and after the sync, so it reports
//! what the canister stores now, not what the uploader meant to do.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::Context as _;
use asset_canister_core::types::AssetDetails;
use candid::Principal;
use ic_agent::Agent;
use ic_utils::Canister;

use crate::listing::list_assets;
use crate::progress::SyncProgress;

/// What one sync changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncSummary {
    /// Assets that are new or whose content changed.
    pub uploaded: usize,
    /// Assets whose content was already stored.
    pub unchanged: usize,
    /// Assets removed because the folder no longer has them.
    pub deleted: usize,
    /// Bytes of content sent (all encodings).
    pub bytes: u64,
}

impl fmt::Display for SyncSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} uploaded, {} unchanged, {} deleted, {} bytes sent",
            self.uploaded, self.unchanged, self.deleted, self.bytes
        )
    }
}

/// Makes `canister_id` hold exactly the files of `dir` (with its `.ic-assets.json5` rules).
pub async fn sync_folder(agent: &Agent, canister_id: Principal, dir: &Path) -> anyhow::Result<SyncSummary> {
    let canister = Canister::builder()
        .with_agent(agent)
        .with_canister_id(canister_id)
        .build()
        .with_context(|| format!("cannot address canister {canister_id}"))?;
    let before = list_assets(&canister).await?;
    let progress = SyncProgress::new();
    let logger = slog::Logger::root(WarningsToStderr, slog::o!());
    let outcome = ic_asset::sync(&canister, &[dir], false, &logger, Some(&progress)).await;
    progress.finish();
    outcome.with_context(|| {
        format!(
            "syncing {} into {canister_id} failed: check that the folder's .ic-assets.json5 is valid and that your \
             identity may commit to this canister (a controller, or granted Commit with grant_permission)",
            dir.display()
        )
    })?;
    let after = list_assets(&canister).await?;
    Ok(summarize(&before, &after, progress.sent_bytes()))
}

fn summarize(before: &BTreeMap<String, AssetDetails>, after: &BTreeMap<String, AssetDetails>, bytes: u64) -> SyncSummary {
    let fingerprint = |asset: &AssetDetails| {
        let mut encodings: Vec<_> =
            asset.encodings.iter().map(|e| (e.content_encoding.clone(), e.sha256.clone())).collect();
        encodings.sort();
        encodings
    };
    let unchanged = after
        .iter()
        .filter(|(key, asset)| before.get(*key).is_some_and(|old| fingerprint(old) == fingerprint(asset)))
        .count();
    SyncSummary {
        uploaded: after.len() - unchanged,
        unchanged,
        deleted: before.keys().filter(|key| !after.contains_key(*key)).count(),
        bytes,
    }
}

/// ic-asset logs through slog; its warnings (say, a rule that matched nothing) reach the user.
struct WarningsToStderr;

impl slog::Drain for WarningsToStderr {
    type Ok = ();
    type Err = slog::Never;

    fn log(&self, record: &slog::Record<'_>, _: &slog::OwnedKVList) -> Result<(), slog::Never> {
        if record.level().is_at_least(slog::Level::Warning) {
            eprintln!("warning: {}", record.msg());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use asset_canister_core::types::{AssetDetails, AssetEncodingDetails};
    use candid::{Int, Nat};
    use serde_bytes::ByteBuf;

    use super::{summarize, SyncSummary};

    fn asset(key: &str, encodings: &[(&str, u8)]) -> (String, AssetDetails) {
        let encodings = encodings
            .iter()
            .map(|(name, sha)| AssetEncodingDetails {
                content_encoding: (*name).to_owned(),
                sha256: Some(ByteBuf::from(vec![*sha; 32])),
                length: Nat::from(1u8),
                modified: Int::from(0),
            })
            .collect();
        (key.to_owned(), AssetDetails { key: key.to_owned(), content_type: "text/plain".into(), encodings })
    }

    #[test]
    fn summary_counts_new_changed_unchanged_and_deleted_assets() {
        let before: BTreeMap<_, _> =
            [asset("/same", &[("identity", 1)]), asset("/edited", &[("identity", 2)]), asset("/gone", &[("identity", 3)])]
                .into();
        let after: BTreeMap<_, _> = [
            asset("/same", &[("identity", 1)]),
            asset("/edited", &[("identity", 9)]),
            asset("/new", &[("identity", 4), ("gzip", 5)]),
        ]
        .into();
        assert_eq!(summarize(&before, &after, 42), SyncSummary { uploaded: 2, unchanged: 1, deleted: 1, bytes: 42 });
    }

    #[test]
    fn a_new_encoding_of_the_same_content_counts_as_uploaded() {
        let before: BTreeMap<_, _> = [asset("/page", &[("identity", 1)])].into();
        let after: BTreeMap<_, _> = [asset("/page", &[("identity", 1), ("gzip", 2)])].into();
        assert_eq!(summarize(&before, &after, 0), SyncSummary { uploaded: 1, unchanged: 0, deleted: 0, bytes: 0 });
    }
}
