//! Benchmark: install a ~2 MB Wasm once, then answer 1,000 small queries.
//!
//! Run with `cargo bench -p local-ic --bench queries`. Prints wall time and instruction figures;
//! it asserts nothing about speed (that is measured here, never in tests).

use std::time::Instant;

use candid::Principal;
use local_ic::{InstallMode, LocalIc};

const DATA_BYTES: usize = 2 * 1024 * 1024;
const QUERIES: usize = 1_000;

fn big_wat() -> String {
    let data: String = (0..DATA_BYTES).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
    format!(
        r#"(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "msg_arg_data_copy" (func $arg_copy (param i32 i32 i32)))
  (import "ic0" "msg_arg_data_size" (func $arg_size (result i32)))
  (memory 40)
  (data (i32.const 65536) "{data}")
  (func (export "canister_query get")
    (call $arg_copy (i32.const 0) (i32.const 0) (call $arg_size))
    (call $append (i32.add (i32.const 65536) (i32.load (i32.const 0))) (i32.const 16))
    (call $reply))
)"#
    )
}

fn main() {
    let wasm = wat::parse_str(big_wat()).expect("valid WAT");
    let admin = Principal::from_slice(&[1; 29]);
    let mut ic = LocalIc::from_seed([0; 32]);
    let canister = ic.create_canister(vec![admin]).expect("create");

    let start = Instant::now();
    ic.install_code(canister, admin, &wasm, Vec::new(), InstallMode::Install).expect("install");
    let install = start.elapsed();

    let start = Instant::now();
    let mut instructions = 0;
    let mut heap = 0;
    for i in 0..QUERIES {
        let offset = ((i * 4099) % (DATA_BYTES - 16)) as u32;
        let outcome = ic.query_call(canister, admin, "get", offset.to_le_bytes().to_vec()).expect("query");
        instructions += outcome.instructions;
        heap = outcome.heap_bytes;
    }
    let queries = start.elapsed();

    let again = Instant::now();
    ic.install_code(canister, admin, &wasm, Vec::new(), InstallMode::Reinstall).expect("reinstall");
    let reinstall = again.elapsed();

    println!("wasm module:             {} bytes", wasm.len());
    println!("heap:                    {heap} bytes");
    println!("install (compile):       {install:?}");
    println!("reinstall (cached):      {reinstall:?}");
    println!("{QUERIES} queries:          {queries:?} ({:?} per query)", queries / QUERIES as u32);
    println!("instructions per query:  {}", instructions / QUERIES as u64);
    println!("install + {QUERIES} queries: {:?}", install + queries);
}
