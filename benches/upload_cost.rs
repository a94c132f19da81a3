//! Instruction cost of the upload path, measured by running `dist/asset-canister.wasm.gz` in
//! local-ic (wasmtime with IC-style instruction metering). Prints one line per measurement.
//!
//! Run: `cargo bench -p asset-canister --bench upload_cost`

#[path = "../tests/support/mod.rs"]
mod support;

use asset_canister_core::state::HASHED_BYTES_PER_MESSAGE;
use asset_canister_core::types::*;
use candid::Nat;
use local_ic::limits::UPDATE_INSTRUCTIONS;
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use support::{admin, binary_asset, Canister};

const CHUNK: usize = 1_900_000;

fn main() {
    let mut c = Canister::install();
    let (batch, out) = c.create_batch();
    println!("create_batch: {} instructions", out.instructions);

    for chunks in [1usize, 8] {
        let content: Vec<u8> = (0..chunks * CHUNK).map(|i| (i * 31 % 251) as u8).collect();
        let mut ids = vec![];
        let mut upload_instructions = 0;
        for piece in content.chunks(CHUNK) {
            let arg = CreateChunkArg { batch_id: batch.clone(), content: ByteBuf::from(piece.to_vec()) };
            let (reply, out): (CreateChunkResponse, _) = c.update(admin(), "create_chunk", (arg,)).expect("create_chunk");
            upload_instructions += out.instructions;
            ids.push(reply.chunk_id);
        }
        let bytes = content.len() as f64;
        println!(
            "create_chunk x{chunks} ({} bytes): {upload_instructions} instructions, {:.2} per byte",
            content.len(),
            upload_instructions as f64 / bytes
        );
        let key = format!("/f{chunks}");
        let sha256 = Sha256::digest(&content);
        let out = c.commit_batch(Nat::from(0u64), binary_asset(&key, ids, &sha256)).expect("commit_batch");
        println!(
            "commit_batch (sha256 check + certification of {} bytes): {} instructions, {:.2} per byte",
            content.len(),
            out.instructions,
            out.instructions as f64 / bytes
        );
        if chunks > 1 {
            let per_byte = out.instructions as f64 / bytes;
            println!(
                "hashing share of one commit message: {HASHED_BYTES_PER_MESSAGE} bytes x {per_byte:.2} = {:.2} B instructions ({:.0}% of the {:.0} B update limit)",
                HASHED_BYTES_PER_MESSAGE as f64 * per_byte / 1e9,
                100.0 * HASHED_BYTES_PER_MESSAGE as f64 * per_byte / UPDATE_INSTRUCTIONS as f64,
                UPDATE_INSTRUCTIONS as f64 / 1e9
            );
        }
        let get = GetChunkArg { key, content_encoding: "identity".into(), index: Nat::from(0u64), sha256: None };
        let (_, out): (GetChunkResponse, _) = c.query(admin(), "get_chunk", (get,)).expect("get_chunk");
        println!(
            "get_chunk ({CHUNK} bytes): {} instructions of canister work, {:.2} per byte; {} with the IC's reply transmission",
            out.work_instructions(),
            out.work_instructions() as f64 / CHUNK as f64,
            out.instructions
        );
    }
}
