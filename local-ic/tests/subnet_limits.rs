//! Application subnet limits, with the IC's reject codes: ingress argument, reply sizes, the
//! instruction limits of updates, queries and installs, the heap and the stable memory limit.

mod common;

use common::{admin, install, user};
use local_ic::limits::{
    INSTALL_INSTRUCTIONS, MAX_HEAP_PAGES, MAX_INGRESS_ARG_BYTES, MAX_QUERY_REPLY_BYTES, MAX_STABLE_PAGES,
    MAX_UPDATE_REPLY_BYTES, QUERY_INSTRUCTIONS, UPDATE_INSTRUCTIONS,
};
use local_ic::{CallError, ErrorCode, InstallError, InstallMode};

/// Methods whose argument is a little-endian u64 `n`:
/// - `reply` / `reply_q`: reply with `n` bytes of heap.
/// - `charge` / `charge_q`: `stable64_read` of `n` bytes from empty stable memory, which costs
///   `n` instructions up front and then traps out of bounds (cheap way to reach a limit).
/// - `grow_heap`: `memory.grow` by `n` pages, replies the result as i32.
/// - `grow_stable`: `stable64_grow` by `n` pages, replies the result as i64.
/// - `spin_q`: loops forever.
const WAT: &str = r#"(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (memory 49)
  (func $n (result i64) (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 8)) (i64.load (i32.const 0)))
  (func $reply_n (call $append (i32.const 0) (i32.wrap_i64 (call $n))) (call $reply))
  (func $charge_n (call $stable_read (i64.const 0) (i64.const 0) (call $n)))
  (func (export "canister_update reply") (call $reply_n))
  (func (export "canister_query reply_q") (call $reply_n))
  (func (export "canister_update charge") (call $charge_n))
  (func (export "canister_query charge_q") (call $charge_n))
  (func (export "canister_update arg_len")
    (i32.store (i32.const 0) (call $arg_size)) (call $append (i32.const 0) (i32.const 4)) (call $reply))
  (func (export "canister_update grow_heap")
    (i32.store (i32.const 0) (memory.grow (i32.wrap_i64 (call $n))))
    (call $append (i32.const 0) (i32.const 4)) (call $reply))
  (func (export "canister_update grow_stable")
    (i64.store (i32.const 0) (call $stable_grow (call $n)))
    (call $append (i32.const 0) (i32.const 8)) (call $reply))
  (func (export "canister_query spin_q") (loop $l (br $l)))
)"#;

fn n(value: u64) -> Vec<u8> {
    value.to_le_bytes().to_vec()
}

fn error_code(result: Result<local_ic::CallOutcome, CallError>) -> ErrorCode {
    result.unwrap_err().reject().expect("a reject").error_code
}

#[test]
fn ingress_argument_is_limited_to_2_mib() {
    let (mut ic, canister) = install(WAT);
    let ok = ic.update_call(canister, user(), "arg_len", vec![0; MAX_INGRESS_ARG_BYTES]).unwrap();
    assert_eq!(ok.reply, (MAX_INGRESS_ARG_BYTES as u32).to_le_bytes());
    let err = ic.update_call(canister, user(), "arg_len", vec![0; MAX_INGRESS_ARG_BYTES + 1]).unwrap_err();
    assert_eq!(err, CallError::PayloadTooLarge { size: MAX_INGRESS_ARG_BYTES + 1, limit: 2 * 1024 * 1024 });
}

#[test]
fn replies_are_limited_to_2_mib_for_updates_and_3_mib_for_queries() {
    let (mut ic, canister) = install(WAT);
    assert_eq!(MAX_UPDATE_REPLY_BYTES, 2 * 1024 * 1024);
    assert_eq!(MAX_QUERY_REPLY_BYTES, 3 * 1024 * 1024);
    let ok = ic.update_call(canister, user(), "reply", n(MAX_UPDATE_REPLY_BYTES as u64)).unwrap();
    assert_eq!(ok.reply_bytes, MAX_UPDATE_REPLY_BYTES);
    let too_big = ic.update_call(canister, user(), "reply", n(MAX_UPDATE_REPLY_BYTES as u64 + 1));
    assert_eq!(error_code(too_big), ErrorCode::CanisterContractViolation);
    let ok = ic.query_call(canister, user(), "reply_q", n(MAX_QUERY_REPLY_BYTES as u64)).unwrap();
    assert_eq!(ok.reply_bytes, MAX_QUERY_REPLY_BYTES);
    let too_big = ic.query_call(canister, user(), "reply_q", n(MAX_QUERY_REPLY_BYTES as u64 + 1));
    assert_eq!(error_code(too_big), ErrorCode::CanisterContractViolation);
}

#[test]
fn updates_may_spend_40_billion_instructions_and_queries_5_billion() {
    let (mut ic, canister) = install(WAT);
    assert_eq!((UPDATE_INSTRUCTIONS, QUERY_INSTRUCTIONS), (40_000_000_000, 5_000_000_000));
    // Just under the limit: the charge passes and the read then traps out of bounds (IC0502).
    let under = ic.update_call(canister, user(), "charge", n(UPDATE_INSTRUCTIONS - 1_000));
    assert_eq!(error_code(under), ErrorCode::CanisterTrapped);
    let over = ic.update_call(canister, user(), "charge", n(UPDATE_INSTRUCTIONS));
    let reject = over.unwrap_err().reject().cloned().unwrap();
    assert_eq!(reject.error_code, ErrorCode::CanisterInstructionLimitExceeded);
    assert_eq!(reject.error_code.to_string(), "IC0522");
    assert!(reject.message.contains("Canister exceeded the limit of 40000000000 instructions for single message execution"));
    let under = ic.query_call(canister, user(), "charge_q", n(QUERY_INSTRUCTIONS - 1_000));
    assert_eq!(error_code(under), ErrorCode::CanisterTrapped);
    let over = ic.query_call(canister, user(), "charge_q", n(QUERY_INSTRUCTIONS));
    assert_eq!(error_code(over), ErrorCode::CanisterInstructionLimitExceeded);
}

#[test]
fn executed_wasm_instructions_count_towards_the_query_limit() {
    let (mut ic, canister) = install(WAT);
    let spin = ic.query_call(canister, user(), "spin_q", Vec::new());
    let reject = spin.unwrap_err().reject().cloned().unwrap();
    assert_eq!(reject.error_code, ErrorCode::CanisterInstructionLimitExceeded);
    assert!(reject.message.contains("limit of 5000000000 instructions"), "{}", reject.message);
}

#[test]
fn install_may_spend_300_billion_instructions() {
    assert_eq!(INSTALL_INSTRUCTIONS, 300_000_000_000);
    let init = |amount: u64| {
        format!(
            r#"(module (import "ic0" "stable64_read" (func $r (param i64 i64 i64)))
                 (memory 1)
                 (func (export "canister_init") (call $r (i64.const 0) (i64.const 0) (i64.const {amount}))))"#
        )
    };
    let mut ic = local_ic::LocalIc::from_seed([9; 32]);
    let canister = ic.create_canister(vec![admin()]).unwrap();
    let install = |ic: &mut local_ic::LocalIc, amount| {
        let wasm = wat::parse_str(init(amount)).unwrap();
        match ic.install_code(canister, admin(), &wasm, Vec::new(), InstallMode::Install).unwrap_err() {
            InstallError::Rejected { reject } => reject.error_code,
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(install(&mut ic, UPDATE_INSTRUCTIONS + 1), ErrorCode::CanisterTrapped);
    assert_eq!(install(&mut ic, INSTALL_INSTRUCTIONS + 1), ErrorCode::CanisterInstructionLimitExceeded);
}

#[test]
fn heap_stops_at_4_gib_and_stable_memory_at_the_ic_limit() {
    let (mut ic, canister) = install(WAT);
    let grown = |reply: Vec<u8>| i32::from_le_bytes(reply[..4].try_into().unwrap());
    let over = ic.update_call(canister, user(), "grow_heap", n(MAX_HEAP_PAGES - 49 + 1)).unwrap();
    assert_eq!(grown(over.reply), -1);
    assert_eq!(MAX_STABLE_PAGES * 65_536, 500 * 1024 * 1024 * 1024);
    let stable = |reply: Vec<u8>| i64::from_le_bytes(reply[..8].try_into().unwrap());
    let all = ic.update_call(canister, user(), "grow_stable", n(MAX_STABLE_PAGES)).unwrap();
    assert_eq!(stable(all.reply), 0);
    assert_eq!(all.stable_bytes, MAX_STABLE_PAGES * 65_536);
    let one_more = ic.update_call(canister, user(), "grow_stable", n(1)).unwrap();
    assert_eq!(stable(one_more.reply), -1);
}
