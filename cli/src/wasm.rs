//! The canister module to install: found next to the workspace or given with `--wasm`.
//!
//! Owns locating and reading the file and the cheap sanity check that it is a Wasm module
//! (plain or gzipped). It never rewrites the bytes: they are installed exactly as read, so the
//! IC's module hash equals sha256 of the file.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use sha2::{Digest, Sha256};

/// Where `scripts/build.sh` writes the module, relative to the repository root.
const DIST_MODULE: &str = "dist/asset-canister.wasm.gz";

/// A canister module read from disk.
pub struct CanisterModule {
    bytes: Vec<u8>,
    path: PathBuf,
}

impl CanisterModule {
    /// Reads `explicit`, or else the first `dist/asset-canister.wasm.gz` found from the current
    /// folder upwards, or else the one of the repository this binary was built from.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<Self> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => locate().context(
                "cannot find dist/asset-canister.wasm.gz: run scripts/build.sh in the repository, or pass --wasm <PATH>",
            )?,
        };
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read the canister module {}", path.display()))?;
        let is_wasm = bytes.starts_with(b"\0asm");
        let is_gzip = bytes.starts_with(&[0x1f, 0x8b]);
        if !is_wasm && !is_gzip {
            bail!("{} is neither a Wasm module nor a gzipped one: rebuild it with scripts/build.sh", path.display());
        }
        Ok(Self { bytes, path })
    }

    /// The bytes to install.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// sha256 of the bytes: what the IC reports as the module hash once installed.
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(&self.bytes).into()
    }

    /// Where it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn locate() -> Option<PathBuf> {
    let from_cwd = std::env::current_dir().ok().and_then(|cwd| {
        cwd.ancestors().map(|dir| dir.join(DIST_MODULE)).find(|candidate| candidate.is_file())
    });
    from_cwd.or_else(|| {
        let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(DIST_MODULE);
        built_from.is_file().then_some(built_from)
    })
}
