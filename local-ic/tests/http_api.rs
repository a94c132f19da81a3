//! The replica HTTP API against a real ic-agent 0.47 client and ic-utils' `ManagementCanister`:
//! status, canister creation and installation, update and query calls with query signatures
//! verified, read_state, the asynchronous v2 call with request_status polling, and refusals.

mod http_support;

use candid::Principal;
use http_support::{agent, ed25519, plain_test_canister, start_server};
use ic_agent::agent::{RejectCode, RequestStatusResponse};
use ic_agent::{Agent, AgentError, Identity};
use ic_transport_types::Envelope;
use ic_utils::interfaces::management_canister::builders::CanisterInstallMode as InstallMode;
use ic_utils::call::AsyncCall;
use ic_utils::interfaces::ManagementCanister;
use sha2::{Digest, Sha256};

async fn create_and_install(agent: &Agent) -> (Principal, Vec<u8>) {
    let management = ManagementCanister::create(agent);
    let (canister,) = management
        .create_canister()
        .as_provisional_create_with_amount(Some(1_000_000_000_000))
        .call_and_wait()
        .await
        .expect("provisional canister creation succeeds");
    let wasm = plain_test_canister();
    management
        .install_code(&canister, &wasm)
        .with_mode(InstallMode::Install)
        .call_and_wait()
        .await
        .expect("install succeeds");
    (canister, wasm)
}

#[tokio::test(flavor = "multi_thread")]
async fn agent_creates_installs_calls_queries_and_reads_state() {
    let server = start_server().await;
    let owner = ed25519(1);
    let owner_principal = owner.sender().unwrap();
    let agent = agent(&server, owner).await;
    let (canister, wasm) = create_and_install(&agent).await;

    let reply = agent.update(&canister, "set").with_arg(b"hello".to_vec()).call_and_wait().await.unwrap();
    assert!(reply.is_empty());
    // Query signatures are verified by default: the agent fetched the node key from read_state.
    let value = agent.query(&canister, "get").call().await.unwrap();
    assert_eq!(value, b"hello");

    let module_hash = agent.read_state_canister_module_hash(canister).await.unwrap();
    assert_eq!(module_hash, Sha256::digest(&wasm).to_vec());
    let controllers = agent.read_state_canister_controllers(canister).await.unwrap();
    assert_eq!(controllers, vec![owner_principal]);

    // Subnet read_state: the subnet id is the root key's self-authenticating principal.
    let subnet_id = Principal::self_authenticating(server.root_key());
    let subnet = agent.fetch_subnet_by_id(&subnet_id).await.unwrap();
    assert!(subnet.contains_canister(&canister));
    assert_eq!(subnet.iter_nodes().count(), 1);
    let elsewhere = agent.fetch_subnet_by_id(&Principal::from_slice(&[7; 29])).await.unwrap_err();
    assert!(matches!(&elsewhere, AgentError::HttpError(payload) if payload.status == 404), "{elsewhere:?}");

    let status = ManagementCanister::create(&agent).canister_status(&canister).call_and_wait().await.unwrap().0;
    assert_eq!(status.module_hash, Some(Sha256::digest(&wasm).to_vec()));

    let missing = agent.query(&canister, "no_such_method").call().await.unwrap_err();
    assert!(
        matches!(&missing, AgentError::UncertifiedReject { reject, .. } if reject.reject_code == RejectCode::CanisterError),
        "{missing:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn asynchronous_v2_call_is_polled_through_request_status() {
    let server = start_server().await;
    let agent = agent(&server, ed25519(1)).await;
    let (canister, _) = create_and_install(&agent).await;

    let signed = agent.update(&canister, "set").with_arg(b"via v2".to_vec()).sign().unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/api/v2/canister/{canister}/call", server.url()))
        .header("content-type", "application/cbor")
        .body(signed.signed_update.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let (status, _certificate) = agent.request_status_raw(&signed.request_id, canister).await.unwrap();
    assert_eq!(status, RequestStatusResponse::Replied(ic_agent::agent::ReplyResponse { arg: vec![] }));
    assert_eq!(agent.query(&canister, "get").call().await.unwrap(), b"via v2");

    // Another sender may not read this request's status.
    let stranger = http_support::agent(&server, ed25519(2)).await;
    let refused = stranger.request_status_raw(&signed.request_id, canister).await.unwrap_err();
    assert!(matches!(&refused, AgentError::HttpError(payload) if payload.status == 403), "{refused:?}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn non_controller_is_refused_by_the_management_canister() {
    let server = start_server().await;
    let owner = agent(&server, ed25519(1)).await;
    let (canister, wasm) = create_and_install(&owner).await;
    let stranger = agent(&server, ed25519(2)).await;
    let refused = ManagementCanister::create(&stranger)
        .install_code(&canister, &wasm)
        .with_mode(InstallMode::Reinstall)
        .call_and_wait()
        .await
        .unwrap_err();
    match refused {
        AgentError::CertifiedReject { reject, .. } => {
            assert_eq!(reject.reject_code, RejectCode::CanisterError);
            assert_eq!(reject.error_code.as_deref(), Some("IC0512"));
        }
        other => panic!("expected a certified reject, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_signature_and_malformed_bodies_get_400() {
    let server = start_server().await;
    let agent = agent(&server, ed25519(1)).await;
    let (canister, _) = create_and_install(&agent).await;
    let client = reqwest::Client::new();
    let call_url = format!("{}/api/v4/canister/{canister}/call", server.url());

    let signed = agent.update(&canister, "set").with_arg(b"forged".to_vec()).sign().unwrap();
    let mut envelope: Envelope<'static> = serde_cbor::from_slice(&signed.signed_update).unwrap();
    envelope.sender_sig.as_mut().unwrap()[0] ^= 1;
    let response = client
        .post(&call_url)
        .header("content-type", "application/cbor")
        .body(envelope.encode_bytes())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let refused = agent.update_signed(canister, envelope.encode_bytes()).await.unwrap_err();
    assert!(matches!(&refused, AgentError::HttpError(payload) if payload.status == 400), "{refused:?}");
    assert_ne!(agent.query(&canister, "get").call().await.unwrap(), b"forged", "nothing ran");

    for body in [b"not cbor".to_vec(), vec![]] {
        let response = client.post(&call_url).header("content-type", "application/cbor").body(body).send().await.unwrap();
        assert_eq!(response.status(), 400);
    }
    let wrong_type = client.post(&call_url).header("content-type", "text/plain").body("x").send().await.unwrap();
    assert_eq!(wrong_type.status(), 415);

    // Browser agents on other origins get through CORS, as at the IC's boundary nodes.
    let preflight = client.request(reqwest::Method::OPTIONS, &call_url).send().await.unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    assert!(preflight.headers()["access-control-allow-headers"].to_str().unwrap().contains("content-type"));

    // A management call must go through the URL of the canister it acts on.
    let stop = agent
        .update(&Principal::management_canister(), "stop_canister")
        .with_arg(candid::encode_one(ic_management_canister_types_for_ic_utils::CanisterIdRecord { canister_id: canister }).unwrap())
        .with_effective_canister_id(Principal::management_canister())
        .sign()
        .unwrap();
    let misrouted = client
        .post(format!("{}/api/v4/canister/aaaaa-aa/call", server.url()))
        .header("content-type", "application/cbor")
        .body(stop.signed_update)
        .send()
        .await
        .unwrap();
    assert_eq!(misrouted.status(), 400);
    assert_eq!(agent.query(&canister, "get").call().await.unwrap(), b"", "the canister was not stopped");

    // A query addressed to one canister through another's URL is refused.
    let other = Principal::from_text("rrkah-fqaaa-aaaaa-aaaaq-cai").unwrap();
    let query = agent.query(&canister, "get").sign().unwrap();
    let mismatched = client
        .post(format!("{}/api/v3/canister/{other}/query", server.url()))
        .header("content-type", "application/cbor")
        .body(query.signed_query)
        .send()
        .await
        .unwrap();
    assert_eq!(mismatched.status(), 400);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn v3_call_and_v2_query_endpoints_answer_like_their_successors() {
    let server = start_server().await;
    let agent = agent(&server, ed25519(1)).await;
    let (canister, _) = create_and_install(&agent).await;
    let client = reqwest::Client::new();
    let post = |path: String, body: Vec<u8>| {
        client.post(format!("{}{path}", server.url())).header("content-type", "application/cbor").body(body).send()
    };

    let signed = agent.update(&canister, "set").with_arg(b"v3".to_vec()).sign().unwrap();
    let response = post(format!("/api/v3/canister/{canister}/call"), signed.signed_update).await.unwrap();
    assert_eq!(response.status(), 200);
    let answer: ic_transport_types::TransportCallResponse =
        serde_cbor::from_slice(&response.bytes().await.unwrap()).unwrap();
    let ic_transport_types::TransportCallResponse::Replied { certificate } = answer else {
        panic!("expected a certified reply, got {answer:?}");
    };
    let certificate: ic_agent::Certificate = serde_cbor::from_slice(&certificate).unwrap();
    agent.verify(&certificate, canister).expect("the call's certificate verifies under the root key");
    let status_path: [&[u8]; 3] = [b"request_status", signed.request_id.as_slice(), b"status"];
    assert_eq!(certificate.tree.lookup_path(status_path), ic_agent::hash_tree::LookupResult::Found(b"replied"));

    let query = agent.query(&canister, "get").sign().unwrap();
    let response = post(format!("/api/v2/canister/{canister}/query"), query.signed_query).await.unwrap();
    assert_eq!(response.status(), 200);
    let answer: ic_transport_types::QueryResponse = serde_cbor::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(answer.signatures().len(), 1);
    match answer {
        ic_transport_types::QueryResponse::Replied { reply, .. } => assert_eq!(reply.arg, b"v3"),
        other => panic!("expected a reply, got {other:?}"),
    }

    // create_canister is for canisters only, as on the IC; ingress gets a certified reject.
    let refused = ManagementCanister::create(&agent).create_canister().call_and_wait().await.unwrap_err();
    assert!(matches!(refused, AgentError::CertifiedReject { .. }), "{refused:?}");
    server.stop().await;
}
