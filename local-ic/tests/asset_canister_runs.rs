//! The project's real asset canister (ic-cdk 0.20, `dist/asset-canister.wasm.gz`) installs and
//! answers calls: every system API function it imports is implemented.

mod common;

use candid::{Decode, Encode, Principal};
use common::{admin, user};
use local_ic::{InstallMode, LocalIc};

const WASM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../dist/asset-canister.wasm.gz");

#[test]
fn asset_canister_installs_upgrades_and_answers() {
    let wasm = std::fs::read(WASM).expect("dist/asset-canister.wasm.gz (scripts/build.sh makes it)");
    let mut ic = LocalIc::from_seed([8; 32]);
    let canister = ic.create_canister(vec![admin()]).unwrap();
    ic.install_code(canister, admin(), &wasm, Encode!().unwrap(), InstallMode::Install).unwrap();

    let outcome = ic.query_call(canister, user(), "api_version", Encode!().unwrap()).unwrap();
    assert_eq!(Decode!(&outcome.reply, u16).unwrap(), 2);
    assert!(outcome.instructions > 0);

    #[derive(candid::CandidType)]
    struct CreateBatchArguments {}
    let arg = Encode!(&CreateBatchArguments {}).unwrap();
    let batch = ic.update_call(canister, admin(), "create_batch", arg.clone()).unwrap();
    assert!(!batch.reply.is_empty());
    let err = ic.update_call(canister, user(), "create_batch", arg).unwrap_err();
    assert!(err.reject().is_some(), "a non-controller without permission may not create batches");

    ic.install_code(canister, admin(), &wasm, Encode!().unwrap(), InstallMode::Upgrade).unwrap();
    let again = ic.query_call(canister, Principal::anonymous(), "api_version", Encode!().unwrap()).unwrap();
    assert_eq!(Decode!(&again.reply, u16).unwrap(), 2);
}
