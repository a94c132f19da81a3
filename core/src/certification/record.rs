//! The persisted certification of one asset, laid out for serving in place: every precomputed
//! response (status, headers, body span, response hash, and for an asset's own responses the
//! CBOR witness of the response inside the asset's response set), each encoding's content
//! locator, the fallback page the asset provides, and the hashed response-set subtrees. A
//! commit writes it once; a request reads its fixed header and variant table, then only the
//! response it picks, whose witness completes the certificate header without reading the
//! tree below the path; a commit re-certifying an alias or scope reads the table and the
//! subtrees, never a response.
//!
//! Owns only the byte layout ([`encode`], [`RecordView`], [`RecordSummary`]). Must not decide
//! when records are written (`state_sync`, `certifier`) nor where (the [`RecordSink`]). Invariant:
//! a view of [`encode`]'s bytes gives back exactly the responses it was given, and every read is
//! bounds-checked: bytes of another [`RECORD_VERSION`] or certificate expression, or malformed
//! ones, give a [`RecordError`], never a panic or another response.
//!
//! Layout (integers big-endian; a `span` is `at u32 | len u32`, a byte range of the record):
//! ```text
//! header   version u8 | flags u8 (1 aliasing, 2 raw access, 4 asset, 8 page) | n u8 | p u8
//!          | table_end u32 | summary_at u32 | 0 u32
//! table    n x (encoding u8 | length u64 | sha256 [32] | locator span | full span (len 0:
//!          none) | head span | not_modified span | unsatisfiable span | parts span)
//!          p x (encoding u8 | locator span | full span | head span)      fallback page
//! ...      locators (opaque bytes), then responses, then each variant's part spans
//! summary  expr_hash [32] | asset response set if flag 4 | page response set if flag 8 (each
//!          as `ResponseSet::encode` writes it: its nodes in label order with their hashes)
//! response status u16 | hash [32] | w u16 | w bytes: the witness CBOR of `expr_hash / "" /
//!          hash` in the asset's set (w = 0 for page responses, or when longer than u16)
//!          | body: 0 empty, 1 then start u64 | end u64, 2 the plain 404 body | h u16 | h x (name len u16 | value len u32, where u32::MAX stands for
//!          the certificate expression every response carries) | the names and values, in
//!          order, as one UTF-8 text (validated once per response, not once per header)
//! ```
//! Everything a request needs to choose a response ends at `table_end`; the locators follow the
//! tables, so a small asset's record is read in one piece up to its first response, while a
//! large asset's (one extent per uploaded chunk) are read only for the variant served.

mod view;

pub use view::{PageEntry, RecordSummary, RecordView, Span, VariantEntry};

use super::input::Encoding;
use super::responses::{AssetResponses, Body, CertifiedResponse, Expression, FallbackPage, Listed, Variant};
use super::stable_tree::StableTreeError;
use super::response_set::ResponseSet;
use ic_certification::Hash;
use thiserror::Error;

/// Bump whenever the responses built for the same asset or the layout change: records of other
/// versions are rebuilt from metadata instead of served.
pub const RECORD_VERSION: u8 = 4;

const HEADER_LEN: usize = 16;
const VARIANT_LEN: usize = 1 + 8 + 32 + 6 * 8;
const PAGE_LEN: usize = 1 + 3 * 8;
const ALIASING: u8 = 1;
const RAW_ACCESS: u8 = 2;
const HAS_ASSET: u8 = 4;
const HAS_PAGE: u8 = 8;
/// Header value length meaning "the certificate expression".
const EXPRESSION_TEXT: u32 = u32::MAX;

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    /// No record lives at the address.
    #[error("no record at address {address}")]
    Missing {
        /// The address looked up.
        address: u64,
    },
    /// The bytes do not follow the layout.
    #[error("malformed record: {what}")]
    Malformed {
        /// The part that failed to parse.
        what: &'static str,
    },
    /// Written by a canister that built responses differently: rebuild from metadata.
    #[error("record of version {version} under another certificate expression or layout")]
    Stale {
        /// The record's version byte.
        version: u8,
    },
    /// The certification tree, which locates each path's record, could not be read.
    #[error("the certification tree locating records is unreadable: {error}")]
    Unindexed {
        /// What the stable tree reported.
        error: StableTreeError,
    },
    /// The tree certifies neither the path nor any scope above it, not even the root scope
    /// every tree holds (a corrupt tree).
    #[error("no certified path or scope covers the request")]
    Unrouted,
}

/// Bytes of the record of `asset`, with the fallback `page` its key provides.
pub fn encode(asset: &AssetResponses, page: Option<&FallbackPage>, expression: &Expression) -> Vec<u8> {
    let mut flags = HAS_ASSET;
    if asset.enable_aliasing {
        flags |= ALIASING;
    }
    if asset.allow_raw_access {
        flags |= RAW_ACCESS;
    }
    Writer::new(flags, Some(asset), page).finish(expression)
}

/// Bytes of a record holding only a fallback page (the canister's plain 404).
pub fn encode_page(page: &FallbackPage, expression: &Expression) -> Vec<u8> {
    let flags = if page.allow_raw_access { RAW_ACCESS } else { 0 };
    Writer::new(flags, None, Some(page)).finish(expression)
}

struct Writer<'a> {
    out: Vec<u8>,
    asset: Option<&'a AssetResponses>,
    page: Option<&'a FallbackPage>,
}

impl<'a> Writer<'a> {
    fn new(flags: u8, asset: Option<&'a AssetResponses>, page: Option<&'a FallbackPage>) -> Writer<'a> {
        let variants = asset.map_or(&[][..], |a| &a.variants[..]);
        let page_variants = page.map_or(&[][..], |p| &p.variants[..]);
        let flags = flags | if page.is_some() { HAS_PAGE } else { 0 };
        let table_end = HEADER_LEN + variants.len() * VARIANT_LEN + page_variants.len() * PAGE_LEN;
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(&[RECORD_VERSION, flags, variants.len() as u8, page_variants.len() as u8]);
        out.resize(table_end, 0);
        Writer { out, asset, page }
    }

    fn span(&mut self, bytes: &[u8]) -> [u8; 8] {
        let at = self.out.len();
        self.out.extend_from_slice(bytes);
        span_bytes(at, bytes.len())
    }

    /// Writes a response of `v` with its witness inside the asset's response `set`.
    fn response(&mut self, v: &Variant, r: &CertifiedResponse<Listed>, expression: &Expression, set: &ResponseSet) -> [u8; 8] {
        let at = self.out.len();
        put_response(&mut self.out, (r.status, &r.hash, &r.body), v.headers_of(r), expression, Some(set));
        span_bytes(at, self.out.len() - at)
    }

    /// Writes a fallback page's response, whose wildcard witness is built per request.
    fn page_response(&mut self, r: &CertifiedResponse, expression: &Expression) -> [u8; 8] {
        let at = self.out.len();
        let headers = r.headers.iter().map(|(name, value)| (name.as_str(), value.as_str()));
        put_response(&mut self.out, (r.status, &r.hash, &r.body), headers, expression, None);
        span_bytes(at, self.out.len() - at)
    }

    /// Writes `fields` into the table at `at` (the table was zero-filled by [`Writer::new`]).
    fn table(&mut self, at: usize, fields: &[&[u8]]) -> usize {
        let mut at = at;
        for field in fields {
            self.out[at..at + field.len()].copy_from_slice(field);
            at += field.len();
        }
        at
    }

    fn finish(mut self, expression: &Expression) -> Vec<u8> {
        let variants = self.asset.map_or(&[][..], |a| &a.variants[..]);
        let page_variants = self.page.map_or(&[][..], |p| &p.variants[..]);
        let locator_of = |e: Encoding| variants.iter().find(|v| v.view.encoding == e).map_or(&[][..], |v| &v.view.locator[..]);
        let table_end = self.out.len();
        let mut variant_locators = Vec::with_capacity(variants.len());
        for v in variants {
            variant_locators.push(self.span(&v.view.locator));
        }
        let mut page_locators = Vec::with_capacity(page_variants.len());
        for (encoding, _, _) in page_variants {
            page_locators.push(self.span(locator_of(*encoding)));
        }
        let mut at = HEADER_LEN;
        let asset_variants = self.asset.map(|a| a.variants.iter().map(move |v| (v, &a.certified)));
        for ((v, set), locator) in asset_variants.into_iter().flatten().zip(&variant_locators) {
            let full = v.full.as_ref().map_or([0; 8], |r| self.response(v, r, expression, set));
            let head = self.response(v, &v.head, expression, set);
            let not_modified = self.response(v, &v.not_modified, expression, set);
            let unsatisfiable = self.response(v, &v.unsatisfiable, expression, set);
            let parts_at = self.out.len();
            self.out.resize(parts_at + 8 * v.parts.len(), 0);
            for (i, r) in v.parts.iter().enumerate() {
                let span = self.response(v, r, expression, set);
                self.out[parts_at + 8 * i..parts_at + 8 * (i + 1)].copy_from_slice(&span);
            }
            let parts = span_bytes(parts_at, 8 * v.parts.len());
            let fields: [&[u8]; 9] = [
                &[encoding_tag(v.view.encoding)],
                &v.view.length.to_be_bytes(),
                &v.view.sha256,
                locator,
                &full,
                &head,
                &not_modified,
                &unsatisfiable,
                &parts,
            ];
            at = self.table(at, &fields);
        }
        for ((encoding, full, head), locator) in page_variants.iter().zip(&page_locators) {
            let full = self.page_response(full, expression);
            let head = self.page_response(head, expression);
            at = self.table(at, &[&[encoding_tag(*encoding)], locator, &full, &head]);
        }
        debug_assert_eq!(at, table_end);
        let summary_at = self.out.len();
        self.out.extend_from_slice(&expression.hash);
        if let Some(asset) = self.asset {
            asset.certified.encode(&mut self.out);
        }
        if let Some(page) = self.page {
            page.certified.encode(&mut self.out);
        }
        self.out[4..8].copy_from_slice(&u32_of(table_end).to_be_bytes());
        self.out[8..12].copy_from_slice(&u32_of(summary_at).to_be_bytes());
        self.out
    }
}

fn u32_of(n: usize) -> u32 {
    u32::try_from(n).expect("a record is shorter than 4 GiB")
}

fn span_bytes(at: usize, len: usize) -> [u8; 8] {
    let mut s = [0u8; 8];
    s[..4].copy_from_slice(&u32_of(at).to_be_bytes());
    s[4..].copy_from_slice(&u32_of(len).to_be_bytes());
    s
}


/// Writes a response (`status`, `hash`, `body` and `headers`), with its witness in `set`
/// written in place (no buffer of its own: a commit writes one per response, and allocating
/// each cost more than the walk).
fn put_response<'h>(
    out: &mut Vec<u8>,
    (status, hash, body): (u16, &Hash, &Body),
    headers: impl ExactSizeIterator<Item = (&'h str, &'h str)>,
    expression: &Expression,
    set: Option<&ResponseSet>,
) {
    out.extend_from_slice(&status.to_be_bytes());
    out.extend_from_slice(hash);
    let len_at = out.len();
    out.extend_from_slice(&[0, 0]);
    if let Some(set) = set {
        set.witness_cbor(&expression.hash, hash, out);
    }
    // A witness too long for its length field is left out: serving then walks the tree for it.
    match u16::try_from(out.len() - len_at - 2) {
        Ok(len) => out[len_at..len_at + 2].copy_from_slice(&len.to_be_bytes()),
        Err(_) => out.truncate(len_at + 2),
    }
    let expression = &expression.text;
    match *body {
        Body::Empty => out.push(0),
        Body::Stored { start, end } => {
            out.push(1);
            out.extend_from_slice(&start.to_be_bytes());
            out.extend_from_slice(&end.to_be_bytes());
        }
        // The only canister-owned body a record holds is the plain 404's.
        Body::Static(_) => out.push(2),
    }
    put_headers(out, headers, expression);
}

fn put_headers<'h>(out: &mut Vec<u8>, headers: impl ExactSizeIterator<Item = (&'h str, &'h str)>, expression: &str) {
    let count = u16::try_from(headers.len()).expect("a response has fewer than 65536 headers");
    out.extend_from_slice(&count.to_be_bytes());
    let lengths_at = out.len();
    out.resize(lengths_at + 6 * usize::from(count), 0);
    for (i, (name, value)) in headers.enumerate() {
        let name_len = u16::try_from(name.len()).expect("header names are shorter than 64 KiB");
        out.extend_from_slice(name.as_bytes());
        // The certificate expression is stored as a mark, not as text.
        let value_len = if value == expression {
            EXPRESSION_TEXT
        } else {
            out.extend_from_slice(value.as_bytes());
            u32_of(value.len())
        };
        let entry = &mut out[lengths_at + 6 * i..lengths_at + 6 * (i + 1)];
        entry[..2].copy_from_slice(&name_len.to_be_bytes());
        entry[2..].copy_from_slice(&value_len.to_be_bytes());
    }
}

fn encoding_tag(encoding: Encoding) -> u8 {
    match encoding {
        Encoding::Br => 0,
        Encoding::Gzip => 1,
        Encoding::Identity => 2,
    }
}

fn encoding_of(tag: u8) -> Option<Encoding> {
    match tag {
        0 => Some(Encoding::Br),
        1 => Some(Encoding::Gzip),
        2 => Some(Encoding::Identity),
        _ => None,
    }
}

/// A cursor over stored bytes; every read is checked, so malformed bytes give `None`.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.bytes.len()
    }

    /// The next `len` bytes.
    pub fn bytes(&mut self, len: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < len {
            return None;
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.bytes(N)?.try_into().ok()
    }

    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    /// A big-endian u32.
    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }

    /// A 32-byte hash.
    pub fn hash(&mut self) -> Option<Hash> {
        self.array()
    }
}

#[cfg(test)]
mod tests;
