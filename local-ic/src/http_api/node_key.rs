//! The Ed25519 key of the local subnet's single node, which signs query responses.
//!
//! Owns the node's secret key and its identity; it does not decide what is published in the state
//! tree (the state view publishes [`NodeKey::public_key_der`] under
//! `subnet/<subnet>/node/<node>/public_key`). Invariant: the node id is always the
//! self-authenticating principal of the published DER key, as on the IC, so ic-agent's query
//! signature check finds the key under the id it reads from the signature.

use candid::Principal;
use ed25519_dalek::pkcs8::EncodePublicKey as _;
use ed25519_dalek::Signer as _;
use ic_transport_types::{NodeSignature, QueryResponse, RequestId};

/// A node signing key and its derived identity.
pub struct NodeKey {
    signing_key: ed25519_dalek::SigningKey,
    public_key_der: Vec<u8>,
    id: Principal,
}

impl NodeKey {
    /// A node key from 32 secret bytes (reproducible tests derive them from a seed).
    pub fn from_secret(secret: [u8; 32]) -> Self {
        let signing_key = ed25519_dalek::SigningKey::from_bytes(&secret);
        let public_key_der = signing_key
            .verifying_key()
            .to_public_key_der()
            .expect("DER encoding of an Ed25519 public key cannot fail")
            .into_vec();
        let id = Principal::self_authenticating(&public_key_der);
        Self { signing_key, public_key_der, id }
    }

    /// The node key belonging to a subnet seed (a persistent local IC keeps its node key).
    pub fn from_subnet_seed(seed: [u8; 32]) -> Self {
        use sha2::{Digest as _, Sha256};
        Self::from_secret(Sha256::new().chain_update(b"local-ic node key").chain_update(seed).finalize().into())
    }

    /// A fresh node key from the operating system's randomness.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut secret = [0u8; 32];
        getrandom::getrandom(&mut secret)?;
        Ok(Self::from_secret(secret))
    }

    /// The node id (self-authenticating principal of the public key).
    pub fn id(&self) -> Principal {
        self.id
    }

    /// The DER public key, as published in the state tree.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key_der
    }

    /// Signs `response` to request `request_id` at `timestamp` (nanoseconds) as the IC's query
    /// endpoint does: over `"\x0Bic-response" || hash_of_map(response fields)`.
    pub fn sign_query_response(
        &self,
        response: &QueryResponse,
        request_id: RequestId,
        timestamp: u64,
    ) -> NodeSignature {
        let signable = response.signable(request_id, timestamp);
        NodeSignature {
            timestamp,
            signature: self.signing_key.sign(&signable).to_bytes().to_vec(),
            identity: self.id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Verifier as _;
    use ic_transport_types::ReplyResponse;

    #[test]
    fn signature_verifies_under_published_key_and_binds_the_reply() {
        let node = NodeKey::from_secret([7; 32]);
        assert_eq!(node.id(), Principal::self_authenticating(node.public_key_der()));
        let request_id = RequestId::new(&[1; 32]);
        let reply = |arg: &[u8]| QueryResponse::Replied {
            reply: ReplyResponse { arg: arg.to_vec() },
            signatures: vec![],
        };
        let signature = node.sign_query_response(&reply(b"ok"), request_id, 42);
        let raw: [u8; 32] = node.public_key_der()[12..].try_into().unwrap();
        let key = ed25519_dalek::VerifyingKey::from_bytes(&raw).unwrap();
        let sig = ed25519_dalek::Signature::from_slice(&signature.signature).unwrap();
        assert!(key.verify(&reply(b"ok").signable(request_id, 42), &sig).is_ok());
        assert!(key.verify(&reply(b"tampered").signable(request_id, 42), &sig).is_err());
    }
}
