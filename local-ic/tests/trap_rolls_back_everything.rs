//! A trapping update rolls back heap, globals, stable memory, certified data and the timer, and
//! the caller gets the IC's trap reject.

mod common;

use common::{counter_wat, install, report, user};
use ic_certification::LookupResult;
use local_ic::{CallError, ErrorCode, RejectCode};

#[test]
fn trap_rolls_back_heap_globals_stable_certified_data_and_timer() {
    let (mut ic, canister) = install(&counter_wat(""));
    let first = ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    assert_eq!(report(&first.reply), (1, 1, 1, Some(0)));
    assert_eq!((first.heap_bytes, first.stable_bytes, first.reply_bytes), (2 * 65_536, 65_536, 20));

    let err = ic.update_call(canister, user(), "inc_then_trap", Vec::new()).unwrap_err();
    let CallError::Rejected { reject } = err else { panic!("expected a reject, got {err:?}") };
    assert_eq!(reject.code, RejectCode::CanisterError);
    assert_eq!(reject.error_code, ErrorCode::CanisterCalledTrap);
    assert_eq!(reject.error_code.to_string(), "IC0503");
    assert!(
        reject.message.starts_with(&format!(
            "Error from Canister {canister}: Canister called `ic0.trap` with message: 'boom'"
        )),
        "{}",
        reject.message
    );

    // Heap, global and stable memory still say 1.
    let got = ic.query_call(canister, user(), "get", Vec::new()).unwrap();
    assert_eq!(report(&got.reply), (1, 1, 1, None));
    // Certified data is still the counter value 1.
    let tree = ic.state_tree().full();
    let path = [b"canister".as_slice(), canister.as_slice(), b"certified_data"];
    assert_eq!(tree.lookup_path(path), LookupResult::Found(&1u32.to_le_bytes()[..]));
    // The timer still holds 1 (the trapped message had set it to 2): the next inc sees 1.
    let next = ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    assert_eq!(report(&next.reply), (2, 2, 2, Some(1)));
}
