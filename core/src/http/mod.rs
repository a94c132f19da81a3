//! HTTP serving: request parsing (URL, encodings, ranges, conditionals, host), routing through the
//! certifier's index, and the `http_request` / `http_request_streaming_callback` entry points.
//!
//! Owns request interpretation only; every response it attaches a certificate to is one the
//! `certification` module precomputed. Must not touch stable memory (content comes through
//! [`ContentSource`](crate::certification::ContentSource)). Invariant: no input makes these
//! functions panic; malformed requests get a 4xx.
//!
//! Legacy (v1) clients are served what the `http_assets` tree can prove: one fixed encoding per
//! path, whole bodies (streamed by callback past one chunk), and `/index.html` as the only
//! provable fallback. v1 cannot certify status codes, so 405 and `404.html` pages do not verify
//! under v1; every v2 response does.

mod encoding;
mod host;
mod range;
mod request;
mod serve;
mod streaming;
mod url;

pub use encoding::AcceptEncoding;
pub use range::RangeError;
pub use serve::{http_request, ServeContext, STREAMING_CALLBACK_METHOD};
pub use streaming::{http_request_streaming_callback, StreamingError};
pub use url::UrlError;
