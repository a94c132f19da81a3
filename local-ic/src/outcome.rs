//! What a call returns: the reply with its figures, or why it failed.
//!
//! Owns the public result types of calls. Must not compute anything. Invariant: a `CallOutcome`
//! only exists for a call that was replied to; every failure is a `CallError`.

use crate::reject::Reject;

/// A replied call, with the figures the IC would bill or limit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// The reply payload (usually Candid).
    pub reply: Vec<u8>,
    /// Instructions executed for the call: the message plus any callbacks of its call context.
    pub instructions: u64,
    /// Size of the reply in bytes.
    pub reply_bytes: usize,
    /// The canister's Wasm heap size after the call, in bytes.
    pub heap_bytes: u64,
    /// The canister's stable memory size after the call, in bytes.
    pub stable_bytes: u64,
}

/// Why a call did not produce a reply.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The IC rejected the call, or the canister rejected or trapped.
    #[error(transparent)]
    Rejected {
        /// The reject, as the IC words it.
        #[from]
        reject: Reject,
    },
    /// The ingress message is larger than the IC accepts (the boundary answers HTTP 413).
    #[error("the ingress argument is {size} bytes, more than the limit of {limit}")]
    PayloadTooLarge {
        /// Size of the argument in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
}

impl CallError {
    /// The reject, if the call got as far as the IC.
    pub fn reject(&self) -> Option<&Reject> {
        match self {
            CallError::Rejected { reject } => Some(reject),
            CallError::PayloadTooLarge { .. } => None,
        }
    }
}
