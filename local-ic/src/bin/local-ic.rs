//! `local-ic start`: one local IC subnet with the replica HTTP API and the verifying HTTP gateway
//! on one port of 127.0.0.1, as `dfx start` offers them. State lives in memory, or in
//! `--state-dir`, where it survives restarts.

use std::io::Write as _;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use local_ic::server::LocalServer;
use local_ic::LocalIc;

/// An embedded local Internet Computer.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the replica API and the HTTP gateway until interrupted.
    Start {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 4943)]
        port: u16,
        /// 64 hex digits: derive the root key from this seed, so it is the same on every start.
        #[arg(long, value_parser = parse_seed, conflicts_with = "state_dir")]
        seed: Option<[u8; 32]>,
        /// Keep the local IC in this directory (created if missing): canisters survive a restart.
        #[arg(long)]
        state_dir: Option<std::path::PathBuf>,
    },
}

fn parse_seed(text: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(text).map_err(|error| format!("not hex: {error}"))?;
    bytes.try_into().map_err(|bytes: Vec<u8>| format!("expected 32 bytes, got {}", bytes.len()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Start { port, seed, state_dir } => {
            let server = match (state_dir, seed) {
                (Some(dir), _) => LocalServer::start_persistent(&dir, port).await,
                (None, Some(seed)) => LocalServer::start(LocalIc::from_seed(seed), port).await,
                (None, None) => LocalServer::start(LocalIc::new(), port).await,
            }
            .context("starting the local IC")?;
            let port = server.url().rsplit(':').next().unwrap_or_default();
            let banner = format!(
                "local-ic listening on {}\nroot key: {}\ngateway: http://<canister-id>.localhost:{port}/ (or ?canisterId=<canister-id>)\n",
                server.url(),
                hex::encode(server.root_key()),
            );
            // A closed stdout (say, piped into `head`) must not stop the server.
            let mut stdout = std::io::stdout();
            let _ = stdout.write_all(banner.as_bytes()).and_then(|()| stdout.flush());
            tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
            server.stop().await;
            Ok(())
        }
    }
}
