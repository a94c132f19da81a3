//! An in-process double of one IC application subnet.
//!
//! Runs canister Wasm with wasmtime under the IC's system API, limits and reject codes, meters
//! instructions like the IC (the README says where the meter differs), and certifies state with
//! a BLS12-381 root key that the IC's own verifiers accept.
//!
//! ```no_run
//! use candid::Principal;
//! use local_ic::{InstallMode, LocalIc};
//!
//! let mut ic = LocalIc::from_seed([7; 32]);
//! let admin = Principal::from_slice(&[1; 29]);
//! let canister = ic.create_canister(vec![admin]).unwrap();
//! # let wasm = Vec::new();
//! ic.install_code(canister, admin, &wasm, Vec::new(), InstallMode::Install).unwrap();
//! let outcome = ic.query_call(canister, Principal::anonymous(), "greet", Vec::new()).unwrap();
//! println!("{} bytes, {} instructions", outcome.reply_bytes, outcome.instructions);
//! ```
#![deny(missing_docs)]

pub mod certification;
mod execution;
pub mod limits;
mod meter;
mod outcome;
mod reject;
mod state;
mod subnet;

pub use execution::WasmError;
pub use outcome::{CallError, CallOutcome};
pub use reject::{ErrorCode, Reject, RejectCode};
pub use subnet::{InstallError, InstallMode, InstallOutcome, LocalIc};
#[cfg(feature = "server")]
pub mod http_api;
#[cfg(feature = "server")]
pub mod gateway;
#[cfg(feature = "server")]
pub mod management;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod state_dir;
