//! A canister's live Wasm instance and the commit-or-rollback discipline around each message.
//!
//! Owns the wasmtime store, the committed copy of the heap and of the mutable globals, and running
//! one entry point with fuel. Must not route messages or decide limits (the caller passes them in
//! the `Env`). Invariant: between messages the live heap and globals equal the committed copies;
//! a trapping or read-only message leaves heap, globals and system state exactly as committed.

use std::sync::Arc;

use candid::Principal;
use wasmtime::{Global, Instance, Memory, Store, Table, Val};

use super::host::{Closure, Env, Host, HostTrap, Mode};
use super::module::{MEMORY_EXPORT, TABLE_EXPORT};
use super::Prepared;
use crate::meter::Budget;
use crate::reject::{ErrorCode, Reject};
use crate::state::SystemState;

/// Why a message failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Trap {
    /// `ic0.trap` with this message.
    Called(String),
    /// A Wasm trap (or a system API memory fault), described as the IC describes it.
    Trapped(String),
    /// A system API misuse.
    ContractViolation(String),
    /// The message ran out of instructions; carries the limit.
    InstructionLimit(u64),
}

impl Trap {
    /// The reject the IC sends for this failure in `canister`.
    pub(crate) fn to_reject(&self, canister: Principal) -> Reject {
        match self {
            Trap::Called(message) => Reject::from_canister(
                canister,
                ErrorCode::CanisterCalledTrap,
                &format!("Canister called `ic0.trap` with message: '{message}'"),
                "trapped-explicitly",
            ),
            Trap::Trapped(what) => Reject::from_canister(
                canister,
                ErrorCode::CanisterTrapped,
                &format!("Canister trapped: {what}"),
                "trapped",
            ),
            Trap::ContractViolation(message) => Reject::from_canister(
                canister,
                ErrorCode::CanisterContractViolation,
                &format!("Canister violated contract: {message}"),
                "contract-violation",
            ),
            Trap::InstructionLimit(limit) => Reject::from_canister(
                canister,
                ErrorCode::CanisterInstructionLimitExceeded,
                &format!("Canister exceeded the limit of {limit} instructions for single message execution"),
                "instruction-limit-exceeded",
            ),
        }
    }

    fn from_error(error: wasmtime::Error, limit: u64) -> Self {
        if let Some(trap) = error.downcast_ref::<HostTrap>() {
            return match trap {
                HostTrap::Explicit { message } => Trap::Called(message.clone()),
                HostTrap::ContractViolation { message } => Trap::ContractViolation(message.clone()),
                HostTrap::InstructionLimit => Trap::InstructionLimit(limit),
                HostTrap::HeapOutOfBounds => Trap::Trapped("heap out of bounds".into()),
                HostTrap::StableOutOfBounds => Trap::Trapped("stable memory out of bounds".into()),
                HostTrap::Stable32Overflow => {
                    Trap::Trapped("32 bit stable memory api used on a memory larger than 4GB".into())
                }
            };
        }
        match error.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::OutOfFuel) => Trap::InstructionLimit(limit),
            Some(wasmtime::Trap::UnreachableCodeReached) => Trap::Trapped("unreachable".into()),
            Some(wasmtime::Trap::MemoryOutOfBounds) => Trap::Trapped("heap out of bounds".into()),
            Some(wasmtime::Trap::StackOverflow) => Trap::Trapped("stack overflow".into()),
            Some(wasmtime::Trap::IntegerDivisionByZero) => Trap::Trapped("integer division by 0".into()),
            Some(wasmtime::Trap::IntegerOverflow) => Trap::Trapped("integer overflow".into()),
            Some(wasmtime::Trap::TableOutOfBounds) => Trap::Trapped("table out of bounds".into()),
            Some(wasmtime::Trap::IndirectCallToNull) => Trap::Trapped("uninitialized element".into()),
            Some(wasmtime::Trap::BadSignature) => Trap::Trapped("indirect call signature mismatch".into()),
            Some(other) => Trap::Trapped(other.to_string()),
            None => Trap::Trapped(format!("{error:#}")),
        }
    }
}

/// What to do with the message's changes when it succeeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnSuccess {
    /// Keep them (updates, callbacks, init, post_upgrade, timers).
    Commit,
    /// Drop them (queries, inspect_message).
    Discard,
    /// Leave them in place, neither committed nor undone (pre_upgrade: the upgrade decides).
    Leave,
}

/// Where execution enters the module.
#[derive(Clone, Debug)]
pub(crate) enum Entry {
    /// An exported function such as `canister_update foo`.
    Export(String),
    /// A callback from the function table, called with its environment argument.
    Callback(Closure),
}

/// The result of running one message.
#[derive(Debug)]
pub(crate) struct Executed {
    pub env: Env,
    pub trap: Option<Trap>,
    pub instructions: u64,
    /// Of `instructions`, the transmission charge (see `meter`).
    pub transmission_instructions: u64,
}

/// A canister's instantiated module.
pub(crate) struct LiveInstance {
    store: Store<Host>,
    instance: Instance,
    module: Arc<Prepared>,
    memory: Option<Memory>,
    table: Option<Table>,
    globals: Vec<Global>,
    committed_heap: Vec<u8>,
    committed_globals: Vec<Val>,
}

impl std::fmt::Debug for LiveInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveInstance").field("heap_bytes", &self.committed_heap.len()).finish_non_exhaustive()
    }
}

impl LiveInstance {
    /// Instantiates `module` (running its start function, if any) and commits the initial heap.
    pub(crate) fn new(module: Arc<Prepared>, canister: Principal) -> Result<Self, Trap> {
        let env = Env::new(Mode::Start, canister, canister, Vec::new());
        let limit = env.instruction_limit;
        let host = Host { memory: None, system: SystemState::default(), env };
        let mut store = Store::new(module.pre.module().engine(), host);
        store.set_fuel(limit).map_err(|e| Trap::from_error(e, limit))?;
        let instance = module.pre.instantiate(&mut store).map_err(|e| Trap::from_error(e, limit))?;
        let memory = instance.get_memory(&mut store, MEMORY_EXPORT);
        let table = instance.get_table(&mut store, TABLE_EXPORT);
        let globals = module
            .mutable_globals
            .iter()
            .filter_map(|name| instance.get_global(&mut store, name))
            .collect();
        store.data_mut().memory = memory;
        let mut live = Self {
            store,
            instance,
            module,
            memory,
            table,
            globals,
            committed_heap: Vec::new(),
            committed_globals: Vec::new(),
        };
        live.commit_heap();
        Ok(live)
    }

    /// The module this instance runs.
    pub(crate) fn module(&self) -> &Arc<Prepared> {
        &self.module
    }

    /// Committed heap size in bytes.
    pub(crate) fn heap_bytes(&self) -> u64 {
        self.committed_heap.len() as u64
    }

    /// Runs `entry` with `env` against `system`, then commits, discards or leaves its changes.
    pub(crate) fn run(&mut self, system: &mut SystemState, env: Env, entry: &Entry, on_success: OnSuccess) -> Executed {
        let limit = env.instruction_limit;
        std::mem::swap(&mut self.store.data_mut().system, system);
        self.store.data_mut().env = env;
        let result = self.store.set_fuel(limit).and_then(|()| self.call(entry));
        let remaining = self.store.get_fuel().unwrap_or(0);
        let instructions = Budget::new(limit).used(remaining);
        let trap = result.err().map(|e| Trap::from_error(e, limit));
        std::mem::swap(&mut self.store.data_mut().system, system);
        let placeholder = Env::new(Mode::Start, Principal::anonymous(), Principal::anonymous(), Vec::new());
        let env = std::mem::replace(&mut self.store.data_mut().env, placeholder);
        match (&trap, on_success) {
            (None, OnSuccess::Commit) => {
                self.commit_heap();
                system.checkpoint();
            }
            (None, OnSuccess::Leave) => {}
            (None, OnSuccess::Discard) | (Some(_), _) => {
                self.restore_heap();
                system.rollback();
            }
        }
        let transmission_instructions = env.transmission_instructions.min(instructions);
        Executed { env, trap, instructions, transmission_instructions }
    }

    /// Puts heap and globals back to their committed state (after an `OnSuccess::Leave` run).
    pub(crate) fn restore_heap(&mut self) {
        let live_len = self.memory.map_or(0, |m| m.data_size(&self.store));
        if live_len > self.committed_heap.len() {
            // Wasm memory cannot shrink: start from a fresh instance and write the committed state.
            let limit = self.store.data().env.instruction_limit;
            let fresh = self.store.set_fuel(limit).and_then(|()| self.module.pre.instantiate(&mut self.store));
            if let Ok(fresh) = fresh {
                self.instance = fresh;
                self.memory = fresh.get_memory(&mut self.store, MEMORY_EXPORT);
                self.table = fresh.get_table(&mut self.store, TABLE_EXPORT);
                self.globals = self
                    .module
                    .mutable_globals
                    .iter()
                    .filter_map(|name| fresh.get_global(&mut self.store, name))
                    .collect();
                self.store.data_mut().memory = self.memory;
            }
        }
        if let Some(memory) = self.memory {
            let current = memory.data_size(&self.store);
            if current < self.committed_heap.len() {
                let pages = ((self.committed_heap.len() - current) as u64).div_ceil(crate::limits::WASM_PAGE_BYTES);
                // Growing back to a size the memory already had cannot exceed its maximum.
                let _ = memory.grow(&mut self.store, pages);
            }
            memory.data_mut(&mut self.store)[..self.committed_heap.len()].copy_from_slice(&self.committed_heap);
        }
        for (global, value) in self.globals.iter().zip(&self.committed_globals) {
            // The value was read from this very global, so its type matches.
            let _ = global.set(&mut self.store, *value);
        }
    }

    fn commit_heap(&mut self) {
        match self.memory {
            Some(memory) => {
                let heap = memory.data(&self.store);
                self.committed_heap.clear();
                self.committed_heap.extend_from_slice(heap);
            }
            None => self.committed_heap.clear(),
        }
        self.committed_globals = self.globals.iter().map(|g| g.get(&mut self.store)).collect();
    }

    fn call(&mut self, entry: &Entry) -> wasmtime::Result<()> {
        match entry {
            Entry::Export(name) => {
                let func = self.instance.get_typed_func::<(), ()>(&mut self.store, name)?;
                func.call(&mut self.store, ())
            }
            Entry::Callback(closure) => {
                let table = self.table.ok_or(HostTrap::ContractViolation {
                    message: "the module has no function table for callbacks".into(),
                })?;
                let func = table
                    .get(&mut self.store, u64::from(closure.fun))
                    .and_then(|r| r.as_func().flatten().copied())
                    .ok_or(HostTrap::ContractViolation {
                        message: format!("callback {} is not a function in the table", closure.fun),
                    })?;
                let typed = func.typed::<i32, ()>(&self.store)?;
                typed.call(&mut self.store, closure.env as i32)
            }
        }
    }
}
