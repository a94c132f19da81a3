#!/usr/bin/env bash
# Prints the issue-4 performance table (instructions from local-ic's meter, next to the goals)
# for the canister Wasm in $ASSET_CANISTER_WASM, else dist/asset-canister.wasm.gz.
# The figures count Wasm instructions inside local-ic, so they do not depend on how the host
# harness is compiled: `cargo test --bench` builds it in the test profile (shared with the
# integration tests) instead of a full LTO release build of wasmtime.
# Usage: scripts/bench.sh [--upgrade-scale]   (build a fresh Wasm first with scripts/build.sh if
# the sources changed)
#   --upgrade-scale  also fill canisters with many assets and upgrade them (issue 3's budget;
#                    benches/upgrade_scale.rs). Minutes, not seconds: the asset counts come from
#                    UPGRADE_SCALE_ASSETS (comma-separated, default 1000,10000,50000).
set -euo pipefail
cd "$(dirname "$0")/.."
scale=0
for arg in "$@"; do
  case "$arg" in
    --upgrade-scale) scale=1 ;;
    *) echo "usage: scripts/bench.sh [--upgrade-scale]" >&2; exit 2 ;;
  esac
done
cargo test --locked -p asset-canister --bench http_cost
if [[ $scale == 1 ]]; then
  cargo test --locked -p asset-canister --bench upgrade_scale
fi
