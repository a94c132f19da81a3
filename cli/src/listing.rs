//! What a canister stores: the `list` query, paged, and its table for `ls`.
//!
//! Owns reading the asset list over the legacy API with the core crate's Candid types. Read
//! only: nothing here changes a canister.

use std::collections::BTreeMap;

use anyhow::Context as _;
use asset_canister_core::types::{AssetDetails, ListRequest};
use candid::Nat;
use ic_utils::call::SyncCall;
use ic_utils::Canister;

/// Every asset of `canister`, by key, following `list` pages until one adds nothing new.
pub async fn list_assets(canister: &Canister<'_>) -> anyhow::Result<BTreeMap<String, AssetDetails>> {
    let mut assets = BTreeMap::new();
    loop {
        let request = ListRequest { start: Some(Nat::from(assets.len())), length: None };
        let (page,): (Vec<AssetDetails>,) = canister
            .query("list")
            .with_arg(request)
            .build()
            .call()
            .await
            .with_context(|| {
                format!("cannot list the assets of {}: is it an asset canister on this network?", canister.canister_id())
            })?;
        let before = assets.len();
        assets.extend(page.into_iter().map(|asset| (asset.key.clone(), asset)));
        if assets.len() == before {
            return Ok(assets);
        }
    }
}

/// One line per asset: key, content type, and each encoding with its size.
pub fn render(assets: &BTreeMap<String, AssetDetails>) -> String {
    let mut out = String::new();
    let mut total: u128 = 0;
    for asset in assets.values() {
        let encodings: Vec<String> = asset
            .encodings
            .iter()
            .map(|encoding| {
                let length = nat_u128(&encoding.length);
                total += length;
                format!("{} {length}", encoding.content_encoding)
            })
            .collect();
        out.push_str(&format!("{}\t{}\t{}\n", asset.key, asset.content_type, encodings.join(", ")));
    }
    out.push_str(&format!("{} assets, {total} bytes stored\n", assets.len()));
    out
}

fn nat_u128(n: &Nat) -> u128 {
    u128::try_from(n.0.clone()).unwrap_or(u128::MAX)
}
