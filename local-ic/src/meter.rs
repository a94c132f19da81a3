//! Instruction accounting: what a message costs, in the IC's unit (instructions).
//!
//! Owns the arithmetic that turns executed Wasm and system API calls into an instruction count,
//! and the budget check against a message's limit. Must not know about wasmtime or canisters;
//! execution feeds it numbers. Invariant: the count only ever grows within a message, and a
//! message never gets past its limit: the charge that would cross it fails instead.
//!
//! The model, and how it differs from the IC:
//! - Executed Wasm: wasmtime fuel, one unit per executed operator (control-flow markers such as
//!   `nop`, `block`, `loop`, `end` and `drop` are free). The IC instruments the module instead and
//!   charges per basic block with a few weighted operators (e.g. division, bulk memory by size),
//!   so counts for the same code differ by a small constant factor.
//! - System API calls: the fixed overhead of the IC's current ("new") system API fee table, plus
//!   one instruction per byte the call copies in or out of the heap (stable memory included).
//! - Bytes that leave the canister (`msg_reply_data_append`, `msg_reject`, `call_data_append`)
//!   cost [`BYTE_TRANSMISSION_COST_FACTOR`] instructions each instead, as on the IC; messages to
//!   the canister log (`debug_print`, `trap`) add 2 per byte stored and the same 50 per byte
//!   transmitted, capped at the log's size. These transmission charges are tracked apart so a
//!   caller can tell the canister's own work from the cost of moving its output.
//! - The IC additionally charges for dirty stable-memory pages and for heap pages touched; the
//!   local IC does not.

/// Instructions per byte for payload leaving the canister: the IC's
/// `BYTE_TRANSMISSION_COST_FACTOR` (`rs/embedders/src/wasmtime_embedder/linker.rs`).
pub(crate) const BYTE_TRANSMISSION_COST_FACTOR: u64 = 50;

/// Bytes of one canister log message the IC charges for at most: its log buffer size.
pub(crate) const LOG_BUFFER_BYTES: u64 = 4 * 1024;

/// The instruction cost of one system API call that copies `bytes` bytes.
pub(crate) fn system_api_cost(overhead: u64, bytes: u64) -> u64 {
    overhead.saturating_add(bytes)
}

/// The transmission charge for `bytes` bytes leaving the canister (reply, reject, call data).
pub(crate) fn transmission_cost(bytes: u64) -> u64 {
    bytes.saturating_mul(BYTE_TRANSMISSION_COST_FACTOR)
}

/// The charge for a `bytes`-byte message to the canister log: 2 per byte stored (appending
/// one record and evicting the oldest) plus the transmission charge, each capped at the log
/// size. The local IC models a log that always has room.
pub(crate) fn log_cost(bytes: u64) -> u64 {
    let logged = bytes.min(LOG_BUFFER_BYTES);
    logged.saturating_mul(2).saturating_add(transmission_cost(logged))
}

/// A message's instruction budget: the limit and what is left of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Budget {
    limit: u64,
}

/// The charge would take the message past its instruction limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LimitExceeded;

impl Budget {
    pub(crate) fn new(limit: u64) -> Self {
        Self { limit }
    }

    /// Instructions used so far, given the fuel that remains.
    pub(crate) fn used(self, remaining: u64) -> u64 {
        self.limit.saturating_sub(remaining)
    }

    /// What remains after charging `cost` on top of `remaining`, or the limit is exceeded.
    pub(crate) fn charge(self, remaining: u64, cost: u64) -> Result<u64, LimitExceeded> {
        remaining.checked_sub(cost).ok_or(LimitExceeded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_is_overhead_plus_bytes() {
        assert_eq!(system_api_cost(500, 0), 500);
        assert_eq!(system_api_cost(500, 1024), 1524);
        assert_eq!(system_api_cost(u64::MAX, 1), u64::MAX);
    }

    #[test]
    fn transmitted_bytes_cost_fifty_each() {
        assert_eq!(transmission_cost(0), 0);
        assert_eq!(transmission_cost(10_240), 512_000);
        assert_eq!(transmission_cost(u64::MAX), u64::MAX);
    }

    #[test]
    fn log_messages_are_charged_up_to_the_log_size() {
        assert_eq!(log_cost(10), 10 * 52);
        assert_eq!(log_cost(LOG_BUFFER_BYTES), LOG_BUFFER_BYTES * 52);
        assert_eq!(log_cost(LOG_BUFFER_BYTES * 10), LOG_BUFFER_BYTES * 52);
    }

    #[test]
    fn charging_past_the_limit_fails() {
        let budget = Budget::new(1_000);
        assert_eq!(budget.charge(600, 601), Err(LimitExceeded));
        assert_eq!(budget.charge(600, 600), Ok(0));
        assert_eq!(budget.charge(600, 100), Ok(500));
        assert_eq!(budget.used(500), 500);
    }
}
