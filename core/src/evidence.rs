//! Evidence and state hashes, byte-for-byte as the `ic-asset` 0.29 crate computes them.
//!
//! Owns the hash encoding of operations (one tag byte per operation and per option, fields
//! concatenated without lengths, headers sorted by name) and the resumable evidence
//! computation. Reads chunk bytes through a closure; changes nothing. Invariant: the byte
//! stream fed to sha256 is exactly `ic-asset`'s, so a proposal's evidence can be recomputed
//! offline by `ic_asset::compute_evidence` and the state hash by `ic_asset::compute_state_hash`.

use crate::batch::id_u64;
use crate::store::records::AssetRecord;
use crate::types::{BatchOperationKind, CreateAssetArguments, HeaderField, SetAssetPropertiesArguments};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const TAG_FALSE: u8 = 0;
const TAG_TRUE: u8 = 1;
const TAG_NONE: u8 = 2;
const TAG_SOME: u8 = 3;
const TAG_CREATE_ASSET: u8 = 4;
const TAG_SET_ASSET_CONTENT: u8 = 5;
const TAG_UNSET_ASSET_CONTENT: u8 = 6;
const TAG_DELETE_ASSET: u8 = 7;
const TAG_CLEAR: u8 = 8;
const TAG_SET_ASSET_PROPERTIES: u8 = 9;

/// `compute_evidence` steps per call when `max_iterations` is absent.
pub const DEFAULT_MAX_ITERATIONS: u16 = 20;

fn opt_bool(h: &mut Sha256, b: Option<bool>) {
    match b {
        Some(b) => h.update([TAG_SOME, if b { TAG_TRUE } else { TAG_FALSE }]),
        None => h.update([TAG_NONE]),
    }
}

fn opt_u64(h: &mut Sha256, v: Option<u64>) {
    match v {
        Some(v) => {
            h.update([TAG_SOME]);
            h.update(v.to_be_bytes());
        }
        None => h.update([TAG_NONE]),
    }
}

/// Headers as a map: sorted by name, the last value of a repeated name wins.
pub fn normalize_headers(headers: &[HeaderField]) -> Vec<HeaderField> {
    headers
        .iter()
        .cloned()
        .collect::<BTreeMap<String, String>>()
        .into_iter()
        .collect()
}

fn headers(h: &mut Sha256, headers: Option<&Vec<HeaderField>>) {
    match headers {
        Some(list) => {
            h.update([TAG_SOME]);
            for (k, v) in normalize_headers(list) {
                h.update(k);
                h.update(v);
            }
        }
        None => h.update([TAG_NONE]),
    }
}

fn create_asset(h: &mut Sha256, a: &CreateAssetArguments) {
    h.update([TAG_CREATE_ASSET]);
    h.update(&a.key);
    h.update(&a.content_type);
    opt_u64(h, a.max_age);
    headers(h, a.headers.as_ref());
    opt_bool(h, a.allow_raw_access);
    opt_bool(h, a.enable_aliasing);
}

fn set_asset_content_header(h: &mut Sha256, key: &str, encoding: &str, sha256: Option<&[u8]>) {
    h.update([TAG_SET_ASSET_CONTENT]);
    h.update(key);
    h.update(encoding);
    match sha256 {
        Some(s) => {
            h.update([TAG_SOME]);
            h.update(s);
        }
        None => h.update([TAG_NONE]),
    }
}

fn set_asset_properties(h: &mut Sha256, a: &SetAssetPropertiesArguments) {
    h.update([TAG_SET_ASSET_PROPERTIES]);
    h.update(&a.key);
    match a.max_age {
        Some(v) => {
            h.update([TAG_SOME]);
            opt_u64(h, v);
        }
        None => h.update([TAG_NONE]),
    }
    match &a.headers {
        Some(v) => {
            h.update([TAG_SOME]);
            headers(h, v.as_ref());
        }
        None => h.update([TAG_NONE]),
    }
    for field in [a.allow_raw_access, a.is_aliased] {
        match field {
            Some(v) => {
                h.update([TAG_SOME]);
                opt_bool(h, v);
            }
            None => h.update([TAG_NONE]),
        }
    }
}

/// Hashes an operation's fields (for `SetAssetContent`, the header; content follows).
fn operation_header(h: &mut Sha256, op: &BatchOperationKind) {
    match op {
        BatchOperationKind::CreateAsset(a) => create_asset(h, a),
        BatchOperationKind::SetAssetContent(a) => {
            set_asset_content_header(h, &a.key, &a.content_encoding, a.sha256.as_ref().map(|s| s.as_slice()))
        }
        BatchOperationKind::UnsetAssetContent(a) => {
            h.update([TAG_UNSET_ASSET_CONTENT]);
            h.update(&a.key);
            h.update(&a.content_encoding);
        }
        BatchOperationKind::DeleteAsset(a) => {
            h.update([TAG_DELETE_ASSET]);
            h.update(&a.key);
        }
        BatchOperationKind::Clear(_) => h.update([TAG_CLEAR]),
        BatchOperationKind::SetAssetProperties(a) => set_asset_properties(h, a),
    }
}

/// A resumable evidence computation over a proposal's operations.
///
/// One step hashes one operation's fields, or one chunk of a `SetAssetContent` (then its
/// `last_chunk`, if any); the final step produces the digest. Missing chunks hash as nothing.
#[derive(Clone, Debug, Default)]
pub struct EvidenceComputation {
    next_op: usize,
    next_chunk: Option<usize>,
    hasher: Sha256,
}

impl EvidenceComputation {
    /// Runs up to `steps` steps; returns the evidence once all operations are hashed.
    pub fn advance(
        &mut self,
        ops: &[BatchOperationKind],
        steps: u16,
        mut chunk_bytes: impl FnMut(u64) -> Option<Vec<u8>>,
    ) -> Option<[u8; 32]> {
        for _ in 0..steps.max(1) {
            let Some(op) = ops.get(self.next_op) else {
                return Some(self.hasher.clone().finalize().into());
            };
            match (op, self.next_chunk) {
                (BatchOperationKind::SetAssetContent(a), None) => {
                    operation_header(&mut self.hasher, op);
                    self.next_chunk = Some(0);
                    if a.chunk_ids.is_empty() && a.last_chunk.is_none() {
                        self.finish_op();
                    }
                }
                (BatchOperationKind::SetAssetContent(a), Some(i)) => {
                    if let Some(id) = a.chunk_ids.get(i) {
                        if let Some(bytes) = id_u64(id).and_then(&mut chunk_bytes) {
                            self.hasher.update(bytes);
                        }
                        self.next_chunk = Some(i + 1);
                        if i + 1 == a.chunk_ids.len() && a.last_chunk.is_none() {
                            self.finish_op();
                        }
                    } else {
                        if let Some(last) = &a.last_chunk {
                            self.hasher.update(last);
                        }
                        self.finish_op();
                    }
                }
                _ => {
                    operation_header(&mut self.hasher, op);
                    self.finish_op();
                }
            }
        }
        None
    }

    fn finish_op(&mut self) {
        self.next_op += 1;
        self.next_chunk = None;
    }
}

/// Feeds one asset's metadata into a state hash (as `ic_asset::compute_state_hash` does).
pub fn state_hash_asset(h: &mut Sha256, key: &str, asset: &AssetRecord) {
    create_asset(
        h,
        &CreateAssetArguments {
            key: key.to_string(),
            content_type: asset.content_type.clone(),
            max_age: asset.max_age,
            headers: asset.headers.clone(),
            enable_aliasing: asset.enable_aliasing,
            allow_raw_access: asset.allow_raw_access,
        },
    );
}

/// Feeds one encoding's header into a state hash; its content bytes follow.
pub fn state_hash_encoding(h: &mut Sha256, key: &str, encoding: &str, sha256: &[u8; 32]) {
    set_asset_content_header(h, key, encoding, Some(sha256));
}

#[cfg(test)]
mod tests;
