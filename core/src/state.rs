//! The canister state: every entry point's behaviour, over a stable memory handed in.
//!
//! Owns the wiring of store, batches, permissions and settings over one `MemoryManager`, plus
//! heap-only caches that can be rebuilt (evidence progress, state-hash progress, change feed).
//! Methods take the caller, `now_ns` and controller status as arguments and return typed
//! errors; no system API is called. Invariant: a method that returns `Err` changed nothing in
//! stable memory.
//!
//! # For the HTTP and certification layer
//!
//! (a) Change feed: after any mutating call, [`State::take_changes`] returns the keys changed
//!     since the last call (and `cleared` if all assets were deleted); look each key up again
//!     with [`State::asset_view`] (it may be gone). After [`State::load`] the feed is empty:
//!     rebuild from [`State::asset_keys_after`].
//! (b) Metadata: [`State::asset_view`] gives content type, headers, max_age, aliasing, raw
//!     access and every encoding's name, sha256, length, modification time and chunk count.
//! (c) Content: [`State::read_encoding`] reads any byte range of an encoding,
//!     [`State::read_located`] the range an [`EncodingView::locator`] designates (no lookup);
//!     [`State::encoding_chunk`] returns stored chunk `i` (what `get_chunk` and streaming use).
//! (d) Which calls mutate assets: every `&mut self` method except the permission, batch and
//!     configuration ones; draining the feed after every update call covers all of them.

use crate::batch::{id_u64, Batches, Taking};
use crate::changes::Changes;
use crate::chunk_hashing::ChunkHashing;
use crate::config::{Limits, Settings, MAX_LIST_PAGE};
use crate::content_hash::ContentHashes;
use crate::error::{Error, OperationError};
use crate::evidence::{EvidenceComputation, DEFAULT_MAX_ITERATIONS};
use crate::operations::{self, hex, new_record};
pub use crate::operations::HASHED_BYTES_PER_MESSAGE;
use crate::permissions::{Caller, Permissions};
use crate::store::blob::BlobRegion;
use crate::store::memory_ids as ids;
use crate::store::record_region::RecordRegionError;
use crate::store::record_store::RecordStore;
use crate::store::records::{AssetRecord, EncodingRecord};
use crate::store::Store;
use crate::types::*;
use candid::{Int, Nat, Principal};
use ic_stable_structures::memory_manager::{MemoryId, MemoryManager, VirtualMemory};
use ic_stable_structures::{Memory, StableCell};
use serde_bytes::ByteBuf;
use std::collections::HashMap;

mod state_hash;
use state_hash::StateHashJob;

/// The `api_version` this canister speaks.
pub const API_VERSION: u16 = 2;

type VM<M> = VirtualMemory<M>;

/// One encoding as the HTTP layer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodingView {
    /// Encoding name (`identity`, `gzip`, `br`, ...).
    pub name: String,
    /// sha256 of the whole content.
    pub sha256: [u8; 32],
    /// sha256 of each certified part; empty when the content fits in one part
    /// (see [`crate::content_hash`]).
    pub part_sha256: Vec<[u8; 32]>,
    /// Content length.
    pub total_length: u64,
    /// Last modification, ns since the epoch.
    pub modified_ns: u64,
    /// Number of stored chunks ([`State::encoding_chunk`] indices `0..chunk_count`).
    pub chunk_count: usize,
    /// Where the content lives, for [`State::read_located`]; valid until the asset changes
    /// (see the `store` module docs).
    pub locator: Vec<u8>,
}

/// One asset as the HTTP layer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetView {
    /// Asset key.
    pub key: String,
    /// MIME type.
    pub content_type: String,
    /// Extra headers, sorted by name.
    pub headers: Vec<HeaderField>,
    /// `max-age` in seconds.
    pub max_age: Option<u64>,
    /// Aliasing as uploaded (`None` = default).
    pub enable_aliasing: Option<bool>,
    /// Raw access as uploaded (`None` = default).
    pub allow_raw_access: Option<bool>,
    /// Encodings sorted by name.
    pub encodings: Vec<EncodingView>,
}

/// Where a commit stands after one message's share of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitProgress {
    /// Applied (or failed with an `Err` instead).
    Done,
    /// Content is still being hashed: call again with the same arguments in a later message.
    /// Nothing changed in stable memory.
    Pending,
}

/// The whole canister state.
pub struct State<M: Memory> {
    store: Store<VM<M>>,
    batches: Batches<VM<M>>,
    permissions: Permissions<VM<M>>,
    settings: StableCell<Settings, VM<M>>,
    cert_tree: VM<M>,
    evidence: HashMap<u64, EvidenceComputation>,
    hashing: ChunkHashing,
    state_hash: StateHashJob,
    version: u64,
    changes: Changes,
}

impl<M: Memory> State<M> {
    /// Opens the state over `memory` (fresh or existing). Constant work apart from B-tree roots.
    pub fn load(memory: M) -> Self {
        let mm = MemoryManager::init(memory);
        let m = |id: u8| mm.get(MemoryId::new(id));
        let blob = BlobRegion::init(
            m(ids::BLOB_DATA),
            m(ids::BLOB_FREE_BY_OFFSET),
            m(ids::BLOB_FREE_BY_SIZE),
            m(ids::BLOB_END),
        );
        State {
            store: Store::init(m(ids::ASSETS), blob, RecordStore::init(m(ids::RECORDS), m(ids::RECORD_INDEX))),
            batches: Batches::init(
                m(ids::META),
                m(ids::BATCHES),
                m(ids::CHUNKS),
                m(ids::BATCH_CHUNKS),
                m(ids::PROPOSALS),
            ),
            permissions: Permissions::init(m(ids::PERMISSIONS)),
            settings: StableCell::init(m(ids::SETTINGS), Settings::default()),
            cert_tree: m(ids::CERT_TREE),
            evidence: HashMap::new(),
            hashing: ChunkHashing::default(),
            state_hash: StateHashJob::default(),
            version: 0,
            changes: Changes::default(),
        }
    }

    /// Install: grants the installer Commit, then applies `Init` arguments.
    pub fn init(memory: M, installer: Principal, args: Option<AssetCanisterArgs>) -> Result<Self, Error> {
        let lists = match args {
            None => None,
            Some(AssetCanisterArgs::Init(a)) => a.set_permissions,
            Some(AssetCanisterArgs::Upgrade(_)) => {
                return Err(Error::InvalidInstallArgs { reason: "Upgrade arguments given at install" })
            }
        };
        if let Some(l) = &lists {
            if l.prepare.iter().chain(&l.commit).chain(&l.manage_permissions).any(|p| *p == Principal::anonymous()) {
                return Err(Error::AnonymousPrincipal);
            }
        }
        let mut state = Self::load(memory);
        state.permissions.grant_unchecked(installer, Permission::Commit);
        if let Some(l) = lists {
            state.permissions.set_all(&l)?;
        }
        Ok(state)
    }

    /// Upgrade: applies `Upgrade` arguments to a loaded state.
    pub fn post_upgrade(&mut self, args: Option<AssetCanisterArgs>) -> Result<(), Error> {
        match args {
            None => Ok(()),
            Some(AssetCanisterArgs::Upgrade(UpgradeArgs { set_permissions: Some(l) })) => self.permissions.set_all(&l),
            Some(AssetCanisterArgs::Upgrade(_)) => Ok(()),
            Some(AssetCanisterArgs::Init(_)) => {
                Err(Error::InvalidInstallArgs { reason: "Init arguments given at upgrade" })
            }
        }
    }

    fn touched(&mut self, now_ns: u64) {
        self.version += 1;
        let mut s = *self.settings.get();
        s.last_update_ns = now_ns;
        self.settings.set(s);
    }

    // ---- uploads -------------------------------------------------------------------------

    /// `create_batch` (Prepare).
    pub fn create_batch(&mut self, caller: &Caller, now_ns: u64) -> Result<Nat, Error> {
        self.permissions.require(caller, Permission::Prepare)?;
        let limits = self.limits();
        let id = self.batches.create_batch(self.store.blob_mut(), now_ns, &limits)?;
        Ok(Nat::from(id))
    }

    /// `create_chunk` (Prepare).
    pub fn create_chunk(&mut self, caller: &Caller, arg: &CreateChunkArg, now_ns: u64) -> Result<Nat, Error> {
        let ids = self.create_chunks_raw(caller, &arg.batch_id, &[arg.content.as_slice()], now_ns)?;
        Ok(ids.into_iter().next().map(Nat::from).unwrap_or_default())
    }

    /// `create_chunks` (Prepare); ids in input order.
    pub fn create_chunks(&mut self, caller: &Caller, arg: &CreateChunksArg, now_ns: u64) -> Result<Vec<Nat>, Error> {
        let contents: Vec<&[u8]> = arg.content.iter().map(|c| c.as_slice()).collect();
        let ids = self.create_chunks_raw(caller, &arg.batch_id, &contents, now_ns)?;
        Ok(ids.into_iter().map(Nat::from).collect())
    }

    fn create_chunks_raw(&mut self, caller: &Caller, batch_id: &Nat, contents: &[&[u8]], now_ns: u64) -> Result<Vec<u64>, Error> {
        self.permissions.require(caller, Permission::Prepare)?;
        let limits = self.limits();
        self.batches.create_chunks(self.store.blob_mut(), batch_id, contents, now_ns, &limits)
    }

    /// `commit_batch` (Commit), one message's share of it: hashes at most `hash_budget` bytes
    /// of content ([`HASHED_BYTES_PER_MESSAGE`] in the canister); `Pending` asks the caller to
    /// call again with the same arguments in a later message. Every call re-validates the whole
    /// commit; the call that returns `Done` applies it, so the assets change in one message or
    /// not at all. Batch id 0 applies the operations and deletes no batch.
    pub fn commit_batch(
        &mut self,
        caller: &Caller,
        args: &CommitBatchArguments,
        now_ns: u64,
        hash_budget: u64,
    ) -> Result<CommitProgress, Error> {
        self.permissions.require(caller, Permission::Commit)?;
        let batch = if args.batch_id == 0u64 {
            None
        } else {
            let (id, record) = self.batches.live_batch(&args.batch_id)?;
            if record.proposed {
                return Err(Error::BatchAlreadyProposed { batch_id: id });
            }
            Some(id)
        };
        self.commit_operations(&args.operations, batch, now_ns, hash_budget)
    }

    /// Validates, hashes within `hash_budget`, and applies once everything is hashed.
    fn commit_operations(
        &mut self,
        ops: &[BatchOperationKind],
        batch: Option<u64>,
        now_ns: u64,
        hash_budget: u64,
    ) -> Result<CommitProgress, Error> {
        let batches = &self.batches;
        self.hashing.retain_live(|id| batches.chunk(id).is_some());
        let plan = operations::validate(&self.store, &self.batches, ops)?;
        let lists = operations::chunks_to_hash(&plan);
        if !self.hashing.advance(self.store.blob(), &lists, hash_budget) {
            return Ok(CommitProgress::Pending);
        }
        let hashed_ids: Vec<Vec<u64>> = lists.iter().map(|l| l.ids.to_vec()).collect();
        let Some(plan) = operations::hash(plan, &self.hashing)? else {
            return Ok(CommitProgress::Pending);
        };
        for ids in &hashed_ids {
            self.hashing.remove(ids);
        }
        let clears = plan.clears();
        let mut taking = if clears { Taking::now(batch) } else { Taking::deferred_to(batch) };
        if !plan.is_empty() {
            if clears {
                self.hashing.clear();
                self.evidence.clear();
            }
            operations::apply(&mut self.store, &mut self.batches, plan, now_ns, &mut self.changes, &mut taking);
            self.touched(now_ns);
        }
        self.batches.finish_commit(self.store.blob_mut(), taking);
        if let Some(id) = batch {
            self.evidence.remove(&id);
        }
        Ok(CommitProgress::Done)
    }

    /// `propose_commit_batch` (Prepare): stores the operations for a later, evidenced commit.
    pub fn propose_commit_batch(&mut self, caller: &Caller, args: &CommitBatchArguments) -> Result<(), Error> {
        self.permissions.require(caller, Permission::Prepare)?;
        self.batches.propose(args).map(|_| ())
    }

    /// `compute_evidence` (Prepare): advances the hash; `Some` once done.
    pub fn compute_evidence(&mut self, caller: &Caller, args: &ComputeEvidenceArguments) -> Result<Option<ByteBuf>, Error> {
        self.permissions.require(caller, Permission::Prepare)?;
        let (id, record) = self.batches.live_batch(&args.batch_id)?;
        if let Some(e) = record.evidence {
            return Ok(Some(ByteBuf::from(e.to_vec())));
        }
        let proposal = self.batches.proposal(id).ok_or(Error::BatchNotProposed { batch_id: id })?;
        let steps = args.max_iterations.unwrap_or(DEFAULT_MAX_ITERATIONS);
        let job = self.evidence.entry(id).or_default();
        let (batches, store) = (&self.batches, &self.store);
        let done = job.advance(&proposal.operations, steps, |chunk_id| {
            batches.chunk(chunk_id).map(|c| store.blob().read(c.extent, 0, c.extent.len))
        });
        Ok(done.map(|e| {
            self.evidence.remove(&id);
            self.batches.set_evidence(id, e);
            ByteBuf::from(e.to_vec())
        }))
    }

    fn check_proposed(&self, args: &CommitProposedBatchArguments) -> Result<(u64, CommitBatchArguments), Error> {
        let (id, record) = self.batches.live_batch(&args.batch_id)?;
        let proposal = self.batches.proposal(id).ok_or(Error::BatchNotProposed { batch_id: id })?;
        let computed = record.evidence.ok_or(Error::EvidenceNotComputed { batch_id: id })?;
        if computed.as_slice() != args.evidence.as_slice() {
            return Err(Error::EvidenceMismatch {
                batch_id: id,
                computed: hex(&computed),
                presented: hex(&args.evidence),
            });
        }
        Ok((id, proposal))
    }

    /// `commit_proposed_batch` (Commit): commits a proposal whose evidence matches; one
    /// message's share of it, as [`State::commit_batch`].
    pub fn commit_proposed_batch(
        &mut self,
        caller: &Caller,
        args: &CommitProposedBatchArguments,
        now_ns: u64,
        hash_budget: u64,
    ) -> Result<CommitProgress, Error> {
        self.permissions.require(caller, Permission::Commit)?;
        let (id, proposal) = self.check_proposed(args)?;
        self.commit_operations(&proposal.operations, Some(id), now_ns, hash_budget)
    }

    /// `validate_commit_proposed_batch`.
    pub fn validate_commit_proposed_batch(&self, args: &CommitProposedBatchArguments) -> ValidationResult {
        match self.check_proposed(args) {
            Ok((id, _)) => ValidationResult::Ok(format!("commit proposed batch {id} with evidence {}", hex(&args.evidence))),
            Err(e) => ValidationResult::Err(e.to_string()),
        }
    }

    /// `delete_batch` (Prepare).
    pub fn delete_batch(&mut self, caller: &Caller, args: &DeleteBatchArguments) -> Result<(), Error> {
        self.permissions.require(caller, Permission::Prepare)?;
        let (id, _) = self.batches.live_batch(&args.batch_id)?;
        self.batches.delete_batch(self.store.blob_mut(), id);
        self.evidence.remove(&id);
        Ok(())
    }

    // ---- direct changes ------------------------------------------------------------------

    /// One direct operation that hashes no content, so it always finishes in one message.
    fn single(&mut self, caller: &Caller, op: BatchOperationKind, now_ns: u64) -> Result<(), Error> {
        self.permissions.require(caller, Permission::Commit)?;
        self.commit_operations(&[op], None, now_ns, 0).map(|_| ())
    }

    /// `create_asset` (Commit).
    pub fn create_asset(&mut self, caller: &Caller, a: CreateAssetArguments, now_ns: u64) -> Result<(), Error> {
        self.single(caller, BatchOperationKind::CreateAsset(a), now_ns)
    }

    /// `set_asset_content` (Commit); one message's share of it, as [`State::commit_batch`].
    pub fn set_asset_content(
        &mut self,
        caller: &Caller,
        a: &SetAssetContentArguments,
        now_ns: u64,
        hash_budget: u64,
    ) -> Result<CommitProgress, Error> {
        self.permissions.require(caller, Permission::Commit)?;
        self.commit_operations(&[BatchOperationKind::SetAssetContent(a.clone())], None, now_ns, hash_budget)
    }

    /// `unset_asset_content` (Commit).
    pub fn unset_asset_content(&mut self, caller: &Caller, a: UnsetAssetContentArguments, now_ns: u64) -> Result<(), Error> {
        self.single(caller, BatchOperationKind::UnsetAssetContent(a), now_ns)
    }

    /// `delete_asset` (Commit).
    pub fn delete_asset(&mut self, caller: &Caller, a: DeleteAssetArguments, now_ns: u64) -> Result<(), Error> {
        self.single(caller, BatchOperationKind::DeleteAsset(a), now_ns)
    }

    /// `set_asset_properties` (Commit).
    pub fn set_asset_properties(&mut self, caller: &Caller, a: SetAssetPropertiesArguments, now_ns: u64) -> Result<(), Error> {
        self.single(caller, BatchOperationKind::SetAssetProperties(a), now_ns)
    }

    /// `clear` (Commit): deletes all assets, batches and chunks; batch and chunk ids restart
    /// at 1, as in the legacy canister.
    pub fn clear(&mut self, caller: &Caller, now_ns: u64) -> Result<(), Error> {
        self.permissions.require(caller, Permission::Commit)?;
        self.store.clear();
        self.batches.clear(self.store.blob_mut());
        self.evidence.clear();
        self.hashing.clear();
        self.changes.record_clear();
        self.touched(now_ns);
        Ok(())
    }

    /// `store` (Commit): creates the asset if needed and sets one encoding from inline content.
    pub fn store(&mut self, caller: &Caller, arg: &StoreArg, now_ns: u64) -> Result<(), Error> {
        self.permissions.require(caller, Permission::Commit)?;
        let op_err = |reason| Error::Operation { index: 0, reason };
        let hashes = ContentHashes::of(&arg.content);
        if let Some(given) = &arg.sha256 {
            if given.as_slice() != hashes.sha256 {
                return Err(op_err(OperationError::Sha256Mismatch {
                    key: arg.key.clone(),
                    encoding: arg.content_encoding.clone(),
                    given: hex(given),
                    actual: hex(&hashes.sha256),
                }));
            }
        }
        let mut edit = self.store.edit();
        let mut record = edit.asset(&arg.key).unwrap_or_else(|| {
            new_record(&CreateAssetArguments {
                key: arg.key.clone(),
                content_type: arg.content_type.clone(),
                max_age: None,
                headers: None,
                enable_aliasing: None,
                allow_raw_access: None,
            })
        });
        record.content_type = arg.content_type.clone();
        if arg.aliased.is_some() {
            record.enable_aliasing = arg.aliased;
        }
        edit.put_asset(&arg.key, record);
        let extent = edit.blob_mut().write_new(&arg.content);
        let encoding = EncodingRecord {
            modified_ns: now_ns,
            total_length: arg.content.len() as u64,
            sha256: hashes.sha256,
            part_sha256: hashes.part_sha256,
            extents: vec![extent],
        };
        edit.set_encoding(&arg.key, &arg.content_encoding, encoding);
        drop(edit);
        self.changes.record(arg.key.clone());
        self.touched(now_ns);
        Ok(())
    }

    // ---- reads ---------------------------------------------------------------------------

    fn existing(&self, key: &str) -> Result<AssetRecord, Error> {
        self.store.asset(key).ok_or_else(|| Error::AssetNotFound { key: key.to_string() })
    }

    /// `get`: chunk 0 of the first accepted encoding that exists.
    pub fn get(&self, arg: &GetArg) -> Result<EncodedAsset, Error> {
        let asset = self.existing(&arg.key)?;
        for name in &arg.accept_encodings {
            if let Some(enc) = self.store.encoding(&arg.key, name) {
                let first = enc.extents.first().map(|e| self.store.blob().read(*e, 0, e.len)).unwrap_or_default();
                return Ok(EncodedAsset {
                    content: ByteBuf::from(first),
                    content_type: asset.content_type,
                    content_encoding: name.clone(),
                    sha256: Some(ByteBuf::from(enc.sha256.to_vec())),
                    total_length: Nat::from(enc.total_length),
                });
            }
        }
        Err(Error::EncodingNotFound { key: arg.key.clone(), encodings: arg.accept_encodings.clone() })
    }

    /// `get_chunk`: chunk `index` of an encoding, checking the sha256 if given.
    pub fn get_chunk(&self, arg: &GetChunkArg) -> Result<GetChunkResponse, Error> {
        if let Some(given) = &arg.sha256 {
            let enc = self.encoding_record(&arg.key, &arg.content_encoding)?;
            if given.as_slice() != enc.sha256 {
                return Err(Error::Sha256Mismatch { key: arg.key.clone(), encoding: arg.content_encoding.clone() });
            }
        }
        let index = usize::try_from(&arg.index.0).unwrap_or(usize::MAX);
        let content = self.encoding_chunk(&arg.key, &arg.content_encoding, index).map_err(|e| match e {
            Error::ChunkIndexOutOfRange { key, encoding, .. } => Error::ChunkIndexOutOfRange { key, encoding, index: arg.index.clone() },
            other => other,
        })?;
        Ok(GetChunkResponse { content: ByteBuf::from(content) })
    }

    /// `retrieve`: the identity encoding, if stored as a single chunk.
    pub fn retrieve(&self, key: &str) -> Result<ByteBuf, Error> {
        let enc = self.encoding_record(key, "identity")?;
        match enc.extents.as_slice() {
            [] => Ok(ByteBuf::new()),
            [e] => Ok(ByteBuf::from(self.store.blob().read(*e, 0, e.len))),
            _ => Err(Error::AssetTooLarge { key: key.to_string() }),
        }
    }

    /// `list`: one page of assets sorted by key.
    pub fn list(&self, req: &ListRequest) -> Vec<AssetDetails> {
        let start = req.start.as_ref().and_then(id_u64).unwrap_or(0);
        let len = req.length.as_ref().and_then(id_u64).unwrap_or(MAX_LIST_PAGE).min(MAX_LIST_PAGE);
        self.store
            .page(start, len)
            .into_iter()
            .map(|asset| {
                let encodings = asset
                    .encodings
                    .into_iter()
                    .map(|(name, e)| AssetEncodingDetails {
                        content_encoding: name,
                        sha256: Some(ByteBuf::from(e.sha256.to_vec())),
                        length: Nat::from(e.total_length),
                        modified: Int::from(e.modified_ns),
                    })
                    .collect();
                AssetDetails { key: asset.key, content_type: asset.record.content_type, encodings }
            })
            .collect()
    }

    /// `get_asset_properties`.
    pub fn get_asset_properties(&self, key: &str) -> Result<AssetProperties, Error> {
        let a = self.existing(key)?;
        Ok(AssetProperties {
            max_age: a.max_age,
            headers: a.headers,
            allow_raw_access: a.allow_raw_access,
            is_aliased: a.enable_aliasing,
        })
    }

    // ---- for the HTTP layer --------------------------------------------------------------

    /// Drains the change feed (see the module docs).
    pub fn take_changes(&mut self) -> Changes {
        let changes = std::mem::take(&mut self.changes);
        self.store.keep_written(&changes.keys);
        changes
    }

    /// Metadata of one asset and its encodings.
    pub fn asset_view(&self, key: &str) -> Option<AssetView> {
        let a = self.store.asset(key)?;
        Some(AssetView {
            key: key.to_string(),
            content_type: a.content_type,
            headers: a.headers.unwrap_or_default(),
            max_age: a.max_age,
            enable_aliasing: a.enable_aliasing,
            allow_raw_access: a.allow_raw_access,
            encodings: self
                .store
                .encodings_of(key)
                .into_iter()
                .map(|(name, e)| EncodingView {
                    locator: e.locator(),
                    name,
                    sha256: e.sha256,
                    part_sha256: e.part_sha256,
                    total_length: e.total_length,
                    modified_ns: e.modified_ns,
                    chunk_count: e.extents.len(),
                })
                .collect(),
        })
    }

    /// Number of assets.
    pub fn asset_count(&self) -> u64 {
        self.store.len()
    }

    /// Asset keys after `after` (from the first if `None`), at most `limit`, in order.
    pub fn asset_keys_after(&self, after: Option<&str>, limit: usize) -> Vec<String> {
        self.store.keys_after(after, limit)
    }

    /// Stores `bytes` as the certification record of `key` (opaque bytes owned by
    /// `certification`), freeing the one it replaces; returns its address.
    pub fn put_record(&mut self, key: &str, bytes: &[u8]) -> Result<u64, RecordRegionError> {
        self.store.write_record(key, bytes)
    }

    /// Frees the certification record of `key`, if any.
    pub fn remove_record(&mut self, key: &str) {
        self.store.remove_record(key);
    }

    /// Frees every certification record (after a clear).
    pub fn clear_records(&mut self) {
        self.store.clear_records();
    }

    /// The memory holding the certification trees (its layout is `certification`'s).
    pub fn cert_tree_memory(&self) -> VM<M>
    where
        M: Clone,
    {
        self.cert_tree.clone()
    }

    /// The address of `key`'s certification record, if it has one.
    pub fn record_address(&self, key: &str) -> Option<u64> {
        self.store.record_address(key)
    }

    /// Number of certification records.
    pub fn record_count(&self) -> u64 {
        self.store.record_count()
    }

    /// Keys with the addresses of their certification records, after `after` (from the first
    /// if `None`), at most `limit`, in key order.
    pub fn record_addresses_after(&self, after: Option<&str>, limit: usize) -> Vec<(String, u64)> {
        self.store.record_addresses_after(after, limit)
    }

    /// The first `max` bytes of the record at `address` (fewer if it is shorter) and its length.
    pub fn record_prefix(&self, address: u64, max: usize) -> Result<(Vec<u8>, u32), RecordRegionError> {
        self.store.record_region().read_prefix(address, max)
    }

    /// Fills `buf` with the bytes from `offset` of the record at `address`.
    pub fn record_bytes(&self, address: u64, offset: u64, buf: &mut [u8]) -> Result<(), RecordRegionError> {
        self.store.record_region().read(address, offset, buf)
    }

    /// Bytes `[from, end)` of the content an [`EncodingView::locator`] designates; `None` when
    /// the locator is malformed or shorter than `end`.
    pub fn read_located(&self, locator: &[u8], from: u64, end: u64) -> Option<Vec<u8>> {
        self.store.read_located(locator, from, end)
    }

    fn encoding_record(&self, key: &str, encoding: &str) -> Result<EncodingRecord, Error> {
        self.existing(key)?;
        self.store.encoding(key, encoding).ok_or_else(|| Error::EncodingNotFound {
            key: key.to_string(),
            encodings: vec![encoding.to_string()],
        })
    }

    /// Bytes `[from, from + len)` of an encoding, clamped to its length.
    pub fn read_encoding(&self, key: &str, encoding: &str, from: u64, len: u64) -> Result<Vec<u8>, Error> {
        self.encoding_record(key, encoding).map(|enc| self.store.read(&enc, from, len))
    }

    /// Stored chunk `index` of an encoding.
    pub fn encoding_chunk(&self, key: &str, encoding: &str, index: usize) -> Result<Vec<u8>, Error> {
        let enc = self.encoding_record(key, encoding)?;
        let e = enc.extents.get(index).ok_or_else(|| Error::ChunkIndexOutOfRange {
            key: key.to_string(),
            encoding: encoding.to_string(),
            index: Nat::from(index),
        })?;
        Ok(self.store.blob().read(*e, 0, e.len))
    }

    // ---- permissions ---------------------------------------------------------------------

    /// `authorize`: grants Commit (ManagePermissions or controller).
    pub fn authorize(&mut self, caller: &Caller, other: Principal) -> Result<(), Error> {
        self.permissions.grant(caller, other, Permission::Commit)
    }

    /// `deauthorize`: revokes Commit (ManagePermissions, controller, or oneself).
    pub fn deauthorize(&mut self, caller: &Caller, other: Principal) -> Result<(), Error> {
        self.permissions.revoke(caller, other, Permission::Commit)
    }

    /// `grant_permission`.
    pub fn grant_permission(&mut self, caller: &Caller, a: &GrantPermission) -> Result<(), Error> {
        self.permissions.grant(caller, a.to_principal, a.permission)
    }

    /// `revoke_permission`.
    pub fn revoke_permission(&mut self, caller: &Caller, a: &RevokePermission) -> Result<(), Error> {
        self.permissions.revoke(caller, a.of_principal, a.permission)
    }

    /// `list_permitted`.
    pub fn list_permitted(&self, permission: Permission) -> Vec<Principal> {
        self.permissions.list(permission)
    }

    /// `take_ownership` (controllers).
    pub fn take_ownership(&mut self, caller: &Caller) -> Result<(), Error> {
        self.permissions.take_ownership(caller)
    }

    /// `validate_grant_permission`.
    pub fn validate_grant_permission(&self, a: &GrantPermission) -> ValidationResult {
        if a.to_principal == Principal::anonymous() {
            return ValidationResult::Err(Error::AnonymousPrincipal.to_string());
        }
        ValidationResult::Ok(format!("grant {:?} permission to principal {}", a.permission, a.to_principal))
    }

    /// `validate_revoke_permission`.
    pub fn validate_revoke_permission(&self, a: &RevokePermission) -> ValidationResult {
        ValidationResult::Ok(format!("revoke {:?} permission from principal {}", a.permission, a.of_principal))
    }

    /// `validate_take_ownership`.
    pub fn validate_take_ownership(&self) -> ValidationResult {
        ValidationResult::Ok("revoke all permissions, then gives the caller Commit permissions".to_string())
    }

    // ---- configuration -------------------------------------------------------------------

    fn limits(&self) -> Limits {
        self.settings.get().limits
    }

    /// `get_configuration` (Prepare).
    pub fn get_configuration(&self, caller: &Caller) -> Result<ConfigurationResponse, Error> {
        self.permissions.require(caller, Permission::Prepare)?;
        Ok(self.limits().response())
    }

    /// `configure` (Commit).
    pub fn configure(&mut self, caller: &Caller, args: &ConfigureArguments) -> Result<(), Error> {
        self.permissions.require(caller, Permission::Commit)?;
        let mut s = *self.settings.get();
        s.limits.apply(args);
        self.settings.set(s);
        Ok(())
    }

    /// `validate_configure`.
    pub fn validate_configure(&self, args: &ConfigureArguments) -> ValidationResult {
        ValidationResult::Ok(format!("configure: {args:?}"))
    }

    // ---- state hash ----------------------------------------------------------------------

    /// `compute_state_hash`: advances the hash of all assets; `Some(hex)` once done for the
    /// current state. Restarts whenever assets change.
    pub fn compute_state_hash(&mut self) -> Option<String> {
        self.state_hash.advance(&self.store, self.version)
    }

    /// `get_state_info`.
    pub fn get_state_info(&self) -> StateInfo {
        StateInfo {
            last_state_update_timestamp: self.settings.get().last_update_ns,
            state_hash: self.state_hash.finished(self.version),
        }
    }
}

#[cfg(test)]
mod tests;
