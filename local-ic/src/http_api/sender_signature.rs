//! Public keys and signatures of ingress senders: Ed25519 and ECDSA secp256k1.
//!
//! Owns only key parsing and signature checks over already domain-separated messages; it knows
//! nothing of envelopes or delegations. Invariant: a key is accepted only in the DER
//! `SubjectPublicKeyInfo` form the IC uses, so the self-authenticating principal derived from the
//! same bytes is the one the replica would derive.

use ed25519_dalek::pkcs8::DecodePublicKey as _;
use k256::ecdsa::signature::Verifier as _;

/// Why a sender key or signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// The DER public key is neither an Ed25519 nor a secp256k1 key the IC accepts.
    #[error("Unsupported or malformed public key: {reason}")]
    UnsupportedKey {
        /// What the parser said about the key.
        reason: String,
    },
    /// The signature does not verify under the key.
    #[error("{algorithm} signature could not be verified: public key {public_key_hex}, signature {signature_hex}")]
    Invalid {
        /// `Ed25519` or `ECDSA secp256k1`.
        algorithm: &'static str,
        /// The DER key, hex.
        public_key_hex: String,
        /// The signature, hex.
        signature_hex: String,
    },
}

/// A sender key in one of the algorithms the IC accepts for ingress.
#[derive(Debug, Clone)]
pub(crate) enum SenderKey {
    /// RFC 8410 Ed25519 key.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// ECDSA key on secp256k1, signatures over SHA-256 of the message.
    Secp256k1(k256::ecdsa::VerifyingKey),
}

impl SenderKey {
    /// Parses a DER `SubjectPublicKeyInfo`.
    pub(crate) fn from_der(der: &[u8]) -> Result<Self, SignatureError> {
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
            return Ok(Self::Ed25519(key));
        }
        k256::ecdsa::VerifyingKey::from_public_key_der(der)
            .map(Self::Secp256k1)
            .map_err(|error| SignatureError::UnsupportedKey {
                reason: format!("not DER Ed25519 nor secp256k1 ({error})"),
            })
    }

    /// Checks `signature` over `message` (which already carries its domain separator).
    pub(crate) fn verify(&self, der: &[u8], message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        let (algorithm, ok) = match self {
            Self::Ed25519(key) => (
                "Ed25519",
                ed25519_dalek::Signature::from_slice(signature)
                    .is_ok_and(|sig| key.verify_strict(message, &sig).is_ok()),
            ),
            Self::Secp256k1(key) => (
                "ECDSA secp256k1",
                k256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|sig| key.verify(message, &sig).is_ok()),
            ),
        };
        if ok {
            Ok(())
        } else {
            Err(SignatureError::Invalid {
                algorithm,
                public_key_hex: hex::encode(der),
                signature_hex: hex::encode(signature),
            })
        }
    }
}
