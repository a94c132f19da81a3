//! The system API import table: every `ic0` function the local IC offers, in one place.
//!
//! Owns the name, Wasm signature and fixed instruction overhead of each import. `system_api`
//! implements them and `module` checks a canister's imports against this table. Invariant: the
//! table and the linker define the same names with the same signatures (a unit test checks it),
//! so an import absent here is refused at install, never silently stubbed.
//!
//! Overheads are the IC's current system API fee table (`overhead::new` in the replica's
//! `system_api_complexity.rs`); calls that copy bytes add one instruction per byte, or the
//! transmission charge for bytes leaving the canister (see `meter`).

/// The module name canisters import the system API from.
pub(crate) const MODULE: &str = "ic0";

/// One system API function.
#[derive(Debug)]
pub(crate) struct Import {
    pub name: &'static str,
    pub params: &'static [Ty],
    pub results: &'static [Ty],
    /// Fixed instruction overhead per call.
    pub overhead: u64,
}

/// Wasm value types used by the system API (a local copy so the table can be `const`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    I32,
    I64,
}

use Ty::{I32, I64};

const fn f(name: &'static str, params: &'static [Ty], results: &'static [Ty], overhead: u64) -> Import {
    Import { name, params, results, overhead }
}

/// Every import, for 32-bit Wasm (`usize` is `i32`).
pub(crate) const TABLE: &[Import] = &[
    f("msg_arg_data_size", &[], &[I32], 500),
    f("msg_arg_data_copy", &[I32, I32, I32], &[], 500),
    f("msg_caller_size", &[], &[I32], 500),
    f("msg_caller_copy", &[I32, I32, I32], &[], 500),
    f("msg_caller_info_data_size", &[], &[I32], 500),
    f("msg_caller_info_data_copy", &[I32, I32, I32], &[], 500),
    f("msg_caller_info_signer_size", &[], &[I32], 500),
    f("msg_caller_info_signer_copy", &[I32, I32, I32], &[], 500),
    f("msg_reject_code", &[], &[I32], 500),
    f("msg_reject_msg_size", &[], &[I32], 500),
    f("msg_reject_msg_copy", &[I32, I32, I32], &[], 500),
    f("msg_deadline", &[], &[I64], 500),
    f("msg_reply_data_append", &[I32, I32], &[], 500),
    f("msg_reply", &[], &[], 500),
    f("msg_reject", &[I32, I32], &[], 500),
    f("msg_method_name_size", &[], &[I32], 500),
    f("msg_method_name_copy", &[I32, I32, I32], &[], 500),
    f("accept_message", &[], &[], 500),
    f("msg_cycles_available", &[], &[I64], 500),
    f("msg_cycles_available128", &[I32], &[], 500),
    f("msg_cycles_refunded", &[], &[I64], 500),
    f("msg_cycles_refunded128", &[I32], &[], 500),
    f("msg_cycles_accept", &[I64], &[I64], 500),
    f("msg_cycles_accept128", &[I64, I64, I32], &[], 500),
    f("cycles_burn128", &[I64, I64, I32], &[], 100),
    f("canister_self_size", &[], &[I32], 500),
    f("canister_self_copy", &[I32, I32, I32], &[], 500),
    f("canister_cycle_balance", &[], &[I64], 500),
    f("canister_cycle_balance128", &[I32], &[], 500),
    f("canister_liquid_cycle_balance128", &[I32], &[], 500),
    f("canister_status", &[], &[I32], 500),
    f("canister_version", &[], &[I64], 500),
    f("subnet_self_size", &[], &[I32], 500),
    f("subnet_self_copy", &[I32, I32, I32], &[], 500),
    f("subnet_self_node_count", &[], &[I32], 500),
    f("call_new", &[I32, I32, I32, I32, I32, I32, I32, I32], &[], 1_500),
    f("call_on_cleanup", &[I32, I32], &[], 500),
    f("call_data_append", &[I32, I32], &[], 500),
    f("call_with_best_effort_response", &[I32], &[], 500),
    f("call_cycles_add", &[I64], &[], 500),
    f("call_cycles_add128", &[I64, I64], &[], 500),
    f("call_perform", &[], &[I32], 5_000),
    f("stable_size", &[], &[I32], 20),
    f("stable_grow", &[I32], &[I32], 500),
    f("stable_write", &[I32, I32, I32], &[], 20),
    f("stable_read", &[I32, I32, I32], &[], 20),
    f("stable64_size", &[], &[I64], 20),
    f("stable64_grow", &[I64], &[I64], 500),
    f("stable64_write", &[I64, I64, I64], &[], 20),
    f("stable64_read", &[I64, I64, I64], &[], 20),
    f("root_key_size", &[], &[I32], 500),
    f("root_key_copy", &[I32, I32, I32], &[], 500),
    f("certified_data_set", &[I32, I32], &[], 500),
    f("data_certificate_present", &[], &[I32], 500),
    f("data_certificate_size", &[], &[I32], 500),
    f("data_certificate_copy", &[I32, I32, I32], &[], 500),
    f("time", &[], &[I64], 500),
    f("global_timer_set", &[I64], &[I64], 500),
    f("performance_counter", &[I32], &[I64], 200),
    f("is_controller", &[I32, I32], &[I32], 1_000),
    f("in_replicated_execution", &[], &[I32], 500),
    f("cost_call", &[I64, I64, I32], &[], 500),
    f("cost_create_canister", &[I32], &[], 500),
    f("cost_http_request", &[I64, I64, I32], &[], 500),
    f("cost_sign_with_ecdsa", &[I32, I32, I32, I32], &[I32], 500),
    f("cost_sign_with_schnorr", &[I32, I32, I32, I32], &[I32], 500),
    f("cost_vetkd_derive_key", &[I32, I32, I32, I32], &[I32], 500),
    f("env_var_count", &[], &[I32], 500),
    f("env_var_name_size", &[I32], &[I32], 500),
    f("env_var_name_copy", &[I32, I32, I32, I32], &[], 500),
    f("env_var_name_exists", &[I32, I32], &[I32], 500),
    f("env_var_value_size", &[I32, I32], &[I32], 500),
    f("env_var_value_copy", &[I32, I32, I32, I32, I32], &[], 500),
    f("debug_print", &[I32, I32], &[], 100),
    f("trap", &[I32, I32], &[], 500),
];

/// Looks an import up by name.
pub(crate) fn find(name: &str) -> Option<&'static Import> {
    TABLE.iter().find(|import| import.name == name)
}

