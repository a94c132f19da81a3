//! Stable record formats of assets and encodings, and their byte encodings.
//!
//! Owns only how a record becomes bytes and back; which records exist is `store/mod.rs`'s
//! business. Invariant: encodings are deterministic (same record, same bytes), so the layout
//! goldens pin them; changing one means a new layout version.

use super::blob::{u64_at, Extent};
use crate::types::HeaderField;
use ic_stable_structures::storable::Bound;
use ic_stable_structures::Storable;
use std::borrow::Cow;

/// Metadata of one asset (its encodings are separate records).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetRecord {
    /// MIME type.
    pub content_type: String,
    /// `max-age` in seconds.
    pub max_age: Option<u64>,
    /// Extra headers, sorted by name, one value per name.
    pub headers: Option<Vec<HeaderField>>,
    /// Aliasing switch as uploaded.
    pub enable_aliasing: Option<bool>,
    /// Raw-domain switch as uploaded.
    pub allow_raw_access: Option<bool>,
}

/// Encoded as `content_type: text | max_age: opt u64 | headers: opt (n u32, n x (text, text))
/// | enable_aliasing: tri | allow_raw_access: tri`, where `text` is a u32 byte length then
/// UTF-8, `opt` a 0/1 byte then the value, and `tri` one byte (0 unset, 1 false, 2 true), all
/// big-endian. Hand-written rather than Candid: a commit writes and certification reads one
/// record per asset, and Candid's type tables made that the largest per-asset cost.
impl Storable for AssetRecord {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.clone().into_bytes())
    }
    fn into_bytes(self) -> Vec<u8> {
        let mut v = Vec::with_capacity(32 + self.content_type.len());
        put_text(&mut v, &self.content_type);
        match self.max_age {
            None => v.push(0),
            Some(age) => {
                v.push(1);
                v.extend_from_slice(&age.to_be_bytes());
            }
        }
        match &self.headers {
            None => v.push(0),
            Some(headers) => {
                v.push(1);
                v.extend_from_slice(&u32::try_from(headers.len()).expect("header count fits u32").to_be_bytes());
                for (name, value) in headers {
                    put_text(&mut v, name);
                    put_text(&mut v, value);
                }
            }
        }
        v.push(tri(self.enable_aliasing));
        v.push(tri(self.allow_raw_access));
        v
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        let mut r = Reader { bytes: &bytes, at: 0 };
        let content_type = r.text();
        let max_age = (r.byte() == 1).then(|| r.u64());
        let headers = (r.byte() == 1).then(|| (0..r.u32()).map(|_| (r.text(), r.text())).collect());
        AssetRecord {
            content_type,
            max_age,
            headers,
            enable_aliasing: from_tri(r.byte()),
            allow_raw_access: from_tri(r.byte()),
        }
    }
    const BOUND: Bound = Bound::Unbounded;
}

fn put_text(v: &mut Vec<u8>, text: &str) {
    v.extend_from_slice(&u32::try_from(text.len()).expect("text length fits u32").to_be_bytes());
    v.extend_from_slice(text.as_bytes());
}

fn tri(flag: Option<bool>) -> u8 {
    match flag {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    }
}

fn from_tri(byte: u8) -> Option<bool> {
    match byte {
        0 => None,
        b => Some(b == 2),
    }
}

/// Reads a record this module wrote (so lengths hold; a short read is a corrupt store).
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let out = &self.bytes[self.at..self.at + n];
        self.at += n;
        out
    }
    fn byte(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        b.copy_from_slice(self.take(4));
        u32::from_be_bytes(b)
    }
    fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8));
        u64::from_be_bytes(b)
    }
    fn text(&mut self) -> String {
        let n = self.u32() as usize;
        String::from_utf8(self.take(n).to_vec()).expect("stored text is UTF-8")
    }
}

/// An asset key as a B-tree key, held as its UTF-8 bytes: the same bytes and order a `String`
/// key has (so the stored layout is the `String` one), but a node the B-tree loads does not
/// allocate and validate a `String` for every key it holds (about 1.6 K per insert).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KeyText(Vec<u8>);

impl KeyText {
    /// The B-tree key of asset `key`.
    pub fn of(key: &str) -> KeyText {
        KeyText(key.as_bytes().to_vec())
    }

    /// Whether this is `key`.
    pub fn is(&self, key: &str) -> bool {
        self.0 == key.as_bytes()
    }

    /// The key as text; bytes that are not UTF-8 (corrupt memory) are replaced, never a panic.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl Storable for KeyText {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.0)
    }
    fn into_bytes(self) -> Vec<u8> {
        self.0
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        KeyText(bytes.into_owned())
    }
    const BOUND: Bound = Bound::Unbounded;
}

/// `(asset key, encoding name)`, ordered by key then name so one asset's encodings are adjacent.
///
/// Held as its stored bytes, `key length u32 | key | name` (big-endian), and compared by slicing
/// them: the B-tree deserializes every key of each node it loads, and two `String`s per key
/// made the encoding map's insert the costliest B-tree write of a commit. The order is byte-wise
/// `(key, name)`, exactly `String`'s order on the pair (tested).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodingKey(Vec<u8>);

impl EncodingKey {
    /// The key of `encoding` of asset `key`.
    pub fn new(key: &str, encoding: &str) -> Self {
        let mut v = Vec::with_capacity(4 + key.len() + encoding.len());
        v.extend_from_slice(&u32::try_from(key.len()).expect("key length fits u32").to_be_bytes());
        v.extend_from_slice(key.as_bytes());
        v.extend_from_slice(encoding.as_bytes());
        EncodingKey(v)
    }

    /// `(key, name)` bytes. A stored key this module did not write reads as empty parts.
    fn parts(&self) -> (&[u8], &[u8]) {
        let len = self.0.first_chunk::<4>().map_or(0, |n| u32::from_be_bytes(*n) as usize);
        match self.0.get(4..).map(|rest| rest.split_at_checked(len)) {
            Some(Some(parts)) => parts,
            _ => (&[], &[]),
        }
    }

    /// Whether this is an encoding of asset `key`.
    pub fn is_of(&self, key: &str) -> bool {
        self.parts().0 == key.as_bytes()
    }

    /// The encoding name.
    pub fn encoding(&self) -> String {
        String::from_utf8_lossy(self.parts().1).into_owned()
    }
}

impl Ord for EncodingKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.parts().cmp(&other.parts())
    }
}

impl PartialOrd for EncodingKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Storable for EncodingKey {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.0)
    }
    fn into_bytes(self) -> Vec<u8> {
        self.0
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        EncodingKey(bytes.into_owned())
    }
    const BOUND: Bound = Bound::Unbounded;
}

/// Offset of the part count in an encoded [`EncodingRecord`] (after modified, length, sha256).
const PARTS_AT: usize = 48;

/// One encoding's content: its extents in order, plus what `list` and HTTP serving report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodingRecord {
    /// Last modification, ns since the epoch.
    pub modified_ns: u64,
    /// Sum of the extents' lengths.
    pub total_length: u64,
    /// sha256 of the whole content (checked or computed at commit).
    pub sha256: [u8; 32],
    /// sha256 of each certified part (see [`crate::content_hash`]); empty when the content
    /// fits in one part. Stored so certification never reads content.
    pub part_sha256: Vec<[u8; 32]>,
    /// Content pieces in order; piece `i` is what `get_chunk` returns for index `i`.
    pub extents: Vec<Extent>,
}

impl EncodingRecord {
    /// Where the content lives, as bytes for a certification record: the extents in order,
    /// 16 bytes each (see the module docs of `store` for why they stay valid).
    pub fn locator(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Extent::ENCODED_LEN * self.extents.len());
        for e in &self.extents {
            e.encode_into(&mut v);
        }
        v
    }
}

impl Storable for EncodingRecord {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        let parts = self.part_sha256.len();
        let mut v = Vec::with_capacity(PARTS_AT + 4 + 32 * parts + Extent::ENCODED_LEN * self.extents.len());
        v.extend_from_slice(&self.modified_ns.to_be_bytes());
        v.extend_from_slice(&self.total_length.to_be_bytes());
        v.extend_from_slice(&self.sha256);
        v.extend_from_slice(&u32::try_from(parts).expect("part count fits u32").to_be_bytes());
        for p in &self.part_sha256 {
            v.extend_from_slice(p);
        }
        for e in &self.extents {
            e.encode_into(&mut v);
        }
        Cow::Owned(v)
    }
    fn into_bytes(self) -> Vec<u8> {
        self.to_bytes().into_owned()
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(&bytes[16..PARTS_AT]);
        let mut n = [0u8; 4];
        n.copy_from_slice(&bytes[PARTS_AT..PARTS_AT + 4]);
        let extents_at = PARTS_AT + 4 + 32 * u32::from_be_bytes(n) as usize;
        let part_sha256 = bytes[PARTS_AT + 4..extents_at]
            .chunks_exact(32)
            .map(|p| {
                let mut h = [0u8; 32];
                h.copy_from_slice(p);
                h
            })
            .collect();
        EncodingRecord {
            modified_ns: u64_at(&bytes, 0),
            total_length: u64_at(&bytes, 8),
            sha256,
            part_sha256,
            extents: bytes[extents_at..]
                .chunks_exact(Extent::ENCODED_LEN)
                .map(Extent::decode)
                .collect(),
        }
    }
    const BOUND: Bound = Bound::Unbounded;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_record_round_trips() {
        let r = EncodingRecord {
            modified_ns: 7,
            total_length: 30,
            sha256: [9; 32],
            part_sha256: vec![],
            extents: vec![Extent { offset: 0, len: 10 }, Extent { offset: 50, len: 20 }],
        };
        assert_eq!(EncodingRecord::from_bytes(r.to_bytes()), r);
        let large = EncodingRecord {
            total_length: 5_000_000,
            part_sha256: vec![[1; 32], [2; 32], [3; 32]],
            extents: vec![Extent { offset: 0, len: 3_000_000 }, Extent { offset: 9_000_000, len: 2_000_000 }],
            ..r
        };
        assert_eq!(EncodingRecord::from_bytes(large.to_bytes()), large);
    }

    #[test]
    fn encoding_key_round_trips_with_any_text() {
        let k = EncodingKey::new("/a\u{0}b/ü", "gzip");
        assert_eq!(EncodingKey::from_bytes(k.to_bytes()), k);
        assert!(k.is_of("/a\u{0}b/ü") && !k.is_of("/a"));
        assert_eq!(k.encoding(), "gzip");
        // The stored layout: key length, key, name.
        assert_eq!(EncodingKey::new("/k", "br").into_bytes(), b"\0\0\0\x02/kbr");
    }

    proptest::proptest! {
        #[test]
        fn key_text_is_stored_and_sorted_as_the_string_it_replaced(a in ".{0,8}", b in ".{0,8}") {
            let (x, y) = (KeyText::of(&a), KeyText::of(&b));
            proptest::prop_assert_eq!(x.to_bytes(), a.to_bytes());
            proptest::prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            proptest::prop_assert_eq!(x.text(), a.clone());
            proptest::prop_assert!(x.is(&a));
        }
    }

    proptest::proptest! {
        #[test]
        fn encoding_keys_sort_as_their_text_pairs(a in (".{0,6}", ".{0,4}"), b in (".{0,6}", ".{0,4}")) {
            let (x, y) = (EncodingKey::new(&a.0, &a.1), EncodingKey::new(&b.0, &b.1));
            proptest::prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            proptest::prop_assert_eq!(x == y, a == b);
        }
    }

    #[test]
    fn asset_record_round_trips() {
        let r = AssetRecord {
            content_type: "text/html".into(),
            max_age: Some(60),
            headers: Some(vec![("a".into(), "b".into()), ("x-ü".into(), String::new())]),
            enable_aliasing: Some(true),
            allow_raw_access: None,
        };
        assert_eq!(AssetRecord::from_bytes(r.to_bytes()), r);
    }

    proptest::proptest! {
        #[test]
        fn any_asset_record_round_trips(
            content_type in ".*",
            max_age in proptest::option::of(proptest::prelude::any::<u64>()),
            headers in proptest::option::of(proptest::collection::vec((".*", ".*"), 0..4)),
            enable_aliasing in proptest::option::of(proptest::prelude::any::<bool>()),
            allow_raw_access in proptest::option::of(proptest::prelude::any::<bool>()),
        ) {
            let r = AssetRecord { content_type, max_age, headers, enable_aliasing, allow_raw_access };
            proptest::prop_assert_eq!(AssetRecord::from_bytes(r.to_bytes()), r);
        }
    }
}
