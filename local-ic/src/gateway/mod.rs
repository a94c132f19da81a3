//! The HTTP gateway: serves canisters to browsers through `ic-http-gateway`, the production
//! gateway library, which calls `http_request`, follows streaming callbacks, reassembles ranges
//! and verifies every response against the local root key before passing it on.
//!
//! Owns the bridge between the shared port and that library; it never inspects or alters
//! canister responses itself. Invariant: the library's agent trusts exactly the local IC's root
//! key and verifies query signatures, so a response that fails verification reaches the browser
//! only as the library's error response, never as content.

mod target;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use candid::Principal;
use ic_agent_for_gateway::Agent;
use ic_http_gateway::{HttpGatewayClient, HttpGatewayRequestArgs};

pub use target::{resolve, Target};

/// Largest request body the gateway forwards to a canister (the IC's ingress limit).
pub const MAX_REQUEST_BODY: usize = 2 * 1024 * 1024;

/// Why the gateway could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// The agent for the replica URL could not be built.
    #[error("cannot build the gateway's agent for {url}: {reason}")]
    Agent {
        /// The replica URL.
        url: String,
        /// What the agent builder said.
        reason: String,
    },
}

/// A verifying HTTP gateway in front of one replica.
#[derive(Clone)]
pub struct Gateway {
    client: HttpGatewayClient,
}

impl Gateway {
    /// A gateway that reaches the replica API at `replica_url` and trusts `root_key_der`.
    pub fn new(replica_url: &str, root_key_der: Vec<u8>) -> Result<Self, GatewayError> {
        let agent_error = |error: &dyn std::fmt::Display| GatewayError::Agent {
            url: replica_url.to_string(),
            reason: error.to_string(),
        };
        let agent = Agent::builder()
            .with_url(replica_url)
            .build()
            .map_err(|error| agent_error(&error))?;
        agent.set_root_key(root_key_der);
        let client = HttpGatewayClient::builder()
            .with_agent(agent)
            .build()
            .map_err(|error| agent_error(&error))?;
        Ok(Self { client })
    }

    /// Serves `request` from `canister_id`, verified; failures come back as the library's
    /// error responses.
    pub async fn serve(&self, canister_id: Principal, request: axum::extract::Request) -> Response {
        let (parts, body) = request.into_parts();
        let body = match axum::body::to_bytes(body, MAX_REQUEST_BODY).await {
            Ok(body) => body,
            Err(error) => {
                let message = format!("request body refused: {error}");
                return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, message).into_response();
            }
        };
        let canister_request = axum::http::Request::from_parts(parts, body);
        let response = self
            .client
            .request(HttpGatewayRequestArgs { canister_request, canister_id })
            .send()
            .await;
        let (parts, body) = response.canister_response.into_parts();
        Response::from_parts(parts, Body::new(body))
    }
}
