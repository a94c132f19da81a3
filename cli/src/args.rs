//! The command line as clap parses it: plain, unvalidated values.
//!
//! Owns only the flag names, defaults and help texts; `config` turns these into checked
//! configuration once, so no other module ever sees a raw flag.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Put a folder on the Internet Computer: serve it locally, deploy it, sync it, list it.
#[derive(Parser, Debug)]
#[command(name = "asset-canister", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start an embedded local IC with its HTTP gateway, install the asset canister, upload DIR
    /// and print the URL to open. Runs until Ctrl-C.
    Serve(ServeArgs),
    /// Create (or upgrade) the asset canister on a network, then sync DIR into it.
    Deploy(DeployArgs),
    /// Upload DIR into an existing asset canister: new and changed files, deletions.
    Sync(SyncArgs),
    /// List the assets stored in a canister with their encodings and sizes.
    Ls(LsArgs),
}

/// `serve` flags.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The folder to serve.
    #[arg(default_value = "assets")]
    pub dir: PathBuf,
    /// Port on 127.0.0.1 for the replica API and the gateway (0 picks a free one).
    #[arg(long, default_value_t = 4943)]
    pub port: u16,
    /// Sync again whenever a file in DIR changes.
    #[arg(long)]
    pub watch: bool,
    /// The canister module (default: dist/asset-canister.wasm.gz of this repository).
    #[arg(long)]
    pub wasm: Option<PathBuf>,
}

/// Where to talk to and as whom.
#[derive(Args, Debug)]
pub struct NetworkArgs {
    /// `local` (http://127.0.0.1:4943), `ic` (mainnet), or the URL of a replica, whose root key
    /// is then fetched (only do that for local or test replicas).
    #[arg(long, default_value = "local")]
    pub network: String,
    /// PEM file of the identity to act as (Ed25519, secp256k1 or P-256, as dfx and icp-cli
    /// export them). Required for `ic`; local networks default to a fixed development identity.
    #[arg(long)]
    pub identity: Option<PathBuf>,
}

/// `deploy` flags.
#[derive(Args, Debug)]
pub struct DeployArgs {
    /// The folder to upload.
    pub dir: PathBuf,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// Upgrade this canister instead of creating one (required on `ic`).
    #[arg(long)]
    pub canister_id: Option<String>,
    /// The canister module (default: dist/asset-canister.wasm.gz of this repository).
    #[arg(long)]
    pub wasm: Option<PathBuf>,
}

/// `sync` flags.
#[derive(Args, Debug)]
pub struct SyncArgs {
    /// The folder to upload.
    pub dir: PathBuf,
    #[command(flatten)]
    pub network: NetworkArgs,
    /// The asset canister to sync into.
    #[arg(long)]
    pub canister_id: String,
}

/// `ls` flags.
#[derive(Args, Debug)]
pub struct LsArgs {
    #[command(flatten)]
    pub network: NetworkArgs,
    /// The asset canister to list.
    #[arg(long)]
    pub canister_id: String,
}
