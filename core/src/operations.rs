//! Batch operations: validate a whole commit first, then apply it without a failure point.
//!
//! Owns the meaning of `CreateAsset`, `SetAssetContent`, `UnsetAssetContent`, `DeleteAsset`,
//! `Clear` and `SetAssetProperties`. Does not check permissions or touch batches beyond taking
//! the chunks a commit uses. Invariant: [`validate`] reads only, and [`apply`] of a validated
//! plan cannot fail, so a commit is all or nothing and an invalid one changes no byte.

use crate::batch::{id_u64, Batches};
use crate::changes::Changes;
use crate::error::{Error, OperationError};
use crate::evidence::normalize_headers;
use crate::store::records::{AssetRecord, EncodingRecord};
use crate::store::blob::{BlobRegion, Extent};
use crate::store::Store;
use crate::content_hash::{ContentHasher, ContentHashes};
use crate::types::{BatchOperationKind, CreateAssetArguments, SetAssetPropertiesArguments};
use ic_stable_structures::Memory;
use std::collections::{HashMap, HashSet};

/// Content bytes one commit may hash while checking sha256s.
///
/// Measured with `benches/upload_cost.rs` (local-ic metering, Wasm built by scripts/build.sh):
/// a commit of one 1.9 MB asset costs 79 instructions per byte, one of 15.2 MB (8 chunks)
/// 156 per byte, both including the certification of the new content. 200 MiB at 160 per byte
/// is 34 billion instructions, under the 40 billion limit of an update message. Larger
/// commits are refused with [`OperationError::HashBudgetExceeded`]; ic-asset's groups of 500
/// operations stay below it unless they carry very large files (a resumable commit is not
/// implemented).
pub const MAX_HASHED_BYTES_PER_MESSAGE: u64 = 200 << 20;

/// One validated operation, ready to apply.
#[derive(Debug)]
pub(crate) enum Step {
    Create(String, AssetRecord),
    SetContent {
        key: String,
        encoding: String,
        chunk_ids: Vec<u64>,
        last_chunk: Option<Vec<u8>>,
        hashes: ContentHashes,
        total_length: u64,
    },
    Unset(String, String),
    Delete(String),
    Clear,
    SetProperties(SetAssetPropertiesArguments),
}

/// A new asset's record from its `CreateAsset` arguments.
pub(crate) fn new_record(a: &CreateAssetArguments) -> AssetRecord {
    AssetRecord {
        content_type: a.content_type.clone(),
        max_age: a.max_age,
        headers: a.headers.as_deref().map(normalize_headers),
        enable_aliasing: a.enable_aliasing,
        allow_raw_access: a.allow_raw_access,
    }
}

/// Which keys exist as the commit proceeds, without touching the store.
struct View<'a, M: Memory> {
    store: &'a Store<M>,
    cleared: bool,
    overlay: HashMap<String, bool>,
}

impl<M: Memory> View<'_, M> {
    fn exists(&self, key: &str) -> bool {
        match self.overlay.get(key) {
            Some(e) => *e,
            None => !self.cleared && self.store.contains(key),
        }
    }
}

/// Checks every operation against the state the earlier ones would leave; returns the plan.
pub(crate) fn validate<M: Memory>(
    store: &Store<M>,
    batches: &Batches<M>,
    ops: &[BatchOperationKind],
) -> Result<Vec<Step>, Error> {
    let mut view = View {
        store,
        cleared: false,
        overlay: HashMap::new(),
    };
    let mut used = HashSet::new();
    let mut hashed = 0u64;
    let mut plan = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let step = validate_one(&mut view, batches, &mut used, &mut hashed, op)
            .map_err(|reason| Error::Operation { index, reason })?;
        plan.push(step);
    }
    Ok(plan)
}

fn validate_one<M: Memory>(
    view: &mut View<'_, M>,
    batches: &Batches<M>,
    used: &mut HashSet<u64>,
    hashed: &mut u64,
    op: &BatchOperationKind,
) -> Result<Step, OperationError> {
    let need = |view: &View<'_, M>, key: &str| {
        if view.exists(key) {
            Ok(())
        } else {
            Err(OperationError::AssetNotFound { key: key.to_string() })
        }
    };
    Ok(match op {
        BatchOperationKind::CreateAsset(a) => {
            if view.exists(&a.key) {
                return Err(OperationError::AssetExists { key: a.key.clone() });
            }
            view.overlay.insert(a.key.clone(), true);
            Step::Create(a.key.clone(), new_record(a))
        }
        BatchOperationKind::SetAssetContent(a) => {
            need(view, &a.key)?;
            let mut ids = Vec::with_capacity(a.chunk_ids.len());
            let mut extents = Vec::with_capacity(a.chunk_ids.len());
            for id in &a.chunk_ids {
                let not_found = || OperationError::ChunkNotFound { chunk_id: id.clone() };
                let n = id_u64(id).ok_or_else(not_found)?;
                let chunk = batches.chunk(n).ok_or_else(not_found)?;
                if !used.insert(n) {
                    return Err(OperationError::ChunkUsedTwice { chunk_id: id.clone() });
                }
                ids.push(n);
                extents.push(chunk.extent);
            }
            let last = a.last_chunk.as_ref().map(|b| b.to_vec());
            let total_length =
                extents.iter().map(|e| e.len).sum::<u64>() + last.as_ref().map_or(0, |l| l.len() as u64);
            if let Some(given) = &a.sha256 {
                if given.len() != 32 {
                    return Err(OperationError::InvalidSha256Length {
                        key: a.key.clone(),
                        encoding: a.content_encoding.clone(),
                        len: given.len(),
                    });
                }
            }
            *hashed += total_length;
            if *hashed > MAX_HASHED_BYTES_PER_MESSAGE {
                return Err(OperationError::HashBudgetExceeded {
                    bytes: *hashed,
                    max: MAX_HASHED_BYTES_PER_MESSAGE,
                });
            }
            let mut hasher = ContentHasher::default();
            for e in &extents {
                hash_extent(view.store.blob(), *e, &mut hasher);
            }
            if let Some(l) = &last {
                hasher.update(l);
            }
            let hashes = hasher.finish();
            if let Some(given) = &a.sha256 {
                if given.as_slice() != hashes.sha256 {
                    return Err(OperationError::Sha256Mismatch {
                        key: a.key.clone(),
                        encoding: a.content_encoding.clone(),
                        given: hex(given),
                        actual: hex(&hashes.sha256),
                    });
                }
            }
            Step::SetContent {
                key: a.key.clone(),
                encoding: a.content_encoding.clone(),
                chunk_ids: ids,
                last_chunk: last,
                hashes,
                total_length,
            }
        }
        BatchOperationKind::UnsetAssetContent(a) => {
            need(view, &a.key)?;
            Step::Unset(a.key.clone(), a.content_encoding.clone())
        }
        BatchOperationKind::DeleteAsset(a) => {
            view.overlay.insert(a.key.clone(), false);
            Step::Delete(a.key.clone())
        }
        BatchOperationKind::Clear(_) => {
            view.cleared = true;
            view.overlay.clear();
            Step::Clear
        }
        BatchOperationKind::SetAssetProperties(a) => {
            need(view, &a.key)?;
            Step::SetProperties(a.clone())
        }
    })
}

/// Bytes read from stable memory per piece while hashing: the heap never holds a whole asset.
const READ_PIECE: usize = 256 * 1024;

/// Feeds an extent's bytes to `hasher`, one bounded piece at a time.
fn hash_extent<M: Memory>(blob: &BlobRegion<M>, extent: Extent, hasher: &mut ContentHasher) {
    let mut buf = vec![0u8; READ_PIECE.min(extent.len as usize)];
    let mut at = 0;
    while at < extent.len {
        let n = blob.read_into(extent, at, &mut buf);
        hasher.update(&buf[..n]);
        at += n as u64;
    }
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Applies a validated plan. Cannot fail: every precondition was checked by [`validate`].
pub(crate) fn apply<M: Memory>(
    store: &mut Store<M>,
    batches: &mut Batches<M>,
    plan: Vec<Step>,
    now_ns: u64,
    changes: &mut Changes,
) {
    for step in plan {
        match step {
            Step::Create(key, record) => {
                store.put_asset(&key, record);
                changes.record(key);
            }
            Step::SetContent {
                key,
                encoding,
                chunk_ids,
                last_chunk,
                hashes,
                total_length,
            } => {
                let mut extents: Vec<_> = chunk_ids
                    .into_iter()
                    .filter_map(|id| batches.take_chunk(id))
                    .collect();
                if let Some(last) = last_chunk {
                    extents.push(store.blob_mut().write_new(&last));
                }
                let record = EncodingRecord {
                    modified_ns: now_ns,
                    total_length,
                    sha256: hashes.sha256,
                    part_sha256: hashes.part_sha256,
                    extents,
                };
                store.set_encoding(&key, &encoding, record);
                changes.record(key);
            }
            Step::Unset(key, encoding) => {
                store.unset_encoding(&key, &encoding);
                changes.record(key);
            }
            Step::Delete(key) => {
                if store.delete_asset(&key) {
                    changes.record(key);
                }
            }
            Step::Clear => {
                store.clear();
                changes.record_clear();
            }
            Step::SetProperties(a) => {
                if let Some(mut r) = store.asset(&a.key) {
                    if let Some(v) = a.max_age {
                        r.max_age = v;
                    }
                    if let Some(v) = &a.headers {
                        r.headers = v.as_deref().map(normalize_headers);
                    }
                    if let Some(v) = a.allow_raw_access {
                        r.allow_raw_access = v;
                    }
                    if let Some(v) = a.is_aliased {
                        r.enable_aliasing = v;
                    }
                    store.put_asset(&a.key, r);
                    changes.record(a.key);
                }
            }
        }
    }
}
