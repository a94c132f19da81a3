//! Instruction figures: executed Wasm plus the IC's system API fees, so copying N more bytes
//! through the system API costs exactly N more instructions, and `performance_counter` agrees.

mod common;

use common::{install, user};

const WAT: &str = r#"(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "performance_counter" (func $counter (param i32) (result i64)))
  (memory 1)
  (func (export "canister_query reply_n")
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (call $append (i32.const 16) (i32.load (i32.const 0)))
    (call $reply))
  (func (export "canister_query counter")
    (i64.store (i32.const 0) (call $counter (i32.const 0)))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
)"#;

#[test]
fn copying_more_bytes_costs_exactly_one_instruction_per_byte() {
    let (mut ic, canister) = install(WAT);
    let small = ic.query_call(canister, user(), "reply_n", 10u32.to_le_bytes().to_vec()).unwrap();
    let large = ic.query_call(canister, user(), "reply_n", 1010u32.to_le_bytes().to_vec()).unwrap();
    assert_eq!(large.instructions - small.instructions, 1000);
    // Three system API calls at 500 instructions each, plus bytes copied, plus a few Wasm operators.
    assert!(small.instructions >= 3 * 500 + 4 + 10, "{}", small.instructions);
    assert!(small.instructions < 3 * 500 + 4 + 10 + 100, "{}", small.instructions);
}

#[test]
fn performance_counter_reports_instructions_so_far() {
    let (mut ic, canister) = install(WAT);
    let outcome = ic.query_call(canister, user(), "counter", Vec::new()).unwrap();
    let seen = u64::from_le_bytes(outcome.reply[..8].try_into().unwrap());
    // The counter includes its own fee (200) and is below the message's final total.
    assert!(seen >= 200, "{seen}");
    assert!(seen < outcome.instructions, "{seen} vs {}", outcome.instructions);
}
