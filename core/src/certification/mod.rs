//! HTTP certification of the asset store: precomputes every response an asset can produce and
//! keeps the v2 (`http_expr`) and legacy v1 (`http_assets`) trees in step with the store,
//! updating only the paths a commit changed.
//!
//! Owns the trees, the layout of the per-asset records holding the precomputed responses, and
//! the root hash for `certified_data`. Must not know how records or content are stored (records
//! go through a [`RecordSink`] and come back through a [`ContentSource`]; part hashes come in
//! the [`EncodingView`]s) nor parse requests. Invariant: after [`Certifier::apply`] returns,
//! every served path and fallback scope is certified with exactly the responses of the record
//! [`Certifier::lookup`] opens for the HTTP layer, and the returned root hash is the digest of
//! every witness built from the trees.

mod certifier;
mod header_value;
mod hash_plan;
mod headers;
mod input;
#[cfg(test)]
mod memory_records;
mod paths;
mod record;
mod response_hash;
mod response_set;
mod responses;
mod stable_tree;
mod state_sync;
mod tree;
mod tree_cbor;
mod treap;

pub use certifier::{Certifier, Target};
pub use stable_tree::{ArenaMemory, StableTreeError};
pub use input::{AssetView, Change, ContentSource, Encoding, EncodingView, RecordSink};
pub use record::{PageEntry, RecordError, RecordView, Span, VariantEntry};
pub use responses::{Body, CertifiedResponse};
pub use state_sync::{view_of, DEFAULT_ALLOW_RAW_ACCESS, DEFAULT_ENABLE_ALIASING};
pub use tree::CertPath;

use crate::store::record_region::RecordRegionError;
use thiserror::Error;

/// Size of one 206 part and one legacy streaming chunk: below the 3 MiB reply limit with room for
/// headers and witness, and the size `ic-asset-certification` uses.
pub const CHUNK_SIZE: u64 = 2_000_000;

/// Why a commit could not be certified; the certifier is left exactly as it was.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertifyError {
    /// An encoding longer than one part does not carry one stored hash per part.
    #[error("{key} ({encoding:?}, {length} bytes) has {parts} part hashes, not one per {CHUNK_SIZE}-byte part")]
    PartHashesMissing {
        /// Asset key.
        key: String,
        /// Encoding certified.
        encoding: Encoding,
        /// Length of the encoding.
        length: u64,
        /// Part hashes the view carried.
        parts: usize,
    },
    /// The record store refused an asset's record.
    #[error("the record of {key} could not be stored: {error}")]
    RecordNotWritten {
        /// Asset key.
        key: String,
        /// What the store said.
        error: RecordRegionError,
    },
    /// The trees in stable memory could not be read or grown; the caller must trap, so the
    /// update is rolled back with whatever part of the change was written.
    #[error("certification tree storage: {error}")]
    TreeStorage {
        /// What the stable tree reported.
        #[from]
        error: StableTreeError,
    },
}
