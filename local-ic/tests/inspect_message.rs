//! `canister_inspect_message` runs for ingress updates (not for queries), sees the method name,
//! and a message it does not accept is rejected without running.

mod common;

use candid::Principal;
use common::{counter_wat, install, report, user};
use local_ic::{CallError, ErrorCode, RejectCode};

/// Accepts only `inc` from non-anonymous callers (the method name must be exactly "inc").
const INSPECT: &str = r#"
  (import "ic0" "msg_method_name_size" (func $name_size (result i32)))
  (import "ic0" "msg_method_name_copy" (func $name_copy (param i32 i32 i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "accept_message" (func $accept))
"#;

const INSPECT_FN: &str = r#"
  (data (i32.const 140) "inc")
  (func (export "canister_inspect_message")
    (if (i32.ne (call $name_size) (i32.const 3)) (then (return)))
    (call $name_copy (i32.const 160) (i32.const 0) (i32.const 3))
    (if (i32.ne (i32.load16_u (i32.const 160)) (i32.load16_u (i32.const 140))) (then (return)))
    (if (i32.ne (i32.load8_u (i32.const 162)) (i32.load8_u (i32.const 142))) (then (return)))
    ;; The anonymous principal is 1 byte long.
    (if (i32.eq (call $caller_size) (i32.const 1)) (then (return)))
    (call $accept))
"#;

fn wat() -> String {
    counter_wat(INSPECT_FN).replacen("(module ", &format!("(module {INSPECT}"), 1)
}

#[test]
fn accepted_message_runs_and_rejected_one_does_not() {
    let (mut ic, canister) = install(&wat());
    let ok = ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    assert_eq!(report(&ok.reply).0, 1);

    let err = ic.update_call(canister, Principal::anonymous(), "inc", Vec::new()).unwrap_err();
    let CallError::Rejected { reject } = err else { panic!("{err:?}") };
    assert_eq!(reject.code, RejectCode::CanisterReject);
    assert_eq!(reject.error_code, ErrorCode::CanisterRejectedMessage);
    assert_eq!(reject.message, format!("Error from Canister {canister}: Canister rejected the message"));

    let err = ic.update_call(canister, user(), "inc_then_trap", Vec::new()).unwrap_err();
    assert_eq!(err.reject().unwrap().error_code, ErrorCode::CanisterRejectedMessage, "inspect saw the wrong name");

    let got = ic.query_call(canister, Principal::anonymous(), "get", Vec::new()).unwrap();
    assert_eq!(report(&got.reply), (1, 1, 1, None), "queries are not inspected; rejected updates did not run");
}
