//! Instruction cost of the upload path, measured by running `dist/asset-canister.wasm.gz` in
//! local-ic (wasmtime with IC-style instruction metering). Prints one line per measurement.
//!
//! Run: `cargo bench -p asset-canister --bench upload_cost`

use asset_canister_core::state::HASHED_BYTES_PER_MESSAGE;
use asset_canister_core::types::*;
use local_ic::limits::UPDATE_INSTRUCTIONS;
use candid::{Decode, Encode, Nat, Principal};
use local_ic::{InstallMode, LocalIc};
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};

const CHUNK: usize = 1_900_000;

fn main() {
    let wasm = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/dist/asset-canister.wasm.gz"))
        .expect("dist/asset-canister.wasm.gz (run scripts/build.sh)");
    let me = Principal::from_slice(&[7; 29]);
    let mut ic = LocalIc::new();
    let canister = ic.create_canister(vec![me]).unwrap();
    ic.install_code(canister, me, &wasm, Encode!(&None::<AssetCanisterArgs>).unwrap(), InstallMode::Install)
        .unwrap();
    let update = |ic: &mut LocalIc, method: &str, arg: Vec<u8>| {
        ic.update_call(canister, me, method, arg).unwrap_or_else(|e| panic!("{method}: {e}"))
    };

    let out = update(&mut ic, "create_batch", Encode!(&CreateBatchArg {}).unwrap());
    let batch = Decode!(&out.reply, CreateBatchResponse).unwrap().batch_id;
    println!("create_batch: {} instructions", out.instructions);

    for chunks in [1usize, 8] {
        let content: Vec<u8> = (0..chunks * CHUNK).map(|i| (i * 31 % 251) as u8).collect();
        let mut ids = vec![];
        let mut upload_instructions = 0;
        for piece in content.chunks(CHUNK) {
            let arg = CreateChunkArg { batch_id: batch.clone(), content: ByteBuf::from(piece.to_vec()) };
            let out = update(&mut ic, "create_chunk", Encode!(&arg).unwrap());
            upload_instructions += out.instructions;
            ids.push(Decode!(&out.reply, CreateChunkResponse).unwrap().chunk_id);
        }
        let bytes = content.len() as f64;
        println!(
            "create_chunk x{chunks} ({} bytes): {upload_instructions} instructions, {:.2} per byte",
            content.len(),
            upload_instructions as f64 / bytes
        );
        let key = format!("/f{chunks}");
        let sha256 = Sha256::digest(&content);
        let ops = vec![
            BatchOperationKind::CreateAsset(CreateAssetArguments {
                key: key.clone(),
                content_type: "application/octet-stream".into(),
                max_age: None,
                headers: None,
                enable_aliasing: None,
                allow_raw_access: None,
            }),
            BatchOperationKind::SetAssetContent(SetAssetContentArguments {
                key: key.clone(),
                content_encoding: "identity".into(),
                chunk_ids: ids,
                last_chunk: None,
                sha256: Some(ByteBuf::from(sha256.to_vec())),
            }),
        ];
        let arg = CommitBatchArguments { batch_id: Nat::from(0u64), operations: ops };
        let out = update(&mut ic, "commit_batch", Encode!(&arg).unwrap());
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
        let out = ic.query_call(canister, me, "get_chunk", Encode!(&get).unwrap()).unwrap();
        println!(
            "get_chunk ({CHUNK} bytes): {} instructions, {:.2} per byte",
            out.instructions,
            out.instructions as f64 / CHUNK as f64
        );
    }
}
