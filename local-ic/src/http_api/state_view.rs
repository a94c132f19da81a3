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
