//! ic-agent 0.47's certificate check (what `dfx`, `icx-asset` and `ic-asset` rely on) accepts a
//! local certificate under the local root key, and refuses it under another key or tampered.

use candid::Principal;
use ic_agent::{Agent, AgentError, Certificate};
use local_ic::certification::SubnetSigner;

fn canister() -> Principal {
    Principal::from_slice(&[0, 0, 0, 0, 0, 0x10, 0, 0, 1, 1])
}

fn now_ns() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

fn check(bytes: &[u8], root_key: Vec<u8>) -> Result<(), AgentError> {
    let agent = Agent::builder().with_url("http://127.0.0.1:9").build().unwrap();
    agent.set_root_key(root_key);
    let certificate: Certificate = serde_cbor::from_slice(bytes).expect("certificate decodes");
    agent.verify(&certificate, canister())
}

#[test]
fn agent_accepts_under_local_key_and_refuses_otherwise() {
    let signer = SubnetSigner::from_seed([21; 32]);
    let bytes = signer.certificate(canister(), b"agent-checked", now_ns());
    check(&bytes, signer.root_key_der()).expect("accepted under the local root key");

    let other = SubnetSigner::from_seed([22; 32]);
    assert!(matches!(check(&bytes, other.root_key_der()), Err(AgentError::CertificateVerificationFailed())));

    let mut tampered = bytes.clone();
    let at = tampered.windows(13).position(|w| w == b"agent-checked").unwrap();
    tampered[at] = b'A';
    assert!(matches!(check(&tampered, signer.root_key_der()), Err(AgentError::CertificateVerificationFailed())));
}
