//! The resource limits of an IC application subnet, in one place.
//!
//! Owns the numbers only; execution and the subnet enforce them. Invariant: every limit here is
//! the value the IC publishes for application subnets, so a canister that fits here fits there.

/// Largest ingress message argument: 2 MiB.
pub const MAX_INGRESS_ARG_BYTES: usize = 2 * 1024 * 1024;
/// Largest inter-canister request or response payload: 2 MiB.
pub const MAX_INTER_CANISTER_PAYLOAD_BYTES: usize = 2 * 1024 * 1024;
/// Largest reply of an update call: 2 MiB.
pub const MAX_UPDATE_REPLY_BYTES: usize = 2 * 1024 * 1024;
/// Largest reply of a query call: 3 MiB.
pub const MAX_QUERY_REPLY_BYTES: usize = 3 * 1024 * 1024;
/// Instructions an update (or callback, or timer) message may execute.
pub const UPDATE_INSTRUCTIONS: u64 = 40_000_000_000;
/// Instructions a query message may execute (also `canister_inspect_message`).
pub const QUERY_INSTRUCTIONS: u64 = 5_000_000_000;
/// Instructions `install_code` may execute (init, or pre_upgrade plus post_upgrade).
pub const INSTALL_INSTRUCTIONS: u64 = 300_000_000_000;
/// Wasm heap limit: 4 GiB, i.e. 65,536 pages of 64 KiB.
pub const MAX_HEAP_PAGES: u64 = 65_536;
/// Stable memory limit: 500 GiB, in 64 KiB pages.
pub const MAX_STABLE_PAGES: u64 = 500 * 1024 * 1024 * 1024 / WASM_PAGE_BYTES;
/// Size of a Wasm (and stable memory) page.
pub const WASM_PAGE_BYTES: u64 = 65_536;
/// Largest `certified_data`: 32 bytes.
pub const MAX_CERTIFIED_DATA_BYTES: usize = 32;
/// Largest Wasm module accepted by `install_code` (uncompressed): 100 MiB.
pub const MAX_WASM_BYTES: usize = 100 * 1024 * 1024;
