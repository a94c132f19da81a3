//! icp-cli 1.5.0 (npm `@icp-sdk/icp-cli-linux-x64`) installs a pre-built Wasm into the local IC
//! over `--network <url> --root-key <hex>`, and ic-agent then sees the module and calls it.
//!
//! Needs the icp binary in `ICP_CLI`: `scripts/setup.sh` installs it with npm and `scripts/test.sh`
//! points `ICP_CLI` at it. `icp deploy` itself is not covered:
//! it creates canisters through the cycles ledger and the cycles minting canister, which this
//! local IC does not host, so the canister is created through the management canister first.

mod http_support;

use std::process::Command;

use http_support::{agent, ed25519, plain_test_canister, start_server};
use ic_agent::identity::AnonymousIdentity;
use ic_utils::interfaces::ManagementCanister;
use sha2::{Digest, Sha256};

#[tokio::test(flavor = "multi_thread")]
async fn icp_cli_installs_a_prebuilt_wasm() {
    let icp = std::env::var("ICP_CLI")
        .expect("ICP_CLI must point at the icp binary: run scripts/setup.sh, or use scripts/test.sh");
    let server = start_server().await;
    // A fresh HOME: icp-cli's default identity there is the anonymous one.
    let home = std::env::temp_dir().join(format!("local-ic-icp-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).unwrap();
    let anonymous = agent(&server, AnonymousIdentity).await;
    let (canister,) = ManagementCanister::create(&anonymous)
        .create_canister()
        .as_provisional_create_with_amount(None)
        .call_and_wait()
        .await
        .unwrap();
    let wasm = plain_test_canister();
    let wasm_path = home.join("prebuilt.wasm");
    std::fs::write(&wasm_path, &wasm).unwrap();

    let url = server.url().to_string();
    let root_key = hex::encode(server.root_key());
    let target = canister.to_text();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(icp)
            .args(["canister", "install", &target, "--wasm"])
            .arg(&wasm_path)
            .args(["--network", &url, "--root-key", &root_key, "--yes"])
            .env("HOME", &home)
            .env("DO_NOT_TRACK", "1")
            .output()
            .expect("icp runs")
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "icp canister install failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );

    assert_eq!(anonymous.read_state_canister_module_hash(canister).await.unwrap(), Sha256::digest(&wasm).to_vec());
    let user = agent(&server, ed25519(1)).await;
    user.update(&canister, "set").with_arg(b"via icp-cli".to_vec()).call_and_wait().await.unwrap();
    assert_eq!(user.query(&canister, "get").call().await.unwrap(), b"via icp-cli");
    server.stop().await;
}
