//! Starting a local IC server and pointing ic-agent 0.47 at it.

use ic_agent::identity::{BasicIdentity, Identity};
use ic_agent::Agent;
use local_ic::server::LocalServer;
use local_ic::LocalIc;

/// A started server on a free port with a fresh local IC from a fixed seed.
pub async fn start_server() -> LocalServer {
    LocalServer::start(LocalIc::from_seed([42; 32]), 0).await.expect("server starts")
}

/// An ic-agent 0.47 client of `server` as `identity`, with the root key fetched over
/// `/api/v2/status` (checked against the server's own).
pub async fn agent(server: &LocalServer, identity: impl Identity + 'static) -> Agent {
    let agent = Agent::builder()
        .with_url(server.url())
        .with_identity(identity)
        .build()
        .expect("agent builds");
    agent.fetch_root_key().await.expect("status answers with the root key");
    assert_eq!(agent.read_root_key(), server.root_key());
    agent
}

/// An Ed25519 identity from one repeated byte.
pub fn ed25519(byte: u8) -> BasicIdentity {
    BasicIdentity::from_raw_key(&[byte; 32])
}
