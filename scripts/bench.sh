#!/usr/bin/env bash
# Prints the issue-4 performance table (instructions from local-ic's meter, next to the goals)
# for the canister Wasm in $ASSET_CANISTER_WASM, else dist/asset-canister.wasm.gz.
# The figures count Wasm instructions inside local-ic, so they do not depend on how the host
# harness is compiled: the dev profile is used to avoid a full LTO build of wasmtime.
# Usage: scripts/bench.sh   (build a fresh Wasm first with scripts/build.sh if the sources changed)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked -p asset-canister --profile dev --bench http_cost
