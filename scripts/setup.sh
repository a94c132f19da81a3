#!/usr/bin/env bash
# Installs what the tests need beyond the pinned Rust toolchain, on a fresh machine:
# the wasm32 target, Debian's Chromium (browser end-to-end test) and icp-cli 1.5.0 from npm
# (into .tools/, for the icp-cli test). Idempotent: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

rustup target add wasm32-unknown-unknown >/dev/null

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    echo "error: Chromium is missing; install it with: sudo apt-get install -y chromium" >&2
    exit 1
  fi
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

ICP_CLI_VERSION=1.5.0
ICP_CLI_PREFIX=.tools/icp-cli
ICP_CLI_BIN="$ICP_CLI_PREFIX/node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp"
if [[ ! -x "$ICP_CLI_BIN" ]] || [[ "$(DO_NOT_TRACK=1 "$ICP_CLI_BIN" --version 2>/dev/null)" != *"$ICP_CLI_VERSION"* ]]; then
  DO_NOT_TRACK=1 npm install --no-audit --no-fund --prefix "$ICP_CLI_PREFIX" "@icp-sdk/icp-cli-linux-x64@$ICP_CLI_VERSION"
fi
