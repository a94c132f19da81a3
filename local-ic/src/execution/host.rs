//! What a running message sees: its mode, its inputs, and what it has produced so far.
//!
//! Owns the per-message environment the system API reads and writes (`Env`), the canister's
//! persistent system state while a message runs (`Host::system`), and the typed traps a system
//! API call can raise. Must not run Wasm. Invariant: a fresh `Env` is built for every message, so
//! nothing leaks from one message into the next except through `SystemState`.

use candid::Principal;
use wasmtime::Memory;

use crate::state::SystemState;

/// The kind of entry point running, which decides what the system API allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Start,
    Init,
    PreUpgrade,
    PostUpgrade,
    Update,
    ReplicatedQuery,
    NonReplicatedQuery,
    InspectMessage,
    ReplyCallback,
    RejectCallback,
    Cleanup,
    GlobalTimer,
}

impl Mode {
    /// The name the IC uses for the mode in contract-violation messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::Start => "start",
            Mode::Init => "init",
            Mode::PreUpgrade => "pre upgrade",
            Mode::PostUpgrade => "post upgrade",
            Mode::Update => "update",
            Mode::ReplicatedQuery => "replicated query",
            Mode::NonReplicatedQuery => "non replicated query",
            Mode::InspectMessage => "inspect message",
            Mode::ReplyCallback => "reply callback",
            Mode::RejectCallback => "reject callback",
            Mode::Cleanup => "cleanup",
            Mode::GlobalTimer => "system task",
        }
    }

    /// Modes with a call context that can be answered.
    pub(crate) fn can_respond(self) -> bool {
        matches!(
            self,
            Mode::Update | Mode::ReplicatedQuery | Mode::NonReplicatedQuery | Mode::ReplyCallback | Mode::RejectCallback
        )
    }

    /// Modes whose changes persist (on success).
    pub(crate) fn persists(self) -> bool {
        !matches!(self, Mode::ReplicatedQuery | Mode::NonReplicatedQuery | Mode::InspectMessage)
    }

    /// Modes that may send inter-canister calls.
    pub(crate) fn can_call(self) -> bool {
        matches!(self, Mode::Update | Mode::ReplyCallback | Mode::RejectCallback | Mode::GlobalTimer)
    }
}

/// How a call context was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Response {
    Reply(Vec<u8>),
    Reject(String),
}

/// A Wasm function reference plus its environment argument, as passed to `call_new`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Closure {
    pub fun: u32,
    pub env: u32,
}

/// An inter-canister call being assembled or already performed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OutgoingCall {
    pub callee: Principal,
    pub method: String,
    pub payload: Vec<u8>,
    pub cycles: u128,
    pub on_reply: Closure,
    pub on_reject: Closure,
    pub on_cleanup: Option<Closure>,
}

/// The inputs of one message, and what it has produced.
#[derive(Debug)]
pub(crate) struct Env {
    pub mode: Mode,
    pub canister: Principal,
    pub caller: Principal,
    pub method: String,
    pub arg: Vec<u8>,
    pub time_ns: u64,
    pub controllers: Vec<Principal>,
    pub root_key: std::sync::Arc<[u8]>,
    pub subnet: Principal,
    pub data_certificate: Option<Vec<u8>>,
    /// Reject code and message seen by a reject callback (code 0 in a reply callback).
    pub reject: Option<(u32, String)>,
    pub cycles_available: u128,
    pub cycles_refunded: u128,
    pub cycles_accepted: u128,
    pub cycle_balance: u128,
    pub canister_version: u64,
    pub reply_limit: usize,
    pub reply_buffer: Vec<u8>,
    pub response: Option<Response>,
    /// The call context was already answered by an earlier message.
    pub context_responded: bool,
    pub accepted: bool,
    pub pending_call: Option<OutgoingCall>,
    pub performed_calls: Vec<OutgoingCall>,
    pub instruction_limit: u64,
    /// Instructions already spent by earlier messages of the same call context.
    pub context_instructions: u64,
    /// Of this message's instructions, those charged for bytes leaving the canister.
    pub transmission_instructions: u64,
}

impl Env {
    pub(crate) fn new(mode: Mode, canister: Principal, caller: Principal, arg: Vec<u8>) -> Self {
        Self {
            mode,
            canister,
            caller,
            method: String::new(),
            arg,
            time_ns: 0,
            controllers: Vec::new(),
            root_key: std::sync::Arc::from(Vec::new()),
            subnet: Principal::management_canister(),
            data_certificate: None,
            reject: None,
            cycles_available: 0,
            cycles_refunded: 0,
            cycles_accepted: 0,
            cycle_balance: 0,
            canister_version: 0,
            reply_limit: crate::limits::MAX_UPDATE_REPLY_BYTES,
            reply_buffer: Vec::new(),
            response: None,
            context_responded: false,
            accepted: false,
            pending_call: None,
            performed_calls: Vec::new(),
            instruction_limit: crate::limits::UPDATE_INSTRUCTIONS,
            context_instructions: 0,
            transmission_instructions: 0,
        }
    }
}

/// The store data of a canister's Wasm instance.
#[derive(Debug)]
pub(crate) struct Host {
    pub memory: Option<Memory>,
    pub system: SystemState,
    pub env: Env,
}

/// A trap raised by the system API (Wasm-level traps come from wasmtime).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HostTrap {
    /// The canister called `ic0.trap`.
    #[error("Canister called `ic0.trap` with message: '{message}'")]
    Explicit { message: String },
    /// A system API call that is not allowed, or called with invalid arguments.
    #[error("Canister violated contract: {message}")]
    ContractViolation { message: String },
    /// The instruction limit was reached inside a system API call.
    #[error("instruction limit exceeded")]
    InstructionLimit,
    /// A heap range passed to the system API lies outside the heap.
    #[error("Canister trapped: heap out of bounds")]
    HeapOutOfBounds,
    /// A stable memory access beyond its size.
    #[error("Canister trapped: stable memory out of bounds")]
    StableOutOfBounds,
    /// `stable_*` (32-bit) used once stable memory is larger than 4 GiB.
    #[error("Canister trapped: 32 bit stable memory api used on a memory larger than 4GB")]
    Stable32Overflow,
}

impl HostTrap {
    pub(crate) fn not_allowed(api: &str, mode: Mode) -> Self {
        HostTrap::ContractViolation {
            message: format!("\"ic0_{api}\" cannot be executed in {} mode", mode.name()),
        }
    }
}
