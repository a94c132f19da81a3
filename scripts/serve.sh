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
exec cargo run --quiet --release --locked -p asset-canister-cli -- serve "$@"
