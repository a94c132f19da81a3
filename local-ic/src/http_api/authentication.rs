//! Authentication of ingress envelopes: expiry window, sender principal, delegation chain and
//! signature, as the replica's ingress validator checks them before any execution.
//!
//! Owns the decision "may this envelope be acted on"; it never executes or stores anything.
//! Invariant: content is returned only if every check passed, so a handler cannot act on an
//! unauthenticated request by construction.

use std::time::Duration;

use candid::Principal;
use ic_transport_types::{Envelope, EnvelopeContent, RequestId};

use super::sender_signature::{SenderKey, SignatureError};

/// How far in the future an `ingress_expiry` may lie (the IC's `MAX_INGRESS_TTL`).
pub const MAX_INGRESS_TTL: Duration = Duration::from_secs(5 * 60);
/// Clock drift the replica tolerates on top of [`MAX_INGRESS_TTL`].
pub const PERMITTED_DRIFT: Duration = Duration::from_secs(60);
/// The longest delegation chain the IC accepts.
pub const MAX_DELEGATIONS: usize = 20;

const REQUEST_DOMAIN_SEPARATOR: &[u8] = b"\x0Aic-request";

/// Why an envelope was refused before execution (the replica answers these with HTTP 400).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthenticationError {
    /// `ingress_expiry` lies outside `[now, now + MAX_INGRESS_TTL + PERMITTED_DRIFT]`.
    #[error("Invalid request expiry: Specified ingress_expiry not within expected range: Minimum allowed expiry: {min_allowed}, Maximum allowed expiry: {max_allowed}, Provided expiry: {provided}")]
    ExpiryOutOfRange {
        /// Earliest acceptable expiry, nanoseconds since the epoch.
        min_allowed: u64,
        /// Latest acceptable expiry, nanoseconds since the epoch.
        max_allowed: u64,
        /// What the request carried.
        provided: u64,
    },
    /// An anonymous request carried a key or signature, which the IC refuses.
    #[error("Anonymous request must not carry sender_pubkey, sender_sig or sender_delegation")]
    AnonymousWithCredentials,
    /// A non-anonymous request lacked `sender_pubkey` or `sender_sig`.
    #[error("Missing signature from sender {sender}")]
    MissingSignature {
        /// The claimed sender.
        sender: Principal,
    },
    /// The sender is not the self-authenticating principal of `sender_pubkey`.
    #[error("Sender {sender} does not match the public key, whose principal is {derived}")]
    SenderMismatch {
        /// The claimed sender.
        sender: Principal,
        /// The principal derived from `sender_pubkey`.
        derived: Principal,
    },
    /// More delegations than [`MAX_DELEGATIONS`].
    #[error("Invalid delegation: chain of {count} delegations is longer than {MAX_DELEGATIONS}")]
    TooManyDelegations {
        /// Number of delegations in the envelope.
        count: usize,
    },
    /// A delegation in the chain has expired.
    #[error("Invalid delegation: delegation expired at {expiration}, current time {now}")]
    DelegationExpired {
        /// Expiration of the delegation, nanoseconds since the epoch.
        expiration: u64,
        /// Current IC time, nanoseconds since the epoch.
        now: u64,
    },
    /// The target canister is outside a delegation's `targets`.
    #[error("Invalid delegation: canister {canister_id} is not one of the delegation's targets")]
    TargetNotDelegated {
        /// The canister the request addresses.
        canister_id: Principal,
    },
    /// A key or signature (of the request or of a delegation) failed.
    #[error("Failed to authenticate request 0x{request_id} due to: Invalid signature: {source}")]
    InvalidSignature {
        /// Hex request id.
        request_id: String,
        /// What failed.
        source: SignatureError,
    },
}

/// Content that passed authentication, with its request id.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    /// The signed content.
    pub content: EnvelopeContent,
    /// `hash_of_map(content)`, the id the call is known by.
    pub request_id: RequestId,
}

/// Checks expiry, sender, delegations and signature of `envelope` at IC time `now_nanos`.
pub(crate) fn authenticate(
    envelope: Envelope<'_>,
    now_nanos: u64,
) -> Result<Authenticated, AuthenticationError> {
    let content = envelope.content.into_owned();
    let request_id = content.to_request_id();
    check_expiry(content.ingress_expiry(), now_nanos)?;
    let sender = *content.sender();
    if sender == Principal::anonymous() {
        if envelope.sender_pubkey.is_some()
            || envelope.sender_sig.is_some()
            || envelope.sender_delegation.is_some()
        {
            return Err(AuthenticationError::AnonymousWithCredentials);
        }
        return Ok(Authenticated { content, request_id });
    }
    let (Some(public_key), Some(signature)) = (envelope.sender_pubkey, envelope.sender_sig) else {
        return Err(AuthenticationError::MissingSignature { sender });
    };
    let derived = Principal::self_authenticating(&public_key);
    if derived != sender {
        return Err(AuthenticationError::SenderMismatch { sender, derived });
    }
    let signature_error = |source| AuthenticationError::InvalidSignature {
        request_id: hex::encode(request_id.as_slice()),
        source,
    };
    let delegations = envelope.sender_delegation.unwrap_or_default();
    if delegations.len() > MAX_DELEGATIONS {
        return Err(AuthenticationError::TooManyDelegations { count: delegations.len() });
    }
    let target = match &content {
        EnvelopeContent::Call { canister_id, .. } | EnvelopeContent::Query { canister_id, .. } => {
            Some(*canister_id)
        }
        EnvelopeContent::ReadState { .. } => None,
    };
    let mut signing_key_der = public_key;
    for signed in delegations {
        let key = SenderKey::from_der(&signing_key_der).map_err(signature_error)?;
        key.verify(&signing_key_der, &signed.delegation.signable(), &signed.signature)
            .map_err(signature_error)?;
        if signed.delegation.expiration < now_nanos {
            return Err(AuthenticationError::DelegationExpired {
                expiration: signed.delegation.expiration,
                now: now_nanos,
            });
        }
        if let (Some(targets), Some(canister_id)) = (&signed.delegation.targets, target) {
            if !targets.contains(&canister_id) {
                return Err(AuthenticationError::TargetNotDelegated { canister_id });
            }
        }
        signing_key_der = signed.delegation.pubkey;
    }
    let key = SenderKey::from_der(&signing_key_der).map_err(signature_error)?;
    let mut message = REQUEST_DOMAIN_SEPARATOR.to_vec();
    message.extend_from_slice(request_id.as_slice());
    key.verify(&signing_key_der, &message, &signature)
        .map_err(signature_error)?;
    Ok(Authenticated { content, request_id })
}

fn check_expiry(provided: u64, now_nanos: u64) -> Result<(), AuthenticationError> {
    let window = (MAX_INGRESS_TTL + PERMITTED_DRIFT).as_nanos() as u64;
    let max_allowed = now_nanos.saturating_add(window);
    if provided < now_nanos || provided > max_allowed {
        return Err(AuthenticationError::ExpiryOutOfRange {
            min_allowed: now_nanos,
            max_allowed,
            provided,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
