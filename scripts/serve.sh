#!/usr/bin/env bash
# One command from a fresh clone to a site in the browser: adds the Wasm target, builds the canister
# module if it is missing, then runs `asset-canister serve` (default folder: assets/).
# Usage: scripts/serve.sh [DIR] [--port N] [--watch]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rustup target add wasm32-unknown-unknown >/dev/null
if [[ ! -f dist/asset-canister.wasm.gz ]]; then
  scripts/build.sh
fi
# A dev build with the Wasm compiler optimised: compiles in a few minutes (the release profile's
# LTO takes far longer) and installs the canister in seconds instead of a minute.
OPTIMISED=()
for crate in cranelift-codegen cranelift-frontend regalloc2 wasmtime-internal-cranelift wasmparser; do
  OPTIMISED+=(--config "profile.dev.package.$crate.opt-level=2")
done
exec cargo run --quiet --locked "${OPTIMISED[@]}" -p asset-canister-cli -- serve "$@"
