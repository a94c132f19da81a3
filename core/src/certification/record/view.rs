//! Reading a record in place: [`RecordView`] for serving (the table up front, then one response
//! at a time) and [`RecordSummary`] for rebuilding the certifier (the table and the response
//! sets, no response).

use super::{
    encoding_of, Reader, RecordError, ALIASING, EXPRESSION_TEXT, HAS_ASSET, HAS_PAGE, HEADER_LEN, PAGE_LEN,
    RAW_ACCESS, RECORD_VERSION, VARIANT_LEN,
};
use crate::certification::input::{ContentSource, Encoding};
use crate::certification::responses::{Body, CertifiedResponse, Expression, NOT_FOUND_BODY};
use crate::certification::response_set::ResponseSet;
use ic_certification::Hash;
use std::borrow::Cow;

/// Bytes read when a stored record is opened: the header, table and locators of a small asset
/// and usually its first response, in one stable-memory read.
const PREFIX_READ: usize = 768;

/// A response with its stored witness inside the asset's response set, if the record has one.
pub type Witnessed<'a> = (CertifiedResponse, Option<Cow<'a, [u8]>>);

/// A byte range of a record (a response, a locator, or a part table); opaque outside this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    at: u32,
    len: u32,
}

impl Span {
    fn read(r: &mut Reader<'_>) -> Option<Span> {
        Some(Span { at: r.u32()?, len: r.u32()? })
    }
}

/// One encoding of the asset, as its table entry describes it.
#[derive(Debug, Clone, Copy)]
pub struct VariantEntry {
    /// Which encoding.
    pub encoding: Encoding,
    /// Content length.
    pub length: u64,
    /// sha256 of the content (the `ETag` is its quoted hex).
    pub sha256: Hash,
    locator: Span,
    full: Span,
    /// 200 headers without a body, for HEAD.
    pub head: Span,
    /// 304 for a matching `If-None-Match`.
    pub not_modified: Span,
    /// 416 for ranges beyond the end.
    pub unsatisfiable: Span,
    parts: Span,
}

impl VariantEntry {
    /// The 200 with the whole body; `None` when the content is larger than one part.
    pub fn full(&self) -> Option<Span> {
        (self.full.len > 0).then_some(self.full)
    }

    /// Number of 206 parts.
    pub fn part_count(&self) -> u64 {
        u64::from(self.parts.len / 8)
    }

    /// The `ETag` value, quoted, as the responses carry it.
    pub fn etag(&self) -> String {
        format!("\"{}\"", hex::encode(self.sha256))
    }

    /// Parses one table entry; fixed offsets, so the bounds are checked once.
    fn parse(b: &[u8; VARIANT_LEN]) -> Option<VariantEntry> {
        let span = |at: usize| Span { at: be32(b, at), len: be32(b, at + 4) };
        let mut length = [0u8; 8];
        length.copy_from_slice(&b[1..9]);
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(&b[9..41]);
        Some(VariantEntry {
            encoding: encoding_of(b[0])?,
            length: u64::from_be_bytes(length),
            sha256,
            locator: span(41),
            full: span(49),
            head: span(57),
            not_modified: span(65),
            unsatisfiable: span(73),
            parts: span(81),
        })
    }
}

fn be32<const N: usize>(b: &[u8; N], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// One encoding of the fallback page the asset provides.
#[derive(Debug, Clone, Copy)]
pub struct PageEntry {
    /// Which encoding.
    pub encoding: Encoding,
    locator: Span,
    /// The page with its body.
    pub full: Span,
    /// The page without a body, for HEAD.
    pub head: Span,
}

impl PageEntry {
    fn read(r: &mut Reader<'_>) -> Option<PageEntry> {
        Some(PageEntry { encoding: encoding_of(r.u8()?)?, locator: Span::read(r)?, full: Span::read(r)?, head: Span::read(r)? })
    }
}

/// Where a view reads from.
#[derive(Clone, Copy)]
enum Source<'a> {
    Stored { source: &'a dyn ContentSource, address: u64 },
    Heap,
}

/// A record opened for serving: its header, table and locators are in hand; responses are read
/// and decoded one at a time, on demand.
pub struct RecordView<'a> {
    source: Source<'a>,
    prefix: Cow<'a, [u8]>,
    len: usize,
    flags: u8,
    variants: u8,
    pages: u8,
    expression: &'a str,
}

fn malformed(what: &'static str) -> RecordError {
    RecordError::Malformed { what }
}

impl<'a> RecordView<'a> {
    /// Opens the record at `address` in `source`.
    pub fn stored(source: &'a dyn ContentSource, address: u64, expression: &'a str) -> Result<RecordView<'a>, RecordError> {
        let (prefix, len) = source.record_prefix(address, PREFIX_READ).ok_or(RecordError::Missing { address })?;
        let len = len as usize;
        let mut view = RecordView::parse(Source::Stored { source, address }, Cow::Owned(prefix), len, expression)?;
        let table_end = view.u32_at(4)? as usize;
        if table_end > view.prefix.len() {
            if table_end > len {
                return Err(malformed("table end"));
            }
            view.prefix = Cow::Owned(view.read(0, table_end)?.into_owned());
        }
        Ok(view)
    }

    /// Views a record held in memory (the canister's plain 404).
    pub fn heap(bytes: &'a [u8], expression: &'a str) -> Result<RecordView<'a>, RecordError> {
        RecordView::parse(Source::Heap, Cow::Borrowed(bytes), bytes.len(), expression)
    }

    fn parse(source: Source<'a>, prefix: Cow<'a, [u8]>, len: usize, expression: &'a str) -> Result<RecordView<'a>, RecordError> {
        let [version, flags, variants, pages] = *prefix.first_chunk::<4>().ok_or(malformed("header"))?;
        if version != RECORD_VERSION {
            return Err(RecordError::Stale { version });
        }
        Ok(RecordView { source, prefix, len, flags, variants, pages, expression })
    }

    fn u32_at(&self, at: usize) -> Result<u32, RecordError> {
        let bytes = self.prefix.get(at..at + 4).ok_or(malformed("header"))?;
        Ok(u32::from_be_bytes(bytes.try_into().map_err(|_| malformed("header"))?))
    }

    /// Bytes `[at, at + len)`, from the prefix when it holds them, else read from the source.
    fn read(&self, at: usize, len: usize) -> Result<Cow<'_, [u8]>, RecordError> {
        let end = at.checked_add(len).filter(|&e| e <= self.len).ok_or(malformed("span"))?;
        if let Some(bytes) = self.prefix.get(at..end) {
            return Ok(Cow::Borrowed(bytes));
        }
        match self.source {
            Source::Heap => Err(malformed("span")),
            Source::Stored { source, address } => {
                let mut buf = vec![0u8; len];
                if !source.record_bytes(address, at as u64, &mut buf) {
                    return Err(RecordError::Missing { address });
                }
                Ok(Cow::Owned(buf))
            }
        }
    }

    fn span(&self, span: Span) -> Result<Cow<'_, [u8]>, RecordError> {
        self.read(span.at as usize, span.len as usize)
    }

    /// Whether raw domains may serve the asset (and its fallback page).
    pub fn allow_raw_access(&self) -> bool {
        self.flags & RAW_ACCESS != 0
    }

    /// The table entries of the asset's encodings, in serving preference order.
    pub fn variants(&self) -> impl Iterator<Item = Result<VariantEntry, RecordError>> + '_ {
        (0..usize::from(self.variants)).map(|i| {
            let at = HEADER_LEN + i * VARIANT_LEN;
            let bytes = self.prefix.get(at..at + VARIANT_LEN).and_then(|b| b.try_into().ok()).ok_or(malformed("variant table"))?;
            VariantEntry::parse(bytes).ok_or(malformed("variant entry"))
        })
    }

    /// The entry for `encoding`, if the asset has it.
    pub fn variant(&self, encoding: Encoding) -> Result<Option<VariantEntry>, RecordError> {
        for entry in self.variants() {
            let entry = entry?;
            if entry.encoding == encoding {
                return Ok(Some(entry));
            }
        }
        Ok(None)
    }

    /// The variant legacy (v1) clients get: identity if stored, else the most preferred one
    /// (the one the `http_assets` tree certifies).
    pub fn v1_variant(&self) -> Result<Option<VariantEntry>, RecordError> {
        match self.variant(Encoding::Identity)? {
            Some(entry) => Ok(Some(entry)),
            None => self.variants().next().transpose(),
        }
    }

    /// The fallback page's entry for `encoding`, if the record holds a page in it.
    pub fn page_variant(&self, encoding: Encoding) -> Result<Option<PageEntry>, RecordError> {
        let table = HEADER_LEN + usize::from(self.variants) * VARIANT_LEN;
        for i in 0..usize::from(self.pages) {
            let at = table + i * PAGE_LEN;
            let bytes = self.prefix.get(at..at + PAGE_LEN).ok_or(malformed("page table"))?;
            let entry = PageEntry::read(&mut Reader::new(bytes)).ok_or(malformed("page entry"))?;
            if entry.encoding == encoding {
                return Ok(Some(entry));
            }
        }
        Ok(None)
    }

    /// Decodes the response at `span`.
    pub fn response(&self, span: Span) -> Result<CertifiedResponse, RecordError> {
        self.response_with_witness(span).map(|(response, _)| response)
    }

    /// Decodes the response at `span` with its stored witness inside the asset's response set
    /// (`None` for a page response, or when the record holds none), borrowed from the bytes
    /// read when the record was opened if they hold it.
    pub fn response_with_witness(&self, span: Span) -> Result<Witnessed<'_>, RecordError> {
        let unreadable = || malformed("response");
        let (response, witness) = match self.span(span)? {
            Cow::Borrowed(bytes) => {
                let (response, witness) = decode_response(&mut Reader::new(bytes), self.expression).ok_or_else(unreadable)?;
                (response, Cow::Borrowed(witness))
            }
            Cow::Owned(bytes) => {
                let (response, witness) = decode_response(&mut Reader::new(&bytes), self.expression).ok_or_else(unreadable)?;
                (response, Cow::Owned(witness.to_vec()))
            }
        };
        Ok((response, (!witness.is_empty()).then_some(witness)))
    }

    /// The span of 206 part `index` of `entry`; `None` past the last part.
    pub fn part(&self, entry: &VariantEntry, index: u64) -> Result<Option<Span>, RecordError> {
        if index >= entry.part_count() {
            return Ok(None);
        }
        let bytes = self.read(entry.parts.at as usize + index as usize * 8, 8)?;
        Span::read(&mut Reader::new(&bytes)).map(Some).ok_or(malformed("part table"))
    }

    /// The asset's response set from the record's summary (`None` in a page-only record), for
    /// a witness the record does not store (the shared 405's).
    pub fn response_set(&self, expression: &Expression) -> Result<Option<ResponseSet>, RecordError> {
        self.response_sets(expression).map(|(certified, _)| certified)
    }

    /// The asset's and the fallback page's response sets from the summary; stale when the
    /// record was built under another certificate expression.
    fn response_sets(&self, expression: &Expression) -> Result<(Option<ResponseSet>, Option<ResponseSet>), RecordError> {
        let summary_at = self.u32_at(8)? as usize;
        let len = self.len.checked_sub(summary_at).ok_or(malformed("summary"))?;
        let bytes = self.read(summary_at, len)?;
        let mut r = Reader::new(&bytes);
        if r.hash() != Some(expression.hash) {
            return Err(RecordError::Stale { version: RECORD_VERSION });
        }
        let certified = match self.flags & HAS_ASSET {
            0 => None,
            _ => Some(ResponseSet::decode(&mut r, &expression.hash).ok_or(malformed("response set"))?),
        };
        let page = match self.flags & HAS_PAGE {
            0 => None,
            _ => Some(ResponseSet::decode(&mut r, &expression.hash).ok_or(malformed("page response set"))?),
        };
        if !r.is_empty() {
            return Err(malformed("summary"));
        }
        Ok((certified, page))
    }

    /// The content locator of `entry`.
    pub fn locator(&self, entry: &VariantEntry) -> Result<Cow<'_, [u8]>, RecordError> {
        self.span(entry.locator)
    }

    /// The content locator of a page entry.
    pub fn page_locator(&self, entry: &PageEntry) -> Result<Cow<'_, [u8]>, RecordError> {
        self.span(entry.locator)
    }
}

/// A response and its stored witness (empty when none).
fn decode_response<'b>(r: &mut Reader<'b>, expression: &str) -> Option<(CertifiedResponse, &'b [u8])> {
    let status = r.u16()?;
    let hash = r.hash()?;
    let witness_len = usize::from(r.u16()?);
    let witness = r.bytes(witness_len)?;
    let body = match r.u8()? {
        0 => Body::Empty,
        1 => Body::Stored { start: r.u64()?, end: r.u64()? },
        2 => Body::Static(NOT_FOUND_BODY),
        _ => return None,
    };
    let count = usize::from(r.u16()?);
    let lengths = r.bytes(count * 6)?;
    let text = std::str::from_utf8(r.bytes(r.remaining())?).ok()?;
    let mut at = 0usize;
    let mut take = |len: usize| {
        let piece = text.get(at..at.checked_add(len)?)?;
        at += len;
        Some(piece.to_owned())
    };
    let mut headers = Vec::with_capacity(count + 1);
    for entry in lengths.chunks_exact(6) {
        let name = take(usize::from(u16::from_be_bytes([entry[0], entry[1]])))?;
        let value = match u32::from_be_bytes([entry[2], entry[3], entry[4], entry[5]]) {
            EXPRESSION_TEXT => expression.to_owned(),
            len => take(len as usize)?,
        };
        headers.push((name, value));
    }
    (at == text.len()).then_some((CertifiedResponse { status, headers, body, hash }, witness))
}

/// What rebuilding the certifier needs from a record: flags, the v1 body hash, and the hashed
/// response sets, without decoding a response.
#[derive(Debug, Clone)]
pub struct RecordSummary {
    /// Whether alias paths may serve the asset.
    pub enable_aliasing: bool,
    /// Whether the asset has any encoding to serve.
    pub servable: bool,
    /// sha256 of the encoding the v1 tree certifies.
    pub v1_sha256: Option<Hash>,
    /// The asset's response set (absent in a page-only record).
    pub certified: Option<ResponseSet>,
    /// The fallback page's response set, when the record holds a page.
    pub page: Option<ResponseSet>,
}

impl RecordSummary {
    /// Reads the summary of the record at `address`; [`RecordError::Stale`] when it was built
    /// under another version or certificate expression.
    pub fn read(source: &dyn ContentSource, address: u64, expression: &Expression) -> Result<RecordSummary, RecordError> {
        let view = RecordView::stored(source, address, &expression.text)?;
        let (certified, page) = view.response_sets(expression)?;
        Ok(RecordSummary {
            enable_aliasing: view.flags & ALIASING != 0,
            servable: view.variants > 0,
            v1_sha256: view.v1_variant()?.map(|v| v.sha256),
            certified,
            page,
        })
    }
}
