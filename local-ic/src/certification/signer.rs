//! The subnet's threshold key, played here by one BLS12-381 (min-sig) key pair.
//!
//! Owns the secret key, its DER-encoded public key (the root key agents trust) and the subnet id
//! derived from it. Invariant: a signer built from a seed is the same signer on every run, so tests
//! that pin root keys or certificates are reproducible.

use candid::Principal;
use ic_certification::{Certificate, HashTree};
use ic_verify_bls_signature::PrivateKey;
use sha2::{Digest, Sha256};

use super::state_tree::{CanisterCertifiedState, StateTree, SubnetTopology};

/// DER prefix the IC puts in front of a 96-byte BLS12-381 G2 public key (133 bytes in total).
const BLS_DER_PREFIX: [u8; 37] = [
    0x30, 0x81, 0x82, 0x30, 0x1d, 0x06, 0x0d, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc, 0x7c, 0x05,
    0x03, 0x01, 0x02, 0x01, 0x06, 0x0c, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0xdc, 0x7c, 0x05, 0x03,
    0x02, 0x01, 0x03, 0x61, 0x00,
];

/// Domain separator for state-tree signatures: length byte 13, then `ic-state-root`.
const STATE_ROOT_DOMAIN: &[u8] = b"\x0Dic-state-root";

/// CBOR header of tag 55799 (self-describing CBOR), which the IC puts in front of certificates.
const SELF_DESCRIBING_TAG: [u8; 3] = [0xd9, 0xd9, 0xf7];

/// Signs state trees the way an IC subnet does, with the key as the root of trust (no delegation).
#[derive(Clone)]
pub struct SubnetSigner {
    secret: PrivateKey,
    root_key_der: Vec<u8>,
    subnet_id: Principal,
}

impl std::fmt::Debug for SubnetSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubnetSigner")
            .field("subnet_id", &self.subnet_id.to_text())
            .finish_non_exhaustive()
    }
}

impl SubnetSigner {
    /// Derives the key pair deterministically from `seed`: the same seed gives the same root key.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let secret = (0u32..)
            .find_map(|counter| {
                let mut bytes: [u8; 32] = Sha256::new()
                    .chain_update(b"local-ic subnet key")
                    .chain_update(seed)
                    .chain_update(counter.to_be_bytes())
                    .finalize()
                    .into();
                // Big-endian scalar: clearing the top two bits keeps it below the group order.
                bytes[0] &= 0x3f;
                PrivateKey::deserialize(&bytes).ok()
            })
            .expect("a 254-bit scalar is always below the BLS12-381 group order");
        let mut root_key_der = BLS_DER_PREFIX.to_vec();
        root_key_der.extend_from_slice(&secret.public_key().serialize());
        let subnet_id = Principal::self_authenticating(&root_key_der);
        Self { secret, root_key_der, subnet_id }
    }

    /// The root public key, DER-encoded as the IC publishes it (133 bytes).
    pub fn root_key_der(&self) -> Vec<u8> {
        self.root_key_der.clone()
    }

    /// The subnet id: the self-authenticating principal of the root key, as the NNS derives it.
    pub fn subnet_id(&self) -> Principal {
        self.subnet_id
    }

    /// Mints a certificate for one canister's certified data at `time_ns`, without running Wasm.
    ///
    /// The tree is pruned to `time` and `canister/<id>/certified_data`, as in a certificate a
    /// canister receives through `ic0.data_certificate_copy`. Returns the CBOR bytes.
    pub fn certificate(&self, canister_id: Principal, certified_data: &[u8], time_ns: u64) -> Vec<u8> {
        let topology = SubnetTopology {
            subnet_id: self.subnet_id,
            public_key_der: self.root_key_der.clone(),
            canister_ranges: vec![(canister_id, canister_id)],
        };
        let state = CanisterCertifiedState {
            certified_data: certified_data.to_vec(),
            module_hash: None,
            controllers: Vec::new(),
        };
        let tree = StateTree::new(time_ns, &topology, [(canister_id, &state)]);
        self.sign_tree(tree.data_certificate_witness(canister_id))
    }

    /// Signs `tree` (a full tree or any witness of one) and returns the CBOR-encoded certificate.
    pub fn sign_tree(&self, tree: HashTree) -> Vec<u8> {
        let mut message = STATE_ROOT_DOMAIN.to_vec();
        message.extend_from_slice(&tree.digest());
        let signature = self.secret.sign(&message).serialize().to_vec();
        let certificate = Certificate { tree, signature, delegation: None };
        let mut bytes = SELF_DESCRIBING_TAG.to_vec();
        ciborium::into_writer(&certificate, &mut bytes)
            .expect("writing CBOR into a Vec cannot fail");
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_key_other_seed_other_key() {
        let a = SubnetSigner::from_seed([7; 32]);
        let b = SubnetSigner::from_seed([7; 32]);
        let c = SubnetSigner::from_seed([8; 32]);
        assert_eq!(a.root_key_der(), b.root_key_der());
        assert_ne!(a.root_key_der(), c.root_key_der());
        assert_eq!(a.root_key_der().len(), 133);
        assert_eq!(a.subnet_id(), b.subnet_id());
    }

    #[test]
    fn certificate_starts_with_self_describing_tag_and_signature_verifies() {
        let signer = SubnetSigner::from_seed([1; 32]);
        let canister = Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 0, 1, 1]);
        let bytes = signer.certificate(canister, b"hello", 42);
        assert_eq!(bytes[..3], SELF_DESCRIBING_TAG);
        let tree = StateTree::new(
            42,
            &SubnetTopology {
                subnet_id: signer.subnet_id(),
                public_key_der: signer.root_key_der(),
                canister_ranges: vec![(canister, canister)],
            },
            [(
                canister,
                &CanisterCertifiedState {
                    certified_data: b"hello".to_vec(),
                    module_hash: None,
                    controllers: Vec::new(),
                },
            )],
        );
        let mut message = STATE_ROOT_DOMAIN.to_vec();
        message.extend_from_slice(&tree.root_hash());
        let signature = signer.secret.sign(&message).serialize();
        let key = &signer.root_key_der()[BLS_DER_PREFIX.len()..];
        assert!(ic_verify_bls_signature::verify_bls_signature(&signature, &message, key).is_ok());
    }
}
