//! Certification: the subnet's state tree and the BLS signature over it.
//!
//! Owns how certified state is laid out (`time`, `canister/<id>/...`, `subnet/<id>/...`), how it is
//! encoded (LEB128, CBOR with the self-describing tag) and how it is signed. It must not touch
//! execution or canister state: callers hand it plain values. Invariant: every certificate it emits
//! carries a tree whose root hash is exactly what the signature covers, under the domain separator
//! `\x0Dic-state-root`, so the IC's own verifiers accept it under [`SubnetSigner::root_key_der`].

mod signer;
mod state_tree;

pub use signer::SubnetSigner;
pub use state_tree::{CanisterCertifiedState, StateTree, SubnetTopology};
