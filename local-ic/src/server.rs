//! One port for everything, as `dfx start` has it: the replica HTTP API under `/api/...` and the
//! verifying HTTP gateway for `<canister-id>.localhost` or `?canisterId=` requests.
//!
//! Owns the listener, the routing by host and the server's lifetime; it only wires the HTTP API
//! and the gateway together. Invariant: the gateway's agent talks to this very listener and
//! trusts this IC's root key, so what it serves was verified against the state it came from.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::gateway::{resolve, Gateway, GatewayError, Target};
use crate::http_api::{router, NodeKey, Replica, SharedReplica};
use crate::state_dir::{StateDir, StateDirError};
use crate::LocalIc;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The port could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address tried.
        address: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// No randomness for the node key.
    #[error("cannot generate the node key: {reason}")]
    NodeKey {
        /// What the random source said.
        reason: String,
    },
    /// The gateway could not be set up.
    #[error(transparent)]
    Gateway(#[from] GatewayError),
    /// The state directory could not be used.
    #[error(transparent)]
    StateDir(#[from] StateDirError),
    /// Replaying the journal failed (a bug in execution, not in the journal).
    #[error("replaying the state directory's journal failed: {reason}")]
    Replay {
        /// What failed.
        reason: String,
    },
}

/// A running local IC server on 127.0.0.1.
pub struct LocalServer {
    url: String,
    root_key: Vec<u8>,
    replica: SharedReplica,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl LocalServer {
    /// Serves `ic` in memory on 127.0.0.1:`port` (0 picks a free port).
    pub async fn start(ic: LocalIc, port: u16) -> Result<Self, ServerError> {
        let node = NodeKey::generate().map_err(|error| ServerError::NodeKey { reason: error.to_string() })?;
        Self::serve(Replica::new(ic, node), port).await
    }

    /// Serves the local IC kept in `state_dir` (created if missing) on 127.0.0.1:`port`: its
    /// canisters come back as they were, and every further ingress call is journaled there.
    pub async fn start_persistent(state_dir: &Path, port: u16) -> Result<Self, ServerError> {
        let (state, replay) = StateDir::open(state_dir)?;
        let replica = tokio::task::spawn_blocking(move || Replica::persistent(state, replay))
            .await
            .map_err(|error| ServerError::Replay { reason: error.to_string() })?;
        Self::serve(replica, port).await
    }

    async fn serve(replica: Replica, port: u16) -> Result<Self, ServerError> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|source| ServerError::Bind { address, source })?;
        let bound = listener.local_addr().map_err(|source| ServerError::Bind { address, source })?;
        let url = format!("http://{bound}");
        let root_key = replica.root_key();
        let replica: SharedReplica = Arc::new(Mutex::new(replica));
        let gateway = Gateway::new(&url, root_key.clone())?;
        let app = Router::new()
            .merge(router(replica.clone()))
            .fallback(no_canister)
            .layer(middleware::from_fn_with_state(gateway, route_by_host));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let server = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = server.await {
                eprintln!("local-ic server stopped: {error}");
            }
        });
        Ok(Self { url, root_key, replica, shutdown, task })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The DER root key agents must trust.
    pub fn root_key(&self) -> &[u8] {
        &self.root_key
    }

    /// The replica, for direct access to the local IC next to HTTP clients.
    pub fn replica(&self) -> SharedReplica {
        self.replica.clone()
    }

    /// Stops accepting connections and waits for the server task.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

async fn route_by_host(State(gateway): State<Gateway>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| request.uri().authority().map(|authority| authority.as_str()))
        .map(str::to_owned);
    match resolve(host.as_deref(), request.uri().path(), request.uri().query()) {
        Target::Canister(canister_id) => gateway.serve(canister_id, request).await,
        Target::ReplicaApi | Target::Unresolved => next.run(request).await,
    }
}

async fn no_canister() -> Response {
    (
        StatusCode::BAD_REQUEST,
        "Could not find a canister id to forward to: use http://<canister-id>.localhost:<port>/ or ?canisterId=<canister-id>",
    )
        .into_response()
}
