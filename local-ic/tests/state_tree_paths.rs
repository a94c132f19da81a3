//! The certified state tree carries `time`, the canister's module hash, controllers and
//! certified data, and the subnet's public key and canister ranges, encoded as the IC encodes them.

mod common;

use candid::Principal;
use common::{admin, counter_wat, install, user};
use ic_certification::LookupResult;
use sha2::{Digest, Sha256};

fn found(result: LookupResult<'_>) -> Vec<u8> {
    match result {
        LookupResult::Found(bytes) => bytes.to_vec(),
        other => panic!("not found: {other:?}"),
    }
}

#[test]
fn state_tree_paths_hold_the_canister_and_subnet_facts() {
    let wat = counter_wat("");
    let (mut ic, canister) = install(&wat);
    ic.update_call(canister, user(), "inc", Vec::new()).unwrap();
    let tree = ic.state_tree().full();
    let id = canister.as_slice();

    let mut time = Vec::new();
    leb128::write::unsigned(&mut time, ic.time()).unwrap();
    assert_eq!(found(tree.lookup_path([b"time".as_slice()])), time);

    let wasm = wat::parse_str(&wat).unwrap();
    let hash: [u8; 32] = Sha256::digest(&wasm).into();
    assert_eq!(found(tree.lookup_path([b"canister".as_slice(), id, b"module_hash"])), hash);
    assert_eq!(found(tree.lookup_path([b"canister".as_slice(), id, b"certified_data"])), 1u32.to_le_bytes());

    let controllers = found(tree.lookup_path([b"canister".as_slice(), id, b"controllers"]));
    assert_eq!(controllers[..3], [0xd9, 0xd9, 0xf7], "self-describing CBOR tag");
    let decoded: Vec<serde_bytes::ByteBuf> = ciborium::from_reader(&controllers[3..]).unwrap();
    assert_eq!(decoded, vec![serde_bytes::ByteBuf::from(admin().as_slice())]);

    let subnet = ic.signer().subnet_id();
    assert_eq!(subnet, Principal::self_authenticating(ic.root_key()));
    let key = found(tree.lookup_path([b"subnet".as_slice(), subnet.as_slice(), b"public_key"]));
    assert_eq!(key, ic.root_key());
    let ranges = found(tree.lookup_path([b"subnet".as_slice(), subnet.as_slice(), b"canister_ranges"]));
    let ranges: Vec<(serde_bytes::ByteBuf, serde_bytes::ByteBuf)> = ciborium::from_reader(&ranges[3..]).unwrap();
    assert!(ranges.iter().any(|(lo, hi)| lo.as_slice() <= id && id <= hi.as_slice()));
}
