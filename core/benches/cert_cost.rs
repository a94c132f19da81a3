//! Instruction counts of certification in the real canister, as the local IC's Wasm meter counts
//! them: a fresh commit of 50 assets of 4 KiB, recertifying every asset without content changes,
//! the same for one 10 MB asset, serving a 10 KiB asset, and the upgrade that rebuilds the
//! certification of all of them (`post_upgrade`, from `InstallOutcome::instructions`).
//!
//! Run: `cargo build -p asset-canister --release --target wasm32-unknown-unknown`, then
//! `ASSET_CANISTER_WASM=<path to asset_canister.wasm> cargo bench -p asset-canister-core --bench cert_cost`.

use asset_canister_core::http_types::{HttpRequest, HttpResponse};
use asset_canister_core::types::*;
use candid::{Decode, Encode, Principal};
use local_ic::{InstallMode, LocalIc};
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};

const ASSETS: usize = 50;

struct Canister {
    ic: LocalIc,
    id: Principal,
    me: Principal,
}

impl Canister {
    fn update(&mut self, method: &str, arg: Vec<u8>) -> local_ic::CallOutcome {
        self.ic.update_call(self.id, self.me, method, arg).unwrap_or_else(|e| panic!("{method}: {e}"))
    }

    /// Uploads each `(key, content)` in one batch and returns the `commit_batch` instructions.
    fn commit(&mut self, files: &[(String, Vec<u8>)]) -> u64 {
        let out = self.update("create_batch", Encode!(&CreateBatchArg {}).unwrap());
        let batch_id = Decode!(&out.reply, CreateBatchResponse).unwrap().batch_id;
        let mut operations = Vec::new();
        for (key, content) in files {
            let mut chunk_ids = Vec::new();
            for piece in content.chunks(1_900_000) {
                let arg = CreateChunkArg { batch_id: batch_id.clone(), content: ByteBuf::from(piece.to_vec()) };
                let out = self.update("create_chunk", Encode!(&arg).unwrap());
                chunk_ids.push(Decode!(&out.reply, CreateChunkResponse).unwrap().chunk_id);
            }
            operations.push(BatchOperationKind::CreateAsset(CreateAssetArguments {
                key: key.clone(),
                content_type: "text/html".into(),
                max_age: Some(60),
                headers: Some(vec![("x-frame-options".into(), "DENY".into())]),
                enable_aliasing: None,
                allow_raw_access: None,
            }));
            operations.push(BatchOperationKind::SetAssetContent(SetAssetContentArguments {
                key: key.clone(),
                content_encoding: "identity".into(),
                chunk_ids,
                last_chunk: None,
                sha256: Some(ByteBuf::from(Sha256::digest(content).to_vec())),
            }));
        }
        let arg = CommitBatchArguments { batch_id, operations };
        self.update("commit_batch", Encode!(&arg).unwrap()).instructions
    }

    /// Changes `max_age` of every key in one batch (every response of those assets changes, no
    /// content does) and returns the `commit_batch` instructions.
    fn recertify(&mut self, keys: &[String], max_age: u64) -> u64 {
        let out = self.update("create_batch", Encode!(&CreateBatchArg {}).unwrap());
        let batch_id = Decode!(&out.reply, CreateBatchResponse).unwrap().batch_id;
        let operations = keys
            .iter()
            .map(|key| {
                BatchOperationKind::SetAssetProperties(SetAssetPropertiesArguments {
                    key: key.clone(),
                    max_age: Some(Some(max_age)),
                    headers: None,
                    allow_raw_access: None,
                    is_aliased: None,
                })
            })
            .collect();
        let arg = CommitBatchArguments { batch_id, operations };
        self.update("commit_batch", Encode!(&arg).unwrap()).instructions
    }

    fn serve(&mut self, url: &str, version: Option<u16>) -> (u64, HttpResponse) {
        let request = HttpRequest {
            method: "GET".into(),
            url: url.into(),
            headers: vec![("accept-encoding".into(), "gzip, deflate, br".into())],
            body: ByteBuf::new(),
            certificate_version: version,
        };
        let out = self.ic.query_call(self.id, self.me, "http_request", Encode!(&request).unwrap()).unwrap();
        (out.instructions, Decode!(&out.reply, HttpResponse).unwrap())
    }
}

fn main() {
    let path = std::env::var("ASSET_CANISTER_WASM")
        .expect("set ASSET_CANISTER_WASM to the asset canister's .wasm or .wasm.gz");
    let wasm = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let me = Principal::from_slice(&[7; 29]);
    let mut ic = LocalIc::new();
    let id = ic.create_canister(vec![me]).unwrap();
    ic.install_code(id, me, &wasm, Encode!(&None::<AssetCanisterArgs>).unwrap(), InstallMode::Install).unwrap();
    let mut canister = Canister { ic, id, me };

    let files: Vec<(String, Vec<u8>)> =
        (0..ASSETS).map(|i| (format!("/page{i}.html"), (0..4096).map(|b| (b * 7 + i) as u8).collect())).collect();
    let keys: Vec<String> = files.iter().map(|(k, _)| k.clone()).collect();
    let commit = canister.commit(&files);
    println!("commit {ASSETS} assets of 4 KiB (fresh): {commit} instructions");
    let again = canister.recertify(&keys, 120);
    println!("recertify {ASSETS} assets (properties only): {again} instructions, {} per asset", again / ASSETS as u64);

    let big: Vec<u8> = (0..10_000_000u64).map(|i| (i * 31 % 251) as u8).collect();
    canister.commit(&[("/video.bin".into(), big)]);
    let big_again = canister.recertify(&["/video.bin".into()], 120);
    println!("recertify one 10 MB asset (properties only): {big_again} instructions");

    let page: Vec<u8> = (0..10_240).map(|b| (b % 97) as u8).collect();
    canister.commit(&[("/ten.html".into(), page.clone())]);
    for version in [Some(2), None] {
        let (instructions, response) = canister.serve("/ten.html", version);
        assert_eq!(response.status_code, 200);
        assert_eq!(response.body.as_slice(), page.as_slice());
        println!("serve 10 KiB asset (certificate_version {version:?}): {instructions} instructions");
    }

    let assets = ASSETS + 2;
    let arg = Encode!(&None::<AssetCanisterArgs>).unwrap();
    let upgrade = canister.ic.install_code(canister.id, canister.me, &wasm, arg, InstallMode::Upgrade).unwrap();
    println!(
        "upgrade (post_upgrade rebuilds {assets} assets): {} instructions, {} per asset, heap {} bytes",
        upgrade.instructions,
        upgrade.instructions / assets as u64,
        upgrade.heap_bytes
    );
    let (_, response) = canister.serve("/ten.html", Some(2));
    assert_eq!(response.body.as_slice(), page.as_slice(), "still served after the upgrade");
}
