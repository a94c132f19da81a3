//! `serve`: a folder on a fresh embedded IC, reachable in a browser, until Ctrl-C.
//!
//! Owns the lifetime of the in-process local IC server and the optional file watcher. The
//! canister is installed and synced over the server's own HTTP API with the same agent code a
//! remote network gets, so `serve` exercises exactly what `deploy` does.

use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use candid::Principal;
use ic_agent::Agent;
use local_ic::server::LocalServer;
use local_ic::LocalIc;
use notify::{RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

use crate::agent::connect;
use crate::config::{local_development_identity, Network, ServeConfig};
use crate::install::{create_canister, install};
use crate::sync::sync_folder;

/// How long the folder must stay quiet before a re-sync, so an editor's save is one sync.
const SETTLE: Duration = Duration::from_millis(300);

/// Runs until Ctrl-C.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let server = LocalServer::start(LocalIc::new(), config.port)
        .await
        .with_context(|| format!("cannot start the local IC on port {}: is it taken? Try --port 0", config.port))?;
    let result = install_and_serve(&server, &config).await;
    server.stop().await;
    result
}

async fn install_and_serve(server: &LocalServer, config: &ServeConfig) -> anyhow::Result<()> {
    let network = Network::Replica { url: server.url().to_owned() };
    let agent = connect(&network, local_development_identity()).await?;
    let canister_id = create_canister(&agent).await?;
    println!("local IC on {}: installing {} into {canister_id}", server.url(), config.module.path().display());
    install(&agent, canister_id, &config.module).await?;
    let summary = sync_folder(&agent, canister_id, config.dir.path()).await?;
    println!("synced {}: {summary}", config.dir.path().display());
    let port = server.url().rsplit(':').next().unwrap_or_default();
    println!("replica API: {} (canister {canister_id})", server.url());
    println!("open http://{canister_id}.localhost:{port}/");
    if config.watch {
        println!("watching {} for changes; Ctrl-C to stop", config.dir.path().display());
        watch(&agent, canister_id, config.dir.path()).await
    } else {
        println!("Ctrl-C to stop");
        tokio::signal::ctrl_c().await.context("cannot wait for Ctrl-C")
    }
}

/// Re-syncs after every burst of changes in `dir` until Ctrl-C. A failed sync is reported and
/// the next change tries again: the server keeps serving the last good state.
async fn watch(agent: &Agent, canister_id: Principal, dir: &Path) -> anyhow::Result<()> {
    let (changed, mut changes) = mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|event| !event.kind.is_access()) {
            let _ = changed.send(());
        }
    })
    .context("cannot watch for file changes")?;
    watcher.watch(dir, RecursiveMode::Recursive).with_context(|| format!("cannot watch {}", dir.display()))?;
    loop {
        tokio::select! {
            interrupted = tokio::signal::ctrl_c() => return interrupted.context("cannot wait for Ctrl-C"),
            Some(()) = changes.recv() => {
                while tokio::time::timeout(SETTLE, changes.recv()).await.is_ok_and(|change| change.is_some()) {}
                match sync_folder(agent, canister_id, dir).await {
                    Ok(summary) => println!("synced: {summary}"),
                    Err(error) => eprintln!("error: {error:#}"),
                }
            }
        }
    }
}
