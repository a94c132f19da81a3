//! The URL layout of the replica HTTP API and the glue from HTTP requests to [`Replica`].
//!
//! Owns paths, methods, content-type and body-size checks, and the status codes of successful
//! answers (200, 202). It decides nothing about requests' content. Invariant: the replica is
//! driven from a blocking task under one lock, so requests are executed one at a time, as a
//! single-threaded subnet would order them.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use candid::Principal;

use super::error::HttpApiError;
use super::replica::{Effective, Replica};

/// Largest request body accepted: the IC's 2 MiB ingress limit plus room for the envelope.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The replica shared by all connections.
pub type SharedReplica = Arc<Mutex<Replica>>;

/// The `/api/...` routes.
pub fn router(replica: SharedReplica) -> Router {
    Router::new()
        .route("/api/v2/status", get(status))
        .route("/api/v2/canister/{id}/call", envelope(Endpoint::CallAsync))
        .route("/api/v3/canister/{id}/call", envelope(Endpoint::CallSync))
        .route("/api/v4/canister/{id}/call", envelope(Endpoint::CallSync))
        .route("/api/v2/canister/{id}/query", envelope(Endpoint::Query))
        .route("/api/v3/canister/{id}/query", envelope(Endpoint::Query))
        .route("/api/v2/canister/{id}/read_state", envelope(Endpoint::ReadStateCanister))
        .route("/api/v3/canister/{id}/read_state", envelope(Endpoint::ReadStateCanister))
        .route("/api/v2/subnet/{id}/read_state", envelope(Endpoint::ReadStateSubnet))
        .route("/api/v3/subnet/{id}/read_state", envelope(Endpoint::ReadStateSubnet))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(allow_cross_origin))
        .with_state(replica)
}

/// What a `POST /api/.../{id}/...` does with its CBOR envelope once the request passed
/// [`check_request`].
#[derive(Debug, Clone, Copy)]
enum Endpoint {
    /// v2 call: executed, answered 202 with no body.
    CallAsync,
    /// v3/v4 call: executed, answered 200 with the certificate of its status.
    CallSync,
    /// Query: answered 200 with the signed reply.
    Query,
    /// `read_state` with the canister id as effective id.
    ReadStateCanister,
    /// `read_state` with the subnet id as effective id.
    ReadStateSubnet,
}

impl Endpoint {
    fn run(self, replica: &mut Replica, id: Principal, body: &[u8]) -> Result<Response, HttpApiError> {
        let answer = match self {
            Endpoint::CallAsync => {
                replica.call(id, body)?;
                return Ok(StatusCode::ACCEPTED.into_response());
            }
            Endpoint::CallSync => {
                let request_id = replica.call(id, body)?;
                replica.call_certificate(request_id)
            }
            Endpoint::Query => replica.query(id, body)?,
            Endpoint::ReadStateCanister => replica.read_state(Effective::Canister(id), body)?,
            Endpoint::ReadStateSubnet => replica.read_state(Effective::Subnet(id), body)?,
        };
        Ok(cbor(StatusCode::OK, answer))
    }
}

/// The one handler shape of every envelope route: check the id and content type, then run
/// `endpoint` on the replica.
fn envelope(endpoint: Endpoint) -> MethodRouter<SharedReplica> {
    post(move |State(replica): State<SharedReplica>, Path(id): Path<String>, headers: HeaderMap, body: Bytes| async move {
        let id = check_request(&id, &headers)?;
        with_replica(replica, move |replica| endpoint.run(replica, id, &body)).await
    })
}

/// Lets browser agents on other origins (a dev server, a canister's own origin) call the API, as
/// the IC's boundary nodes do: any origin, preflight answered without touching the replica.
async fn allow_cross_origin(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let preflight = request.method() == axum::http::Method::OPTIONS;
    let mut response = if preflight { StatusCode::NO_CONTENT.into_response() } else { next.run(request).await };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, header::HeaderValue::from_static("*"));
    if preflight {
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, header::HeaderValue::from_static("GET, POST, OPTIONS"));
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, header::HeaderValue::from_static("content-type"));
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, header::HeaderValue::from_static("86400"));
    }
    response
}

/// Runs `work` on the replica in a blocking task; a panic there becomes a 500, not a crash.
async fn with_replica<T: Send + 'static>(
    replica: SharedReplica,
    work: impl FnOnce(&mut Replica) -> Result<T, HttpApiError> + Send + 'static,
) -> Result<T, HttpApiError> {
    tokio::task::spawn_blocking(move || {
        let mut guard = replica.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        work(&mut guard)
    })
    .await
    .map_err(|error| HttpApiError::Internal { reason: error.to_string() })?
}

fn cbor(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/cbor")], body).into_response()
}

fn check_request(id: &str, headers: &HeaderMap) -> Result<Principal, HttpApiError> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        if content_type.as_bytes() != b"application/cbor" {
            return Err(HttpApiError::UnsupportedMediaType);
        }
    }
    Principal::from_text(id).map_err(|_| HttpApiError::InvalidPrincipal { text: id.to_string() })
}

async fn status(State(replica): State<SharedReplica>) -> Result<Response, HttpApiError> {
    let body = with_replica(replica, |replica| Ok(replica.status())).await?;
    Ok(cbor(StatusCode::OK, body))
}
