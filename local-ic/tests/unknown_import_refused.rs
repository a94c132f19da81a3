//! A module importing something the local IC does not implement is refused at install, with an
//! error naming the import, and the canister stays empty.

mod common;

use common::admin;
use local_ic::{InstallError, InstallMode, LocalIc, WasmError};

#[test]
fn unknown_import_is_refused_by_name_and_nothing_is_installed() {
    let mut ic = LocalIc::from_seed([3; 32]);
    let canister = ic.create_canister(vec![admin()]).unwrap();
    let wasm = wat::parse_str(
        r#"(module
             (import "ic0" "msg_reply" (func))
             (import "ic0" "mint_cycles128" (func (param i64 i64 i32)))
             (func (export "canister_update f")))"#,
    )
    .unwrap();
    let err = ic.install_code(canister, admin(), &wasm, Vec::new(), InstallMode::Install).unwrap_err();
    assert_eq!(
        err,
        InstallError::Wasm { error: WasmError::UnknownImport { module: "ic0".into(), name: "mint_cycles128".into() } }
    );
    assert!(err.to_string().contains("ic0.mint_cycles128"));
    assert_eq!(ic.module_hash(canister), None);

    let other_module = wat::parse_str(r#"(module (import "env" "memory" (memory 1)))"#).unwrap();
    let err = ic.install_code(canister, admin(), &other_module, Vec::new(), InstallMode::Install).unwrap_err();
    assert_eq!(err, InstallError::Wasm { error: WasmError::UnknownImport { module: "env".into(), name: "memory".into() } });
}

#[test]
fn gzipped_module_installs_and_its_hash_is_of_the_submitted_bytes() {
    use sha2::{Digest, Sha256};
    use std::io::Write;
    let mut ic = LocalIc::from_seed([3; 32]);
    let canister = ic.create_canister(vec![admin()]).unwrap();
    let wasm = wat::parse_str(r#"(module (func (export "canister_init")))"#).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&wasm).unwrap();
    let gz = gz.finish().unwrap();
    ic.install_code(canister, admin(), &gz, Vec::new(), InstallMode::Install).unwrap();
    assert_eq!(ic.module_hash(canister), Some(Sha256::digest(&gz).into()));
}
