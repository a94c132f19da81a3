//! Candid types of the legacy asset-canister interface (`api_version` 2), as uploaders send them.
//!
//! Owns the wire shapes only: names, field names and types are those of dfx's asset canister and
//! of the `ic-asset` 0.29 client, so every existing uploader can talk to this canister. Nothing
//! here touches state. Invariant: a field is never renamed or retyped.

use candid::{CandidType, Deserialize, Nat, Principal};
use serde_bytes::ByteBuf;

pub use crate::http_types::HeaderField;

/// Batch identifier (global, increasing).
pub type BatchId = Nat;
/// Chunk identifier (global across batches).
pub type ChunkId = Nat;
/// Asset key, the URL path such as `/index.html`.
pub type Key = String;

/// `CreateAsset` operation and `create_asset` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateAssetArguments {
    /// Key of the asset to create.
    pub key: Key,
    /// MIME type served in `content-type`.
    pub content_type: String,
    /// `cache-control: max-age` in seconds.
    pub max_age: Option<u64>,
    /// Extra response headers.
    pub headers: Option<Vec<HeaderField>>,
    /// Serve `/a.html` also as `/a` and `/a/index.html` as `/a/`.
    pub enable_aliasing: Option<bool>,
    /// Serve on the raw (uncertified) domain without redirect.
    pub allow_raw_access: Option<bool>,
}

/// `SetAssetContent` operation and `set_asset_content` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetAssetContentArguments {
    /// Key of an existing asset.
    pub key: Key,
    /// Content encoding name, e.g. `identity` or `gzip`.
    pub content_encoding: String,
    /// Uploaded chunks, in content order.
    pub chunk_ids: Vec<ChunkId>,
    /// Bytes appended after the chunks (small content sent inline).
    pub last_chunk: Option<ByteBuf>,
    /// Expected sha256 of the whole encoding; checked when given.
    pub sha256: Option<ByteBuf>,
}

/// `UnsetAssetContent` operation and `unset_asset_content` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct UnsetAssetContentArguments {
    /// Key of an existing asset.
    pub key: Key,
    /// Encoding to remove.
    pub content_encoding: String,
}

/// `DeleteAsset` operation and `delete_asset` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DeleteAssetArguments {
    /// Key of the asset to delete (deleting a missing key is not an error).
    pub key: Key,
}

/// `Clear` operation and `clear` argument: removes all assets, batches and chunks.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct ClearArguments {}

/// `SetAssetProperties` operation and `set_asset_properties` argument.
///
/// Outer `None` leaves a property unchanged; `Some(None)` unsets it.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SetAssetPropertiesArguments {
    /// Key of an existing asset.
    pub key: Key,
    /// New `max_age`.
    pub max_age: Option<Option<u64>>,
    /// New header list.
    pub headers: Option<Option<Vec<HeaderField>>>,
    /// New `allow_raw_access`.
    pub allow_raw_access: Option<Option<bool>>,
    /// New `enable_aliasing` (named `is_aliased` on the wire).
    pub is_aliased: Option<Option<bool>>,
}

/// One operation of a batch commit.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum BatchOperationKind {
    /// Create an asset (fails if the key exists).
    CreateAsset(CreateAssetArguments),
    /// Set one encoding's content.
    SetAssetContent(SetAssetContentArguments),
    /// Change properties.
    SetAssetProperties(SetAssetPropertiesArguments),
    /// Remove one encoding.
    UnsetAssetContent(UnsetAssetContentArguments),
    /// Delete an asset.
    DeleteAsset(DeleteAssetArguments),
    /// Delete everything.
    Clear(ClearArguments),
}

/// `commit_batch` and `propose_commit_batch` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CommitBatchArguments {
    /// Batch to commit; `0` applies the operations without deleting any batch.
    pub batch_id: BatchId,
    /// Operations, applied all or none.
    pub operations: Vec<BatchOperationKind>,
}

/// `commit_proposed_batch` and `validate_commit_proposed_batch` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CommitProposedBatchArguments {
    /// A proposed batch.
    pub batch_id: BatchId,
    /// Evidence that must equal the one computed by `compute_evidence`.
    pub evidence: ByteBuf,
}

/// `compute_evidence` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ComputeEvidenceArguments {
    /// A proposed batch.
    pub batch_id: BatchId,
    /// Steps (operations or chunks) to hash in this call; default 20.
    pub max_iterations: Option<u16>,
}

/// `delete_batch` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DeleteBatchArguments {
    /// Batch to delete with its chunks.
    pub batch_id: BatchId,
}

/// `create_batch` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct CreateBatchArg {}

/// `create_batch` result.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateBatchResponse {
    /// The new batch.
    pub batch_id: BatchId,
}

/// `create_chunk` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateChunkArg {
    /// Batch the chunk belongs to.
    pub batch_id: BatchId,
    /// Chunk bytes.
    pub content: ByteBuf,
}

/// `create_chunk` result.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateChunkResponse {
    /// The new chunk.
    pub chunk_id: ChunkId,
}

/// `create_chunks` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateChunksArg {
    /// Batch the chunks belong to.
    pub batch_id: BatchId,
    /// Chunk contents.
    pub content: Vec<ByteBuf>,
}

/// `create_chunks` result.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CreateChunksResponse {
    /// Ids in input order.
    pub chunk_ids: Vec<ChunkId>,
}

/// `store` argument: one encoding of one asset in a single call.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StoreArg {
    /// Asset key (created if missing).
    pub key: Key,
    /// MIME type.
    pub content_type: String,
    /// Encoding name.
    pub content_encoding: String,
    /// Whole content.
    pub content: ByteBuf,
    /// Expected sha256; checked when given.
    pub sha256: Option<ByteBuf>,
    /// Enable aliasing (absent keeps the default).
    pub aliased: Option<bool>,
}

/// `get` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GetArg {
    /// Asset key.
    pub key: Key,
    /// Encodings acceptable to the caller, in preference order.
    pub accept_encodings: Vec<String>,
}

/// `get` result: the first chunk of the chosen encoding.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct EncodedAsset {
    /// Chunk 0 of the content.
    pub content: ByteBuf,
    /// MIME type.
    pub content_type: String,
    /// The encoding chosen.
    pub content_encoding: String,
    /// sha256 of the whole encoding.
    pub sha256: Option<ByteBuf>,
    /// Length of the whole encoding.
    pub total_length: Nat,
}

/// `get_chunk` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GetChunkArg {
    /// Asset key.
    pub key: Key,
    /// Encoding name.
    pub content_encoding: String,
    /// Chunk index.
    pub index: Nat,
    /// If given, must equal the encoding's sha256 (detects a replaced asset).
    pub sha256: Option<ByteBuf>,
}

/// `get_chunk` result.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GetChunkResponse {
    /// Chunk bytes.
    pub content: ByteBuf,
}

/// `list` argument: one page of assets sorted by key.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct ListRequest {
    /// Index of the first asset (default 0).
    pub start: Option<Nat>,
    /// Page size (default and cap: [`crate::config::MAX_LIST_PAGE`]).
    pub length: Option<Nat>,
}

/// One encoding in a `list` entry.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AssetEncodingDetails {
    /// Encoding name.
    pub content_encoding: String,
    /// sha256 of the encoding.
    pub sha256: Option<ByteBuf>,
    /// Length in bytes.
    pub length: Nat,
    /// Last modification, nanoseconds since the epoch.
    pub modified: candid::Int,
}

/// One `list` entry.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AssetDetails {
    /// Asset key.
    pub key: Key,
    /// MIME type.
    pub content_type: String,
    /// Encodings sorted by name.
    pub encodings: Vec<AssetEncodingDetails>,
}

/// `get_asset_properties` result.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct AssetProperties {
    /// `max_age` in seconds.
    pub max_age: Option<u64>,
    /// Extra headers.
    pub headers: Option<Vec<HeaderField>>,
    /// Raw-domain access.
    pub allow_raw_access: Option<bool>,
    /// Aliasing.
    pub is_aliased: Option<bool>,
}

/// `certified_tree` result.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct CertifiedTree {
    /// The subnet certificate over `certified_data`.
    pub certificate: ByteBuf,
    /// CBOR of the whole asset hash tree.
    pub tree: ByteBuf,
}

/// Permission a principal can hold.
#[derive(CandidType, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// May commit batches and change assets directly (implies Prepare).
    Commit,
    /// May grant and revoke permissions.
    ManagePermissions,
    /// May create batches and chunks and propose commits.
    Prepare,
}

/// `grant_permission` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct GrantPermission {
    /// Grantee.
    pub to_principal: Principal,
    /// Permission granted.
    pub permission: Permission,
}

/// `revoke_permission` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct RevokePermission {
    /// Principal losing the permission.
    pub of_principal: Principal,
    /// Permission revoked.
    pub permission: Permission,
}

/// `list_permitted` argument.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ListPermitted {
    /// Permission to list holders of.
    pub permission: Permission,
}

/// SNS validator result.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum ValidationResult {
    /// Human-readable description of the valid call.
    Ok(String),
    /// Why the call would fail.
    Err(String),
}

/// `get_configuration` result.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct ConfigurationResponse {
    /// Maximum number of live batches.
    pub max_batches: Option<u64>,
    /// Maximum number of live chunks.
    pub max_chunks: Option<u64>,
    /// Maximum bytes in live chunks.
    pub max_bytes: Option<u64>,
}

/// `configure` argument; outer `None` leaves a limit unchanged, `Some(None)` removes it.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct ConfigureArguments {
    /// New batch limit.
    pub max_batches: Option<Option<u64>>,
    /// New chunk limit.
    pub max_chunks: Option<Option<u64>>,
    /// New byte limit.
    pub max_bytes: Option<Option<u64>>,
}

/// Principals granted each permission, replacing the current lists.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct SetPermissions {
    /// Holders of Prepare.
    pub prepare: Vec<Principal>,
    /// Holders of Commit.
    pub commit: Vec<Principal>,
    /// Holders of ManagePermissions.
    pub manage_permissions: Vec<Principal>,
}

/// `Init` payload.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct InitArgs {
    /// Permissions to set after granting the installer Commit.
    pub set_permissions: Option<SetPermissions>,
}

/// `Upgrade` payload.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct UpgradeArgs {
    /// Permissions to set, replacing the current lists.
    pub set_permissions: Option<SetPermissions>,
}

/// Install argument: `opt AssetCanisterArgs`.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub enum AssetCanisterArgs {
    /// Used at install.
    Init(InitArgs),
    /// Used at upgrade.
    Upgrade(UpgradeArgs),
}

/// `get_state_info` result.
#[derive(CandidType, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StateInfo {
    /// Time of the last change to assets, nanoseconds since the epoch.
    pub last_state_update_timestamp: u64,
    /// Hex state hash if one has been computed for the current state.
    pub state_hash: Option<String>,
}
