use super::*;
use crate::certification::input::AssetView;
use crate::certification::response_hash::ResponseHasher;
use crate::certification::tree::{CertPath, Trees};
use crate::certification::CHUNK_SIZE;
use proptest::prelude::*;

fn encoding() -> impl Strategy<Value = EncodingView> {
    let encoding = prop_oneof![Just(Encoding::Br), Just(Encoding::Gzip), Just(Encoding::Identity)];
    // Lengths around the part size, so 206 parts and the no-`full` case both occur.
    let length = prop_oneof![0..64u64, (CHUNK_SIZE - 2)..(3 * CHUNK_SIZE + 2)];
    (encoding, length, any::<[u8; 32]>(), any::<u8>()).prop_map(|(encoding, length, sha256, seed)| {
        let parts = if length <= CHUNK_SIZE { 0 } else { length.div_ceil(CHUNK_SIZE) as usize };
        let part_sha256 = (0..parts).map(|i| [seed.wrapping_add(i as u8); 32]).collect();
        EncodingView { encoding, length, sha256, part_sha256 }
    })
}

fn asset() -> impl Strategy<Value = AssetView> {
    let headers = proptest::collection::vec(("[a-z-]{1,12}", "[ -~]{0,20}"), 0..4);
    (
        "/[a-z]{1,8}(\\.html)?",
        "[a-z]{1,8}/[a-z]{1,8}",
        headers,
        proptest::option::of(0..100_000u64),
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(encoding(), 0..3),
    )
        .prop_map(|(key, content_type, headers, max_age, enable_aliasing, allow_raw_access, encodings)| AssetView {
            key,
            content_type,
            headers,
            max_age,
            enable_aliasing,
            allow_raw_access,
            encodings,
        })
}

fn root_of(asset: &AssetResponses) -> Hash {
    let mut trees = Trees::default();
    trees.insert(&CertPath::Exact(asset.key.clone()), &asset.certified);
    trees.rehash()
}

proptest! {
    /// A stored record gives back every response, header and hash, and a response set that
    /// certifies the same root, byte for byte the same when written again.
    #[test]
    fn record_round_trips(view in asset()) {
        let expression = Expression::new();
        let built = AssetResponses::build(&view, &expression, &mut ResponseHasher::default()).expect("part hashes present");
        let bytes = encode(&built, &expression);
        let decoded = decode(&view.key, &bytes, &expression).expect("decodes");
        prop_assert_eq!(&decoded.key, &built.key);
        prop_assert_eq!(decoded.enable_aliasing, built.enable_aliasing);
        prop_assert_eq!(decoded.allow_raw_access, built.allow_raw_access);
        prop_assert_eq!(decoded.variants.len(), built.variants.len());
        for (d, b) in decoded.variants.iter().zip(&built.variants) {
            prop_assert_eq!(&d.view, &b.view);
            prop_assert_eq!(&d.etag, &b.etag);
            prop_assert_eq!(&d.full, &b.full);
            prop_assert_eq!(&d.head, &b.head);
            prop_assert_eq!(&d.not_modified, &b.not_modified);
            prop_assert_eq!(&d.parts, &b.parts);
            prop_assert_eq!(&d.unsatisfiable, &b.unsatisfiable);
        }
        prop_assert_eq!(root_of(&decoded), root_of(&built));
        prop_assert_eq!(encode(&decoded, &expression), bytes);
    }

    /// Cut or extended bytes are refused, never misread.
    #[test]
    fn malformed_records_are_refused(view in asset(), cut in any::<prop::sample::Index>()) {
        let expression = Expression::new();
        let built = AssetResponses::build(&view, &expression, &mut ResponseHasher::default()).expect("part hashes present");
        let mut bytes = encode(&built, &expression);
        prop_assert!(decode(&view.key, &bytes[..cut.index(bytes.len())], &expression).is_none());
        bytes.push(0);
        prop_assert!(decode(&view.key, &bytes, &expression).is_none());
    }
}

#[test]
fn records_of_another_version_or_expression_are_not_used() {
    let expression = Expression::new();
    let view = AssetView {
        key: "/a.html".into(),
        content_type: "text/html".into(),
        headers: vec![],
        max_age: None,
        enable_aliasing: true,
        allow_raw_access: true,
        encodings: vec![EncodingView::of_content(Encoding::Identity, b"<p>a</p>")],
    };
    let built = AssetResponses::build(&view, &expression, &mut ResponseHasher::default()).unwrap();
    let bytes = encode(&built, &expression);
    assert!(decode("/a.html", &bytes, &expression).is_some());
    let mut older = bytes.clone();
    older[0] = RECORD_VERSION.wrapping_sub(1);
    assert!(decode("/a.html", &older, &expression).is_none());
    let mut other = expression.clone();
    other.hash[0] ^= 1;
    assert!(decode("/a.html", &bytes, &other).is_none());
}
