#!/usr/bin/env bash
# Syncs assets/ into the asset canister that dfx (post_install in dfx.json) or icp-cli (sync step in
# icp.yaml) has just deployed, acting as the identity that deployed it, with `asset-canister sync`.
#
# dfx sets CANISTER_ID and DFX_NETWORK; icp-cli sets ICP_CLI_CID and ICP_CLI_NETWORK.
# Override the replica URL with ASSET_CANISTER_NETWORK (for example http://127.0.0.1:4943).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -n "${ICP_CLI_CID:-}" ]]; then
  canister="$ICP_CLI_CID"; network_name="${ICP_CLI_NETWORK:-local}"; tool=icp
  identity_name="$(icp identity default)"
  local_url="http://localhost:8000"
elif [[ -n "${CANISTER_ID:-}" ]]; then
  canister="$CANISTER_ID"; network_name="${DFX_NETWORK:-local}"; tool=dfx
  identity_name="$(dfx identity whoami)"
  local_url="http://127.0.0.1:$(dfx info webserver-port 2>/dev/null || echo 4943)"
else
  echo "error: run me from dfx (post_install) or icp-cli (sync step): neither CANISTER_ID nor ICP_CLI_CID is set" >&2
  exit 1
fi

case "$network_name" in
  ic) network=ic ;;
  local) network="${ASSET_CANISTER_NETWORK:-$local_url}" ;;
  *) network="${ASSET_CANISTER_NETWORK:?set ASSET_CANISTER_NETWORK to the URL of network $network_name}" ;;
esac

# The deploying identity's key, readable only by us, gone when we exit.
umask 077
pem="$(mktemp)"
trap 'rm -f "$pem"' EXIT
"$tool" identity export "$identity_name" > "$pem"

if command -v asset-canister >/dev/null 2>&1; then
  cli=(asset-canister)
else
  cli=(cargo run --quiet --release --locked -p asset-canister-cli --)
fi
"${cli[@]}" sync assets --canister-id "$canister" --network "$network" --identity "$pem"
