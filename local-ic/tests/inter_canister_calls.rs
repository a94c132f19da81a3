//! Inter-canister calls: a canister calls another (or itself) with call_new / call_data_append /
//! call_perform, and the reply or reject arrives in a callback run as a separate message.

mod common;

use candid::Principal;
use common::{admin, user};
use local_ic::{ErrorCode, InstallMode, LocalIc};

/// `relay` takes `callee (10 bytes) ++ selector (1 byte: 0 = echo, 1 = missing) ++ payload`,
/// calls the callee and replies with what comes back: the reply bytes, or `[reject code]`.
/// `echo` replies with `caller ++ arg`. `relay_and_trap_in_callback` traps in the reply callback
/// after bumping heap word 4096, with a cleanup that bumps heap word 4100; `counters` reports both.
const WAT: &str = r#"(module
  (import "ic0" "call_new" (func $call_new (param i32 i32 i32 i32 i32 i32 i32 i32)))
  (import "ic0" "call_data_append" (func $call_data_append (param i32 i32)))
  (import "ic0" "call_on_cleanup" (func $call_on_cleanup (param i32 i32)))
  (import "ic0" "call_perform" (func $call_perform (result i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_caller_size" (func $caller_size (result i32)))
  (import "ic0" "msg_caller_copy" (func $caller_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reject_code" (func $reject_code (result i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (memory 1)
  (table 4 funcref)
  (elem (i32.const 0) $on_reply $on_reject $on_reply_trap $cleanup)
  (data (i32.const 300) "echo")
  (data (i32.const 310) "missing")
  (func $call (param $reply_fun i32)
    (local $n i32)
    (local.set $n (call $arg_size))
    (call $arg_copy (i32.const 0) (i32.const 0) (local.get $n))
    (if (i32.eqz (i32.load8_u (i32.const 10)))
      (then (call $call_new (i32.const 0) (i32.const 10) (i32.const 300) (i32.const 4)
                            (local.get $reply_fun) (i32.const 0) (i32.const 1) (i32.const 0)))
      (else (call $call_new (i32.const 0) (i32.const 10) (i32.const 310) (i32.const 7)
                            (local.get $reply_fun) (i32.const 0) (i32.const 1) (i32.const 0))))
    (call $call_data_append (i32.const 11) (i32.sub (local.get $n) (i32.const 11))))
  (func (export "canister_update relay")
    (call $call (i32.const 0))
    (drop (call $call_perform)))
  (func (export "canister_update relay_and_trap_in_callback")
    (call $call (i32.const 2))
    (call $call_on_cleanup (i32.const 3) (i32.const 0))
    (drop (call $call_perform)))
  (func $on_reply (param $env i32)
    (local $n i32)
    (local.set $n (call $arg_size))
    (call $arg_copy (i32.const 1000) (i32.const 0) (local.get $n))
    (call $append (i32.const 1000) (local.get $n))
    (call $reply))
  (func $on_reject (param $env i32)
    (i32.store8 (i32.const 2000) (call $reject_code))
    (call $append (i32.const 2000) (i32.const 1))
    (call $reply))
  (func $on_reply_trap (param $env i32)
    (i32.store (i32.const 4096) (i32.add (i32.load (i32.const 4096)) (i32.const 1)))
    (call $trap (i32.const 300) (i32.const 4)))
  (func $cleanup (param $env i32)
    (i32.store (i32.const 4100) (i32.add (i32.load (i32.const 4100)) (i32.const 1))))
  (func (export "canister_query counters")
    (call $append (i32.const 4096) (i32.const 8))
    (call $reply))
  (func (export "canister_update echo")
    (local $c i32) (local $n i32)
    (local.set $c (call $caller_size))
    (call $caller_copy (i32.const 3000) (i32.const 0) (local.get $c))
    (local.set $n (call $arg_size))
    (call $arg_copy (i32.add (i32.const 3000) (local.get $c)) (i32.const 0) (local.get $n))
    (call $append (i32.const 3000) (i32.add (local.get $c) (local.get $n)))
    (call $reply))
)"#;

fn setup() -> (LocalIc, Principal, Principal) {
    let mut ic = LocalIc::from_seed([5; 32]);
    let wasm = wat::parse_str(WAT).unwrap();
    let a = ic.create_canister(vec![admin()]).unwrap();
    let b = ic.create_canister(vec![admin()]).unwrap();
    for canister in [a, b] {
        ic.install_code(canister, admin(), &wasm, Vec::new(), InstallMode::Install).unwrap();
    }
    (ic, a, b)
}

fn relay_arg(callee: Principal, selector: u8, payload: &[u8]) -> Vec<u8> {
    let mut arg = callee.as_slice().to_vec();
    assert_eq!(arg.len(), 10);
    arg.push(selector);
    arg.extend_from_slice(payload);
    arg
}

#[test]
fn reply_from_another_canister_reaches_the_callback() {
    let (mut ic, a, b) = setup();
    let direct = ic.update_call(b, user(), "echo", b"x".to_vec()).unwrap();
    let outcome = ic.update_call(a, user(), "relay", relay_arg(b, 0, b"hi")).unwrap();
    let mut expected = a.as_slice().to_vec();
    expected.extend_from_slice(b"hi");
    assert_eq!(outcome.reply, expected, "the callee saw the calling canister as its caller");
    assert!(outcome.instructions > direct.instructions, "the callback's instructions are counted");
}

#[test]
fn a_canister_can_call_itself() {
    let (mut ic, a, _) = setup();
    let outcome = ic.update_call(a, user(), "relay", relay_arg(a, 0, b"me")).unwrap();
    assert_eq!(&outcome.reply[10..], b"me");
}

#[test]
fn rejects_reach_the_reject_callback_with_the_ic_reject_code() {
    let (mut ic, a, b) = setup();
    let missing_method = ic.update_call(a, user(), "relay", relay_arg(b, 1, b"")).unwrap();
    assert_eq!(missing_method.reply, vec![5], "CANISTER_ERROR");
    let nobody = Principal::from_slice(&[0, 0, 0, 0, 0, 0x1f, 0xff, 0xff, 1, 1]);
    let missing_canister = ic.update_call(a, user(), "relay", relay_arg(nobody, 0, b"")).unwrap();
    assert_eq!(missing_canister.reply, vec![3], "DESTINATION_INVALID");
}

#[test]
fn trapping_callback_is_rolled_back_runs_cleanup_and_the_caller_gets_the_trap() {
    let (mut ic, a, b) = setup();
    let err = ic.update_call(a, user(), "relay_and_trap_in_callback", relay_arg(b, 0, b"")).unwrap_err();
    assert_eq!(err.reject().unwrap().error_code, ErrorCode::CanisterCalledTrap);
    let counters = ic.query_call(a, user(), "counters", Vec::new()).unwrap().reply;
    assert_eq!(counters, [0, 0, 0, 0, 1, 0, 0, 0], "callback change rolled back, cleanup change kept");
}
