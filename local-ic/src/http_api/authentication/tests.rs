//! Envelopes signed by ic-agent's own identities, checked as the replica would.

use std::borrow::Cow;

use candid::Principal;
use ic_agent::identity::{
    AnonymousIdentity, BasicIdentity, DelegatedIdentity, Identity, Secp256k1Identity,
};
use ic_transport_types::{Delegation, Envelope, EnvelopeContent, SignedDelegation};

use super::*;

const NOW: u64 = 1_700_000_000_000_000_000;
const MINUTE: u64 = 60_000_000_000;

fn canister() -> Principal {
    Principal::from_text("rrkah-fqaaa-aaaaa-aaaaq-cai").unwrap()
}

fn call(sender: Principal, expiry: u64, arg: &[u8]) -> EnvelopeContent {
    EnvelopeContent::Call {
        nonce: None,
        ingress_expiry: expiry,
        sender,
        canister_id: canister(),
        method_name: "greet".into(),
        arg: arg.to_vec(),
        sender_info: None,
    }
}

fn signed(identity: &dyn Identity, content: EnvelopeContent) -> Envelope<'static> {
    let signature = identity.sign(&content).unwrap();
    Envelope {
        content: Cow::Owned(content),
        sender_pubkey: signature.public_key,
        sender_sig: signature.signature,
        sender_delegation: signature.delegations,
    }
}

fn ed25519(byte: u8) -> BasicIdentity {
    BasicIdentity::from_raw_key(&[byte; 32])
}

fn secp256k1() -> Secp256k1Identity {
    Secp256k1Identity::from_private_key(k256::SecretKey::from_slice(&[3; 32]).unwrap())
}

#[test]
fn ed25519_secp256k1_and_anonymous_envelopes_pass_with_their_request_id() {
    let identities: [&dyn Identity; 3] = [&ed25519(1), &secp256k1(), &AnonymousIdentity];
    for identity in identities {
        let content = call(identity.sender().unwrap(), NOW + MINUTE, b"hi");
        let expected = content.to_request_id();
        let authenticated = authenticate(signed(identity, content), NOW).unwrap();
        assert_eq!(authenticated.request_id, expected);
    }
}

#[test]
fn content_changed_after_signing_is_refused() {
    for identity in [&ed25519(1) as &dyn Identity, &secp256k1()] {
        let mut envelope = signed(identity, call(identity.sender().unwrap(), NOW + MINUTE, b"hi"));
        envelope.content = Cow::Owned(call(identity.sender().unwrap(), NOW + MINUTE, b"evil"));
        assert!(matches!(
            authenticate(envelope, NOW),
            Err(AuthenticationError::InvalidSignature { .. })
        ));
    }
}

#[test]
fn sender_must_be_the_keys_principal_and_must_sign() {
    let alice = ed25519(1);
    let bob = ed25519(2);
    let envelope = signed(&bob, call(alice.sender().unwrap(), NOW + MINUTE, b""));
    assert!(matches!(
        authenticate(envelope, NOW),
        Err(AuthenticationError::SenderMismatch { .. })
    ));
    let mut unsigned = signed(&alice, call(alice.sender().unwrap(), NOW + MINUTE, b""));
    unsigned.sender_sig = None;
    assert!(matches!(
        authenticate(unsigned, NOW),
        Err(AuthenticationError::MissingSignature { .. })
    ));
    let mut anonymous = signed(&AnonymousIdentity, call(Principal::anonymous(), NOW + MINUTE, b""));
    anonymous.sender_sig = Some(vec![0; 64]);
    assert_eq!(authenticate(anonymous, NOW).unwrap_err(), AuthenticationError::AnonymousWithCredentials);
}

#[test]
fn expiry_must_lie_within_the_ingress_window() {
    let alice = ed25519(1);
    for expiry in [NOW - 1, NOW + 7 * MINUTE] {
        let envelope = signed(&alice, call(alice.sender().unwrap(), expiry, b""));
        assert!(matches!(
            authenticate(envelope, NOW),
            Err(AuthenticationError::ExpiryOutOfRange { provided, .. }) if provided == expiry
        ));
    }
    let edge = NOW + 6 * MINUTE;
    let envelope = signed(&alice, call(alice.sender().unwrap(), edge, b""));
    assert!(authenticate(envelope, NOW).is_ok());
}

fn delegated(expiration: u64, targets: Option<Vec<Principal>>) -> DelegatedIdentity {
    let root = ed25519(1);
    let session = secp256k1();
    let delegation = Delegation { pubkey: session.public_key().unwrap(), expiration, targets };
    let signature = root.sign_delegation(&delegation).unwrap().signature.unwrap();
    DelegatedIdentity::new_unchecked(
        root.public_key().unwrap(),
        Box::new(session),
        vec![SignedDelegation { delegation, signature }],
    )
}

#[test]
fn delegation_chain_is_followed_and_its_limits_enforced() {
    let ok = delegated(NOW + MINUTE, Some(vec![canister()]));
    assert_eq!(ok.sender().unwrap(), ed25519(1).sender().unwrap());
    assert!(authenticate(signed(&ok, call(ok.sender().unwrap(), NOW + MINUTE, b"")), NOW).is_ok());

    let expired = delegated(NOW - 1, None);
    let envelope = signed(&expired, call(expired.sender().unwrap(), NOW + MINUTE, b""));
    assert!(matches!(
        authenticate(envelope, NOW),
        Err(AuthenticationError::DelegationExpired { .. })
    ));

    let elsewhere = delegated(NOW + MINUTE, Some(vec![Principal::management_canister()]));
    let envelope = signed(&elsewhere, call(elsewhere.sender().unwrap(), NOW + MINUTE, b""));
    assert_eq!(
        authenticate(envelope, NOW).unwrap_err(),
        AuthenticationError::TargetNotDelegated { canister_id: canister() }
    );

    let mut forged = signed(&ok, call(ok.sender().unwrap(), NOW + MINUTE, b""));
    forged.sender_delegation.as_mut().unwrap()[0].delegation.expiration += 1;
    assert!(matches!(
        authenticate(forged, NOW),
        Err(AuthenticationError::InvalidSignature { .. })
    ));
}
