//! The HTTP gateway on the shared port: a canister's certified response is served, by host name
//! and by `?canisterId=`, and a response whose body or certificate was tampered with is refused.

mod http_support;

use base64::Engine as _;
use candid::{CandidType, Encode};
use http_support::{agent, create_canister, ed25519, start_server, test_canister, CannedHttpResponse};
use ic_certification::{labeled, leaf, HashTree};
use ic_utils::interfaces::management_canister::builders::CanisterInstallMode as InstallMode;
use ic_utils::interfaces::ManagementCanister;
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};

const PATH: &str = "/hello.txt";
const BODY: &[u8] = b"hello from a certified canister";
const TAMPERED_BODY: &[u8] = b"hello from a TAMPERED canister";
const MARKER: &str = "@@certificate@@";

/// The Candid `HttpResponse` of the HTTP gateway interface (streaming fields left out).
#[derive(CandidType)]
struct HttpResponse {
    status_code: u16,
    headers: Vec<(String, String)>,
    body: ByteBuf,
    upgrade: Option<bool>,
}

/// The v1 certification tree `http_assets/<path> -> sha256(body)`.
fn asset_tree() -> HashTree {
    let hash: [u8; 32] = Sha256::digest(BODY).into();
    labeled(b"http_assets", labeled(PATH.as_bytes(), leaf(hash.to_vec())))
}

fn canned(body: &[u8], tree: &HashTree) -> CannedHttpResponse {
    let response = HttpResponse {
        status_code: 200,
        headers: vec![
            ("content-type".into(), "text/plain".into()),
            ("ic-certificate".into(), MARKER.into()),
        ],
        body: ByteBuf::from(body),
        upgrade: None,
    };
    let encoded = Encode!(&response).unwrap();
    let mut needle = vec![MARKER.len() as u8];
    needle.extend_from_slice(MARKER.as_bytes());
    let at = encoded.windows(needle.len()).position(|window| window == needle).unwrap();
    let mut tree_cbor = serde_cbor::Serializer::new(Vec::new());
    tree_cbor.self_describe().unwrap();
    serde::Serialize::serialize(tree, &mut tree_cbor).unwrap();
    let tree_b64 = base64::engine::general_purpose::STANDARD.encode(tree_cbor.into_inner());
    CannedHttpResponse {
        prefix: encoded[..at].to_vec(),
        before_certificate: b"certificate=:".to_vec(),
        after_certificate: format!(":, tree=:{tree_b64}:").into_bytes(),
        suffix: encoded[at + needle.len()..].to_vec(),
    }
}

async fn fetch(client: &reqwest::Client, url: &str) -> (u16, Vec<u8>) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_serves_certified_content_and_refuses_tampered_responses() {
    let server = start_server().await;
    let agent = agent(&server, ed25519(1)).await;
    let management = ManagementCanister::create(&agent);
    let canister = create_canister(&agent).await;
    let tree = asset_tree();
    let wasm = test_canister(&canned(BODY, &tree), &canned(TAMPERED_BODY, &tree));
    management.install_code(&canister, &wasm).with_mode(InstallMode::Install).call_and_wait().await.unwrap();
    agent.update(&canister, "certify").with_arg(tree.digest().to_vec()).call_and_wait().await.unwrap();

    let port = server.url().rsplit(':').next().unwrap().to_string();
    let host = format!("{canister}.localhost");
    let client = reqwest::Client::builder()
        .resolve(&host, format!("127.0.0.1:{port}").parse().unwrap())
        .build()
        .unwrap();
    let by_host = format!("http://{host}:{port}{PATH}");
    let by_query = format!("{}{PATH}?canisterId={canister}", server.url());

    assert_eq!(fetch(&client, &by_host).await, (200, BODY.to_vec()));
    assert_eq!(fetch(&client, &by_query).await, (200, BODY.to_vec()));

    for mode in [1u8, 2] {
        agent.update(&canister, "set_mode").with_arg(vec![mode]).call_and_wait().await.unwrap();
        let (status, body) = fetch(&client, &by_host).await;
        assert!(status >= 500, "mode {mode}: tampered response must be refused, got {status}");
        assert_ne!(body, TAMPERED_BODY);
        assert_ne!(body, BODY);
    }

    agent.update(&canister, "set_mode").with_arg(vec![0]).call_and_wait().await.unwrap();
    assert_eq!(fetch(&client, &by_host).await, (200, BODY.to_vec()));

    // A frontend served from the canister's origin reaches the replica API there too.
    let status = client.get(format!("http://{host}:{port}/api/v2/status")).send().await.unwrap();
    assert_eq!(status.status(), 200);
    assert_eq!(status.headers()["content-type"], "application/cbor");

    let unknown = format!("{}/hello.txt", server.url());
    assert_eq!(fetch(&client, &unknown).await.0, 400, "no canister named: nothing to serve");
    server.stop().await;
}
