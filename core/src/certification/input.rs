//! What the certifier reads from the asset store: a metadata view per asset (with the content
//! hashes and content locator recorded at commit), where it writes each asset's record
//! ([`RecordSink`]) and, for serving, how it reads records and content back ([`ContentSource`]).
//!
//! Owns only these input shapes and seams; it never sees the stable-memory layout (a locator and
//! a record address are opaque here). Invariant: an [`EncodingView`]'s `length`, `sha256` and
//! `part_sha256` describe exactly the bytes the [`ContentSource`] returns for its `locator`;
//! certification uses the hashes and never reads content.

use crate::store::record_region::RecordRegionError;

/// A content coding the canister serves, in the order it prefers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Encoding {
    /// Brotli (`br`).
    Br,
    /// Gzip (`gzip`).
    Gzip,
    /// No coding (`identity`).
    Identity,
}

impl Encoding {
    /// Serving preference, best first.
    pub const PREFERENCE: [Encoding; 3] = [Encoding::Br, Encoding::Gzip, Encoding::Identity];

    /// The token used in `Content-Encoding` and in the legacy API's `content_encoding` fields.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Br => "br",
            Encoding::Gzip => "gzip",
            Encoding::Identity => "identity",
        }
    }

    /// Parses a legacy API encoding name; encodings the canister does not serve give `None`.
    pub fn from_name(name: &str) -> Option<Encoding> {
        Encoding::PREFERENCE.into_iter().find(|e| e.name().eq_ignore_ascii_case(name))
    }
}

/// One stored encoding of an asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodingView {
    /// Which encoding.
    pub encoding: Encoding,
    /// Total length in bytes.
    pub length: u64,
    /// sha256 of the whole encoding.
    pub sha256: [u8; 32],
    /// sha256 of each [`CHUNK_SIZE`](super::CHUNK_SIZE) part, in order: empty when `length`
    /// fits in one part, else exactly `length.div_ceil(CHUNK_SIZE)` entries (computed once at
    /// commit by [`crate::content_hash`]).
    pub part_sha256: Vec<[u8; 32]>,
    /// Where the content lives, opaque to certification: copied into the asset's record and
    /// handed back to [`ContentSource::read_content`] when a response body is read.
    pub locator: Vec<u8>,
}

impl EncodingView {
    /// The view of `bytes` stored as `encoding` at `locator`, hashing them (for callers that
    /// hold content).
    pub fn of_content(encoding: Encoding, bytes: &[u8], locator: Vec<u8>) -> EncodingView {
        let hashes = crate::content_hash::ContentHashes::of(bytes);
        EncodingView {
            encoding,
            length: bytes.len() as u64,
            sha256: hashes.sha256,
            part_sha256: hashes.part_sha256,
            locator,
        }
    }
}

/// The metadata of one asset that shapes its HTTP responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetView {
    /// The asset key, an absolute path such as `/index.html`.
    pub key: String,
    /// `Content-Type` value.
    pub content_type: String,
    /// `Cache-Control: max-age=<n>` when set.
    pub max_age: Option<u64>,
    /// Custom response headers set by the uploader.
    pub headers: Vec<(String, String)>,
    /// Whether `/x` and `/x/` may serve this asset when its key is `/x.html` or `/x/index.html`.
    pub enable_aliasing: bool,
    /// Whether raw (uncertified) domains may serve this asset; otherwise they get a 308.
    pub allow_raw_access: bool,
    /// The stored encodings; encodings the canister does not serve are left out by the caller.
    pub encodings: Vec<EncodingView>,
}

/// Reads records and content in place, so HTTP code never learns the storage layout.
pub trait ContentSource {
    /// Bytes `[start, end)` of the content `locator` designates; `None` when the locator is
    /// malformed or the content shorter than `end`.
    fn read_content(&self, locator: &[u8], start: u64, end: u64) -> Option<Vec<u8>>;
    /// The first `max` bytes of the record at `address` (fewer when the record is shorter) and
    /// the record's length; `None` when no record lives there.
    fn record_prefix(&self, address: u64, max: usize) -> Option<(Vec<u8>, u32)>;
    /// Fills `buf` with the bytes from `offset` of the record at `address`; `false` when no
    /// record lives there or the range leaves it.
    fn record_bytes(&self, address: u64, offset: u64, buf: &mut [u8]) -> bool;
    /// The address of the record of `key`, if it has one (the legacy streaming callback and
    /// commit-time alias resolution name assets by key).
    fn record_address(&self, key: &str) -> Option<u64>;
}

/// Where the certifier keeps each asset's record (one per key), read back by key when a commit
/// re-resolves the paths and scopes around a changed key.
pub trait RecordSink: ContentSource {
    /// Stores `bytes` as the record of `key`, freeing the one it replaces; returns its address.
    fn write_record(&mut self, key: &str, bytes: &[u8]) -> Result<u64, RecordRegionError>;
    /// Frees the record of `key`, if any.
    fn remove_record(&mut self, key: &str);
}

/// One change a commit made to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The asset was created or any of its metadata or encodings changed.
    Upsert(AssetView),
    /// The asset was deleted.
    Remove {
        /// Key of the deleted asset.
        key: String,
    },
}
