//! The asset canister's behaviour, as plain Rust with no system API.
#![deny(missing_docs)]
