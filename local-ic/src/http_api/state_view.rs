//! The state tree as `read_state` and the call endpoints certify it: the certification layer's
//! `time`, `canister/...` and `subnet/...` branches, plus what only the HTTP layer knows:
//! `request_status/...`, the node's public key under `subnet/<id>/node/<node>/public_key`, the
//! subnet's `type`, and `canister/<id>/metadata/<name>`.
//!
//! Owns the layout of those extra branches and the cutting of witnesses for requested paths. It
//! does not sign (the [`SubnetSigner`] does) and does not decide who may read what (see
//! `read_state`). Invariant: all witnesses of one certificate are cut from one tree, so they
//! merge into a tree whose root hash is the one signed.

use candid::Principal;
use ic_certification::{merge_hash_trees, HashTree, NestedTree};
use serde_bytes::ByteBuf;

use super::ingress_history::{leb128_u64, IngressHistory};
use super::node_key::NodeKey;
use crate::certification::{CanisterCertifiedState, SubnetTopology};
use crate::management::MetadataSection;

/// CBOR header of tag 55799, in front of CBOR-valued leaves as the IC writes them.
const SELF_DESCRIBING_TAG: [u8; 3] = [0xd9, 0xd9, 0xf7];

/// One canister as the state tree shows it.
pub(crate) struct CanisterView<'a> {
    /// Canister id.
    pub id: Principal,
    /// Certified data, module hash and controllers.
    pub certified: &'a CanisterCertifiedState,
    /// The module's `icp:public` and `icp:private` custom sections.
    pub metadata: &'a [MetadataSection],
}

/// The tree a certificate is cut from.
pub(crate) struct StateView {
    tree: NestedTree<Vec<u8>, Vec<u8>>,
}

impl StateView {
    /// Lays out the whole tree at `time_ns`.
    pub(crate) fn new<'a>(
        time_ns: u64,
        topology: &SubnetTopology,
        node: &NodeKey,
        canisters: impl IntoIterator<Item = CanisterView<'a>>,
        history: &IngressHistory,
    ) -> Self {
        let mut tree = NestedTree::default();
        tree.insert(&[b"time".to_vec()], leb128_u64(time_ns));
        let subnet = |leaf: &[&[u8]]| {
            let mut path = vec![b"subnet".to_vec(), topology.subnet_id.as_slice().to_vec()];
            path.extend(leaf.iter().map(|label| label.to_vec()));
            path
        };
        tree.insert(&subnet(&[b"public_key"]), topology.public_key_der.clone());
        let ranges: Vec<(ByteBuf, ByteBuf)> = topology
            .canister_ranges
            .iter()
            .map(|(lo, hi)| (ByteBuf::from(lo.as_slice()), ByteBuf::from(hi.as_slice())))
            .collect();
        tree.insert(&subnet(&[b"canister_ranges"]), tagged_cbor(&ranges));
        tree.insert(&subnet(&[b"type"]), b"application".to_vec());
        tree.insert(
            &subnet(&[b"node", node.id().as_slice(), b"public_key"]),
            node.public_key_der().to_vec(),
        );
        for canister in canisters {
            let path = |leaf: &[&[u8]]| {
                let mut path = vec![b"canister".to_vec(), canister.id.as_slice().to_vec()];
                path.extend(leaf.iter().map(|label| label.to_vec()));
                path
            };
            tree.insert(&path(&[b"certified_data"]), canister.certified.certified_data.clone());
            let controllers: Vec<ByteBuf> = canister
                .certified
                .controllers
                .iter()
                .map(|c| ByteBuf::from(c.as_slice()))
                .collect();
            tree.insert(&path(&[b"controllers"]), tagged_cbor(&controllers));
            if let Some(hash) = canister.certified.module_hash {
                tree.insert(&path(&[b"module_hash"]), hash.to_vec());
            }
            for section in canister.metadata {
                tree.insert(&path(&[b"metadata", section.name.as_bytes()]), section.content.clone());
            }
        }
        history.publish(&mut tree);
        Self { tree }
    }

    /// The tree pruned to `time` and each of `paths` (absence proofs for missing paths).
    pub(crate) fn witness(&self, paths: &[Vec<Vec<u8>>]) -> HashTree {
        paths.iter().fold(self.tree.witness(&[b"time".to_vec()]), |acc, path| {
            merge_hash_trees(acc, self.tree.witness(path))
        })
    }
}

fn tagged_cbor<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut out = SELF_DESCRIBING_TAG.to_vec();
    ciborium::into_writer(value, &mut out).expect("writing CBOR into a Vec cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_api::ingress_history::CallOutcome;
    use ic_certification::LookupResult;
    use ic_transport_types::RequestId;

    #[test]
    fn witnesses_reveal_requested_paths_under_one_root() {
        let subnet_id = Principal::from_slice(&[9; 29]);
        let topology = SubnetTopology {
            subnet_id,
            public_key_der: vec![1, 2, 3],
            canister_ranges: vec![(Principal::from_slice(&[0; 10]), Principal::from_slice(&[1; 10]))],
        };
        let node = NodeKey::from_secret([4; 32]);
        let canister = Principal::from_slice(&[0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
        let certified = CanisterCertifiedState {
            certified_data: vec![7; 32],
            module_hash: Some([8; 32]),
            controllers: vec![Principal::anonymous()],
        };
        let metadata = [MetadataSection { name: "candid:service".into(), private: false, content: b"service : {}".to_vec() }];
        let mut history = IngressHistory::default();
        let request_id = RequestId::new(&[5; 32]);
        history.record(request_id, Principal::anonymous(), u64::MAX, CallOutcome::Replied(b"ok".to_vec()));
        let view = StateView::new(
            42,
            &topology,
            &node,
            [CanisterView { id: canister, certified: &certified, metadata: &metadata }],
            &history,
        );
        let request_path = vec![b"request_status".to_vec(), request_id.to_vec()];
        let subnet_path = vec![b"subnet".to_vec()];
        let metadata_path =
            vec![b"canister".to_vec(), canister.as_slice().to_vec(), b"metadata".to_vec(), b"candid:service".to_vec()];
        let one = view.witness(&[request_path.clone()]);
        let all = view.witness(&[request_path, subnet_path, metadata_path]);
        assert_eq!(one.digest(), all.digest(), "every witness reconstructs the same root");

        let status = [b"request_status".as_slice(), request_id.as_slice(), b"status"];
        assert_eq!(one.lookup_path(status), LookupResult::Found(b"replied"));
        let reply = [b"request_status".as_slice(), request_id.as_slice(), b"reply"];
        assert_eq!(one.lookup_path(reply), LookupResult::Found(b"ok"));
        let node_id = node.id();
        let node_key = [b"subnet".as_slice(), subnet_id.as_slice(), b"node", node_id.as_slice(), b"public_key"];
        assert_eq!(one.lookup_path(node_key), LookupResult::Unknown, "pruned unless asked for");
        assert_eq!(all.lookup_path(node_key), LookupResult::Found(node.public_key_der()));
        let candid = [b"canister".as_slice(), canister.as_slice(), b"metadata", b"candid:service"];
        assert_eq!(all.lookup_path(candid), LookupResult::Found(b"service : {}"));
        assert_eq!(all.lookup_path([b"time".as_slice()]), LookupResult::Found(&[42]));
        let absent = [b"request_status".as_slice(), &[6; 32], b"status"];
        assert_eq!(all.lookup_path(absent), LookupResult::Absent);
    }
}
