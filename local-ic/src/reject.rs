//! Rejects: how a call fails, worded as the IC words it.
//!
//! Owns the reject code, the `ICxxxx` error code and the message text for every failure the local
//! IC reports. Must not decide *when* something fails; callers pick the constructor. Invariant: the
//! reject code always matches the one the IC derives from the error code.

pub use ic_error_types::{ErrorCode, RejectCode};

use candid::Principal;

/// A call (or install) that did not succeed, as the IC reports it to the caller.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{error_code}: {message} (reject code {code:?})")]
pub struct Reject {
    /// The reject code (1 to 6) the caller receives.
    pub code: RejectCode,
    /// The IC's error code, e.g. `IC0503`.
    pub error_code: ErrorCode,
    /// The reject message, as the IC words it.
    pub message: String,
}

const DOCS: &str = "http://internetcomputer.org/docs/current/references/execution-errors";

impl Reject {
    /// A reject whose reject code is derived from the error code, as the IC does.
    pub fn new(error_code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code: error_code.into(), error_code, message: message.into() }
    }

    /// A reject the canister produced itself with `ic0.msg_reject`.
    pub fn by_canister(message: String) -> Self {
        Self { code: RejectCode::CanisterReject, error_code: ErrorCode::CanisterRejectedMessage, message }
    }

    pub(crate) fn from_canister(canister: Principal, error_code: ErrorCode, text: &str, anchor: &str) -> Self {
        Self::new(
            error_code,
            format!(
                "Error from Canister {canister}: {text}.\nConsider gracefully handling failures from this canister or altering the canister to handle exceptions. See documentation: {DOCS}#{anchor}"
            ),
        )
    }

    pub(crate) fn canister_not_found(canister: Principal) -> Self {
        Self::new(ErrorCode::CanisterNotFound, format!("Canister {canister} not found"))
    }

    pub(crate) fn no_wasm_module(canister: Principal) -> Self {
        Self::from_canister(
            canister,
            ErrorCode::CanisterWasmModuleNotFound,
            "Attempted to execute a message, but the canister contains no Wasm module",
            "wasm-module-not-found",
        )
    }

    pub(crate) fn method_not_found(canister: Principal, kind: &str, method: &str) -> Self {
        Self::from_canister(
            canister,
            ErrorCode::CanisterMethodNotFound,
            &format!("Canister has no {kind} method '{method}'"),
            "method-not-found",
        )
    }

    pub(crate) fn inspect_rejected(canister: Principal) -> Self {
        Self::new(
            ErrorCode::CanisterRejectedMessage,
            format!("Error from Canister {canister}: Canister rejected the message"),
        )
    }

    pub(crate) fn did_not_reply(canister: Principal) -> Self {
        Self::from_canister(
            canister,
            ErrorCode::CanisterDidNotReply,
            "Canister did not produce a response",
            "canister-did-not-reply",
        )
    }

    pub(crate) fn delete_not_stopped(canister: Principal) -> Self {
        Self::new(ErrorCode::CanisterNotStopped, format!("Canister {canister} must be stopped before it is deleted."))
    }

    pub(crate) fn not_controller(canister: Principal, controllers: &[Principal], sender: Principal) -> Self {
        let list: Vec<String> = controllers.iter().map(Principal::to_text).collect();
        Self::new(
            ErrorCode::CanisterInvalidController,
            format!(
                "Only the controllers of the canister {canister} can control it.\nCanister's controllers: {}\nSender's ID: {sender}",
                list.join(" ")
            ),
        )
    }
}
