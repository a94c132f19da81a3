//! Every way the replica HTTP API refuses a request, with the status code the replica uses.
//!
//! Owns the mapping error → HTTP status; handlers never pick status codes themselves.
//! Invariant: refusals happen before any state changes, so a refused request leaves the local IC
//! exactly as it was.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use candid::Principal;

use super::authentication::AuthenticationError;
use super::read_state::ReadStateError;

/// A refused HTTP API request.
#[derive(Debug, thiserror::Error)]
pub enum HttpApiError {
    /// The body is not a CBOR envelope of the expected shape.
    #[error("Could not parse body as request: {reason}")]
    MalformedBody {
        /// What the decoder said.
        reason: String,
    },
    /// The `Content-Type` is not `application/cbor`.
    #[error("Unexpected content-type, expected application/cbor.")]
    UnsupportedMediaType,
    /// A principal in the URL does not parse.
    #[error("Invalid principal in URL: {text}")]
    InvalidPrincipal {
        /// The URL segment.
        text: String,
    },
    /// The envelope's request type does not fit the endpoint.
    #[error("Unexpected request type: expected {expected}, got {got}")]
    WrongRequestType {
        /// What the endpoint takes.
        expected: &'static str,
        /// What the envelope carried.
        got: &'static str,
    },
    /// The envelope addresses another canister than the URL's effective canister id.
    #[error("Specified CanisterId {canister_id} does not match effective canister id in URL {effective}")]
    CanisterIdMismatch {
        /// From the envelope.
        canister_id: Principal,
        /// From the URL.
        effective: Principal,
    },
    /// A subnet endpoint was called with another subnet's id.
    #[error("Subnet {requested} does not exist; this local IC has subnet {actual}")]
    UnknownSubnet {
        /// From the URL.
        requested: Principal,
        /// The local subnet.
        actual: Principal,
    },
    /// Sender authentication failed.
    #[error(transparent)]
    Authentication(#[from] AuthenticationError),
    /// A `read_state` path was refused.
    #[error(transparent)]
    ReadState(#[from] ReadStateError),
    /// The ingress argument exceeds the IC's limit.
    #[error("Request payload of {size} bytes is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// Size of the argument.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The replica failed internally (a bug, never the request's fault).
    #[error("Internal error: {reason}")]
    Internal {
        /// What failed.
        reason: String,
    },
}

impl HttpApiError {
    /// The status code the replica answers this refusal with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::ReadState(ReadStateError::InvalidPath { .. }) => StatusCode::NOT_FOUND,
            Self::ReadState(
                ReadStateError::NotTheSender | ReadStateError::PrivateMetadata { .. },
            ) => StatusCode::FORBIDDEN,
            Self::UnknownSubnet { .. } => StatusCode::NOT_FOUND,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MalformedBody { .. }
            | Self::InvalidPrincipal { .. }
            | Self::WrongRequestType { .. }
            | Self::CanisterIdMismatch { .. }
            | Self::Authentication(_)
            | Self::ReadState(_) => StatusCode::BAD_REQUEST,
        }
    }
}

impl IntoResponse for HttpApiError {
    fn into_response(self) -> Response {
        (self.status(), [("content-type", "text/plain")], self.to_string()).into_response()
    }
}
