//! End to end with the project's asset canister (`dist/asset-canister.wasm.gz`): the `ic-asset`
//! crate (what dfx, icp-cli and icx-asset use) uploads a directory through the replica API, and
//! the verifying gateway serves the files, a multi-chunk one included, byte for byte.

#[path = "http_support/server.rs"]
mod http_server;

use candid::Encode;
use http_server::{agent, ed25519, start_server};
use ic_utils::interfaces::ManagementCanister;
use ic_utils::Canister;

const WASM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../dist/asset-canister.wasm.gz");
/// Larger than one 2 MB chunk, so upload is chunked and serving streams.
const BIG_BYTES: usize = 3 * 1024 * 1024 + 17;

#[tokio::test(flavor = "multi_thread")]
async fn ic_asset_uploads_and_the_gateway_serves_verified_files() {
    let wasm = std::fs::read(WASM).expect("dist/asset-canister.wasm.gz (scripts/build.sh makes it)");
    let server = start_server().await;
    let agent = agent(&server, ed25519(1)).await;
    let management = ManagementCanister::create(&agent);
    let (canister_id,) =
        management.create_canister().as_provisional_create_with_amount(None).call_and_wait().await.unwrap();
    management.install_code(&canister_id, &wasm).with_raw_arg(Encode!().unwrap()).call_and_wait().await.unwrap();

    let site = std::env::temp_dir().join(format!("local-ic-asset-site-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&site);
    std::fs::create_dir_all(&site).unwrap();
    let index = b"<!doctype html><title>local</title><p>served by local-ic</p>".to_vec();
    let big: Vec<u8> = (0..BIG_BYTES).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(site.join("index.html"), &index).unwrap();
    std::fs::write(site.join("big.bin"), &big).unwrap();

    let canister = Canister::builder().with_agent(&agent).with_canister_id(canister_id).build().unwrap();
    let logger = slog::Logger::root(slog::Discard, slog::o!());
    ic_asset::sync(&canister, &[site.as_path()], false, &logger, None).await.expect("ic-asset sync succeeds");

    let port = server.url().rsplit(':').next().unwrap().to_string();
    let host = format!("{canister_id}.localhost");
    let client = reqwest::Client::builder()
        .resolve(&host, format!("127.0.0.1:{port}").parse().unwrap())
        .build()
        .unwrap();
    for (path, expected) in [("/index.html", &index), ("/big.bin", &big)] {
        let response = client.get(format!("http://{host}:{port}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let body = response.bytes().await.unwrap();
        assert_eq!(body.len(), expected.len(), "{path}");
        assert!(body.as_ref() == expected.as_slice(), "{path}: served bytes differ");
    }
    std::fs::remove_dir_all(&site).unwrap();
    server.stop().await;
}
