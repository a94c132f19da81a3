//! Per-canister Wasm chunk stores for chunked installation (`upload_chunk`,
//! `stored_chunks`, `clear_chunk_store`, `install_chunked_code`).
//!
//! Owns the chunks and their hashes; it never installs anything and never checks controllers
//! (the management canister does both). Invariant: a chunk is stored under the SHA-256 of its
//! bytes, and assembly succeeds only if the listed chunks exist and their concatenation hashes
//! to the promised module hash, so what gets installed is exactly what was promised.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Largest chunk the IC accepts (1 MiB).
pub const MAX_CHUNK_SIZE: usize = 1024 * 1024;
/// Most chunks one store holds on the IC.
pub const MAX_CHUNKS: usize = 100;

/// Why a chunk operation failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChunkStoreError {
    /// The chunk is larger than [`MAX_CHUNK_SIZE`].
    #[error("Wasm chunk size {size} exceeds the maximum chunk size of {MAX_CHUNK_SIZE}")]
    ChunkTooLarge {
        /// Size of the uploaded chunk.
        size: usize,
    },
    /// The store already holds [`MAX_CHUNKS`] chunks.
    #[error("Wasm chunk store is full: it already holds the maximum of {MAX_CHUNKS} chunks")]
    StoreFull,
    /// A listed hash names no stored chunk.
    #[error("Error from Wasm chunk store: chunk with hash {hash_hex} not found in the store")]
    MissingChunk {
        /// The missing hash, hex.
        hash_hex: String,
    },
    /// The assembled module does not hash to the promised hash.
    #[error("Wasm module hash {actual_hex} does not match given hash {expected_hex}")]
    ModuleHashMismatch {
        /// The promised hash, hex.
        expected_hex: String,
        /// The hash of the assembled module, hex.
        actual_hex: String,
    },
}

/// One canister's chunks by hash.
#[derive(Debug, Default, Clone)]
pub struct ChunkStore {
    chunks: BTreeMap<[u8; 32], Vec<u8>>,
}

impl ChunkStore {
    /// Stores `chunk` and returns its SHA-256; storing a chunk twice keeps one copy.
    pub fn upload(&mut self, chunk: Vec<u8>) -> Result<[u8; 32], ChunkStoreError> {
        if chunk.len() > MAX_CHUNK_SIZE {
            return Err(ChunkStoreError::ChunkTooLarge { size: chunk.len() });
        }
        let hash: [u8; 32] = Sha256::digest(&chunk).into();
        if !self.chunks.contains_key(&hash) && self.chunks.len() >= MAX_CHUNKS {
            return Err(ChunkStoreError::StoreFull);
        }
        self.chunks.insert(hash, chunk);
        Ok(hash)
    }

    /// Hashes of all stored chunks, in hash order.
    pub fn hashes(&self) -> Vec<[u8; 32]> {
        self.chunks.keys().copied().collect()
    }

    /// Concatenates the chunks listed in `hashes` and checks the result against `module_hash`.
    pub fn assemble(&self, hashes: &[Vec<u8>], module_hash: &[u8]) -> Result<Vec<u8>, ChunkStoreError> {
        let mut module = Vec::new();
        for hash in hashes {
            let chunk = <[u8; 32]>::try_from(hash.as_slice())
                .ok()
                .and_then(|key| self.chunks.get(&key))
                .ok_or_else(|| ChunkStoreError::MissingChunk { hash_hex: hex::encode(hash) })?;
            module.extend_from_slice(chunk);
        }
        let actual = Sha256::digest(&module);
        if actual.as_slice() != module_hash {
            return Err(ChunkStoreError::ModuleHashMismatch {
                expected_hex: hex::encode(module_hash),
                actual_hex: hex::encode(actual),
            });
        }
        Ok(module)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assembles_listed_chunks_in_order_and_checks_the_hash() {
        let mut store = ChunkStore::default();
        let a = store.upload(b"hello ".to_vec()).unwrap();
        let b = store.upload(b"world".to_vec()).unwrap();
        let hash = Sha256::digest(b"hello world").to_vec();
        let module = store.assemble(&[a.to_vec(), b.to_vec()], &hash).unwrap();
        assert_eq!(module, b"hello world");
        assert!(matches!(
            store.assemble(&[b.to_vec(), a.to_vec()], &hash),
            Err(ChunkStoreError::ModuleHashMismatch { .. })
        ));
        assert!(matches!(
            store.assemble(&[vec![0; 32]], &hash),
            Err(ChunkStoreError::MissingChunk { .. })
        ));
    }

    #[test]
    fn limits_size_and_count() {
        let mut store = ChunkStore::default();
        assert_eq!(
            store.upload(vec![0; MAX_CHUNK_SIZE + 1]),
            Err(ChunkStoreError::ChunkTooLarge { size: MAX_CHUNK_SIZE + 1 })
        );
        for i in 0..MAX_CHUNKS {
            store.upload(i.to_le_bytes().to_vec()).unwrap();
        }
        assert_eq!(store.upload(b"one more".to_vec()), Err(ChunkStoreError::StoreFull));
        assert!(store.upload(0usize.to_le_bytes().to_vec()).is_ok(), "re-uploading a stored chunk is fine");
        assert_eq!(store.hashes().len(), MAX_CHUNKS);
    }
}
