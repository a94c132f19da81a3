//! `asset-canister`: serve a folder on an embedded local IC, deploy it to any IC network, sync
//! it again, list what a canister holds.
//!
//! Flags are parsed once into `args`, validated once into `config`; every failure reaches the
//! user as one `error:` line with its causes and what to do, and a non-zero exit status.

mod agent;
mod args;
mod config;
mod deploy;
mod install;
mod listing;
mod progress;
mod serve;
mod sync;
mod wasm;

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;
use ic_utils::Canister;

use crate::config::{Config, Target};

#[tokio::main]
async fn main() -> ExitCode {
    match run(args::Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: args::Cli) -> anyhow::Result<()> {
    match Config::from_cli(cli)? {
        Config::Serve(config) => serve::serve(config).await,
        Config::Deploy(config) => deploy::deploy(config).await,
        Config::Sync(config) => {
            let target = config.target;
            let agent = agent::connect(&target.network, target.identity).await?;
            let summary = sync::sync_folder(&agent, target.canister_id, config.dir.path()).await?;
            println!("synced {}: {summary}", config.dir.path().display());
            Ok(())
        }
        Config::Ls(target) => ls(target).await,
    }
}

async fn ls(target: Target) -> anyhow::Result<()> {
    let agent = agent::connect(&target.network, target.identity).await?;
    let canister = Canister::builder()
        .with_agent(&agent)
        .with_canister_id(target.canister_id)
        .build()
        .with_context(|| format!("cannot address canister {}", target.canister_id))?;
    print!("{}", listing::render(&listing::list_assets(&canister).await?));
    Ok(())
}
