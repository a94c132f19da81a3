//! The asset canister's shell: `ic_cdk` entry points over `asset-canister-core`.
