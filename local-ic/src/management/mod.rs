//! The management canister `aaaaa-aa` as ingress reaches it over the HTTP API: canister
//! creation, code installation (plain, gzipped and chunked), settings, status, stop, start and
//! delete, with the IC's controller checks and Candid types from `ic-management-canister-types`.
//!
//! Owns the Candid decoding of management calls, the chunk stores and the metadata of installed
//! modules. It must not execute canister code itself: installation goes through the
//! [`LocalIc`](crate::LocalIc) API. Invariant: every method that touches a canister checks that
//! the caller is one of its controllers before changing anything.

mod canister;
mod chunk_store;
mod metadata;

pub use canister::ManagementCanister;
pub use chunk_store::{ChunkStore, ChunkStoreError, MAX_CHUNKS, MAX_CHUNK_SIZE};
pub use metadata::{decompress, sections, MetadataSection, ModuleError};
