//! Upload progress on the terminal: indicatif bars fed by ic-asset's progress hook.
//!
//! Owns the bars and the count of bytes to send. It only observes the sync; nothing
//! here influences what is uploaded. Bars draw only when stderr is a terminal.

use std::sync::atomic::{AtomicU64, Ordering};

use ic_asset::{AssetSyncProgressRenderer, AssetSyncState};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

/// The bars of one sync.
pub struct SyncProgress {
    stage: ProgressBar,
    files: ProgressBar,
    bytes: ProgressBar,
    to_send: AtomicU64,
}

impl SyncProgress {
    /// Bars on stderr (hidden when it is not a terminal).
    pub fn new() -> Self {
        let multi = MultiProgress::new();
        let stage = multi.add(ProgressBar::new_spinner());
        stage.set_style(ProgressStyle::with_template("{spinner} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
        stage.enable_steady_tick(std::time::Duration::from_millis(120));
        let files = multi.add(ProgressBar::new(0));
        files.set_style(
            ProgressStyle::with_template("  files {bar:30} {pos}/{len}").unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let bytes = multi.add(ProgressBar::new(0));
        bytes.set_style(
            ProgressStyle::with_template("  bytes {bar:30} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Self { stage, files, bytes, to_send: AtomicU64::new(0) }
    }

    /// Bytes of new and changed content (all encodings) ic-asset sent. Small files travel inside
    /// the commit rather than as chunks, and the hook reports only chunks as uploaded, so this
    /// counts what ic-asset announced it would send; a failed sync never reaches the summary.
    pub fn sent_bytes(&self) -> u64 {
        self.to_send.load(Ordering::Relaxed)
    }

    /// Removes the bars from the terminal.
    pub fn finish(&self) {
        for bar in [&self.stage, &self.files, &self.bytes] {
            bar.finish_and_clear();
        }
    }
}

impl AssetSyncProgressRenderer for SyncProgress {
    fn set_state(&self, state: AssetSyncState) {
        let text = match state {
            AssetSyncState::GatherAssetDescriptors => "reading the folder",
            AssetSyncState::ListAssets => "listing the canister's assets",
            AssetSyncState::GetAssetProperties => "reading asset properties",
            AssetSyncState::CreateBatch => "creating a batch",
            AssetSyncState::StageContents => "uploading new and changed files",
            AssetSyncState::AssembleBatch => "assembling the batch",
            AssetSyncState::CommitBatch => "committing",
            AssetSyncState::Done => "done",
        };
        self.stage.set_message(text);
        if matches!(state, AssetSyncState::CommitBatch) {
            // Small files travel inside the commit itself.
            self.bytes.set_position(self.bytes.length().unwrap_or(0));
        }
    }

    fn set_asset_properties_to_retrieve(&self, total: usize) {
        self.stage.set_message(format!("reading properties of {total} assets"));
    }

    fn inc_asset_properties_retrieved(&self) {
        self.stage.tick();
    }

    fn set_total_assets(&self, total: usize) {
        self.files.set_length(total as u64);
    }

    fn increment_complete_assets(&self) {
        self.files.inc(1);
    }

    fn add_total_bytes(&self, add: usize) {
        self.to_send.fetch_add(add as u64, Ordering::Relaxed);
        self.bytes.inc_length(add as u64);
    }

    fn add_uploaded_bytes(&self, add: usize) {
        self.bytes.inc(add as u64);
    }

    fn set_total_batch_operations(&self, total: usize) {
        self.stage.set_message(format!("committing {total} operations"));
    }

    fn add_committed_batch_operations(&self, add: usize) {
        self.stage.set_message(format!("committed {add} more operations"));
    }
}
