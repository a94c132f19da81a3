//! The subnet's certified state tree, laid out as in the IC interface specification.
//!
//! Owns the paths and value encodings of `time`, `canister/<id>/{certified_data,module_hash,
//! controllers}` and `subnet/<id>/{public_key,canister_ranges}`. Invariant: witnesses are cut from
//! the same tree whose root hash gets signed, so a witness always reconstructs to that root.

use candid::Principal;
use ic_certification::{merge_hash_trees, AsHashTree, Hash, HashTree, NestedTree};
use serde_bytes::ByteBuf;

/// CBOR header of tag 55799 (self-describing CBOR), used by the IC for CBOR-valued tree leaves.
const SELF_DESCRIBING_TAG: [u8; 3] = [0xd9, 0xd9, 0xf7];

/// What the state tree certifies about one canister.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CanisterCertifiedState {
    /// The bytes last set with `ic0.certified_data_set` (at most 32).
    pub certified_data: Vec<u8>,
    /// SHA-256 of the installed Wasm module; `None` while the canister is empty.
    pub module_hash: Option<[u8; 32]>,
    /// The canister's controllers.
    pub controllers: Vec<Principal>,
}

/// What the state tree certifies about the subnet itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubnetTopology {
    /// The subnet's principal.
    pub subnet_id: Principal,
    /// The subnet's DER-encoded public key.
    pub public_key_der: Vec<u8>,
    /// Inclusive canister id ranges the subnet hosts.
    pub canister_ranges: Vec<(Principal, Principal)>,
}

/// A built state tree, ready to be witnessed and signed.
#[derive(Clone, Debug)]
pub struct StateTree {
    tree: NestedTree<Vec<u8>, Vec<u8>>,
}

impl StateTree {
    /// Builds the tree for time `time_ns`, the subnet `topology` and the given canisters.
    pub fn new<'a>(
        time_ns: u64,
        topology: &SubnetTopology,
        canisters: impl IntoIterator<Item = (Principal, &'a CanisterCertifiedState)>,
    ) -> Self {
        let mut tree = NestedTree::default();
        tree.insert(&[b"time".to_vec()], leb128_u64(time_ns));
        let subnet = topology.subnet_id.as_slice().to_vec();
        tree.insert(
            &[b"subnet".to_vec(), subnet.clone(), b"public_key".to_vec()],
            topology.public_key_der.clone(),
        );
        let ranges: Vec<(ByteBuf, ByteBuf)> = topology
            .canister_ranges
            .iter()
            .map(|(lo, hi)| (ByteBuf::from(lo.as_slice()), ByteBuf::from(hi.as_slice())))
            .collect();
        tree.insert(
            &[b"subnet".to_vec(), subnet, b"canister_ranges".to_vec()],
            tagged_cbor(&ranges),
        );
        for (id, state) in canisters {
            let path = |leaf: &str| [b"canister".to_vec(), id.as_slice().to_vec(), leaf.as_bytes().to_vec()];
            tree.insert(&path("certified_data"), state.certified_data.clone());
            let controllers: Vec<ByteBuf> =
                state.controllers.iter().map(|c| ByteBuf::from(c.as_slice())).collect();
            tree.insert(&path("controllers"), tagged_cbor(&controllers));
            if let Some(hash) = state.module_hash {
                tree.insert(&path("module_hash"), hash.to_vec());
            }
        }
        Self { tree }
    }

    /// The root hash a certificate signs.
    pub fn root_hash(&self) -> Hash {
        self.tree.root_hash()
    }

    /// The whole tree, unpruned.
    pub fn full(&self) -> HashTree {
        self.tree.as_hash_tree()
    }

    /// The tree pruned to `time` and `canister/<id>/certified_data`: what a query sees through
    /// `ic0.data_certificate_copy` on the IC.
    pub fn data_certificate_witness(&self, canister: Principal) -> HashTree {
        let time = self.tree.witness(&[b"time".to_vec()]);
        let data = self.tree.witness(&[
            b"canister".to_vec(),
            canister.as_slice().to_vec(),
            b"certified_data".to_vec(),
        ]);
        merge_hash_trees(time, data)
    }
}

fn leb128_u64(value: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    leb128::write::unsigned(&mut out, value).expect("writing into a Vec cannot fail");
    out
}

fn tagged_cbor<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut out = SELF_DESCRIBING_TAG.to_vec();
    ciborium::into_writer(value, &mut out).expect("writing CBOR into a Vec cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ic_certification::LookupResult;

    fn topology() -> SubnetTopology {
        SubnetTopology {
            subnet_id: Principal::from_slice(&[9; 29]),
            public_key_der: vec![1, 2, 3],
            canister_ranges: vec![(Principal::from_slice(&[0; 10]), Principal::from_slice(&[1; 10]))],
        }
    }

    #[test]
    fn witness_keeps_root_hash_and_reveals_only_time_and_certified_data() {
        let id = Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 1, 1, 1]);
        let state = CanisterCertifiedState {
            certified_data: vec![5; 32],
            module_hash: Some([6; 32]),
            controllers: vec![Principal::anonymous()],
        };
        let tree = StateTree::new(1_000, &topology(), [(id, &state)]);
        let witness = tree.data_certificate_witness(id);
        assert_eq!(witness.digest(), tree.root_hash());
        assert_eq!(witness.lookup_path([b"time".as_slice()]), LookupResult::Found(&leb128_u64(1_000)[..]));
        let data_path = [b"canister".as_slice(), id.as_slice(), b"certified_data"];
        assert_eq!(witness.lookup_path(data_path), LookupResult::Found(&[5u8; 32][..]));
        let hash_path = [b"canister".as_slice(), id.as_slice(), b"module_hash"];
        assert_eq!(witness.lookup_path(hash_path), LookupResult::Unknown);
        assert_eq!(tree.full().lookup_path(hash_path), LookupResult::Found(&[6u8; 32][..]));
    }

    #[test]
    fn module_hash_absent_for_empty_canister() {
        let id = Principal::from_slice(&[3; 10]);
        let tree = StateTree::new(1, &topology(), [(id, &CanisterCertifiedState::default())]);
        let hash_path = [b"canister".as_slice(), id.as_slice(), b"module_hash"];
        assert_eq!(tree.full().lookup_path(hash_path), LookupResult::Absent);
    }
}
