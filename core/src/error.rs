//! Typed errors of the core. The shell alone turns them into reject text.
//!
//! Owns the error vocabulary; raising them is each module's job. Invariant: an operation that
//! returns one of these has changed no stored state.

use crate::types::Permission;
use candid::Nat;
use thiserror::Error;

/// Why a call was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// The caller lacks the permission the call needs (and is not a controller).
    #[error("Caller does not have {needed:?} permission and is not a controller.")]
    Unauthorized {
        /// Permission required.
        needed: Permission,
    },
    /// Only a controller may do this.
    #[error("Caller is not a controller.")]
    NotController,
    /// Permissions are never granted to the anonymous principal.
    #[error("The anonymous principal cannot be granted a permission.")]
    AnonymousPrincipal,
    /// Install or upgrade argument of the wrong kind.
    #[error("Invalid install argument: {reason}")]
    InvalidInstallArgs {
        /// What was wrong.
        reason: &'static str,
    },
    /// No such batch (never created, committed, deleted or expired and purged).
    #[error("Batch {batch_id} not found.")]
    BatchNotFound {
        /// The id asked for.
        batch_id: Nat,
    },
    /// A proposed batch exists; it must be committed or deleted before creating another.
    #[error("Batch {batch_id} is already proposed. Delete or execute it to propose another.")]
    ProposedBatchExists {
        /// The proposed batch.
        batch_id: u64,
    },
    /// The batch is already proposed, so it cannot take chunks, a second proposal or a commit.
    #[error("Batch {batch_id} is already proposed.")]
    BatchAlreadyProposed {
        /// The batch.
        batch_id: u64,
    },
    /// The batch has no proposed commit.
    #[error("Batch {batch_id} has not been proposed.")]
    BatchNotProposed {
        /// The batch.
        batch_id: u64,
    },
    /// `compute_evidence` has not finished for the batch.
    #[error("Batch {batch_id} does not have computed evidence.")]
    EvidenceNotComputed {
        /// The batch.
        batch_id: u64,
    },
    /// The evidence given does not match the computed one.
    #[error("Batch {batch_id} computed evidence {computed} does not match presented evidence {presented}.")]
    EvidenceMismatch {
        /// The batch.
        batch_id: u64,
        /// Hex of the computed evidence.
        computed: String,
        /// Hex of the evidence given.
        presented: String,
    },
    /// `max_batches` reached.
    #[error("Batch limit exceeded: at most {max} batches may exist.")]
    TooManyBatches {
        /// The limit.
        max: u64,
    },
    /// `max_chunks` would be exceeded.
    #[error("Chunk limit exceeded: at most {max} chunks may exist.")]
    TooManyChunks {
        /// The limit.
        max: u64,
    },
    /// `max_bytes` would be exceeded.
    #[error("Byte limit exceeded: at most {max} bytes may be held in chunks.")]
    TooManyBytes {
        /// The limit.
        max: u64,
    },
    /// An operation of a commit (or a direct call, index 0) is invalid; nothing was applied.
    #[error("Operation {index} failed: {reason}")]
    Operation {
        /// Index of the first invalid operation.
        index: usize,
        /// Why it is invalid.
        reason: OperationError,
    },
    /// No asset with this key.
    #[error("Asset not found: {key}")]
    AssetNotFound {
        /// The key.
        key: String,
    },
    /// None of the requested encodings exists for the asset.
    #[error("No such encoding for asset {key}: {encodings:?}")]
    EncodingNotFound {
        /// The key.
        key: String,
        /// The encodings asked for.
        encodings: Vec<String>,
    },
    /// `get_chunk` index past the last chunk.
    #[error("Chunk index {index} out of range for {key} ({encoding}).")]
    ChunkIndexOutOfRange {
        /// The key.
        key: String,
        /// The encoding.
        encoding: String,
        /// The index asked for.
        index: Nat,
    },
    /// The sha256 given to `get_chunk` is not the encoding's (the asset changed).
    #[error("sha256 mismatch for {key} ({encoding}).")]
    Sha256Mismatch {
        /// The key.
        key: String,
        /// The encoding.
        encoding: String,
    },
    /// `retrieve` only returns content stored as a single chunk.
    #[error("Asset too large. Use get() and get_chunk() instead: {key}")]
    AssetTooLarge {
        /// The key.
        key: String,
    },
}

/// Most custom headers an asset may carry.
pub const MAX_CUSTOM_HEADERS: usize = 1_000;
/// Longest custom header name, in bytes.
pub const MAX_HEADER_NAME_BYTES: usize = 8_192;

/// Why one batch operation is invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OperationError {
    /// `CreateAsset` on a key that exists.
    #[error("asset {key} already exists")]
    AssetExists {
        /// The key.
        key: String,
    },
    /// The operation needs an existing asset.
    #[error("asset {key} not found")]
    AssetNotFound {
        /// The key.
        key: String,
    },
    /// A chunk id that does not exist (or was already used by a commit).
    #[error("chunk {chunk_id} not found")]
    ChunkNotFound {
        /// The id.
        chunk_id: Nat,
    },
    /// The same chunk id appears twice in one commit.
    #[error("chunk {chunk_id} is used twice")]
    ChunkUsedTwice {
        /// The id.
        chunk_id: Nat,
    },
    /// A sha256 that is not 32 bytes long.
    #[error("sha256 for {key} ({encoding}) has {len} bytes, expected 32")]
    InvalidSha256Length {
        /// The key.
        key: String,
        /// The encoding.
        encoding: String,
        /// Its length.
        len: usize,
    },
    /// Custom headers the canister could not serve: more than [`MAX_CUSTOM_HEADERS`] of them,
    /// or a name longer than [`MAX_HEADER_NAME_BYTES`] (no HTTP gateway or browser accepts
    /// either, and the stored response layout has room for neither).
    #[error("headers of {key}: {count} headers, longest name {longest_name} bytes (at most {MAX_CUSTOM_HEADERS} headers, names of at most {MAX_HEADER_NAME_BYTES} bytes)")]
    HeadersTooLarge {
        /// The key.
        key: String,
        /// How many headers were given.
        count: usize,
        /// The longest name's length in bytes.
        longest_name: usize,
    },
    /// The content's sha256 differs from the one given.
    #[error("sha256 mismatch for {key} ({encoding}): given {given}, content hashes to {actual}")]
    Sha256Mismatch {
        /// The key.
        key: String,
        /// The encoding.
        encoding: String,
        /// Hex of the sha256 given.
        given: String,
        /// Hex of the content's sha256.
        actual: String,
    },
}
