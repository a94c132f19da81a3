//! Batches and chunks: upload sessions, their chunks' extents, limits, expiry and proposals.
//!
//! Owns the batch, chunk, batch-to-chunk and proposal maps and the id counters. Chunk bytes are
//! written once, at upload, into the blob region; a commit takes a chunk's extent for an
//! encoding without copying ([`Batches::take_for_commit`]), and the chunk records of the batch
//! it commits go with that batch, all at once when no other batch has chunks (no B-tree remove
//! per chunk). Does not check permissions or apply operations.
//!
//! Invariants: ids are global and never reused while anything could refer to them (only
//! [`Batches::clear`], which deletes every batch and chunk, restarts them at 1, as the legacy
//! canister does); `live_bytes` equals the sum of live chunk lengths; a chunk belongs to
//! exactly one live batch; every chunk record has its batch-to-chunk entry, and an entry
//! without a record is a chunk a commit took (it goes with its batch); at most one batch is
//! proposed.

use crate::sha256_batch::digest_each;
use crate::config::Limits;
use crate::error::Error;
use crate::store::blob::{u64_at, BlobRegion, Extent};
use crate::types::CommitBatchArguments;
use candid::{Decode, Encode, Nat};
use rustc_hash::{FxHashMap, FxHashSet};
use ic_stable_structures::storable::Bound;
use ic_stable_structures::{Memory, StableBTreeMap, StableCell, Storable};
use std::borrow::Cow;

/// A batch expires this long after its creation or last chunk, unless its evidence is computed.
pub const BATCH_EXPIRY_NS: u64 = 300 * 1_000_000_000;

const NEVER: u64 = u64::MAX;

/// Id counters and the live chunk byte total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Counters {
    next_batch_id: u64,
    next_chunk_id: u64,
    live_bytes: u64,
}

impl Storable for Counters {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        let mut v = Vec::with_capacity(24);
        for x in [self.next_batch_id, self.next_chunk_id, self.live_bytes] {
            v.extend_from_slice(&x.to_be_bytes());
        }
        Cow::Owned(v)
    }
    fn into_bytes(self) -> Vec<u8> {
        self.to_bytes().into_owned()
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        Counters {
            next_batch_id: u64_at(&bytes, 0),
            next_chunk_id: u64_at(&bytes, 8),
            live_bytes: u64_at(&bytes, 16),
        }
    }
    const BOUND: Bound = Bound::Bounded {
        max_size: 24,
        is_fixed_size: true,
    };
}

/// State of one batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchRecord {
    /// Expiry time in ns; `u64::MAX` once evidence is computed (never expires).
    pub expires_at_ns: u64,
    /// Whether `propose_commit_batch` stored operations for it.
    pub proposed: bool,
    /// Evidence, once `compute_evidence` has finished.
    pub evidence: Option<[u8; 32]>,
}

impl Storable for BatchRecord {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        let mut v = Vec::with_capacity(42);
        v.extend_from_slice(&self.expires_at_ns.to_be_bytes());
        v.push(self.proposed as u8);
        v.push(self.evidence.is_some() as u8);
        v.extend_from_slice(&self.evidence.unwrap_or([0; 32]));
        Cow::Owned(v)
    }
    fn into_bytes(self) -> Vec<u8> {
        self.to_bytes().into_owned()
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        let mut e = [0u8; 32];
        e.copy_from_slice(&bytes[10..42]);
        BatchRecord {
            expires_at_ns: u64_at(&bytes, 0),
            proposed: bytes[8] == 1,
            evidence: (bytes[9] == 1).then_some(e),
        }
    }
    const BOUND: Bound = Bound::Bounded {
        max_size: 42,
        is_fixed_size: true,
    };
}

/// Chunks up to this size are hashed when uploaded.
///
/// A small chunk is usually a whole small file, so its hash is the encoding's sha256 and a
/// commit of many small files then hashes nothing (the cost moves into the upload messages,
/// spread over them). A large chunk is usually one piece of a large file, whose hash the commit
/// must compute over all pieces anyway, so hashing it at upload would be wasted. ic-asset cuts
/// files into 1,900,000-byte chunks, so its last piece of a large file may still be hashed in
/// vain: at most this many bytes per file.
pub const UPLOAD_HASH_MAX_CHUNK: usize = 1 << 20;

/// One uploaded chunk: its batch, where its bytes are and, if small, their sha256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkRecord {
    /// Owning batch.
    pub batch_id: u64,
    /// Bytes in the blob region.
    pub extent: Extent,
    /// sha256 of the bytes, computed at upload for chunks up to [`UPLOAD_HASH_MAX_CHUNK`].
    pub sha256: Option<[u8; 32]>,
}

impl Storable for ChunkRecord {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        let mut v = Vec::with_capacity(57);
        v.extend_from_slice(&self.batch_id.to_be_bytes());
        self.extent.encode_into(&mut v);
        v.push(self.sha256.is_some() as u8);
        v.extend_from_slice(&self.sha256.unwrap_or([0; 32]));
        Cow::Owned(v)
    }
    fn into_bytes(self) -> Vec<u8> {
        self.to_bytes().into_owned()
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(&bytes[25..57]);
        ChunkRecord {
            batch_id: u64_at(&bytes, 0),
            extent: Extent::decode(&bytes[8..24]),
            sha256: (bytes[24] == 1).then_some(sha256),
        }
    }
    const BOUND: Bound = Bound::Bounded {
        max_size: 57,
        is_fixed_size: true,
    };
}

/// Candid-encoded proposed commit (bounded by the ingress size, so B-tree cost is fine).
struct Proposal(CommitBatchArguments);

impl Storable for Proposal {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Owned(Encode!(&self.0).expect("CommitBatchArguments always encode"))
    }
    fn into_bytes(self) -> Vec<u8> {
        self.to_bytes().into_owned()
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        Proposal(Decode!(&bytes, CommitBatchArguments).expect("stored proposal is valid Candid"))
    }
    const BOUND: Bound = Bound::Unbounded;
}

/// The chunks one commit hands to encodings, and the batch it deletes when done (see
/// [`Batches::take_for_commit`]). Deferring is only sound while nothing between taking and
/// [`Batches::finish_commit`] frees chunks, so a commit that clears uses [`Taking::now`].
#[derive(Debug)]
pub struct Taking {
    /// The batch deleted when the commit is done.
    batch: Option<u64>,
    /// Whether that batch's chunks keep their records until then.
    defer: bool,
    /// Chunks handed to encodings whose records are still there.
    deferred: FxHashSet<u64>,
}

impl Taking {
    /// A commit that deletes `batch` when done: that batch's chunks are dropped with it.
    pub fn deferred_to(batch: Option<u64>) -> Self {
        Taking { batch, defer: true, deferred: FxHashSet::default() }
    }

    /// Every chunk taken at once (the committed batch, if any, is still deleted when done).
    pub fn now(batch: Option<u64>) -> Self {
        Taking { batch, defer: false, deferred: FxHashSet::default() }
    }
}

/// Converts a Candid id to `u64`; ids beyond `u64` cannot exist.
pub fn id_u64(id: &Nat) -> Option<u64> {
    u64::try_from(&id.0).ok()
}

/// Batches, chunks and proposals.
pub struct Batches<M: Memory> {
    counters: StableCell<Counters, M>,
    batches: StableBTreeMap<u64, BatchRecord, M>,
    chunks: StableBTreeMap<u64, ChunkRecord, M>,
    batch_chunks: StableBTreeMap<(u64, u64), (), M>,
    proposals: StableBTreeMap<u64, Proposal, M>,
}

impl<M: Memory> Batches<M> {
    /// Opens (or initialises) the maps. Ids start at 1 so that batch id 0 never exists.
    pub fn init(counters: M, batches: M, chunks: M, batch_chunks: M, proposals: M) -> Self {
        Batches {
            counters: StableCell::init(
                counters,
                Counters {
                    next_batch_id: 1,
                    next_chunk_id: 1,
                    live_bytes: 0,
                },
            ),
            batches: StableBTreeMap::init(batches),
            chunks: StableBTreeMap::init(chunks),
            batch_chunks: StableBTreeMap::init(batch_chunks),
            proposals: StableBTreeMap::init(proposals),
        }
    }

    /// Purges expired batches, then creates one, within `max_batches`.
    pub fn create_batch(
        &mut self,
        blob: &mut BlobRegion<M>,
        now_ns: u64,
        limits: &Limits,
    ) -> Result<u64, Error> {
        if let Some(batch_id) = self.proposed_batch() {
            return Err(Error::ProposedBatchExists { batch_id });
        }
        let expired: Vec<u64> = self
            .batches
            .iter()
            .filter(|e| e.value().expires_at_ns <= now_ns)
            .map(|e| *e.key())
            .collect();
        let live = self.batches.len() - expired.len() as u64;
        if let Some(max) = limits.max_batches {
            if live >= max {
                return Err(Error::TooManyBatches { max });
            }
        }
        for id in expired {
            self.delete_batch(blob, id);
        }
        let mut c = *self.counters.get();
        let batch_id = c.next_batch_id;
        c.next_batch_id += 1;
        self.counters.set(c);
        self.batches.insert(
            batch_id,
            BatchRecord {
                expires_at_ns: now_ns.saturating_add(BATCH_EXPIRY_NS),
                proposed: false,
                evidence: None,
            },
        );
        Ok(batch_id)
    }

    /// Writes chunks for a batch (ids in input order), within `max_chunks` and `max_bytes`,
    /// and pushes the batch's expiry to `now + 300 s`.
    pub fn create_chunks(
        &mut self,
        blob: &mut BlobRegion<M>,
        batch_id: &Nat,
        contents: &[&[u8]],
        now_ns: u64,
        limits: &Limits,
    ) -> Result<Vec<u64>, Error> {
        let (id, mut batch) = self.live_batch(batch_id)?;
        if batch.proposed {
            return Err(Error::BatchAlreadyProposed { batch_id: id });
        }
        let new_bytes: u64 = contents.iter().map(|c| c.len() as u64).sum();
        if let Some(max) = limits.max_chunks {
            if self.chunks.len() + contents.len() as u64 > max {
                return Err(Error::TooManyChunks { max });
            }
        }
        let mut c = *self.counters.get();
        if let Some(max) = limits.max_bytes {
            if c.live_bytes.saturating_add(new_bytes) > max {
                return Err(Error::TooManyBytes { max });
            }
        }
        // The small chunks of one call are hashed together, four lanes at a time.
        let small: Vec<&[u8]> = contents.iter().copied().filter(|c| c.len() <= UPLOAD_HASH_MAX_CHUNK).collect();
        let mut digests = digest_each(&small).into_iter();
        let mut ids = Vec::with_capacity(contents.len());
        for content in contents {
            let chunk_id = c.next_chunk_id;
            c.next_chunk_id += 1;
            let extent = blob.write_new(content);
            let sha256 = if content.len() <= UPLOAD_HASH_MAX_CHUNK { digests.next() } else { None };
            self.chunks.insert(chunk_id, ChunkRecord { batch_id: id, extent, sha256 });
            self.batch_chunks.insert((id, chunk_id), ());
            ids.push(chunk_id);
        }
        c.live_bytes += new_bytes;
        self.counters.set(c);
        if batch.expires_at_ns != NEVER {
            batch.expires_at_ns = now_ns.saturating_add(BATCH_EXPIRY_NS);
            self.batches.insert(id, batch);
        }
        Ok(ids)
    }

    /// A chunk, if it exists.
    pub fn chunk(&self, chunk_id: u64) -> Option<ChunkRecord> {
        self.chunks.get(&chunk_id)
    }

    /// The records of the chunks among `ids` that exist, read in one scan of the chunk map
    /// when the ids are dense (ic-asset's chunks of a batch have consecutive ids): a scan pays
    /// each B-tree node once, a lookup pays the path to its entry (about 9 K on the meter).
    /// Sparse ids give an empty map: look them up one by one with [`Batches::chunk`].
    pub fn prefetch(&self, ids: &[u64]) -> FxHashMap<u64, ChunkRecord> {
        let (Some(&lo), Some(&hi)) = (ids.iter().min(), ids.iter().max()) else {
            return FxHashMap::default();
        };
        if ids.len() < 2 || hi - lo >= 2 * ids.len() as u64 {
            return FxHashMap::default();
        }
        self.chunks.range(lo..=hi).map(|e| (*e.key(), e.value())).collect()
    }

    /// Removes a chunk's record and hands its extent to the caller, without freeing. Its entry
    /// in the batch-chunk index stays until the batch goes (one B-tree remove, not two: ic-asset
    /// commits every operation with batch 0, then deletes the batch with an empty commit).
    fn take_chunk(&mut self, chunk_id: u64) -> Option<Extent> {
        let record = self.chunks.remove(&chunk_id)?;
        let mut c = *self.counters.get();
        c.live_bytes -= record.extent.len;
        self.counters.set(c);
        Some(record.extent)
    }

    /// Hands a chunk's extent to a new encoding within `taking`: a chunk of the batch the commit
    /// deletes afterwards keeps its records until [`Batches::finish_commit`] drops them with the
    /// batch (its B-tree removes are the costly part); any other chunk is taken at once.
    pub fn take_for_commit(&mut self, taking: &mut Taking, chunk_id: u64, owner: u64) {
        if taking.defer && taking.batch == Some(owner) {
            taking.deferred.insert(chunk_id);
        } else {
            self.take_chunk(chunk_id);
        }
    }

    /// Ends a commit: deletes its batch (if any) with its chunks, see [`Batches::delete_batch`];
    /// the chunks `taking` deferred are not freed (their extents belong to encodings now).
    pub fn finish_commit(&mut self, blob: &mut BlobRegion<M>, taking: Taking) {
        if let Some(batch_id) = taking.batch {
            self.drop_batch(blob, batch_id, &taking.deferred);
        }
    }

    /// Deletes a batch with every chunk record and index entry, freeing the bytes of the chunks
    /// not in `kept`. When the index names no other batch (one uploader at a time), every live
    /// chunk is this batch's and the chunk maps are emptied at once instead of entry by entry.
    fn drop_batch(&mut self, blob: &mut BlobRegion<M>, batch_id: u64, kept: &FxHashSet<u64>) -> bool {
        let owner_of = |entry: Option<((u64, u64), ())>| entry.map(|((b, _), ())| b);
        let sole = [owner_of(self.batch_chunks.first_key_value()), owner_of(self.batch_chunks.last_key_value())]
            .iter()
            .all(|b| b.is_none_or(|b| b == batch_id));
        if sole {
            if (kept.len() as u64) < self.chunks.len() {
                for entry in self.chunks.iter().filter(|e| !kept.contains(e.key())) {
                    blob.free(entry.value().extent);
                }
            }
            // Every live chunk was this batch's, so none is left.
            let mut c = *self.counters.get();
            c.live_bytes = 0;
            self.counters.set(c);
            self.chunks.clear_new();
            self.batch_chunks.clear_new();
        } else {
            for chunk_id in self.chunk_ids_of(batch_id) {
                self.batch_chunks.remove(&(batch_id, chunk_id));
                let extent = self.take_chunk(chunk_id);
                if let Some(extent) = extent.filter(|_| !kept.contains(&chunk_id)) {
                    blob.free(extent);
                }
            }
        }
        self.proposals.remove(&batch_id);
        self.batches.remove(&batch_id).is_some()
    }

    fn chunk_ids_of(&self, batch_id: u64) -> Vec<u64> {
        self.batch_chunks
            .range((batch_id, 0)..=(batch_id, u64::MAX))
            .map(|e| e.key().1)
            .collect()
    }

    /// A batch that exists (expired batches exist until the next `create_batch` purges them).
    pub fn live_batch(&self, batch_id: &Nat) -> Result<(u64, BatchRecord), Error> {
        id_u64(batch_id)
            .and_then(|id| self.batches.get(&id).map(|b| (id, b)))
            .ok_or_else(|| Error::BatchNotFound {
                batch_id: batch_id.clone(),
            })
    }

    /// Deletes a batch, its unused chunks (freeing their bytes) and its proposal.
    pub fn delete_batch(&mut self, blob: &mut BlobRegion<M>, batch_id: u64) -> bool {
        self.drop_batch(blob, batch_id, &FxHashSet::default())
    }

    /// Deletes every batch and chunk and restarts both id counters at 1, as the legacy canister's
    /// `clear` does (nothing is left that an old id could still name).
    pub fn clear(&mut self, blob: &mut BlobRegion<M>) {
        let ids: Vec<u64> = self.batches.keys().collect();
        for id in ids {
            self.delete_batch(blob, id);
        }
        self.counters.set(Counters { next_batch_id: 1, next_chunk_id: 1, live_bytes: 0 });
    }

    /// The proposed batch, if any.
    pub fn proposed_batch(&self) -> Option<u64> {
        self.batches
            .iter()
            .find(|e| e.value().proposed)
            .map(|e| *e.key())
    }

    /// Stores the operations to commit later; the batch stops taking chunks.
    pub fn propose(&mut self, args: &CommitBatchArguments) -> Result<u64, Error> {
        let (id, mut batch) = self.live_batch(&args.batch_id)?;
        if batch.proposed {
            return Err(Error::BatchAlreadyProposed { batch_id: id });
        }
        batch.proposed = true;
        self.batches.insert(id, batch);
        self.proposals.insert(id, Proposal(args.clone()));
        Ok(id)
    }

    /// The proposed operations of a batch.
    pub fn proposal(&self, batch_id: u64) -> Option<CommitBatchArguments> {
        self.proposals.get(&batch_id).map(|p| p.0)
    }

    /// Records computed evidence; the batch then never expires.
    pub fn set_evidence(&mut self, batch_id: u64, evidence: [u8; 32]) {
        if let Some(mut batch) = self.batches.get(&batch_id) {
            batch.evidence = Some(evidence);
            batch.expires_at_ns = NEVER;
            self.batches.insert(batch_id, batch);
        }
    }

    /// Entries of the batch-to-chunk index (live chunks plus those taken from live batches).
    #[cfg(test)]
    pub(crate) fn index_len(&self) -> u64 {
        self.batch_chunks.len()
    }

    /// Number of live chunks.
    pub fn chunk_count(&self) -> u64 {
        self.chunks.len()
    }

    /// Bytes held by live chunks.
    pub fn live_bytes(&self) -> u64 {
        self.counters.get().live_bytes
    }

    /// Number of batches (including expired ones not yet purged).
    pub fn batch_count(&self) -> u64 {
        self.batches.len()
    }
}
