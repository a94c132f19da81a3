//! Connecting to a network: one ic-agent client per command, trusting the right root key.
//!
//! Owns the agent's URL, identity and root key. Invariant: an agent for a replica has fetched
//! and pinned that replica's root key before any call; a mainnet agent keeps the built-in key.

use std::sync::Arc;

use anyhow::Context as _;
use ic_agent::{Agent, Identity};

use crate::config::Network;

/// An agent ready to call canisters on `network` as `identity`.
pub async fn connect(network: &Network, identity: Arc<dyn Identity>) -> anyhow::Result<Agent> {
    let agent = Agent::builder()
        .with_url(network.url())
        .with_arc_identity(identity)
        .build()
        .with_context(|| format!("cannot set up a client for {}", network.url()))?;
    if let Network::Replica { url } = network {
        agent.fetch_root_key().await.with_context(|| {
            format!(
                "cannot reach the replica at {url}: is it running? Start one with `asset-canister serve` or \
                 `local-ic start`, or pass the right --network URL"
            )
        })?;
    }
    Ok(agent)
}
