#!/usr/bin/env bash
# Prints the issue-4 performance table (instructions from local-ic's meter, next to the goals)
# for the canister Wasm in $ASSET_CANISTER_WASM, else dist/asset-canister.wasm.gz.
# The figures count Wasm instructions inside local-ic, so they do not depend on how the host
# harness is compiled: `cargo test --bench` builds it in the test profile (shared with the
# integration tests) instead of a full LTO release build of wasmtime.
# Usage: scripts/bench.sh   (build a fresh Wasm first with scripts/build.sh if the sources changed)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked -p asset-canister --bench http_cost
