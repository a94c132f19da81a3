//! Canister lifecycle through the management canister: create, install, upgrade.
//!
//! Owns the choice between install, upgrade and leaving a canister alone. Invariant: a canister
//! that already runs a module is only ever upgraded (stable memory, and so its assets, survive);
//! a module that is already installed is not installed again.

use anyhow::{bail, Context as _};
use candid::Principal;
use ic_agent::{Agent, AgentError};
use ic_utils::interfaces::management_canister::builders::CanisterInstallMode;
use ic_utils::interfaces::ManagementCanister;

use crate::wasm::CanisterModule;

/// An ingress message carries at most 2 MiB; the module and the call's envelope must fit.
const SINGLE_MESSAGE_LIMIT: usize = 1_900_000;

/// What `install` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// The canister was empty; the module was installed.
    Fresh,
    /// Another module was running; it was upgraded, keeping stable memory.
    Upgraded,
    /// This exact module was already running.
    AlreadyCurrent,
}

/// Creates a canister with provisional cycles, as local replicas allow; the caller controls it.
pub async fn create_canister(agent: &Agent) -> anyhow::Result<Principal> {
    let (canister_id,) = ManagementCanister::create(agent)
        .create_canister()
        .as_provisional_create_with_amount(None)
        .call_and_wait()
        .await
        .context(
            "cannot create a canister: provisional creation only works on local replicas; on mainnet create \
             it with dfx or icp-cli and pass --canister-id",
        )?;
    Ok(canister_id)
}

/// Installs `module` into `canister_id`, or upgrades it when another module runs there.
pub async fn install(agent: &Agent, canister_id: Principal, module: &CanisterModule) -> anyhow::Result<Installed> {
    let running = running_module_hash(agent, canister_id).await?;
    let (mode, outcome) = match running {
        Some(hash) if hash == module.hash() => return Ok(Installed::AlreadyCurrent),
        Some(_) => (CanisterInstallMode::Upgrade(None), Installed::Upgraded),
        None => (CanisterInstallMode::Install, Installed::Fresh),
    };
    let management = ManagementCanister::create(agent);
    let failed = || {
        format!(
            "cannot install {} into {canister_id}: check that your identity ({}) is one of its controllers",
            module.path().display(),
            agent.get_principal().map(|p| p.to_text()).unwrap_or_else(|_| "unknown".into())
        )
    };
    if module.bytes().len() > SINGLE_MESSAGE_LIMIT {
        bail!(
            "{} is {} bytes, more than one ingress message carries ({SINGLE_MESSAGE_LIMIT}); install it with \
             `dfx deploy` or `icp deploy`, which upload it through the chunk store",
            module.path().display(),
            module.bytes().len()
        );
    }
    management.install_code(&canister_id, module.bytes()).with_mode(mode).call_and_wait().await.with_context(failed)?;
    Ok(outcome)
}

/// The hash of the module `canister_id` runs, `None` when it is empty.
async fn running_module_hash(agent: &Agent, canister_id: Principal) -> anyhow::Result<Option<[u8; 32]>> {
    match agent.read_state_canister_module_hash(canister_id).await {
        Ok(hash) => Ok(hash.try_into().ok()),
        Err(AgentError::LookupPathAbsent(_)) => Ok(None),
        Err(error) => Err(error).with_context(|| {
            format!("cannot read the state of canister {canister_id}: check the canister id and the network")
        }),
    }
}
