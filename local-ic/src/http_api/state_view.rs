//! The state tree as `read_state` and the call endpoints certify it: the certification layer's
//! `time`, `canister/...` and `subnet/...` branches, copied leaf by leaf, plus what only the HTTP
//! layer knows:
//! `request_status/...`, the node's public key under `subnet/<id>/node/<node>/public_key`, the
//! subnet's `type`, and `canister/<id>/metadata/<name>`.
//!
//! Owns the layout of those extra branches and the cutting of witnesses for requested paths. It
//! does not sign (the [`SubnetSigner`] does) and does not decide who may read what (see
//! `read_state`). Invariant: all witnesses of one certificate are cut from one tree, so they
//! merge into a tree whose root hash is the one signed.

use candid::Principal;
use ic_certification::{merge_hash_trees, HashTree, LookupResult, NestedTree};

use super::ingress_history::IngressHistory;
use super::node_key::NodeKey;
use crate::management::MetadataSection;

/// The tree a certificate is cut from.
pub(crate) struct StateView {
    tree: NestedTree<Vec<u8>, Vec<u8>>,
}

impl StateView {
    /// Lays out the whole tree: every leaf of `base` (the certification layer's full tree, which
    /// owns `time`, `canister/...` and `subnet/...`), plus the branches only HTTP knows.
    pub(crate) fn new<'a>(
        base: &HashTree,
        subnet_id: Principal,
        node: &NodeKey,
        metadata: impl IntoIterator<Item = (Principal, &'a [MetadataSection])>,
        history: &IngressHistory,
    ) -> Self {
        let mut tree = NestedTree::default();
        for path in base.list_paths() {
            if let LookupResult::Found(value) = base.lookup_path(&path) {
                let labels: Vec<Vec<u8>> = path.iter().map(|label| label.as_bytes().to_vec()).collect();
                tree.insert(&labels, value.to_vec());
            }
        }
        let subnet = |leaf: &[&[u8]]| {
            let mut path = vec![b"subnet".to_vec(), subnet_id.as_slice().to_vec()];
            path.extend(leaf.iter().map(|label| label.to_vec()));
            path
        };
        tree.insert(&subnet(&[b"type"]), b"application".to_vec());
        tree.insert(&subnet(&[b"node", node.id().as_slice(), b"public_key"]), node.public_key_der().to_vec());
        for (canister, sections) in metadata {
            let canister_path = [b"canister".to_vec(), canister.as_slice().to_vec()];
            if !tree.contains_path(&canister_path) {
                continue;
            }
            for section in sections {
                let mut path = canister_path.to_vec();
                path.extend([b"metadata".to_vec(), section.name.as_bytes().to_vec()]);
                tree.insert(&path, section.content.clone());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certification::{CanisterCertifiedState, StateTree, SubnetTopology};
    use crate::http_api::ingress_history::CallOutcome;
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
        let base = StateTree::new(42, &topology, [(canister, &certified)]).full();
        let stranger = Principal::from_slice(&[3; 10]);
        let view = StateView::new(
            &base,
            subnet_id,
            &node,
            [(canister, metadata.as_slice()), (stranger, metadata.as_slice())],
            &history,
        );
        let request_path = vec![b"request_status".to_vec(), request_id.to_vec()];
        let subnet_path = vec![b"subnet".to_vec()];
        let metadata_path =
            vec![b"canister".to_vec(), canister.as_slice().to_vec(), b"metadata".to_vec(), b"candid:service".to_vec()];
        let one = view.witness(std::slice::from_ref(&request_path));
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
        let copied = [b"canister".as_slice(), canister.as_slice(), b"module_hash"];
        let module_path = vec![b"canister".to_vec(), canister.as_slice().to_vec(), b"module_hash".to_vec()];
        assert_eq!(view.witness(&[module_path]).lookup_path(copied), LookupResult::Found(&[8; 32]));
        let stranger_path = vec![b"canister".to_vec(), stranger.as_slice().to_vec()];
        let stranger_metadata = [b"canister".as_slice(), stranger.as_slice(), b"metadata", b"candid:service"];
        assert_eq!(
            view.witness(&[stranger_path]).lookup_path(stranger_metadata),
            LookupResult::Absent,
            "no metadata for canisters the subnet does not have"
        );
    }
}
