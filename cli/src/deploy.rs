//! `deploy`: make a canister run this module, then hold the folder.
//!
//! Owns the order create-or-reuse, install-or-upgrade, sync. Invariant: the folder is only
//! synced into a canister that runs the module we just checked, so a failed install never
//! leads to uploads into some other code.

use crate::agent::connect;
use crate::config::DeployConfig;
use crate::install::{create_canister, install, Installed};
use crate::sync::sync_folder;

/// Creates or upgrades, then syncs; prints what happened.
pub async fn deploy(config: DeployConfig) -> anyhow::Result<()> {
    let agent = connect(&config.network, config.identity).await?;
    let canister_id = match config.canister_id {
        Some(id) => id,
        None => {
            let id = create_canister(&agent).await?;
            println!("created canister {id} (pass --canister-id {id} to deploy into it again)");
            id
        }
    };
    match install(&agent, canister_id, &config.module).await? {
        Installed::Fresh => println!("installed {} into {canister_id}", config.module.path().display()),
        Installed::Upgraded => println!("upgraded {canister_id} to {}", config.module.path().display()),
        Installed::AlreadyCurrent => println!("{canister_id} already runs this module"),
    }
    let summary = sync_folder(&agent, canister_id, config.dir.path()).await?;
    println!("synced {}: {summary}", config.dir.path().display());
    println!("canister {canister_id}");
    Ok(())
}
