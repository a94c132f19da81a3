//! Compatibility with the `ic-asset` 0.29 client, checked against the crate itself.
//!
//! `ic_asset::compute_state_hash` hashes a local directory exactly as a synced canister must
//! hash its state; the same bytes stored through the core's upload API must give the same hex
//! string. (`ic_asset::compute_evidence` needs a live canister; it shares the operation
//! encoding tested in `asset_canister_core::evidence`, and runs against the Wasm once local-ic
//! serves it.)

use asset_canister_core::permissions::Caller;
use asset_canister_core::state::{CommitProgress, State, HASHED_BYTES_PER_MESSAGE};
use asset_canister_core::types::*;
use candid::{Nat, Principal};
use ic_stable_structures::VectorMemory;
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

const NOW: u64 = 1_700_000_000_000_000_000;

fn site() -> (PathBuf, Vec<(&'static str, Vec<u8>)>) {
    let dir = std::env::temp_dir().join(format!("asset-canister-ic-asset-compat-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let files = vec![
        ("a.bin", (0..=255u8).cycle().take(1000).collect::<Vec<u8>>()),
        // Larger than ic-asset's 1.9 MB chunk size, uploaded here as two chunks.
        ("big.bin", (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect()),
    ];
    for (name, content) in &files {
        std::fs::write(dir.join(name), content).unwrap();
    }
    (dir, files)
}

#[test]
fn state_hash_equals_ic_asset_compute_state_hash() {
    let (dir, files) = site();
    let logger = slog::Logger::root(slog::Discard, slog::o!());
    let expected = ic_asset::compute_state_hash(&[dir.as_path()], &logger).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let me = Caller { principal: Principal::from_slice(&[1; 10]), is_controller: true };
    let mut state = State::init(VectorMemory::default(), me.principal, None).unwrap();
    let batch = state.create_batch(&me, NOW).unwrap();
    let mut ops = vec![];
    for (name, content) in &files {
        let pieces: Vec<ByteBuf> = content.chunks(1_900_000).map(|c| ByteBuf::from(c.to_vec())).collect();
        let ids = state
            .create_chunks(&me, &CreateChunksArg { batch_id: batch.clone(), content: pieces }, NOW)
            .unwrap();
        let key = format!("/{name}");
        ops.push(BatchOperationKind::CreateAsset(CreateAssetArguments {
            key: key.clone(),
            content_type: "application/octet-stream".into(),
            max_age: None,
            headers: None,
            enable_aliasing: None,
            // ic-asset's AssetConfig defaults allow_raw_access to Some(true).
            allow_raw_access: Some(true),
        }));
        ops.push(BatchOperationKind::SetAssetContent(SetAssetContentArguments {
            key,
            content_encoding: "identity".into(),
            chunk_ids: ids,
            last_chunk: None,
            sha256: Some(ByteBuf::from(Sha256::digest(content).to_vec())),
        }));
    }
    let args = CommitBatchArguments { batch_id: batch, operations: ops };
    assert_eq!(state.commit_batch(&me, &args, NOW, HASHED_BYTES_PER_MESSAGE), Ok(CommitProgress::Done));
    assert_eq!(state.compute_state_hash(), Some(expected));
    assert_ne!(state.list(&ListRequest { start: Some(Nat::from(0u64)), length: None }).len(), 0);
}
