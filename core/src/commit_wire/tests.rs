use super::*;
use candid::{CandidType, Deserialize};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    // Unicode of every width, including the empty string.
    ".{0,24}"
}

fn headers() -> impl Strategy<Value = Vec<HeaderField>> {
    prop::collection::vec((text(), text()), 0..6)
}

fn blob(max: usize) -> impl Strategy<Value = ByteBuf> {
    prop::collection::vec(any::<u8>(), 0..max).prop_map(ByteBuf::from)
}

fn nat(fits_u64: bool) -> BoxedStrategy<Nat> {
    if fits_u64 {
        any::<u64>().prop_map(Nat::from).boxed()
    } else {
        prop_oneof![any::<u64>().prop_map(Nat::from), any::<u128>().prop_map(Nat::from)].boxed()
    }
}

fn operation(fits_u64: bool) -> impl Strategy<Value = BatchOperationKind> {
    prop_oneof![
        (text(), text(), any::<Option<u64>>(), prop::option::of(headers()), any::<Option<bool>>(), any::<Option<bool>>())
            .prop_map(|(key, content_type, max_age, headers, enable_aliasing, allow_raw_access)| {
                BatchOperationKind::CreateAsset(CreateAssetArguments {
                    key,
                    content_type,
                    max_age,
                    headers,
                    enable_aliasing,
                    allow_raw_access,
                })
            }),
        (
            text(),
            text(),
            prop::collection::vec(nat(fits_u64), 0..40),
            prop::option::of(blob(600)),
            prop::option::of(blob(40))
        )
            .prop_map(|(key, content_encoding, chunk_ids, last_chunk, sha256)| {
                BatchOperationKind::SetAssetContent(SetAssetContentArguments {
                    key,
                    content_encoding,
                    chunk_ids,
                    last_chunk,
                    sha256,
                })
            }),
        (
            text(),
            any::<Option<Option<u64>>>(),
            prop::option::of(prop::option::of(headers())),
            any::<Option<Option<bool>>>(),
            any::<Option<Option<bool>>>()
        )
            .prop_map(|(key, max_age, headers, allow_raw_access, is_aliased)| {
                BatchOperationKind::SetAssetProperties(SetAssetPropertiesArguments {
                    key,
                    max_age,
                    headers,
                    allow_raw_access,
                    is_aliased,
                })
            }),
        (text(), text()).prop_map(|(key, content_encoding)| {
            BatchOperationKind::UnsetAssetContent(UnsetAssetContentArguments { key, content_encoding })
        }),
        text().prop_map(|key| BatchOperationKind::DeleteAsset(DeleteAssetArguments { key })),
        Just(BatchOperationKind::Clear(ClearArguments {})),
    ]
}

fn arguments(fits_u64: bool) -> impl Strategy<Value = CommitBatchArguments> {
    (nat(fits_u64), prop::collection::vec(operation(fits_u64), 0..24))
        .prop_map(|(batch_id, operations)| CommitBatchArguments { batch_id, operations })
}

fn candid_decode(bytes: &[u8]) -> Option<CommitBatchArguments> {
    candid::decode_one::<CommitBatchArguments>(bytes).ok()
}

/// A mutation of candid's encoding: the table is kept, value bytes are overwritten, inserted or
/// removed, or the whole thing is cut short.
#[derive(Debug, Clone)]
enum Mutation {
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Remove(prop::sample::Index),
    Truncate(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(at, b)| Mutation::Insert(at, b)),
        any::<prop::sample::Index>().prop_map(Mutation::Remove),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let values = bytes.len() - HEADER.len();
    match mutation {
        Mutation::Set(at, byte) => bytes[HEADER.len() + at.index(values)] = *byte,
        Mutation::Insert(at, byte) => bytes.insert(HEADER.len() + at.index(values + 1), *byte),
        Mutation::Remove(at) => {
            bytes.remove(HEADER.len() + at.index(values));
        }
        Mutation::Truncate(at) => bytes.truncate(at.index(bytes.len())),
    }
}

proptest! {
    #[test]
    fn candid_encodings_take_the_fast_path_and_agree(args in arguments(true)) {
        let bytes = candid::encode_one(&args).unwrap();
        prop_assert!(bytes.starts_with(HEADER), "candid writes the table the fast path expects");
        prop_assert_eq!(decode_known_table(&bytes), Some(args.clone()));
        prop_assert_eq!(candid_decode(&bytes), Some(args.clone()));
        prop_assert_eq!(decode_commit_batch(&bytes).unwrap(), args);
    }

    #[test]
    fn ids_beyond_64_bits_decode_through_candid(args in arguments(false)) {
        let bytes = candid::encode_one(&args).unwrap();
        prop_assert_eq!(decode_commit_batch(&bytes).unwrap(), args);
    }

    #[test]
    fn truncated_bytes_are_errors(args in arguments(true), cut in any::<prop::sample::Index>()) {
        let bytes = candid::encode_one(&args).unwrap();
        let truncated = &bytes[..cut.index(bytes.len())];
        prop_assert_eq!(decode_known_table(truncated), None);
        prop_assert!(decode_commit_batch(truncated).is_err());
    }
}

proptest! {
    // About one mutation in ten still reads on the fast path (so its value is compared with
    // candid's); more cases than the default to reach the rarer ones.
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn mutated_bytes_never_panic_and_never_differ_from_candid(
        args in arguments(true),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut bytes = candid::encode_one(&args).unwrap();
        for mutation in &mutations {
            if bytes.len() > HEADER.len() {
                mutate(&mut bytes, mutation);
            }
        }
        let theirs = candid_decode(&bytes);
        if let Some(fast) = decode_known_table(&bytes) {
            prop_assert_eq!(Some(fast), theirs.clone(), "the fast path accepts only what candid accepts, as candid reads it");
        }
        prop_assert_eq!(decode_commit_batch(&bytes).ok(), theirs);
    }
}

/// Candid's encoding of a commit of batch 3 with `operations`.
fn encoded(operations: Vec<BatchOperationKind>) -> Vec<u8> {
    candid::encode_one(CommitBatchArguments { batch_id: Nat::from(3u64), operations }).unwrap()
}

fn delete(key: &str) -> BatchOperationKind {
    BatchOperationKind::DeleteAsset(DeleteAssetArguments { key: key.into() })
}

/// Both decoders on `bytes`: the fast path must refuse them or agree with candid.
fn agree(bytes: &[u8]) -> Result<CommitBatchArguments, candid::Error> {
    let ours = decode_commit_batch(bytes);
    assert_eq!(ours.as_ref().ok(), candid_decode(bytes).as_ref());
    ours
}

#[test]
fn an_overlong_id_decodes_as_candid_reads_it() {
    let mut bytes = encoded(vec![]);
    let at = HEADER.len();
    assert_eq!(bytes[at], 3);
    // 3 as a redundant three-byte LEB128, and as an eleven-byte one (past 64 bits of groups).
    bytes.splice(at..=at, [0x83, 0x80, 0x00]);
    assert_eq!(decode_known_table(&bytes).map(|a| a.batch_id), Some(Nat::from(3u64)));
    assert_eq!(agree(&bytes).unwrap().batch_id, Nat::from(3u64));
    let mut long = encoded(vec![]);
    long.splice(at..=at, [0x83, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
    assert_eq!(decode_known_table(&long), None);
    assert_eq!(agree(&long).unwrap().batch_id, Nat::from(3u64));
}

#[test]
fn malformed_values_are_candid_errors() {
    let good = encoded(vec![delete("/a")]);
    let values = HEADER.len();
    // batch id 3, one operation, case DeleteAsset (3), key of length 2.
    assert_eq!(&good[values..values + 4], &[3, 1, 3, 2]);
    let cases: [(&str, usize, u8); 4] = [
        ("variant case past the six", values + 2, 6),
        ("key length past the end", values + 3, 9),
        ("invalid UTF-8 in the key", values + 4, 0xff),
        ("operation count past the end", values + 1, 2),
    ];
    for (what, at, byte) in cases {
        let mut bad = good.clone();
        bad[at] = byte;
        assert_eq!(decode_known_table(&bad), None, "{what}");
        assert!(agree(&bad).is_err(), "{what}");
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(decode_known_table(&trailing), None);
    assert!(agree(&trailing).is_err());
    assert!(agree(&[]).is_err(), "an empty argument is refused as ic-cdk refuses it");
}

#[test]
fn bad_opt_and_bool_tags_are_candid_errors() {
    let op = BatchOperationKind::CreateAsset(CreateAssetArguments {
        key: "/k".into(),
        content_type: "t".into(),
        max_age: None,
        headers: None,
        enable_aliasing: Some(true),
        allow_raw_access: None,
    });
    let good = encoded(vec![op]);
    // Values end with the enable_aliasing opt: tag 1, then the bool 1.
    let end = good.len();
    assert_eq!(&good[end - 2..], &[1, 1]);
    for (at, byte) in [(end - 1, 2), (end - 2, 2)] {
        let mut bad = good.clone();
        bad[at] = byte;
        assert_eq!(decode_known_table(&bad), None);
        assert!(agree(&bad).is_err());
    }
}

#[test]
fn many_operations_take_the_fast_path() {
    let operations: Vec<_> = (0..5_000).map(|i| delete(&format!("/page-{i}.html"))).collect();
    let bytes = encoded(operations.clone());
    assert_eq!(decode_known_table(&bytes).map(|a| a.operations), Some(operations));
}

/// An equivalent table in another layout (one unused entry added, as another encoder might
/// write): not the known bytes, so candid decodes it, to the same value.
#[test]
fn another_layout_of_the_same_table_decodes_through_candid() {
    let args = CommitBatchArguments { batch_id: Nat::from(7u64), operations: vec![delete("/x")] };
    let bytes = candid::encode_one(&args).unwrap();
    let table_end = HEADER.len() - 2;
    let mut other = b"DIDL\x15".to_vec();
    other.extend_from_slice(&bytes[5..table_end]);
    other.extend_from_slice(b"\x6e\x7d");
    other.extend_from_slice(&bytes[table_end..]);
    assert_eq!(decode_known_table(&other), None);
    assert_eq!(agree(&other).unwrap(), args);
}

/// An older uploader's `CreateAssetArguments`, without the optional fields added later.
#[derive(CandidType, Deserialize)]
struct OldCreateAsset {
    key: String,
    content_type: String,
}

#[derive(CandidType, Deserialize)]
enum OldOperation {
    CreateAsset(OldCreateAsset),
    DeleteAsset(DeleteAssetArguments),
}

#[derive(CandidType, Deserialize)]
struct OldCommit {
    batch_id: Nat,
    operations: Vec<OldOperation>,
}

#[test]
fn subtypes_decode_through_candid() {
    let old = OldCommit {
        batch_id: Nat::from(1u64),
        operations: vec![
            OldOperation::CreateAsset(OldCreateAsset { key: "/a".into(), content_type: "text/plain".into() }),
            OldOperation::DeleteAsset(DeleteAssetArguments { key: "/b".into() }),
        ],
    };
    let bytes = candid::encode_one(&old).unwrap();
    assert_eq!(decode_known_table(&bytes), None);
    let args = agree(&bytes).unwrap();
    assert_eq!(
        args.operations,
        vec![
            BatchOperationKind::CreateAsset(CreateAssetArguments {
                key: "/a".into(),
                content_type: "text/plain".into(),
                max_age: None,
                headers: None,
                enable_aliasing: None,
                allow_raw_access: None,
            }),
            delete("/b"),
        ]
    );
}
