#!/usr/bin/env bash
# Builds the canister Wasm reproducibly and writes dist/asset-canister.wasm.gz.
#
# Same sources + same pinned toolchain (rust-toolchain.toml) => same bytes: paths are remapped,
# symbols stripped, metadata added by a pinned ic-wasm, and gzip writes no name or time stamp.
# Usage: scripts/build.sh [--check]   (--check: fail if dist/ differs from a fresh build)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

IC_WASM_VERSION=0.11.1
TOOLS="$ROOT/.tools"
IC_WASM="$TOOLS/bin/ic-wasm"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
OUT="$ROOT/dist/asset-canister.wasm.gz"

if [[ ! -x "$IC_WASM" ]] || [[ "$("$IC_WASM" --version)" != "ic-wasm $IC_WASM_VERSION" ]]; then
  cargo install ic-wasm --version "$IC_WASM_VERSION" --locked --root "$TOOLS"
fi

# Paths that would otherwise leak into panic messages and debug sections. simd128 (deterministic
# on every IC node) is what the multi-buffer SHA-256 of core's Sha256Batch runs on.
CARGO_HOME_DIR="${CARGO_HOME:-$HOME/.cargo}"
SYSROOT="$(rustc --print sysroot)"
export RUSTFLAGS="-C target-feature=+simd128 --remap-path-prefix=$ROOT=/build --remap-path-prefix=$CARGO_HOME_DIR=/cargo --remap-path-prefix=$SYSROOT=/rust"
export CARGO_TARGET_DIR="$TARGET_DIR"
export SOURCE_DATE_EPOCH=0

cargo build -p asset-canister --release --locked --target wasm32-unknown-unknown

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$TARGET_DIR/wasm32-unknown-unknown/release/asset_canister.wasm" "$WORK/raw.wasm"
"$IC_WASM" "$WORK/raw.wasm" -o "$WORK/shrunk.wasm" shrink
"$IC_WASM" "$WORK/shrunk.wasm" -o "$WORK/meta1.wasm" metadata candid:service -f canister.did -v public
"$IC_WASM" "$WORK/meta1.wasm" -o "$WORK/final.wasm" metadata supported_certificate_versions -d "1,2" -v public
gzip -n -9 -c "$WORK/final.wasm" > "$WORK/final.wasm.gz"

if [[ "${1:-}" == "--check" ]]; then
  cmp "$WORK/final.wasm.gz" "$OUT" || { echo "dist/asset-canister.wasm.gz is stale: run scripts/build.sh" >&2; exit 1; }
  echo "dist/asset-canister.wasm.gz is up to date"
else
  mkdir -p "$ROOT/dist"
  cp "$WORK/final.wasm.gz" "$OUT"
  echo "wrote $OUT ($(stat -c %s "$OUT") bytes, sha256 $(sha256sum "$OUT" | cut -d' ' -f1))"
fi
