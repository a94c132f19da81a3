//! The IC's own certificate verifier accepts local certificates under the local root key only,
//! and only while the tree is untouched.

use candid::Principal;
use ic_cbor::CertificateToCbor;
use ic_certificate_verification::{CertificateVerificationError, VerifyCertificate};
use ic_certification::Certificate;
use local_ic::certification::SubnetSigner;

const TIME_NS: u64 = 1_700_000_000_000_000_000;
const FIVE_MINUTES_NS: u128 = 300_000_000_000;

fn canister() -> Principal {
    Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 0, 1, 1])
}

fn verify(bytes: &[u8], root_key: &[u8]) -> Result<(), CertificateVerificationError> {
    let certificate = Certificate::from_cbor(bytes).expect("certificate decodes");
    certificate.verify(canister().as_slice(), root_key, &(TIME_NS as u128), &FIVE_MINUTES_NS)
}

#[test]
fn accepted_under_the_local_root_key() {
    let signer = SubnetSigner::from_seed([11; 32]);
    let bytes = signer.certificate(canister(), b"certified-bytes", TIME_NS);
    let verdict = verify(&bytes, &signer.root_key_der());
    assert!(verdict.is_ok(), "{verdict:?}");
}

#[test]
fn rejected_under_another_root_key() {
    let signer = SubnetSigner::from_seed([11; 32]);
    let other = SubnetSigner::from_seed([12; 32]);
    let bytes = signer.certificate(canister(), b"certified-bytes", TIME_NS);
    assert!(matches!(
        verify(&bytes, &other.root_key_der()),
        Err(CertificateVerificationError::SignatureVerificationFailed)
    ));
}

#[test]
fn rejected_with_a_tampered_tree() {
    let signer = SubnetSigner::from_seed([11; 32]);
    let mut bytes = signer.certificate(canister(), b"certified-bytes", TIME_NS);
    let at = bytes
        .windows(15)
        .position(|w| w == b"certified-bytes")
        .expect("the certified data is a leaf in the CBOR");
    bytes[at] = b'C';
    assert!(matches!(
        verify(&bytes, &signer.root_key_der()),
        Err(CertificateVerificationError::SignatureVerificationFailed)
    ));
}

#[test]
fn rejected_when_stale() {
    let signer = SubnetSigner::from_seed([11; 32]);
    let bytes = signer.certificate(canister(), b"x", TIME_NS - 2 * FIVE_MINUTES_NS as u64);
    assert!(matches!(
        verify(&bytes, &signer.root_key_der()),
        Err(CertificateVerificationError::TimeTooFarInThePast { .. })
    ));
}
