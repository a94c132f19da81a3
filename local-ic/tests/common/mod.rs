//! Shared fixtures for the scenario tests: tiny WAT canisters and a subnet with a fixed key.
#![allow(dead_code)] // Each test binary uses a different subset of these fixtures.

use candid::Principal;
use local_ic::{InstallMode, LocalIc};

/// The controller every fixture installs as.
pub fn admin() -> Principal {
    Principal::from_slice(&[0xad; 29])
}

/// A user that is not a controller.
pub fn user() -> Principal {
    Principal::from_slice(&[0x05; 29])
}

/// A subnet with a fixed key and one canister running `wat`.
pub fn install(wat: &str) -> (LocalIc, Principal) {
    let mut ic = LocalIc::from_seed([42; 32]);
    let canister = ic.create_canister(vec![admin()]).expect("create");
    let wasm = wat::parse_str(wat).expect("valid WAT");
    ic.install_code(canister, admin(), &wasm, Vec::new(), InstallMode::Install).expect("install");
    (ic, canister)
}

/// The imports the counter canisters use.
pub const IMPORTS: &str = r#"
  (import "ic0" "msg_reply" (func $msg_reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (import "ic0" "stable64_grow" (func $stable_grow (param i64) (result i64)))
  (import "ic0" "stable64_size" (func $stable_size (result i64)))
  (import "ic0" "stable64_write" (func $stable_write (param i64 i64 i64)))
  (import "ic0" "stable64_read" (func $stable_read (param i64 i64 i64)))
  (import "ic0" "certified_data_set" (func $cd_set (param i32 i32)))
  (import "ic0" "global_timer_set" (func $timer_set (param i64) (result i64)))
"#;

/// A counter kept in three places at once: heap word 0, a mutable global, and stable bytes 0..4.
///
/// `inc` bumps all three, sets certified data to the counter and the global timer to the counter
/// value, and replies with `report` plus the timer's previous value. `inc_then_trap` does the
/// same, then traps with "boom". `get` (query) replies with `report`: heap counter, global and
/// stable counter as three little-endian u32. `bump_in_query` bumps heap, global and stable in a
/// query and replies with `report`.
pub fn counter_wat(extra: &str) -> String {
    format!(
        r#"(module {IMPORTS}
  (memory 2)
  (global $g (mut i32) (i32.const 0))
  (data (i32.const 100) "boom")
  (func $bump_memory
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (if (i64.eq (call $stable_size) (i64.const 0)) (then (drop (call $stable_grow (i64.const 1)))))
    (call $stable_write (i64.const 0) (i64.const 0) (i64.const 4)))
  (func $bump
    (call $bump_memory)
    (call $cd_set (i32.const 0) (i32.const 4))
    (i64.store (i32.const 12) (call $timer_set (i64.extend_i32_u (i32.load (i32.const 0))))))
  (func $report (param $len i32)
    (i32.store (i32.const 4) (global.get $g))
    (i32.store (i32.const 8) (i32.const 0))
    (if (i64.ne (call $stable_size) (i64.const 0))
      (then (call $stable_read (i64.const 8) (i64.const 0) (i64.const 4))))
    (call $append (i32.const 0) (local.get $len))
    (call $msg_reply))
  (func (export "canister_update inc") (call $bump) (call $report (i32.const 20)))
  (func (export "canister_update inc_then_trap") (call $bump) (call $trap (i32.const 100) (i32.const 4)))
  (func (export "canister_query get") (call $report (i32.const 12)))
  (func (export "canister_query bump_in_query") (call $bump_memory) (call $report (i32.const 12)))
  {extra}
)"#
    )
}

/// Heap counter, global, stable counter (and, for `inc`, the previous timer value).
pub fn report(reply: &[u8]) -> (u32, u32, u32, Option<u64>) {
    let word = |i: usize| u32::from_le_bytes(reply[i..i + 4].try_into().unwrap());
    let timer = (reply.len() == 20).then(|| u64::from_le_bytes(reply[12..20].try_into().unwrap()));
    (word(0), word(4), word(8), timer)
}
