#!/usr/bin/env bash
# The project's one test command (README.md names it; .ci/run calls it).
# Installs what the tests need (scripts/setup.sh), builds the canister Wasm reproducibly, checks it
# against the committed dist/ copy, checks that the core stays free of ic-cdk, then runs every test
# in the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
export ICP_CLI="${ICP_CLI:-$PWD/.tools/icp-cli/node_modules/@icp-sdk/icp-cli-linux-x64/bin/icp}"
export DO_NOT_TRACK=1

echo "== building the canister Wasm"
scripts/build.sh
if ! git diff --quiet -- dist/; then
  echo "error: dist/asset-canister.wasm.gz differs from a fresh build; run scripts/build.sh and commit dist/" >&2
  git --no-pager diff --stat -- dist/ >&2
  exit 1
fi

echo "== checking that asset-canister-core does not depend on ic-cdk"
if cargo tree --locked -p asset-canister-core -e normal,build --prefix none | grep -E '^ic-cdk( |-)' ; then
  echo "error: asset-canister-core must not depend on ic-cdk (its behaviour must stay testable natively)" >&2
  exit 1
fi

echo "== running all tests"
cargo test --workspace --locked "$@"
