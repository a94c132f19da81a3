//! The global timer fires on `tick` once the subnet's time reaches it, exactly once, and a
//! canister's `canister_global_timer` runs as its own message.

mod common;

use std::time::Duration;

use common::{install, user};

const WAT: &str = r#"(module
  (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (memory 1)
  (func (export "canister_update arm")
    (call $arg_copy (i32.const 8) (i32.const 0) (i32.const 8))
    (drop (call $timer_set (i64.load (i32.const 8))))
    (call $reply))
  (func (export "canister_global_timer")
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1))))
  (func (export "canister_query fired")
    (call $append (i32.const 0) (i32.const 4))
    (call $reply))
)"#;

#[test]
fn timer_fires_once_when_due() {
    let (mut ic, canister) = install(WAT);
    let fired = |ic: &mut local_ic::LocalIc| {
        let reply = ic.query_call(canister, user(), "fired", Vec::new()).unwrap().reply;
        u32::from_le_bytes(reply.try_into().unwrap())
    };
    let due = ic.time() + 1_000_000_000;
    ic.update_call(canister, user(), "arm", due.to_le_bytes().to_vec()).unwrap();
    ic.tick();
    assert_eq!(fired(&mut ic), 0, "fired before its time");
    ic.advance_time(Duration::from_secs(1));
    ic.tick();
    assert_eq!(fired(&mut ic), 1);
    ic.advance_time(Duration::from_secs(10));
    ic.tick();
    assert_eq!(fired(&mut ic), 1, "a timer fires once");
}
