//! The persisted certification of one asset: every precomputed response (status, headers, body
//! span, response hash) and its hashed response-set subtree, written to stable memory when a
//! commit changes the asset, so that `post_upgrade` reads them back instead of deriving headers,
//! hashing responses and hashing the subtree again (most of the rebuild's cost per asset).
//!
//! Owns only the byte layout. Must not decide when records are written (`state_sync`) nor
//! where (`State`). Invariant: [`decode`] returns either exactly what [`encode`] was given, or
//! `None` when the bytes were written by a canister that derived responses differently
//! ([`RECORD_VERSION`] or the certificate expression changed) or are malformed; the caller then
//! recomputes from the asset's metadata, so a stale record is never served.
//!
//! Layout (all integers big-endian, `text` = u32 length then UTF-8):
//! `version u8 | expr_hash [32] | enable_aliasing u8 | allow_raw_access u8 | n u32 | n x variant
//! | response set (see `treap/codec.rs`)`, where `variant = encoding u8 | length u64 | sha256 [32]
//! | k u32 | k x part sha256 [32] | etag text | full: 0 or 1 then response | head | not_modified
//! | m u32 | m x part response | unsatisfiable` and `response = status u16 | h u32 | h x (name
//! text, value text) | body (0 empty, 1 then start u64, end u64) | hash [32]`; a header count of
//! `u32::MAX` repeats the previous response's list (a HEAD's is its 200's) and a value length of
//! `u32::MAX` stands for the certificate expression, which every response carries.

use super::input::{Encoding, EncodingView};
use super::headers::HeaderList;
use super::responses::{AssetResponses, Body, CertifiedResponse, Expression, Variant};
use super::tree::ResponseSet;
use ic_certification::Hash;

/// Bump whenever the responses built for the same asset change (headers, statuses, hashing,
/// set layout): records of older versions are then recomputed instead of served.
pub const RECORD_VERSION: u8 = 1;

/// Bytes of one asset's certification, as stored.
pub fn encode(asset: &AssetResponses, expression: &Expression) -> Vec<u8> {
    let mut out = Vec::with_capacity(2048);
    out.push(RECORD_VERSION);
    out.extend_from_slice(&expression.hash);
    out.push(u8::from(asset.enable_aliasing));
    out.push(u8::from(asset.allow_raw_access));
    put_len(&mut out, asset.variants.len());
    for variant in &asset.variants {
        put_variant(&mut out, variant, &expression.text);
    }
    asset.certified.encode(&mut out);
    out
}

/// The certification of asset `key` from its stored bytes; `None` when they are malformed or
/// were built under another [`RECORD_VERSION`] or expression.
pub fn decode(key: &str, bytes: &[u8], expression: &Expression) -> Option<AssetResponses> {
    let mut r = Reader::new(bytes);
    if r.u8()? != RECORD_VERSION || r.hash()? != expression.hash {
        return None;
    }
    let enable_aliasing = r.flag()?;
    let allow_raw_access = r.flag()?;
    let count = r.u32()?;
    let variants = (0..count).map(|_| variant(&mut r, &expression.text)).collect::<Option<Vec<_>>>()?;
    let certified = ResponseSet::decode(&mut r)?;
    r.bytes.is_empty().then(|| AssetResponses { key: key.to_string(), enable_aliasing, allow_raw_access, variants, certified })
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&u32::try_from(len).expect("lengths of a record fit u32").to_be_bytes());
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_len(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn put_variant(out: &mut Vec<u8>, v: &Variant, expression: &str) {
    out.push(encoding_tag(v.view.encoding));
    out.extend_from_slice(&v.view.length.to_be_bytes());
    out.extend_from_slice(&v.view.sha256);
    put_len(out, v.view.part_sha256.len());
    for part in &v.view.part_sha256 {
        out.extend_from_slice(part);
    }
    put_text(out, &v.etag);
    let mut previous = None;
    match &v.full {
        None => out.push(0),
        Some(full) => {
            out.push(1);
            put_response(out, full, expression, &mut previous);
        }
    }
    put_response(out, &v.head, expression, &mut previous);
    put_response(out, &v.not_modified, expression, &mut previous);
    put_len(out, v.parts.len());
    for part in &v.parts {
        put_response(out, part, expression, &mut previous);
    }
    put_response(out, &v.unsatisfiable, expression, &mut previous);
}

/// Header count meaning "the previous response's headers" (a HEAD repeats its 200's list).
const SAME_HEADERS: u32 = u32::MAX;
/// Text length meaning "the certificate expression" (every response carries it).
const EXPRESSION_TEXT: u32 = u32::MAX;

fn put_response<'a>(out: &mut Vec<u8>, r: &'a CertifiedResponse, expression: &str, previous: &mut Option<&'a HeaderList>) {
    out.extend_from_slice(&r.status.to_be_bytes());
    if previous.is_some_and(|p| *p == r.headers) {
        out.extend_from_slice(&SAME_HEADERS.to_be_bytes());
    } else {
        put_len(out, r.headers.len());
        for (name, value) in &r.headers {
            put_text(out, name);
            if value == expression {
                out.extend_from_slice(&EXPRESSION_TEXT.to_be_bytes());
            } else {
                put_text(out, value);
            }
        }
    }
    *previous = Some(&r.headers);
    match r.body {
        Body::Stored { start, end } => {
            out.push(1);
            out.extend_from_slice(&start.to_be_bytes());
            out.extend_from_slice(&end.to_be_bytes());
        }
        // An asset's responses never carry a canister-owned body.
        Body::Empty | Body::Static(_) => out.push(0),
    }
    out.extend_from_slice(&r.hash);
}

fn encoding_tag(encoding: Encoding) -> u8 {
    match encoding {
        Encoding::Br => 0,
        Encoding::Gzip => 1,
        Encoding::Identity => 2,
    }
}

fn variant(r: &mut Reader<'_>, expression: &str) -> Option<Variant> {
    let encoding = match r.u8()? {
        0 => Encoding::Br,
        1 => Encoding::Gzip,
        2 => Encoding::Identity,
        _ => return None,
    };
    let length = r.u64()?;
    let sha256 = r.hash()?;
    let parts = r.u32()?;
    let part_sha256 = (0..parts).map(|_| r.hash()).collect::<Option<Vec<_>>>()?;
    let etag = r.text()?;
    let mut previous = None;
    let full = match r.u8()? {
        0 => None,
        1 => Some(response(r, expression, &mut previous)?),
        _ => return None,
    };
    let head = response(r, expression, &mut previous)?;
    let not_modified = response(r, expression, &mut previous)?;
    let count = r.u32()?;
    let parts = (0..count).map(|_| response(r, expression, &mut previous)).collect::<Option<Vec<_>>>()?;
    let unsatisfiable = response(r, expression, &mut previous)?;
    let view = EncodingView { encoding, length, sha256, part_sha256 };
    Some(Variant { view, etag, full, head, not_modified, parts, unsatisfiable })
}

fn response(r: &mut Reader<'_>, expression: &str, previous: &mut Option<HeaderList>) -> Option<CertifiedResponse> {
    let status = r.u16()?;
    let headers = match r.u32()? {
        SAME_HEADERS => previous.clone()?,
        count => (0..count)
            .map(|_| {
                let name = r.text()?;
                let value = match r.u32()? {
                    EXPRESSION_TEXT => expression.to_string(),
                    len => r.text_of(len as usize)?,
                };
                Some((name, value))
            })
            .collect::<Option<HeaderList>>()?,
    };
    *previous = Some(headers.clone());
    let body = match r.u8()? {
        0 => Body::Empty,
        1 => Body::Stored { start: r.u64()?, end: r.u64()? },
        _ => return None,
    };
    Some(CertifiedResponse { status, headers, body, hash: r.hash()? })
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
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
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

    fn flag(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn text(&mut self) -> Option<String> {
        let len = self.u32()? as usize;
        self.text_of(len)
    }

    fn text_of(&mut self, len: usize) -> Option<String> {
        String::from_utf8(self.bytes(len)?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests;
