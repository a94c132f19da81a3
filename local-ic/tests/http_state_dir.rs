//! `--state-dir`: a canister created, installed and written over HTTP is there, with its data
//! and the same root key, after the server is stopped and started again on the same directory.

mod http_support;

use http_support::{agent, create_canister, ed25519, plain_test_canister, start_server};
use ic_utils::interfaces::ManagementCanister;
use local_ic::server::LocalServer;

#[tokio::test(flavor = "multi_thread")]
async fn canisters_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("local-ic-http-state-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let wasm = plain_test_canister();

    let first = LocalServer::start_persistent(&dir, 0).await.unwrap();
    let root_key = first.root_key().to_vec();
    let owner = agent(&first, ed25519(1)).await;
    let management = ManagementCanister::create(&owner);
    let canister = create_canister(&owner).await;
    management.install_code(&canister, &wasm).call_and_wait().await.unwrap();
    owner.update(&canister, "set").with_arg(b"kept".to_vec()).call_and_wait().await.unwrap();
    first.stop().await;

    let second = LocalServer::start_persistent(&dir, 0).await.unwrap();
    assert_eq!(second.root_key(), root_key.as_slice());
    let owner = agent(&second, ed25519(1)).await;
    assert_eq!(owner.query(&canister, "get").call().await.unwrap(), b"kept");
    let next = create_canister(&owner).await;
    assert_ne!(next, canister, "ids keep counting after the replay");
    second.stop().await;

    // Without the directory, the same canister id names nothing.
    let in_memory = start_server().await;
    let stranger = agent(&in_memory, ed25519(1)).await;
    let missing = stranger.query(&canister, "get").call().await.unwrap_err();
    assert!(
        matches!(&missing, ic_agent::AgentError::UncertifiedReject { reject, .. }
            if reject.reject_code == ic_agent::agent::RejectCode::DestinationInvalid),
        "{missing:?}"
    );
    in_memory.stop().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
