//! Candid types of the HTTP gateway interface (`http_request`, `http_request_streaming_callback`).
//!
//! Owns only the wire shapes, exactly as the legacy asset canister's `.did` spells them; serving
//! logic lives in `http/` and `certification/`. Invariant: field names and types never change,
//! because gateways decode these records by name.

pub mod wire;

use candid::types::{Serializer, Type};
use candid::{CandidType, Deserialize, Func, Nat};
use serde_bytes::ByteBuf;

/// One HTTP header, `record { text; text }` on the wire.
pub type HeaderField = (String, String);

/// A request forwarded by the HTTP gateway.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path and query, e.g. `/index.html?x=1`.
    pub url: String,
    /// Request headers in the order received.
    pub headers: Vec<HeaderField>,
    /// Request body.
    pub body: ByteBuf,
    /// Highest response-verification version the gateway supports (absent means 1).
    pub certificate_version: Option<u16>,
}

/// The canister's answer to an [`HttpRequest`].
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status_code: u16,
    /// Response headers, including the certificate headers.
    pub headers: Vec<HeaderField>,
    /// The first chunk of the body (or all of it).
    pub body: ByteBuf,
    /// How the gateway fetches the remaining chunks, if any.
    pub streaming_strategy: Option<StreamingStrategy>,
    /// Set to ask the gateway to repeat the request as an update call.
    pub upgrade: Option<bool>,
}

impl HttpResponse {
    /// An uncertified `text/plain` response: for requests no certified response can answer
    /// (malformed URL or argument, a redirect off a raw domain, an inconsistent store).
    /// Gateways refuse to pass it on as verified.
    pub fn plain_text(status_code: u16, message: String) -> Self {
        HttpResponse {
            status_code,
            headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
            body: ByteBuf::from(message.into_bytes()),
            streaming_strategy: None,
            upgrade: None,
        }
    }
}

/// Identifies the next chunk of a streamed body.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StreamingCallbackToken {
    /// Asset key.
    pub key: String,
    /// Content encoding being streamed.
    pub content_encoding: String,
    /// Index of the chunk to return.
    pub index: Nat,
    /// sha256 of the whole encoding, so a replaced asset is detected mid-stream.
    pub sha256: Option<ByteBuf>,
}

/// How a gateway fetches the rest of a streamed body.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum StreamingStrategy {
    /// Call `callback` with `token`, then with each returned token until none is returned.
    Callback {
        /// The canister's `http_request_streaming_callback` query.
        callback: StreamingCallback,
        /// Token for the first call.
        token: StreamingCallbackToken,
    },
}

/// One streamed chunk and the token for the next, if any.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StreamingCallbackHttpResponse {
    /// Chunk bytes.
    pub body: ByteBuf,
    /// Token for the following chunk; absent after the last one.
    pub token: Option<StreamingCallbackToken>,
}

/// Reference to the canister's `http_request_streaming_callback` query, typed as in the `.did`:
/// `func (StreamingCallbackToken) -> (opt StreamingCallbackHttpResponse) query`.
#[derive(Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StreamingCallback(pub Func);

impl CandidType for StreamingCallback {
    fn _ty() -> Type {
        candid::func!((StreamingCallbackToken) -> (Option<StreamingCallbackHttpResponse>) query)
    }

    fn idl_serialize<S: Serializer>(&self, serializer: S) -> Result<(), S::Error> {
        self.0.idl_serialize(serializer)
    }
}
