//! Stable record formats of assets and encodings, and their byte encodings.
//!
//! Owns only how a record becomes bytes and back; which records exist is `store/mod.rs`'s
//! business, and where a spilled encoding body lives is `store/edit.rs`'s. Invariant:
//! encodings are deterministic (same record, same bytes), so the layout goldens pin them;
//! changing one means a new layout version.

use super::blob::Extent;
use super::record_store::RecordHandle;
use crate::types::HeaderField;
use ic_stable_structures::storable::Bound;
use ic_stable_structures::Storable;
use std::borrow::Cow;

/// Metadata of one asset (stored with its encodings, in a [`StoredAsset`]).
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
impl AssetRecord {
    fn write_into(&self, v: &mut Vec<u8>) {
        put_text(v, &self.content_type);
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
                    put_text(v, name);
                    put_text(v, value);
                }
            }
        }
        v.push(tri(self.enable_aliasing));
        v.push(tri(self.allow_raw_access));
    }

    fn read_from(r: &mut Reader<'_>) -> Self {
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
}

fn put_text(v: &mut Vec<u8>, text: &str) {
    put_bytes(v, text.as_bytes());
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

    /// The body bytes, `n u32 | n x part sha256 [32] | extents (16 B each)`, and the rest.
    pub fn split(self) -> (StoredEncodingHead, Vec<u8>) {
        let parts = self.part_sha256.len();
        let mut body = Vec::with_capacity(4 + 32 * parts + Extent::ENCODED_LEN * self.extents.len());
        body.extend_from_slice(&u32::try_from(parts).expect("part count fits u32").to_be_bytes());
        for p in &self.part_sha256 {
            body.extend_from_slice(p);
        }
        for e in &self.extents {
            e.encode_into(&mut body);
        }
        let head = StoredEncodingHead { modified_ns: self.modified_ns, total_length: self.total_length, sha256: self.sha256 };
        (head, body)
    }

    /// The record from its head and body bytes (as [`EncodingRecord::split`] made them).
    pub fn join(head: &StoredEncodingHead, body: &[u8]) -> Self {
        let mut r = Reader { bytes: body, at: 0 };
        let parts = r.u32() as usize;
        let part_sha256 = r.take(32 * parts).chunks_exact(32).map(|p| p.try_into().expect("32 bytes")).collect();
        let extents = r.bytes[r.at..].chunks_exact(Extent::ENCODED_LEN).map(Extent::decode).collect();
        EncodingRecord {
            modified_ns: head.modified_ns,
            total_length: head.total_length,
            sha256: head.sha256,
            part_sha256,
            extents,
        }
    }
}

/// The fixed part of a stored encoding (its body is [`Body`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredEncodingHead {
    /// Last modification, ns since the epoch.
    pub modified_ns: u64,
    /// Content length.
    pub total_length: u64,
    /// sha256 of the whole content.
    pub sha256: [u8; 32],
}

/// Where an encoding's body (part hashes and extents, see [`EncodingRecord::split`]) is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// In the asset record.
    Inline(Vec<u8>),
    /// In the blob region, an extent owned by the encoding (a large file's body).
    Spilled(Extent),
}

/// An encoding as its asset record holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEncoding {
    /// Metadata.
    pub head: StoredEncodingHead,
    /// Part hashes and extents.
    pub body: Body,
}

/// An asset with all its encodings, sorted by name: one value of the asset map, so a commit
/// writes an asset with its content in one B-tree insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAsset {
    /// Where its certification record is found (`record_store.rs`).
    pub handle: RecordHandle,
    /// Metadata.
    pub record: AssetRecord,
    /// Encodings by name, sorted, names unique.
    pub encodings: Vec<(String, StoredEncoding)>,
}

/// Encoded as the record handle (u64), the [`AssetRecord`] bytes, then `n u32` and per encoding `name: text | modified
/// u64 | length u64 | sha256 [32] | body`, where `body` is `0 | len u32 | bytes` (inline) or
/// `1 | extent [16]` (spilled), all big-endian.
impl Storable for StoredAsset {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        let mut v = Vec::with_capacity(72 + self.record.content_type.len() + 96 * self.encodings.len());
        v.extend_from_slice(&self.handle.0.to_be_bytes());
        self.record.write_into(&mut v);
        v.extend_from_slice(&u32::try_from(self.encodings.len()).expect("encoding count fits u32").to_be_bytes());
        for (name, e) in &self.encodings {
            put_text(&mut v, name);
            v.extend_from_slice(&e.head.modified_ns.to_be_bytes());
            v.extend_from_slice(&e.head.total_length.to_be_bytes());
            v.extend_from_slice(&e.head.sha256);
            match &e.body {
                Body::Inline(bytes) => {
                    v.push(0);
                    put_bytes(&mut v, bytes);
                }
                Body::Spilled(extent) => {
                    v.push(1);
                    extent.encode_into(&mut v);
                }
            }
        }
        Cow::Owned(v)
    }
    fn into_bytes(self) -> Vec<u8> {
        self.to_bytes().into_owned()
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        let mut r = Reader { bytes: &bytes, at: 0 };
        let handle = RecordHandle(r.u64());
        let record = AssetRecord::read_from(&mut r);
        let encodings = (0..r.u32())
            .map(|_| {
                let name = r.text();
                let modified_ns = r.u64();
                let total_length = r.u64();
                let sha256 = r.take(32).try_into().expect("32 bytes");
                let body = match r.byte() {
                    0 => {
                        let n = r.u32() as usize;
                        Body::Inline(r.take(n).to_vec())
                    }
                    _ => Body::Spilled(Extent::decode(r.take(Extent::ENCODED_LEN))),
                };
                (name, StoredEncoding { head: StoredEncodingHead { modified_ns, total_length, sha256 }, body })
            })
            .collect();
        StoredAsset { handle, record, encodings }
    }
    const BOUND: Bound = Bound::Unbounded;
}

fn put_bytes(v: &mut Vec<u8>, bytes: &[u8]) {
    v.extend_from_slice(&u32::try_from(bytes.len()).expect("length fits u32").to_be_bytes());
    v.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encoding_record_splits_and_joins() {
        let r = EncodingRecord {
            modified_ns: 7,
            total_length: 30,
            sha256: [9; 32],
            part_sha256: vec![],
            extents: vec![Extent { offset: 0, len: 10 }, Extent { offset: 50, len: 20 }],
        };
        let (head, body) = r.clone().split();
        assert_eq!(EncodingRecord::join(&head, &body), r);
        let large = EncodingRecord {
            total_length: 5_000_000,
            part_sha256: vec![[1; 32], [2; 32], [3; 32]],
            extents: vec![Extent { offset: 0, len: 3_000_000 }, Extent { offset: 9_000_000, len: 2_000_000 }],
            ..r
        };
        let (head, body) = large.clone().split();
        assert_eq!(body.len(), 4 + 3 * 32 + 2 * 16);
        assert_eq!(EncodingRecord::join(&head, &body), large);
    }

    proptest! {
        #[test]
        fn key_text_is_stored_and_sorted_as_the_string_it_replaced(a in ".{0,8}", b in ".{0,8}") {
            let (x, y) = (KeyText::of(&a), KeyText::of(&b));
            prop_assert_eq!(x.to_bytes(), a.to_bytes());
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(x.text(), a.clone());
            prop_assert!(x.is(&a));
        }
    }

    fn asset_record() -> impl Strategy<Value = AssetRecord> {
        (
            ".*",
            proptest::option::of(any::<u64>()),
            proptest::option::of(proptest::collection::vec((".*", ".*"), 0..4)),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
        )
            .prop_map(|(content_type, max_age, headers, enable_aliasing, allow_raw_access)| AssetRecord {
                content_type,
                max_age,
                headers,
                enable_aliasing,
                allow_raw_access,
            })
    }

    fn stored_encoding() -> impl Strategy<Value = StoredEncoding> {
        let body = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..80).prop_map(Body::Inline),
            (any::<u64>(), any::<u64>()).prop_map(|(offset, len)| Body::Spilled(Extent { offset, len })),
        ];
        (any::<u64>(), any::<u64>(), any::<[u8; 32]>(), body).prop_map(|(modified_ns, total_length, sha256, body)| {
            StoredEncoding { head: StoredEncodingHead { modified_ns, total_length, sha256 }, body }
        })
    }

    proptest! {
        #[test]
        fn any_stored_asset_round_trips(
            handle in any::<u64>(),
            record in asset_record(),
            encodings in proptest::collection::vec((".{0,6}", stored_encoding()), 0..4),
        ) {
            let a = StoredAsset { handle: RecordHandle(handle), record, encodings };
            prop_assert_eq!(StoredAsset::from_bytes(a.to_bytes()), a);
        }
    }

    #[test]
    fn stored_asset_layout() {
        let a = StoredAsset {
            handle: RecordHandle(9),
            record: AssetRecord { content_type: "t".into(), max_age: None, headers: None, enable_aliasing: Some(true), allow_raw_access: None },
            encodings: vec![(
                "br".into(),
                StoredEncoding {
                    head: StoredEncodingHead { modified_ns: 1, total_length: 2, sha256: [3; 32] },
                    body: Body::Spilled(Extent { offset: 4, len: 5 }),
                },
            )],
        };
        let mut expected = 9u64.to_be_bytes().to_vec();
        expected.extend_from_slice(b"\0\0\0\x01t\0\0\x02\0\0\0\0\x01\0\0\0\x02br");
        expected.extend_from_slice(&1u64.to_be_bytes());
        expected.extend_from_slice(&2u64.to_be_bytes());
        expected.extend_from_slice(&[3; 32]);
        expected.push(1);
        expected.extend_from_slice(&4u64.to_be_bytes());
        expected.extend_from_slice(&5u64.to_be_bytes());
        assert_eq!(a.into_bytes(), expected);
    }
}
