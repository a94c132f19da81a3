//! Resumable computation of the state hash that `ic_asset::compute_state_hash` computes locally.
//!
//! Owns heap-only progress (rebuilt from scratch after an upgrade or any asset change). Reads
//! the store, never writes it. Invariant: a finished hash is reported only for the state
//! version it was computed on. Each call hashes at most [`BYTES_PER_CALL`] content bytes.

use crate::evidence::{state_hash_asset, state_hash_encoding};
use crate::operations::hex;
use crate::store::records::EncodingRecord;
use crate::store::Store;
use ic_stable_structures::Memory;
use sha2::{Digest, Sha256};

/// Content bytes hashed per `compute_state_hash` call: at the measured sha256-dominated commit
/// cost of under 80 instructions per byte (see `operations`), about 17 billion instructions.
pub const BYTES_PER_CALL: u64 = 200 << 20;

/// Where the computation stands inside one asset.
#[derive(Clone, Debug)]
struct Cursor {
    key: String,
    encodings: Vec<(String, EncodingRecord)>,
    encoding: usize,
    offset: u64,
}

/// Progress of the state hash.
#[derive(Clone, Debug, Default)]
pub struct StateHashJob {
    version: u64,
    started: bool,
    hasher: Sha256,
    last_key: Option<String>,
    cursor: Option<Cursor>,
    result: Option<String>,
}

impl StateHashJob {
    /// The finished hash, if it was computed on `version`.
    pub fn finished(&self, version: u64) -> Option<String> {
        self.result.clone().filter(|_| self.version == version)
    }

    /// Hashes up to [`BYTES_PER_CALL`] more bytes; `Some(hex)` once the whole state is hashed.
    pub fn advance<M: Memory>(&mut self, store: &Store<M>, version: u64) -> Option<String> {
        if !self.started || self.version != version {
            *self = StateHashJob { version, started: true, ..Default::default() };
        }
        if self.result.is_some() {
            return self.result.clone();
        }
        let mut budget = BYTES_PER_CALL;
        loop {
            let Some(cursor) = self.cursor.as_mut() else {
                let next = store.keys_after(self.last_key.as_deref(), 1).into_iter().next();
                let Some(key) = next else {
                    let digest: [u8; 32] = self.hasher.clone().finalize().into();
                    self.result = Some(hex(&digest));
                    return self.result.clone();
                };
                let asset = store.asset(&key).expect("listed key exists");
                state_hash_asset(&mut self.hasher, &key, &asset);
                self.cursor = Some(Cursor { encodings: store.encodings_of(&key), key, encoding: 0, offset: 0 });
                continue;
            };
            let Some((name, enc)) = cursor.encodings.get(cursor.encoding) else {
                self.last_key = Some(cursor.key.clone());
                self.cursor = None;
                continue;
            };
            if budget == 0 {
                return None;
            }
            if cursor.offset == 0 {
                state_hash_encoding(&mut self.hasher, &cursor.key, name, &enc.sha256);
            }
            let n = budget.min(enc.total_length - cursor.offset);
            self.hasher.update(store.read(enc, cursor.offset, n));
            budget -= n;
            cursor.offset += n;
            if cursor.offset == enc.total_length {
                cursor.encoding += 1;
                cursor.offset = 0;
            }
        }
    }
}
