//! `install_code`: install, reinstall and upgrade, each all-or-nothing.
//!
//! Owns the install sequences (start, `canister_init`; or `canister_pre_upgrade` on the old
//! module, then `canister_post_upgrade` on the new one with stable memory carried over). Must not
//! validate Wasm itself (`execution` does). Invariant: if any step fails, the canister is exactly
//! as it was before the call: module, heap, globals, stable memory, certified data and timer.

use candid::Principal;

use super::canister::Canister;
use super::LocalIc;
use crate::execution::{Entry, Env, LiveInstance, Mode, OnSuccess, WasmError};
use crate::limits::INSTALL_INSTRUCTIONS;
use crate::reject::{ErrorCode, Reject};
use crate::state::SystemState;

/// How `install_code` treats the canister's current state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstallMode {
    /// First installation on an empty canister.
    Install,
    /// Replace the module and wipe all state (heap, stable memory, certified data, timer).
    Reinstall,
    /// Replace the module, keeping stable memory and certified data; runs the upgrade hooks.
    Upgrade,
}

/// A completed `install_code`, with the figures of the canister hooks it ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstallOutcome {
    /// Instructions executed by `canister_init` (install, reinstall) or by `canister_pre_upgrade`
    /// plus `canister_post_upgrade` (upgrade); 0 when the module exports none of them.
    pub instructions: u64,
    /// The canister's Wasm heap size after the install, in bytes.
    pub heap_bytes: u64,
    /// The canister's stable memory size after the install, in bytes.
    pub stable_bytes: u64,
}

/// Why `install_code` failed. The canister is unchanged in every case.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InstallError {
    /// The Wasm module was refused before running anything.
    #[error(transparent)]
    Wasm {
        /// What is wrong with the module.
        #[from]
        error: WasmError,
    },
    /// The IC rejected the installation, or a canister hook trapped.
    #[error(transparent)]
    Rejected {
        /// The reject, as the IC words it.
        #[from]
        reject: Reject,
    },
}

impl LocalIc {
    /// Installs `wasm` (raw or gzipped) on `canister` as `sender`, passing `arg` to
    /// `canister_init` (install, reinstall) or `canister_post_upgrade` (upgrade).
    pub fn install_code(
        &mut self,
        canister: Principal,
        sender: Principal,
        wasm: &[u8],
        arg: Vec<u8>,
        mode: InstallMode,
    ) -> Result<InstallOutcome, InstallError> {
        let record = self.canisters.get(&canister).ok_or_else(|| Reject::canister_not_found(canister))?;
        if !record.controllers.contains(&sender) {
            return Err(Reject::not_controller(canister, &record.controllers, sender).into());
        }
        let module = self.executor.prepare(wasm)?;
        let mut env = self.env(canister, Mode::Init, sender, arg);
        env.instruction_limit = INSTALL_INSTRUCTIONS;
        let mut pre_env = self.env(canister, Mode::PreUpgrade, sender, Vec::new());
        pre_env.instruction_limit = INSTALL_INSTRUCTIONS;
        let record = self.canisters.get_mut(&canister).ok_or_else(|| Reject::canister_not_found(canister))?;
        match (mode, record.code.is_some()) {
            (InstallMode::Install, true) => {
                return Err(Reject::new(
                    ErrorCode::CanisterNonEmpty,
                    format!("Canister {canister} cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead."),
                )
                .into())
            }
            (InstallMode::Upgrade, false) => return Err(Reject::no_wasm_module(canister).into()),
            _ => {}
        }
        let mut fresh = LiveInstance::new(module, canister).map_err(|trap| trap.to_reject(canister))?;
        let instructions = if mode == InstallMode::Upgrade {
            upgrade(record, fresh, pre_env, env, canister)?
        } else {
            let mut system = SystemState::default();
            let mut spent = 0;
            if fresh.module().entry_points.init {
                let executed = fresh.run(&mut system, env, &Entry::Export("canister_init".into()), OnSuccess::Commit);
                if let Some(trap) = executed.trap {
                    return Err(trap.to_reject(canister).into());
                }
                record.cycles = executed.env.cycle_balance;
                spent = executed.instructions;
            }
            record.system = system;
            record.code = Some(fresh);
            spent
        };
        record.version += 1;
        let outcome =
            InstallOutcome { instructions, heap_bytes: record.heap_bytes(), stable_bytes: record.system.stable.size_bytes() };
        self.certificates.clear();
        Ok(outcome)
    }
}

/// Runs the upgrade hooks; returns the instructions both spent.
fn upgrade(record: &mut Canister, mut fresh: LiveInstance, pre_env: Env, mut env: Env, canister: Principal) -> Result<u64, InstallError> {
    let Some(old) = record.code.as_mut() else {
        return Err(Reject::no_wasm_module(canister).into());
    };
    let mut spent = 0;
    if old.module().entry_points.pre_upgrade {
        let executed = old.run(&mut record.system, pre_env, &Entry::Export("canister_pre_upgrade".into()), OnSuccess::Leave);
        if let Some(trap) = executed.trap {
            return Err(trap.to_reject(canister).into());
        }
        spent = executed.instructions;
        env.cycle_balance = executed.env.cycle_balance;
    }
    // The global timer is deactivated whenever the module changes.
    record.system.global_timer = 0;
    env.mode = Mode::PostUpgrade;
    env.instruction_limit = INSTALL_INSTRUCTIONS - spent;
    if fresh.module().entry_points.post_upgrade {
        let executed = fresh.run(&mut record.system, env, &Entry::Export("canister_post_upgrade".into()), OnSuccess::Commit);
        if let Some(trap) = executed.trap {
            old.restore_heap();
            return Err(trap.to_reject(canister).into());
        }
        record.cycles = executed.env.cycle_balance;
        spent += executed.instructions;
    } else {
        record.system.checkpoint();
        record.cycles = env.cycle_balance;
    }
    record.code = Some(fresh);
    Ok(spent)
}
