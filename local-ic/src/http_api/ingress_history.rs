//! The ingress history: the outcome of every update call received over HTTP, by request id, as
//! published under `request_status/<request_id>` in the state tree.
//!
//! Owns only outcomes and the senders who may read them; it never executes calls. Invariant: an
//! outcome, once recorded, never changes, and it is forgotten only after the request's
//! `ingress_expiry` has passed, as the IC forgets it.

use std::collections::BTreeMap;

use candid::Principal;
use ic_certification::NestedTree;
use ic_transport_types::{RejectResponse, RequestId};

/// What an update call ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CallOutcome {
    /// The canister replied with these bytes.
    Replied(Vec<u8>),
    /// The call was rejected.
    Rejected(RejectResponse),
}

#[derive(Debug, Clone)]
struct Entry {
    sender: Principal,
    ingress_expiry: u64,
    outcome: CallOutcome,
}

/// Outcomes of update calls by request id.
#[derive(Debug, Default)]
pub(crate) struct IngressHistory {
    entries: BTreeMap<[u8; 32], Entry>,
}

impl IngressHistory {
    /// Records the outcome of `request_id`; the first record wins, as request ids are unique.
    pub(crate) fn record(
        &mut self,
        request_id: RequestId,
        sender: Principal,
        ingress_expiry: u64,
        outcome: CallOutcome,
    ) {
        self.entries.entry(*request_id).or_insert(Entry { sender, ingress_expiry, outcome });
    }

    /// Whether `request_id` already has an outcome (a replayed request must not run twice).
    pub(crate) fn contains(&self, request_id: &RequestId) -> bool {
        self.entries.contains_key(&**request_id)
    }

    /// The sender of `request_id`, who alone may read its status.
    pub(crate) fn sender_of(&self, request_id: &[u8]) -> Option<Principal> {
        self.entries.get(request_id).map(|entry| entry.sender)
    }

    /// Forgets outcomes whose expiry has passed.
    pub(crate) fn prune(&mut self, now_nanos: u64) {
        self.entries.retain(|_, entry| entry.ingress_expiry >= now_nanos);
    }

    /// Writes every status into `tree` under `request_status/<id>/...`.
    pub(crate) fn publish(&self, tree: &mut NestedTree<Vec<u8>, Vec<u8>>) {
        for (id, entry) in &self.entries {
            let path = |leaf: &str| {
                vec![b"request_status".to_vec(), id.to_vec(), leaf.as_bytes().to_vec()]
            };
            match &entry.outcome {
                CallOutcome::Replied(reply) => {
                    tree.insert(&path("status"), b"replied".to_vec());
                    tree.insert(&path("reply"), reply.clone());
                }
                CallOutcome::Rejected(reject) => {
                    tree.insert(&path("status"), b"rejected".to_vec());
                    tree.insert(&path("reject_code"), leb128_u64(reject.reject_code as u64));
                    tree.insert(&path("reject_message"), reject.reject_message.as_bytes().to_vec());
                    if let Some(error_code) = &reject.error_code {
                        tree.insert(&path("error_code"), error_code.as_bytes().to_vec());
                    }
                }
            }
        }
    }
}

/// Unsigned LEB128, the encoding of naturals in the state tree.
pub(crate) fn leb128_u64(value: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    leb128::write::unsigned(&mut out, value).expect("writing to a Vec cannot fail");
    out
}
