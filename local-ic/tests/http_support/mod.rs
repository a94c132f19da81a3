//! Shared pieces of the HTTP tests: a WAT test canister, agents, and a started server.

mod server;

pub use server::{agent, ed25519, start_server};

use candid::Principal;
use ic_agent::Agent;
use ic_utils::interfaces::ManagementCanister;

/// A new empty canister created by `agent` through the management canister (provisional, no cycles).
#[allow(dead_code)] // Not every test binary: http_api.rs creates with cycles, http_icp_cli.rs through icp-cli.
pub async fn create_canister(agent: &Agent) -> Principal {
    ManagementCanister::create(agent)
        .create_canister()
        .as_provisional_create_with_amount(None)
        .call_and_wait()
        .await
        .expect("canister created")
        .0
}

/// The pieces of a canned `http_request` answer around its `IC-Certificate` header value,
/// which the canister completes with the certificate it gets from `data_certificate_copy`.
pub struct CannedHttpResponse {
    /// Candid bytes before the length of the header value.
    pub prefix: Vec<u8>,
    /// Text of the header value before the base64 certificate.
    pub before_certificate: Vec<u8>,
    /// Text of the header value after the base64 certificate.
    pub after_certificate: Vec<u8>,
    /// Candid bytes after the header value.
    pub suffix: Vec<u8>,
}

/// The test canister with empty `http_request` answers, for tests that use only its other methods.
#[allow(dead_code)] // Not every test binary: http_gateway.rs builds its own canned answers.
pub fn plain_test_canister() -> Vec<u8> {
    let empty = || CannedHttpResponse {
        prefix: vec![],
        before_certificate: vec![],
        after_certificate: vec![],
        suffix: vec![],
    };
    test_canister(&empty(), &empty())
}

/// The test canister. Methods (raw bytes, no Candid):
/// - update `set(bytes)` stores bytes, query `get()` replies with them;
/// - update `certify(32 bytes)` sets certified data;
/// - update `set_mode(byte)`: 0 answers `http_request` with `honest`, 1 with `tampered`,
///   2 with `honest` but a certificate whose last byte (in the signature) is flipped;
/// - query `http_request` ignores its argument and answers as the mode says;
/// - update `arm_timer()` sets the global timer to now; when it fires, the stored bytes become
///   `timer`.
pub fn test_canister(honest: &CannedHttpResponse, tampered: &CannedHttpResponse) -> Vec<u8> {
    let mut data = String::new();
    let mut next = 0x1000usize;
    let mut place = |bytes: &[u8]| {
        let at = next;
        let escaped: String = bytes.iter().map(|b| format!("\\{b:02x}")).collect();
        data.push_str(&format!("(data (i32.const {at}) \"{escaped}\")\n"));
        next += bytes.len();
        (at, bytes.len())
    };
    let (hp, hpl) = place(&honest.prefix);
    let (hs, hsl) = place(&honest.suffix);
    let (tp, tpl) = place(&tampered.prefix);
    let (ts, tsl) = place(&tampered.suffix);
    let (a, al) = place(&honest.before_certificate);
    let (b, bl) = place(&honest.after_certificate);
    assert!(next < 0x20000, "canned responses must fit below the canister's variables");
    assert_eq!(honest.before_certificate, tampered.before_certificate);
    assert_eq!(honest.after_certificate, tampered.after_certificate);
    let fixed = al + bl;
    let wat = format!(
        r#"(module
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "certified_data_set" (func $certified_data_set (param i32 i32)))
  (import "ic0" "data_certificate_size" (func $cert_size (result i32)))
  (import "ic0" "data_certificate_copy" (func $cert_copy (param i32 i32 i32)))
  (import "ic0" "global_timer_set" (func $global_timer_set (param i64) (result i64)))
  (import "ic0" "time" (func $time (result i64)))
  (memory 4)
  (data (i32.const 0x200) "timer")
  (data (i32.const 0x100) "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
  {data}
  (func (export "canister_update set")
    (local $n i32)
    (local.set $n (call $arg_size))
    (i32.store (i32.const 0x20004) (local.get $n))
    (call $arg_copy (i32.const 0x20008) (i32.const 0) (local.get $n))
    (call $reply))
  (func (export "canister_query get")
    (call $append (i32.const 0x20008) (i32.load (i32.const 0x20004)))
    (call $reply))
  (func (export "canister_update set_mode")
    (call $arg_copy (i32.const 0x20000) (i32.const 0) (i32.const 1))
    (call $reply))
  (func (export "canister_update arm_timer")
    (drop (call $global_timer_set (call $time)))
    (call $reply))
  (func (export "canister_global_timer")
    (i32.store (i32.const 0x20004) (i32.const 5))
    (memory.copy (i32.const 0x20008) (i32.const 0x200) (i32.const 5)))
  (func (export "canister_update certify")
    (call $arg_copy (i32.const 0x3f100) (i32.const 0) (i32.const 32))
    (call $certified_data_set (i32.const 0x3f100) (i32.const 32))
    (call $reply))
  (func $emit4 (param $v i32) (param $at i32)
    (i32.store8 (local.get $at)
      (i32.load8_u (i32.add (i32.const 0x100) (i32.and (i32.shr_u (local.get $v) (i32.const 18)) (i32.const 63)))))
    (i32.store8 (i32.add (local.get $at) (i32.const 1))
      (i32.load8_u (i32.add (i32.const 0x100) (i32.and (i32.shr_u (local.get $v) (i32.const 12)) (i32.const 63)))))
    (i32.store8 (i32.add (local.get $at) (i32.const 2))
      (i32.load8_u (i32.add (i32.const 0x100) (i32.and (i32.shr_u (local.get $v) (i32.const 6)) (i32.const 63)))))
    (i32.store8 (i32.add (local.get $at) (i32.const 3))
      (i32.load8_u (i32.add (i32.const 0x100) (i32.and (local.get $v) (i32.const 63))))))
  (func $byte (param $at i32) (param $shift i32) (result i32)
    (i32.shl (i32.load8_u (local.get $at)) (local.get $shift)))
  (func $base64 (param $src i32) (param $len i32) (param $dst i32) (result i32)
    (local $i i32) (local $o i32) (local $rem i32)
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 3)) (local.get $len)))
        (call $emit4
          (i32.or
            (i32.or
              (call $byte (i32.add (local.get $src) (local.get $i)) (i32.const 16))
              (call $byte (i32.add (local.get $src) (i32.add (local.get $i) (i32.const 1))) (i32.const 8)))
            (call $byte (i32.add (local.get $src) (i32.add (local.get $i) (i32.const 2))) (i32.const 0)))
          (i32.add (local.get $dst) (local.get $o)))
        (local.set $i (i32.add (local.get $i) (i32.const 3)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $next)))
    (local.set $rem (i32.sub (local.get $len) (local.get $i)))
    (if (i32.eq (local.get $rem) (i32.const 1))
      (then
        (call $emit4 (call $byte (i32.add (local.get $src) (local.get $i)) (i32.const 16))
          (i32.add (local.get $dst) (local.get $o)))
        (i32.store8 (i32.add (local.get $dst) (i32.add (local.get $o) (i32.const 2))) (i32.const 61))
        (i32.store8 (i32.add (local.get $dst) (i32.add (local.get $o) (i32.const 3))) (i32.const 61))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))))
    (if (i32.eq (local.get $rem) (i32.const 2))
      (then
        (call $emit4
          (i32.or
            (call $byte (i32.add (local.get $src) (local.get $i)) (i32.const 16))
            (call $byte (i32.add (local.get $src) (i32.add (local.get $i) (i32.const 1))) (i32.const 8)))
          (i32.add (local.get $dst) (local.get $o)))
        (i32.store8 (i32.add (local.get $dst) (i32.add (local.get $o) (i32.const 3))) (i32.const 61))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))))
    (local.get $o))
  (func $leb128 (param $v i32) (param $at i32) (result i32)
    (local $n i32)
    (loop $next
      (if (i32.lt_u (local.get $v) (i32.const 128))
        (then
          (i32.store8 (i32.add (local.get $at) (local.get $n)) (local.get $v))
          (return (i32.add (local.get $n) (i32.const 1)))))
      (i32.store8 (i32.add (local.get $at) (local.get $n))
        (i32.or (i32.and (local.get $v) (i32.const 127)) (i32.const 128)))
      (local.set $v (i32.shr_u (local.get $v) (i32.const 7)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next))
    (unreachable))
  (func (export "canister_query http_request")
    (local $size i32) (local $encoded i32) (local $mode i32) (local $n i32) (local $last i32)
    (local.set $size (call $cert_size))
    (call $cert_copy (i32.const 0x30000) (i32.const 0) (local.get $size))
    (local.set $mode (i32.load8_u (i32.const 0x20000)))
    (if (i32.and (i32.eq (local.get $mode) (i32.const 2)) (i32.gt_u (local.get $size) (i32.const 0)))
      (then
        (local.set $last (i32.add (i32.const 0x30000) (i32.sub (local.get $size) (i32.const 1))))
        (i32.store8 (local.get $last) (i32.xor (i32.load8_u (local.get $last)) (i32.const 1)))))
    (local.set $encoded (call $base64 (i32.const 0x30000) (local.get $size) (i32.const 0x38000)))
    (if (i32.eq (local.get $mode) (i32.const 1))
      (then (call $append (i32.const {tp}) (i32.const {tpl})))
      (else (call $append (i32.const {hp}) (i32.const {hpl}))))
    (local.set $n (call $leb128 (i32.add (i32.const {fixed}) (local.get $encoded)) (i32.const 0x3f000)))
    (call $append (i32.const 0x3f000) (local.get $n))
    (call $append (i32.const {a}) (i32.const {al}))
    (call $append (i32.const 0x38000) (local.get $encoded))
    (call $append (i32.const {b}) (i32.const {bl}))
    (if (i32.eq (local.get $mode) (i32.const 1))
      (then (call $append (i32.const {ts}) (i32.const {tsl})))
      (else (call $append (i32.const {hs}) (i32.const {hsl}))))
    (call $reply))
)"#
    );
    wat::parse_str(wat).expect("the test canister's WAT parses")
}
