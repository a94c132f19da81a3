//! Instruction figures: executed Wasm plus the IC's system API fees, so copying N more bytes
//! into the heap costs exactly N more instructions, replying with N more bytes costs 50 N more
//! (the IC's transmission charge, reported apart), and `performance_counter` agrees.

mod common;

use common::{install, user};

const WAT: &str = r#"(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "performance_counter" (func $counter (param i32) (result i64)))
  (memory 1)
  (func (export "canister_query reply_n")
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (call $append (i32.const 16) (i32.load (i32.const 0)))
    (call $reply))
  (func (export "canister_query copy_arg")
    (call $arg_copy (i32.const 16) (i32.const 0) (call $arg_size))
    (call $reply))
  (func (export "canister_query print_n")
    (call $arg_copy (i32.const 0) (i32.const 0) (i32.const 4))
    (call $print (i32.const 16) (i32.load (i32.const 0)))
    (call $reply))
  (func (export "canister_query counter")
    (i64.store (i32.const 0) (call $counter (i32.const 0)))
    (call $append (i32.const 0) (i32.const 8))
    (call $reply))
)"#;

fn n(value: u32) -> Vec<u8> {
    value.to_le_bytes().to_vec()
}

#[test]
fn copying_more_bytes_in_costs_exactly_one_instruction_per_byte() {
    let (mut ic, canister) = install(WAT);
    let small = ic.query_call(canister, user(), "copy_arg", vec![7; 10]).unwrap();
    let large = ic.query_call(canister, user(), "copy_arg", vec![7; 1010]).unwrap();
    assert_eq!(large.instructions - small.instructions, 1000);
    assert_eq!((small.transmission_instructions, large.transmission_instructions), (0, 0));
    // Three system API calls at 500 instructions each, plus bytes copied, plus a few Wasm operators.
    assert!(small.instructions >= 3 * 500 + 10, "{}", small.instructions);
    assert!(small.instructions < 3 * 500 + 10 + 100, "{}", small.instructions);
}

#[test]
fn reply_bytes_cost_fifty_instructions_each_and_are_reported_as_transmission() {
    let (mut ic, canister) = install(WAT);
    let small = ic.query_call(canister, user(), "reply_n", n(10)).unwrap();
    let large = ic.query_call(canister, user(), "reply_n", n(1010)).unwrap();
    assert_eq!(large.instructions - small.instructions, 50 * 1000);
    assert_eq!(small.transmission_instructions, 50 * 10);
    assert_eq!(large.transmission_instructions, 50 * 1010);
    // The work left is the same for both: fees, the 4 argument bytes and the Wasm operators.
    assert_eq!(small.work_instructions(), large.work_instructions());
    assert!(small.work_instructions() >= 3 * 500 + 4, "{}", small.work_instructions());
    assert!(small.work_instructions() < 3 * 500 + 4 + 100, "{}", small.work_instructions());
}

#[test]
fn log_messages_cost_their_copy_storage_and_transmission_up_to_the_log_size() {
    let (mut ic, canister) = install(WAT);
    let empty = ic.query_call(canister, user(), "print_n", n(0)).unwrap();
    let small = ic.query_call(canister, user(), "print_n", n(100)).unwrap();
    assert_eq!(small.instructions - empty.instructions, 100 * (1 + 2 + 50));
    assert_eq!(small.transmission_instructions, 100 * 50);
    let capped = ic.query_call(canister, user(), "print_n", n(8 * 1024)).unwrap();
    assert_eq!(capped.instructions - empty.instructions, 8 * 1024 + 4 * 1024 * (2 + 50));
    assert_eq!(capped.transmission_instructions, 4 * 1024 * 50);
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
