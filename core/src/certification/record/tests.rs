use super::*;
use crate::certification::input::{AssetView, ContentSource, EncodingView, RecordSink};
use crate::certification::memory_records::Records;
use crate::certification::response_hash::ResponseHasher;
use crate::certification::responses::{AssetDraft, PageDraft, Variant};
use crate::certification::response_set::{ResponseSet, SetDraft};
use crate::certification::tree::{CertPath, Trees};
use crate::certification::CHUNK_SIZE;
use proptest::prelude::*;

fn encoding() -> impl Strategy<Value = EncodingView> {
    let encoding = prop_oneof![Just(Encoding::Br), Just(Encoding::Gzip), Just(Encoding::Identity)];
    // Lengths around the part size, so 206 parts and the no-`full` case both occur.
    let length = prop_oneof![0..64u64, (CHUNK_SIZE - 2)..(3 * CHUNK_SIZE + 2)];
    // Short locators (read with the tables) and long ones (read on their own, as a large asset's).
    let locator = prop_oneof![proptest::collection::vec(any::<u8>(), 0..80), proptest::collection::vec(any::<u8>(), 600..1200)];
    (encoding, length, any::<[u8; 32]>(), any::<u8>(), locator).prop_map(|(encoding, length, sha256, seed, locator)| {
        let parts = if length <= CHUNK_SIZE { 0 } else { length.div_ceil(CHUNK_SIZE) as usize };
        let part_sha256 = (0..parts).map(|i| [seed.wrapping_add(i as u8); 32]).collect();
        EncodingView { encoding, length, sha256, part_sha256, locator }
    })
}

fn asset() -> impl Strategy<Value = AssetView> {
    let headers = proptest::collection::vec(("[a-z-]{1,12}", "[ -~]{0,20}"), 0..4);
    (
        prop_oneof!["/[a-z]{1,8}(\\.html)?", Just("/404.html".to_string()), Just("/index.html".to_string())],
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

/// The responses of `view` and, for `page_status`, its fallback page, hashed in one round.
fn build(view: &AssetView, expression: &Expression, page_status: Option<u16>) -> (AssetResponses, Option<FallbackPage>) {
    let mut hasher = ResponseHasher::default();
    let draft = AssetDraft::build(view, expression, &mut hasher).expect("part hashes present");
    let page = page_status.and_then(|status| PageDraft::from_asset(view, status, expression, &mut hasher));
    let hashes = hasher.finish_round();
    let responses = draft.resolve(&hashes, expression).map_set(SetDraft::hash);
    (responses, page.map(|page| page.resolve(&hashes, expression).map_set(SetDraft::hash)))
}

fn root_of(set: &ResponseSet) -> Hash {
    let mut trees = Trees::default();
    trees.insert(&CertPath::Exact("/x"), set, 0).unwrap();
    trees.rehash().unwrap()
}

/// Every response of `built` read back from `view`, field by field, each with its witness
/// inside the asset's response `set`.
fn assert_variant(view: &RecordView<'_>, built: &Variant, set: &ResponseSet, expression: &Expression) -> Result<(), TestCaseError> {
    let entry = view.variant(built.view.encoding).unwrap().expect("variant present");
    prop_assert_eq!(entry.length, built.view.length);
    prop_assert_eq!(entry.sha256, built.view.sha256);
    let head = built.served(&built.head);
    let served_etag = head.headers.iter().find(|(name, _)| name == "etag").map(|(_, value)| value);
    prop_assert_eq!(Some(&entry.etag()), served_etag);
    prop_assert_eq!(&view.locator(&entry).unwrap()[..], &built.view.locator[..]);
    prop_assert_eq!(entry.full().map(|s| view.response(s).unwrap()), built.full.as_ref().map(|r| built.served(r)));
    prop_assert_eq!(&view.response(entry.head).unwrap(), &head);
    prop_assert_eq!(view.response(entry.not_modified).unwrap(), built.served(&built.not_modified));
    prop_assert_eq!(view.response(entry.unsatisfiable).unwrap(), built.served(&built.unsatisfiable));
    prop_assert_eq!(entry.part_count(), built.parts.len() as u64);
    for (i, part) in built.parts.iter().enumerate() {
        prop_assert_eq!(view.response(view.part(&entry, i as u64).unwrap().unwrap()).unwrap(), built.served(part));
    }
    prop_assert!(view.part(&entry, built.parts.len() as u64).unwrap().is_none());
    let mut spans = vec![entry.head, entry.not_modified, entry.unsatisfiable];
    spans.extend(entry.full());
    spans.extend((0..entry.part_count()).map(|i| view.part(&entry, i).unwrap().unwrap()));
    for span in spans {
        let (response, witness) = view.response_with_witness(span).unwrap();
        let mut expected = Vec::new();
        set.witness_cbor(&expression.hash, &response.hash, &mut expected);
        prop_assert_eq!(witness.as_deref(), Some(&expected[..]));
    }
    Ok(())
}

proptest! {
    /// A record read in place (from the record store, and from memory) gives back exactly the
    /// responses `AssetDraft::build` made, the page `PageDraft::from_asset` made, and
    /// response sets certifying the same roots.
    #[test]
    fn record_round_trips(view in asset()) {
        let expression = Expression::new();
        let status = if view.key == "/index.html" { 200 } else { 404 };
        let is_page = view.key.ends_with("404.html") || view.key == "/index.html";
        let (built, page) = build(&view, &expression, is_page.then_some(status));
        let bytes = encode(&built, page.as_ref(), &expression);
        let mut records = Records::new();
        let address = records.write_record(&view.key, &bytes).unwrap();
        let stored = RecordView::stored(&records, address, &expression.text).unwrap();
        let heap = RecordView::heap(&bytes, &expression.text).unwrap();
        for record in [&stored, &heap] {
            prop_assert_eq!(record.allow_raw_access(), built.allow_raw_access);
            prop_assert_eq!(record.variants().count(), built.variants.len());
            for variant in &built.variants {
                assert_variant(record, variant, &built.certified, &expression)?;
            }
            prop_assert_eq!(record.v1_variant().unwrap().map(|e| e.encoding), built.v1_variant().map(|v| v.view.encoding));
            for encoding in Encoding::PREFERENCE {
                let expected = page.as_ref().and_then(|p| p.variants.iter().find(|(e, _, _)| *e == encoding));
                let got = record.page_variant(encoding).unwrap();
                prop_assert_eq!(got.is_some(), expected.is_some());
                if let (Some(entry), Some((_, full, head))) = (got, expected) {
                    prop_assert_eq!(&record.response(entry.full).unwrap(), full);
                    prop_assert_eq!(&record.response(entry.head).unwrap(), head);
                    prop_assert_eq!(record.response_with_witness(entry.full).unwrap().1, None, "pages are proven by wildcard");
                    let locator = &built.variant(encoding).unwrap().view.locator;
                    prop_assert_eq!(&record.page_locator(&entry).unwrap()[..], &locator[..]);
                }
            }
        }
        let summary = RecordSummary::read(&records, address, &expression).unwrap();
        prop_assert_eq!(summary.enable_aliasing, built.enable_aliasing);
        prop_assert_eq!(summary.servable, !built.variants.is_empty());
        prop_assert_eq!(summary.v1_sha256, built.v1_variant().map(|v| v.view.sha256));
        prop_assert_eq!(root_of(&summary.certified.unwrap()), root_of(&built.certified));
        prop_assert_eq!(summary.page.map(|p| root_of(&p)), page.map(|p| root_of(&p.certified)));
    }

    /// Cut bytes never panic: each read either succeeds within the bytes or is an error.
    #[test]
    fn cut_records_are_refused_or_read_within_bounds(view in asset(), cut in any::<prop::sample::Index>()) {
        let expression = Expression::new();
        let (built, _) = build(&view, &expression, None);
        let bytes = encode(&built, None, &expression);
        let cut = &bytes[..cut.index(bytes.len())];
        let mut records = Records::new();
        let address = records.write_record("/k", cut).unwrap();
        prop_assert!(RecordSummary::read(&records, address, &expression).is_err());
        if let Ok(record) = RecordView::stored(&records, address, &expression.text) {
            for entry in record.variants().flatten() {
                let _ = record.response(entry.head);
                let _ = record.locator(&entry);
                let _ = record.part(&entry, 0).map(|s| s.map(|s| record.response(s)));
            }
        }
    }
}

#[test]
fn records_of_another_version_or_expression_are_stale() {
    let expression = Expression::new();
    let view = AssetView {
        key: "/a.html".into(),
        content_type: "text/html".into(),
        headers: vec![],
        max_age: None,
        enable_aliasing: true,
        allow_raw_access: true,
        encodings: vec![EncodingView::of_content(Encoding::Identity, b"<p>a</p>", vec![1; 16])],
    };
    let (built, _) = build(&view, &expression, None);
    let bytes = encode(&built, None, &expression);
    let mut records = Records::new();
    let current = records.write_record("/a.html", &bytes).unwrap();
    assert!(RecordSummary::read(&records, current, &expression).is_ok());
    let mut older = bytes.clone();
    older[0] = RECORD_VERSION.wrapping_sub(1);
    let older = records.write_record("/b.html", &older).unwrap();
    assert!(matches!(RecordSummary::read(&records, older, &expression), Err(RecordError::Stale { .. })));
    let mut other = expression.clone();
    other.hash[0] ^= 1;
    assert!(matches!(RecordSummary::read(&records, current, &other), Err(RecordError::Stale { .. })));
    assert!(matches!(RecordView::stored(&records, 12345, &expression.text), Err(RecordError::Missing { address: 12345 })));
    assert_eq!(records.record_prefix(current, 4).map(|(p, len)| (p, len as usize)), Some((bytes[..4].to_vec(), bytes.len())));
}
