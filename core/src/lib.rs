//! The asset canister's behaviour, as plain Rust with no system API.
//!
//! Time, caller, controller status and certificates come in as arguments; the `asset-canister`
//! shell supplies them. All persistent state lives in stable memory handed to [`state::State`].
#![deny(missing_docs)]

pub mod batch;
mod candid_values;
pub mod certification;
pub mod changes;
pub mod commit_wire;
mod chunk_hashing;
pub mod config;
pub mod content_hash;
pub mod error;
pub mod evidence;
pub mod http;
pub mod http_types;
pub mod operations;
pub mod permissions;
mod sha256_batch;
pub mod state;
pub mod store;
pub mod types;
