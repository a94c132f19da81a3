//! The asset canister's behaviour, as plain Rust with no system API.
//!
//! Time, caller, controller status and certificates come in as arguments; the `asset-canister`
//! shell supplies them. All persistent state lives in stable memory handed to [`state::State`].
#![deny(missing_docs)]

pub mod http_types;
pub mod types;
