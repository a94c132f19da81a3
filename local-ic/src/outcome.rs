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
    /// Instructions the IC would charge for the call: the message plus any callbacks of its call
    /// context, system API fees included.
    pub instructions: u64,
    /// Of `instructions`, the IC's transmission charge for bytes leaving the canister (50 per
    /// byte of reply, reject, inter-canister call data and canister log). `instructions` minus
    /// this is the canister's own work, the figure a performance counter read inside the method
    /// before replying comes close to (it also excludes the reply's encoding).
    pub transmission_instructions: u64,
    /// Size of the reply in bytes.
    pub reply_bytes: usize,
    /// The canister's Wasm heap size after the call, in bytes.
    pub heap_bytes: u64,
    /// The canister's stable memory size after the call, in bytes.
    pub stable_bytes: u64,
}

impl CallOutcome {
    /// The canister's own work: `instructions` without the transmission charge.
    pub fn work_instructions(&self) -> u64 {
        self.instructions.saturating_sub(self.transmission_instructions)
    }
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
