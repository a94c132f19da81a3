//! Upgrade: pre_upgrade runs on the old module, stable memory survives, the heap does not,
//! post_upgrade runs on the new module; if either hook traps, the canister is exactly as before.

mod common;

use common::{admin, counter_wat, install, report, user};
use local_ic::{CallError, ErrorCode, InstallError, InstallMode, InstallOutcome, LocalIc};
use sha2::{Digest, Sha256};

/// v1 hooks: pre_upgrade writes "pre1" at stable bytes 4..8 (or traps when asked to).
const PRE_UPGRADE: &str = r#"
  (data (i32.const 120) "pre1")
  (func (export "canister_pre_upgrade")
    (call $stable_write (i64.const 4) (i64.const 120) (i64.const 4)))
  (func (export "canister_query marker")
    (call $stable_read (i64.const 64) (i64.const 4) (i64.const 4))
    (call $append (i32.const 64) (i32.const 4))
    (call $msg_reply))
"#;

/// v2: post_upgrade copies the marker and the (fresh) heap counter into `probe`'s reply.
const POST_UPGRADE: &str = r#"
  (func (export "canister_post_upgrade")
    (call $stable_read (i64.const 200) (i64.const 4) (i64.const 4))
    (i32.store (i32.const 204) (i32.load (i32.const 0))))
  (func (export "canister_query probe")
    (call $append (i32.const 200) (i32.const 8))
    (call $msg_reply))
"#;

const TRAPPING_POST_UPGRADE: &str = r#"
  (func (export "canister_post_upgrade")
    (call $stable_write (i64.const 0) (i64.const 100) (i64.const 4))
    (call $trap (i32.const 100) (i32.const 4)))
"#;

const TRAPPING_PRE_UPGRADE: &str = r#"
  (func (export "canister_pre_upgrade")
    (call $stable_write (i64.const 0) (i64.const 100) (i64.const 4))
    (call $trap (i32.const 100) (i32.const 4)))
"#;

fn upgrade(ic: &mut LocalIc, canister: candid::Principal, wat: &str) -> Result<InstallOutcome, InstallError> {
    let wasm = wat::parse_str(wat).unwrap();
    ic.install_code(canister, admin(), &wasm, Vec::new(), InstallMode::Upgrade)
}

#[test]
fn stable_memory_survives_heap_is_fresh_and_both_hooks_run() {
    let (mut ic, canister) = install(&counter_wat(PRE_UPGRADE));
    ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    let outcome = upgrade(&mut ic, canister, &counter_wat(POST_UPGRADE)).unwrap();
    assert!(outcome.instructions > 0, "both hooks ran, so instructions were counted");
    let probe = ic.query_call(canister, user(), "probe", Vec::new()).unwrap().reply;
    assert_eq!(&probe[..4], b"pre1", "pre_upgrade of the old module did not run");
    assert_eq!(&probe[4..], &0u32.to_le_bytes(), "post_upgrade saw the old heap");
    let got = ic.query_call(canister, user(), "get", Vec::new()).unwrap();
    assert_eq!(report(&got.reply), (0, 0, 2, None), "heap and globals reset, stable kept");
}

fn assert_unchanged(ic: &mut LocalIc, canister: candid::Principal, hash: [u8; 32], err: InstallError) {
    let InstallError::Rejected { reject } = err else { panic!("{err:?}") };
    assert_eq!(reject.error_code, ErrorCode::CanisterCalledTrap);
    assert_eq!(ic.module_hash(canister), Some(hash));
    let got = ic.query_call(canister, user(), "get", Vec::new()).unwrap();
    assert_eq!(report(&got.reply), (2, 2, 2, None));
    // It still runs the old code and keeps counting from its old heap.
    let next = ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    assert_eq!(report(&next.reply).0, 3);
}

#[test]
fn trapping_post_upgrade_leaves_the_canister_as_before() {
    let v1 = counter_wat(PRE_UPGRADE);
    let (mut ic, canister) = install(&v1);
    ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    let hash: [u8; 32] = Sha256::digest(wat::parse_str(&v1).unwrap()).into();
    let err = upgrade(&mut ic, canister, &counter_wat(TRAPPING_POST_UPGRADE)).unwrap_err();
    let marker = ic.query_call(canister, user(), "marker", Vec::new()).unwrap();
    assert_eq!(marker.reply, vec![0; 4], "pre_upgrade's stable write survived a failed upgrade");
    assert_unchanged(&mut ic, canister, hash, err);
}

#[test]
fn trapping_pre_upgrade_leaves_the_canister_as_before() {
    let v1 = counter_wat(TRAPPING_PRE_UPGRADE);
    let (mut ic, canister) = install(&v1);
    ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    let hash: [u8; 32] = Sha256::digest(wat::parse_str(&v1).unwrap()).into();
    let err = upgrade(&mut ic, canister, &counter_wat(POST_UPGRADE)).unwrap_err();
    assert_unchanged(&mut ic, canister, hash, err);
}

#[test]
fn only_controllers_may_upgrade_and_empty_canisters_cannot_be_upgraded() {
    let (mut ic, canister) = install(&counter_wat(""));
    let wasm = wat::parse_str(counter_wat("")).unwrap();
    let err = ic.install_code(canister, user(), &wasm, Vec::new(), InstallMode::Upgrade).unwrap_err();
    assert!(matches!(err, InstallError::Rejected { ref reject } if reject.error_code == ErrorCode::CanisterInvalidController));
    let empty = ic.create_canister(vec![admin()]).unwrap();
    let err = ic.install_code(empty, admin(), &wasm, Vec::new(), InstallMode::Upgrade).unwrap_err();
    assert!(matches!(err, InstallError::Rejected { ref reject } if reject.error_code == ErrorCode::CanisterWasmModuleNotFound));
    let err = ic.update_call(empty, user(), "inc", Vec::new()).unwrap_err();
    assert!(matches!(err, CallError::Rejected { ref reject } if reject.error_code == ErrorCode::CanisterWasmModuleNotFound));
}
