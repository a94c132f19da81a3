//! A query never persists anything, and `data_certificate_*` works only in non-replicated
//! queries, where it carries a certificate the IC's verifier accepts for the canister's data.

mod common;

use candid::Principal;
use common::{counter_wat, install, report, user};
use ic_cbor::CertificateToCbor;
use ic_certificate_verification::VerifyCertificate;
use ic_certification::{Certificate, LookupResult};
use local_ic::{CallError, ErrorCode};

const CERTIFICATE_METHODS: &str = r#"
  (import "ic0" "data_certificate_present" (func $cert_present (result i32)))
  (import "ic0" "data_certificate_size" (func $cert_size (result i32)))
  (import "ic0" "data_certificate_copy" (func $cert_copy (param i32 i32 i32)))
"#;

fn wat() -> String {
    // The certificate methods need their imports next to the shared ones.
    counter_wat(
        r#"
  (func (export "canister_query certificate")
    (call $cert_copy (i32.const 4096) (i32.const 0) (call $cert_size))
    (call $append (i32.const 4096) (call $cert_size))
    (call $msg_reply))
  (func (export "canister_update certificate_in_update")
    (i32.store8 (i32.const 64) (call $cert_present))
    (call $append (i32.const 64) (i32.const 1))
    (drop (call $cert_size))
    (call $msg_reply))
  (func (export "canister_update present_in_update")
    (i32.store8 (i32.const 64) (call $cert_present))
    (call $append (i32.const 64) (i32.const 1))
    (call $msg_reply))
"#,
    )
    .replacen("(module ", &format!("(module {CERTIFICATE_METHODS}"), 1)
}

#[test]
fn query_changes_to_heap_globals_and_stable_memory_are_dropped() {
    let (mut ic, canister) = install(&wat());
    ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    let in_query = ic.query_call(canister, user(), "bump_in_query", Vec::new()).unwrap();
    assert_eq!(report(&in_query.reply), (2, 2, 2, None), "the query saw its own changes");
    let again = ic.query_call(canister, user(), "bump_in_query", Vec::new()).unwrap();
    assert_eq!(report(&again.reply), (2, 2, 2, None), "the first query's changes leaked");
    let got = ic.query_call(canister, user(), "get", Vec::new()).unwrap();
    assert_eq!(report(&got.reply), (1, 1, 1, None));
}

#[test]
fn query_may_not_set_certified_data_or_timers() {
    let (mut ic, canister) = install(&wat());
    // `inc` as a query (called through the query path) is not a query method.
    let err = ic.query_call(canister, user(), "inc", Vec::new()).unwrap_err();
    assert_eq!(err.reject().unwrap().error_code, ErrorCode::CanisterMethodNotFound);
}

#[test]
fn certificate_in_a_query_verifies_and_carries_certified_data() {
    let (mut ic, canister) = install(&wat());
    ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    let bytes = ic.query_call(canister, user(), "certificate", Vec::new()).unwrap().reply;
    let certificate = Certificate::from_cbor(&bytes).unwrap();
    let verdict = certificate.verify(canister.as_slice(), &ic.root_key(), &(ic.time() as u128), &300_000_000_000);
    assert!(verdict.is_ok(), "{verdict:?}");
    let path = [b"canister".as_slice(), canister.as_slice(), b"certified_data"];
    assert_eq!(certificate.tree.lookup_path(path), LookupResult::Found(&1u32.to_le_bytes()[..]));
    let other_key = local_ic::LocalIc::from_seed([1; 32]).root_key();
    assert!(certificate.verify(canister.as_slice(), &other_key, &(ic.time() as u128), &300_000_000_000).is_err());
}

#[test]
fn data_certificate_is_absent_in_updates_and_copying_it_violates_the_contract() {
    let (mut ic, canister) = install(&wat());
    let present = ic.update_call(canister, user(), "present_in_update", Vec::new()).unwrap();
    assert_eq!(present.reply, vec![0]);
    let err = ic.update_call(canister, Principal::anonymous(), "certificate_in_update", Vec::new()).unwrap_err();
    let CallError::Rejected { reject } = err else { panic!("{err:?}") };
    assert_eq!(reject.error_code, ErrorCode::CanisterContractViolation);
    assert!(reject.message.contains("\"ic0_data_certificate_size\" cannot be executed in update mode"), "{}", reject.message);
}
