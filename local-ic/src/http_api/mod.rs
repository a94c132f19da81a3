//! The replica HTTP API of the IC interface specification, served on 127.0.0.1: status, calls
//! (asynchronous v2, synchronous v3/v4), queries with node signatures, and `read_state`.
//!
//! Owns the wire format (CBOR envelopes and responses), sender authentication, the ingress
//! history, the node key and the journal hook of `--state-dir`. It must not reach into execution
//! or certification internals: it goes through the [`LocalIc`](crate::LocalIc) API only (its
//! full state tree, signer, calls, controllers and module hashes). Invariant: nothing is executed for an
//! envelope that failed authentication, and every certified answer is signed by the local root
//! key over a tree that also contains the request's status.

mod authentication;
mod error;
mod ingress_history;
mod node_key;
mod read_state;
mod replica;
mod routes;
mod sender_signature;
mod state_view;

pub use authentication::{AuthenticationError, MAX_DELEGATIONS, MAX_INGRESS_TTL, PERMITTED_DRIFT};
pub use error::HttpApiError;
pub use node_key::NodeKey;
pub use read_state::ReadStateError;
pub use replica::Replica;
pub use routes::{router, SharedReplica, MAX_BODY};
pub use sender_signature::SignatureError;
