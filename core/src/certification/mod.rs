//! HTTP certification of the asset store: precomputes every response an asset can produce and
//! keeps the v2 (`http_expr`) and legacy v1 (`http_assets`) trees in step with the store,
//! updating only the paths a commit changed.
//!
//! Owns the trees, the precomputed responses and the root hash for `certified_data`. Must not
//! read stable memory directly (content comes through [`ContentSource`]) nor parse requests.
//! Invariant: after [`Certifier::apply`] returns, every served path and fallback scope is
//! certified with exactly the responses [`Certifier::lookup`] hands to the HTTP layer, and the
//! returned root hash is the digest of every witness built from the trees.

mod certifier;
mod headers;
mod input;
mod paths;
mod response_hash;
mod responses;
mod state_sync;
mod tree;

pub use certifier::{Certifier, Scope, ServedPath, Target};
pub use input::{AssetView, Change, ContentSource, Encoding, EncodingView};
pub use responses::{AssetResponses, Body, CertifiedResponse, FallbackPage, Variant};
pub use state_sync::{view_of, DEFAULT_ALLOW_RAW_ACCESS, DEFAULT_ENABLE_ALIASING};
pub use tree::CertPath;

use thiserror::Error;

/// Size of one 206 part and one legacy streaming chunk: below the 3 MiB reply limit with room for
/// headers and witness, and the size `ic-asset-certification` uses.
pub const CHUNK_SIZE: u64 = 2_000_000;

/// Why a commit could not be certified; the certifier is left exactly as it was.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertifyError {
    /// The content source could not return a chunk the view says exists.
    #[error("content of {key} ({encoding:?}) bytes {start}..{end} is unavailable")]
    ContentUnavailable {
        /// Asset key.
        key: String,
        /// Encoding read.
        encoding: Encoding,
        /// First byte requested.
        start: u64,
        /// One past the last byte requested.
        end: u64,
    },
}
