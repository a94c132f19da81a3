//! The management canister over HTTP with ic-utils' `ManagementCanister`: gzipped and chunked
//! installs, upgrade, controller changes, stop and start, status, and canister metadata in
//! `read_state`; plus secp256k1, delegated and badly expiring agents.

mod http_support;

use std::io::Write as _;
use std::time::Duration;

use http_support::{agent, create_canister, ed25519, plain_test_canister, start_server};
use ic_agent::agent::RejectCode;
use ic_agent::identity::{DelegatedIdentity, Secp256k1Identity, SignedDelegation};
use ic_agent::{Agent, AgentError, Identity};
use ic_management_canister_types_for_ic_utils::{CanisterStatusType, ChunkHash, UploadChunkArgs};
use ic_transport_types::Delegation;
use ic_utils::call::AsyncCall;
use ic_utils::interfaces::management_canister::builders::CanisterInstallMode;
use ic_utils::interfaces::ManagementCanister;
use sha2::{Digest, Sha256};

/// `wasm` with a custom section appended (sections may follow all others).
fn with_custom_section(mut wasm: Vec<u8>, name: &str, content: &[u8]) -> Vec<u8> {
    let mut payload = Vec::new();
    leb128::write::unsigned(&mut payload, name.len() as u64).unwrap();
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(content);
    wasm.push(0);
    leb128::write::unsigned(&mut wasm, payload.len() as u64).unwrap();
    wasm.extend_from_slice(&payload);
    wasm
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn error_code(error: &AgentError) -> Option<&str> {
    match error {
        AgentError::CertifiedReject { reject, .. } | AgentError::UncertifiedReject { reject, .. } => {
            reject.error_code.as_deref()
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gzipped_chunked_and_upgrade_installs() {
    let server = start_server().await;
    let agent = agent(&server, ed25519(1)).await;
    let management = ManagementCanister::create(&agent);
    let canister = create_canister(&agent).await;
    let wasm = plain_test_canister();

    let gzipped = gzip(&wasm);
    management.install_code(&canister, &gzipped).with_mode(CanisterInstallMode::Install).call_and_wait().await.unwrap();
    agent.update(&canister, "set").with_arg(b"gz".to_vec()).call_and_wait().await.unwrap();
    assert_eq!(agent.query(&canister, "get").call().await.unwrap(), b"gz");
    assert_eq!(
        agent.read_state_canister_module_hash(canister).await.unwrap(),
        Sha256::digest(&gzipped).to_vec(),
        "the module hash is of the module as submitted"
    );

    let (first, second) = wasm.split_at(wasm.len() / 2);
    let mut hashes = Vec::new();
    for chunk in [first, second] {
        let args = UploadChunkArgs { canister_id: canister, chunk: chunk.to_vec() };
        let (hash,) = management.upload_chunk(&canister, &args).call_and_wait().await.unwrap();
        assert_eq!(hash.hash, Sha256::digest(chunk).to_vec());
        hashes.push(hash);
    }
    let (stored,) = management.stored_chunks(&canister).call_and_wait().await.unwrap();
    assert_eq!(stored.len(), 2);
    let wrong = management
        .install_chunked_code(&canister, &[0; 32])
        .with_chunk_hashes(hashes.clone())
        .with_install_mode(CanisterInstallMode::Reinstall)
        .call_and_wait()
        .await
        .unwrap_err();
    assert!(matches!(wrong, AgentError::CertifiedReject { .. }), "{wrong:?}");
    assert_eq!(agent.query(&canister, "get").call().await.unwrap(), b"gz", "refused install changed nothing");
    management
        .install_chunked_code(&canister, &Sha256::digest(&wasm))
        .with_chunk_hashes(hashes)
        .with_install_mode(CanisterInstallMode::Reinstall)
        .call_and_wait()
        .await
        .unwrap();
    assert_eq!(agent.read_state_canister_module_hash(canister).await.unwrap(), Sha256::digest(&wasm).to_vec());
    assert_eq!(agent.query(&canister, "get").call().await.unwrap(), b"", "reinstall wiped the heap");
    management.clear_chunk_store(&canister).call_and_wait().await.unwrap();
    let (stored,): (Vec<ChunkHash>,) = management.stored_chunks(&canister).call_and_wait().await.unwrap();
    assert!(stored.is_empty());

    management
        .install_code(&canister, &wasm)
        .with_mode(CanisterInstallMode::Upgrade(None))
        .call_and_wait()
        .await
        .unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn controllers_stop_start_status_and_metadata() {
    let server = start_server().await;
    let owner_identity = ed25519(1);
    let owner = agent(&server, ed25519(1)).await;
    let friend = agent(&server, ed25519(2)).await;
    let friend_principal = ed25519(2).sender().unwrap();
    let management = ManagementCanister::create(&owner);
    let canister = create_canister(&owner).await;
    let wasm = with_custom_section(
        with_custom_section(plain_test_canister(), "icp:public candid:service", b"service : {}"),
        "icp:private notes",
        b"for controllers",
    );
    management.install_code(&canister, &wasm).call_and_wait().await.unwrap();

    assert_eq!(owner.read_state_canister_metadata(canister, "candid:service").await.unwrap(), b"service : {}");
    assert_eq!(owner.read_state_canister_metadata(canister, "notes").await.unwrap(), b"for controllers");
    let private = friend.read_state_canister_metadata(canister, "notes").await.unwrap_err();
    assert!(matches!(&private, AgentError::HttpError(payload) if payload.status == 403), "{private:?}");
    assert_eq!(friend.read_state_canister_metadata(canister, "candid:service").await.unwrap(), b"service : {}");

    let refused = ManagementCanister::create(&friend).stop_canister(&canister).call_and_wait().await.unwrap_err();
    assert_eq!(error_code(&refused), Some("IC0512"), "{refused:?}");
    management
        .update_settings(&canister)
        .with_controller(owner_identity.sender().unwrap())
        .with_controller(friend_principal)
        .call_and_wait()
        .await
        .unwrap();
    let controllers = friend.read_state_canister_controllers(canister).await.unwrap();
    assert!(controllers.contains(&friend_principal) && controllers.len() == 2);

    let friend_management = ManagementCanister::create(&friend);
    friend_management.stop_canister(&canister).call_and_wait().await.unwrap();
    let (status,) = management.canister_status(&canister).call_and_wait().await.unwrap();
    assert_eq!(status.status, CanisterStatusType::Stopped);
    let stopped = owner.update(&canister, "set").with_arg(b"x".to_vec()).call_and_wait().await.unwrap_err();
    assert_eq!(error_code(&stopped), Some("IC0508"), "{stopped:?}");
    let stopped = owner.query(&canister, "get").call().await.unwrap_err();
    assert!(
        matches!(&stopped, AgentError::UncertifiedReject { reject, .. } if reject.reject_code == RejectCode::CanisterError),
        "{stopped:?}"
    );
    friend_management.start_canister(&canister).call_and_wait().await.unwrap();
    owner.update(&canister, "set").with_arg(b"running".to_vec()).call_and_wait().await.unwrap();
    assert_eq!(friend.query(&canister, "get").call().await.unwrap(), b"running");

    // A due timer fires when the next call reaches the served IC.
    owner.update(&canister, "arm_timer").call_and_wait().await.unwrap();
    assert_eq!(owner.query(&canister, "get").call().await.unwrap(), b"running", "nothing ran it yet");
    owner.update(&canister, "set_mode").with_arg(vec![0]).call_and_wait().await.unwrap();
    assert_eq!(owner.query(&canister, "get").call().await.unwrap(), b"timer");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn secp256k1_and_delegated_identities_work_and_far_expiry_is_refused() {
    let server = start_server().await;
    let owner = agent(&server, ed25519(1)).await;
    let canister = create_canister(&owner).await;
    ManagementCanister::create(&owner).install_code(&canister, &plain_test_canister()).call_and_wait().await.unwrap();

    let secp = Secp256k1Identity::from_private_key(k256::SecretKey::from_slice(&[3; 32]).unwrap());
    let secp_agent = agent(&server, secp).await;
    secp_agent.update(&canister, "set").with_arg(b"secp".to_vec()).call_and_wait().await.unwrap();
    assert_eq!(secp_agent.query(&canister, "get").call().await.unwrap(), b"secp");

    let root = ed25519(5);
    let session = ed25519(6);
    let delegation = Delegation {
        pubkey: session.public_key().unwrap(),
        expiration: u64::try_from(
            (std::time::SystemTime::now() + Duration::from_secs(600)).duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos(),
        )
        .unwrap(),
        targets: None,
    };
    let signature = root.sign_delegation(&delegation).unwrap().signature.unwrap();
    let delegated = DelegatedIdentity::new_unchecked(
        root.public_key().unwrap(),
        Box::new(session),
        vec![SignedDelegation { delegation, signature }],
    );
    assert_eq!(delegated.sender().unwrap(), root.sender().unwrap());
    let delegated_agent = agent(&server, delegated).await;
    delegated_agent.update(&canister, "set").with_arg(b"delegated".to_vec()).call_and_wait().await.unwrap();
    assert_eq!(delegated_agent.query(&canister, "get").call().await.unwrap(), b"delegated");

    let far = Agent::builder()
        .with_url(server.url())
        .with_identity(ed25519(1))
        .with_ingress_expiry(Duration::from_secs(30 * 60))
        .build()
        .unwrap();
    far.set_root_key(server.root_key().to_vec());
    let refused = far.update(&canister, "set").with_arg(b"late".to_vec()).call_and_wait().await.unwrap_err();
    assert!(matches!(&refused, AgentError::HttpError(payload) if payload.status == 400), "{refused:?}");
    server.stop().await;
}
