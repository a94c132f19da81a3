//! `delete_canister` over HTTP with ic-utils' `ManagementCanister`: refused for a running
//! canister and for a non-controller (leaving the canister as it was); once stopped, a
//! controller deletes it and it is gone for calls, queries, status and the certified state tree,
//! and its id is not handed out again. `LocalIc::delete_canister` itself is checked on the
//! embedded subnet's certified state tree.

mod common;
mod http_support;

use common::{admin, counter_wat, install, user};
use ic_certification::LookupResult;
use http_support::{agent, create_canister, ed25519, plain_test_canister, start_server};
use ic_agent::agent::RejectCode;
use ic_agent::identity::Identity;
use ic_agent::AgentError;
use ic_management_canister_types_for_ic_utils::CanisterStatusType;
use ic_utils::call::AsyncCall;
use ic_utils::interfaces::ManagementCanister;

/// The IC error code and message of a reject, `None` for any other failure.
fn reject(error: &AgentError) -> Option<(&str, &str)> {
    match error {
        AgentError::CertifiedReject { reject, .. } | AgentError::UncertifiedReject { reject, .. } => {
            Some((reject.error_code.as_deref()?, reject.reject_message.as_str()))
        }
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_a_controller_deletes_a_stopped_canister_and_then_it_is_gone() {
    let server = start_server().await;
    let owner = agent(&server, ed25519(1)).await;
    let stranger = agent(&server, ed25519(2)).await;
    let owner_principal = ed25519(1).sender().unwrap();
    let stranger_principal = ed25519(2).sender().unwrap();
    let management = ManagementCanister::create(&owner);
    let canister = create_canister(&owner).await;
    management.install_code(&canister, &plain_test_canister()).call_and_wait().await.unwrap();
    owner.update(&canister, "set").with_arg(b"kept".to_vec()).call_and_wait().await.unwrap();

    let running = management.delete_canister(&canister).call_and_wait().await.unwrap_err();
    let expected = format!("Canister {canister} must be stopped before it is deleted.");
    assert_eq!(reject(&running), Some(("IC0510", expected.as_str())), "{running:?}");
    assert_eq!(owner.query(&canister, "get").call().await.unwrap(), b"kept", "a refused delete changes nothing");

    management.stop_canister(&canister).call_and_wait().await.unwrap();
    let not_controller =
        ManagementCanister::create(&stranger).delete_canister(&canister).call_and_wait().await.unwrap_err();
    let expected = format!(
        "Only the controllers of the canister {canister} can control it.\nCanister's controllers: {owner_principal}\nSender's ID: {stranger_principal}"
    );
    assert_eq!(reject(&not_controller), Some(("IC0512", expected.as_str())), "{not_controller:?}");
    let (status,) = management.canister_status(&canister).call_and_wait().await.unwrap();
    assert_eq!(status.status, CanisterStatusType::Stopped, "a refused delete changes nothing");
    assert_eq!(owner.read_state_canister_controllers(canister).await.unwrap(), vec![owner_principal]);

    management.delete_canister(&canister).call_and_wait().await.unwrap();

    let not_found = format!("Canister {canister} not found");
    let call = owner.update(&canister, "set").with_arg(b"x".to_vec()).call_and_wait().await.unwrap_err();
    assert_eq!(reject(&call), Some(("IC0301", not_found.as_str())), "{call:?}");
    let query = owner.query(&canister, "get").call().await.unwrap_err();
    assert!(
        matches!(&query, AgentError::UncertifiedReject { reject, .. } if reject.reject_code == RejectCode::DestinationInvalid),
        "{query:?}"
    );
    let status = management.canister_status(&canister).call_and_wait().await.unwrap_err();
    assert_eq!(reject(&status), Some(("IC0301", not_found.as_str())), "{status:?}");
    let again = management.delete_canister(&canister).call_and_wait().await.unwrap_err();
    assert_eq!(reject(&again), Some(("IC0301", not_found.as_str())), "{again:?}");
    let tree = owner.read_state_canister_controllers(canister).await;
    assert!(tree.is_err(), "the certified state tree no longer holds the canister: {tree:?}");

    let next = create_canister(&owner).await;
    assert_ne!(next, canister, "a deleted canister's id is not reused");
    server.stop().await;
}

#[test]
fn local_ic_delete_canister_checks_the_controller_and_removes_the_canister_from_the_state_tree() {
    let (mut ic, canister) = install(&counter_wat(""));
    let module_hash = |ic: &local_ic::LocalIc| {
        let tree = ic.state_tree().full();
        matches!(tree.lookup_path([b"canister".as_slice(), canister.as_slice(), b"module_hash"]), LookupResult::Found(_))
    };
    assert!(module_hash(&ic));

    let refused = ic.delete_canister(canister, user()).unwrap_err();
    assert_eq!(refused.error_code, local_ic::ErrorCode::CanisterInvalidController);
    assert!(module_hash(&ic), "a refused delete changes nothing");

    ic.delete_canister(canister, admin()).unwrap();
    assert!(!module_hash(&ic));
    assert_eq!(ic.controllers(canister), None);
    let gone = ic.delete_canister(canister, admin()).unwrap_err();
    assert_eq!(gone.error_code, local_ic::ErrorCode::CanisterNotFound);
}
