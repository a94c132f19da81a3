//! Batch operations: validate a whole commit first, hash its content (possibly over several
//! messages), then apply it without a failure point.
//!
//! Owns the meaning of `CreateAsset`, `SetAssetContent`, `UnsetAssetContent`, `DeleteAsset`,
//! `Clear` and `SetAssetProperties`. Does not check permissions or touch batches beyond taking
//! the chunks a commit uses, and `Clear`, which (as in the legacy canister) deletes every batch
//! and chunk too, so later operations of the same commit find no chunk. Invariant: `validate`
//! and `hash` change no stable memory, and `apply` of a hashed plan cannot fail, so a commit is
//! all or nothing and an invalid one changes no byte. The type of a plan's content hash
//! (`Pending`, then [`ContentHashes`]) makes applying an unhashed plan unrepresentable. `apply`
//! changes the store through one `store::edit::StoreEdit`, so each asset it touches is written
//! once, and starts it from the assets `validate` read, so each is read once.

use crate::batch::{id_u64, Batches, ChunkRecord, Taking};
use crate::certification::CHUNK_SIZE;
use crate::changes::Changes;
use crate::chunk_hashing::{ChunkHashing, ChunkList};
use crate::content_hash::{ContentHasher, ContentHashes};
use crate::error::{Error, OperationError, MAX_CUSTOM_HEADERS, MAX_HEADER_NAME_BYTES};
use crate::evidence::normalize_headers;
use crate::store::blob::Extent;
use crate::store::records::{AssetRecord, EncodingRecord};
use crate::store::edit::ReadAssets;
use crate::store::Store;
use crate::types::{BatchOperationKind, CreateAssetArguments, HeaderField, SetAssetPropertiesArguments};
use ic_stable_structures::Memory;
use rustc_hash::{FxHashMap, FxHashSet};

/// Content bytes one message may hash for a commit; a commit with more content continues in
/// later messages (see `State::commit_batch`).
///
/// Measured with `benches/upload_cost.rs` on local-ic's meter (Wasm from scripts/build.sh):
/// committing one 15.2 MB file (8 chunks) costs 142.5 instructions per byte (the whole sha256
/// plus the part sha256s, about 71 each; certification no longer reads content), one 1.9 MB
/// file 77.5 per byte (no part hashes). 100 MiB at 142.5 per byte is 14.9 billion
/// instructions, 37% of the 40 billion an update message may use: the message that finishes
/// hashing also validates, applies and certifies the whole commit (ic-asset sends up to 500
/// operations), which keeps well inside the remaining 25 billion.
pub const HASHED_BYTES_PER_MESSAGE: u64 = 100 << 20;

/// The content hash of a validated `SetAssetContent` before hashing: what to check.
#[derive(Debug)]
pub(crate) struct Pending {
    /// The sha256 the uploader gave, to check.
    given: Option<[u8; 32]>,
    /// The hash when known without reading content (one chunk hashed at upload, no last chunk).
    known: Option<[u8; 32]>,
}

/// One validated operation; `H` is [`Pending`] until [`hash`] makes it [`ContentHashes`].
#[derive(Debug)]
pub(crate) enum Step<H> {
    Create(String, AssetRecord),
    SetContent {
        key: String,
        encoding: String,
        chunk_ids: Vec<u64>,
        /// Extents of the chunks, same order as `chunk_ids`.
        extents: Vec<Extent>,
        /// Batch of each chunk, same order as `chunk_ids`.
        owners: Vec<u64>,
        last_chunk: Option<Vec<u8>>,
        hash: H,
        total_length: u64,
    },
    Unset(String, String),
    Delete(String),
    Clear,
    SetProperties(SetAssetPropertiesArguments),
}

/// A validated commit: its steps, and the assets validation read, for `apply` to start from.
pub(crate) struct Plan<H> {
    steps: Vec<Step<H>>,
    read: ReadAssets,
}

impl<H> Plan<H> {
    /// Whether the commit has no operation.
    pub(crate) fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Whether the commit deletes every asset.
    pub(crate) fn clears(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Clear))
    }
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

/// Which keys (and whether chunks) exist as the commit proceeds, without touching the store.
struct View<'a, M: Memory> {
    store: &'a Store<M>,
    /// A `Clear` came earlier: no asset of the store and no chunk exists any more.
    cleared: bool,
    overlay: FxHashMap<String, bool>,
    read: ReadAssets,
}

impl<M: Memory> View<'_, M> {
    fn exists(&mut self, key: &str) -> bool {
        match self.overlay.get(key) {
            Some(e) => *e,
            None => !self.cleared && self.read.contains(self.store, key),
        }
    }
}

/// Checks every operation against the state the earlier ones would leave; returns the plan.
pub(crate) fn validate<M: Memory>(
    store: &Store<M>,
    batches: &Batches<M>,
    ops: &[BatchOperationKind],
) -> Result<Plan<Pending>, Error> {
    let mut view = View {
        store,
        cleared: false,
        overlay: FxHashMap::default(),
        read: ReadAssets::default(),
    };
    let named: Vec<u64> = ops
        .iter()
        .filter_map(|op| match op {
            BatchOperationKind::SetAssetContent(a) => Some(a.chunk_ids.iter().filter_map(id_u64)),
            _ => None,
        })
        .flatten()
        .collect();
    let prefetched = batches.prefetch(&named);
    let chunks = Chunks { batches, prefetched };
    let mut used = FxHashSet::default();
    let mut plan = Vec::with_capacity(ops.len());
    for (index, op) in ops.iter().enumerate() {
        let step = validate_one(&mut view, &chunks, &mut used, op)
            .map_err(|reason| Error::Operation { index, reason })?;
        plan.push(step);
    }
    Ok(Plan { steps: plan, read: view.read })
}

/// Chunk records for validation: prefetched ones, else looked up.
struct Chunks<'a, M: Memory> {
    batches: &'a Batches<M>,
    prefetched: FxHashMap<u64, ChunkRecord>,
}

impl<M: Memory> Chunks<'_, M> {
    fn get(&self, id: u64) -> Option<ChunkRecord> {
        self.prefetched.get(&id).copied().or_else(|| self.batches.chunk(id))
    }
}

fn validate_one<M: Memory>(
    view: &mut View<'_, M>,
    chunks: &Chunks<'_, M>,
    used: &mut FxHashSet<u64>,
    op: &BatchOperationKind,
) -> Result<Step<Pending>, OperationError> {
    let need = |view: &mut View<'_, M>, key: &str| {
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
            check_headers(&a.key, a.headers.as_deref())?;
            view.overlay.insert(a.key.clone(), true);
            Step::Create(a.key.clone(), new_record(a))
        }
        BatchOperationKind::SetAssetContent(a) => {
            need(view, &a.key)?;
            let mut ids = Vec::with_capacity(a.chunk_ids.len());
            let mut extents = Vec::with_capacity(a.chunk_ids.len());
            let mut owners = Vec::with_capacity(a.chunk_ids.len());
            let mut upload_hash = None;
            for id in &a.chunk_ids {
                let not_found = || OperationError::ChunkNotFound { chunk_id: id.clone() };
                let n = id_u64(id).ok_or_else(not_found)?;
                let chunk = chunks.get(n).filter(|_| !view.cleared).ok_or_else(not_found)?;
                if !used.insert(n) {
                    return Err(OperationError::ChunkUsedTwice { chunk_id: id.clone() });
                }
                ids.push(n);
                extents.push(chunk.extent);
                owners.push(chunk.batch_id);
                upload_hash = chunk.sha256;
            }
            let last = a.last_chunk.as_ref().map(|b| b.to_vec());
            let total_length =
                extents.iter().map(|e| e.len).sum::<u64>() + last.as_ref().map_or(0, |l| l.len() as u64);
            let given = match &a.sha256 {
                None => None,
                Some(given) => Some(<[u8; 32]>::try_from(given.as_slice()).map_err(|_| {
                    OperationError::InvalidSha256Length {
                        key: a.key.clone(),
                        encoding: a.content_encoding.clone(),
                        len: given.len(),
                    }
                })?),
            };
            let known = upload_hash.filter(|_| ids.len() == 1 && last.is_none() && total_length <= CHUNK_SIZE);
            Step::SetContent {
                key: a.key.clone(),
                encoding: a.content_encoding.clone(),
                chunk_ids: ids,
                extents,
                owners,
                last_chunk: last,
                hash: Pending { given, known },
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
            check_headers(&a.key, a.headers.as_ref().and_then(Option::as_deref))?;
            Step::SetProperties(a.clone())
        }
    })
}

/// Refuses custom headers beyond what a served response can carry.
fn check_headers(key: &str, headers: Option<&[HeaderField]>) -> Result<(), OperationError> {
    let headers = headers.unwrap_or_default();
    let longest_name = headers.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    if headers.len() > MAX_CUSTOM_HEADERS || longest_name > MAX_HEADER_NAME_BYTES {
        return Err(OperationError::HeadersTooLarge { key: key.to_string(), count: headers.len(), longest_name });
    }
    Ok(())
}

/// The chunk sequences a plan still needs hashed, for [`ChunkHashing::advance`].
pub(crate) fn chunks_to_hash(plan: &Plan<Pending>) -> Vec<ChunkList<'_>> {
    plan.steps
        .iter()
        .filter_map(|step| match step {
            Step::SetContent { chunk_ids, extents, hash, .. } if hash.known.is_none() && !chunk_ids.is_empty() => {
                Some(ChunkList { ids: chunk_ids, extents })
            }
            _ => None,
        })
        .collect()
}

/// Finishes every content hash (chunk hashes from `hashing`, then the inline last chunk) and
/// checks the sha256s given. `Ok(None)` when a chunk sequence is not completely hashed yet.
pub(crate) fn hash(plan: Plan<Pending>, hashing: &ChunkHashing) -> Result<Option<Plan<ContentHashes>>, Error> {
    let mut hashed = Vec::with_capacity(plan.steps.len());
    for (index, step) in plan.steps.into_iter().enumerate() {
        hashed.push(match step {
            Step::SetContent { key, encoding, chunk_ids, extents, owners, last_chunk, hash, total_length } => {
                let hashes = match hash.known {
                    Some(sha256) => ContentHashes { sha256, part_sha256: Vec::new() },
                    None => {
                        let mut hasher = if chunk_ids.is_empty() {
                            ContentHasher::default()
                        } else {
                            match hashing.finished(&chunk_ids, &extents) {
                                Some(h) => h.clone(),
                                None => return Ok(None),
                            }
                        };
                        if let Some(last) = &last_chunk {
                            hasher.update(last);
                        }
                        hasher.finish()
                    }
                };
                if let Some(given) = hash.given.filter(|g| *g != hashes.sha256) {
                    let reason = OperationError::Sha256Mismatch {
                        key,
                        encoding,
                        given: hex(&given),
                        actual: hex(&hashes.sha256),
                    };
                    return Err(Error::Operation { index, reason });
                }
                Step::SetContent { key, encoding, chunk_ids, extents, owners, last_chunk, hash: hashes, total_length }
            }
            Step::Create(k, r) => Step::Create(k, r),
            Step::Unset(k, e) => Step::Unset(k, e),
            Step::Delete(k) => Step::Delete(k),
            Step::Clear => Step::Clear,
            Step::SetProperties(a) => Step::SetProperties(a),
        });
    }
    Ok(Some(Plan { steps: hashed, read: plan.read }))
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Applies a validated, hashed plan, handing chunks to encodings within `taking`. Cannot
/// fail: every precondition was checked by [`validate`] and [`hash`] in this same message.
pub(crate) fn apply<M: Memory>(
    store: &mut Store<M>,
    batches: &mut Batches<M>,
    plan: Plan<ContentHashes>,
    now_ns: u64,
    changes: &mut Changes,
    taking: &mut Taking,
) {
    let mut edit = store.edit_from(plan.read);
    let mut steps = plan.steps.into_iter().peekable();
    while let Some(step) = steps.next() {
        // The next step records the same key anyway (a commit usually creates an asset, then
        // sets its content): one change-feed insert per asset instead of two.
        let recorded_next = |key: &str, next: Option<&Step<ContentHashes>>| match next {
            Some(Step::Create(k, _) | Step::SetContent { key: k, .. } | Step::Unset(k, _)) => k == key,
            _ => false,
        };
        match step {
            Step::Create(key, record) => {
                edit.create_asset(&key, record);
                if !recorded_next(&key, steps.peek()) {
                    changes.record(key);
                }
            }
            Step::SetContent {
                key,
                encoding,
                chunk_ids,
                mut extents,
                owners,
                last_chunk,
                hash: hashes,
                total_length,
            } => {
                for (id, owner) in chunk_ids.into_iter().zip(owners) {
                    batches.take_for_commit(taking, id, owner);
                }
                if let Some(last) = last_chunk {
                    extents.push(edit.blob_mut().write_new(&last));
                }
                let record = EncodingRecord {
                    modified_ns: now_ns,
                    total_length,
                    sha256: hashes.sha256,
                    part_sha256: hashes.part_sha256,
                    extents,
                };
                edit.set_encoding(&key, &encoding, record);
                if !recorded_next(&key, steps.peek()) {
                    changes.record(key);
                }
            }
            Step::Unset(key, encoding) => {
                edit.unset_encoding(&key, &encoding);
                changes.record(key);
            }
            Step::Delete(key) => {
                if edit.delete_asset(&key) {
                    changes.record(key);
                }
            }
            Step::Clear => {
                edit.clear();
                batches.clear(edit.blob_mut());
                changes.record_clear();
            }
            Step::SetProperties(a) => {
                if let Some(mut r) = edit.asset(&a.key) {
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
                    edit.put_asset(&a.key, r);
                    changes.record(a.key);
                }
            }
        }
    }
}
