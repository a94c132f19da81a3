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

/// Applies `mutations` to the values after a `header`-byte table (the whole input once cut into it).
fn mutate(bytes: &mut Vec<u8>, header: usize, mutations: &[Mutation]) {
    for mutation in mutations {
        if bytes.len() <= header {
            return;
        }
        let values = bytes.len() - header;
        match mutation {
            Mutation::Set(at, byte) => bytes[header + at.index(values)] = *byte,
            Mutation::Insert(at, byte) => bytes.insert(header + at.index(values + 1), *byte),
            Mutation::Remove(at) => {
                bytes.remove(header + at.index(values));
            }
            Mutation::Truncate(at) => bytes.truncate(at.index(bytes.len())),
        }
    }
}

/// The fast path refuses `bytes` or reads what candid reads; the full decoder always agrees.
fn check_against_candid(bytes: &[u8]) -> Result<(), TestCaseError> {
    let theirs = candid_decode(bytes);
    if let Some(fast) = decode_known_table(bytes) {
        prop_assert_eq!(Some(fast), theirs.clone(), "the fast path accepts only what candid accepts, as candid reads it");
    }
    prop_assert_eq!(decode_commit_batch(bytes).ok(), theirs);
    Ok(())
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
        mutate(&mut bytes, HEADER.len(), &mutations);
        check_against_candid(&bytes)?;
    }

    #[test]
    fn mutated_js_assets_bytes_never_panic_and_never_differ_from_candid(
        args in js_arguments(),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut bytes = js_assets_encoding(&args);
        mutate(&mut bytes, JS_ASSETS_HEADER.len(), &mutations);
        check_against_candid(&bytes)?;
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

// ---- the JS AssetManager's table ------------------------------------------------------------

/// `@dfinity/assets` 3.4.3's argument types (its `assets_idl.js`), as Rust types for candid.
#[derive(CandidType, Deserialize, Clone, Debug)]
struct JsCreateAsset {
    key: String,
    content_type: String,
    headers: Option<Vec<HeaderField>>,
}

#[derive(CandidType, Deserialize, Clone, Debug)]
struct JsSetAssetContent {
    key: String,
    sha256: Option<ByteBuf>,
    chunk_ids: Vec<Nat>,
    content_encoding: String,
}

#[derive(CandidType, Deserialize, Clone, Debug)]
enum JsOperation {
    CreateAsset(JsCreateAsset),
    UnsetAssetContent(UnsetAssetContentArguments),
    DeleteAsset(DeleteAssetArguments),
    SetAssetContent(JsSetAssetContent),
    Clear(ClearArguments),
}

#[derive(CandidType, Deserialize, Clone, Debug)]
struct JsCommit {
    batch_id: Nat,
    operations: Vec<JsOperation>,
}

impl JsCommit {
    /// What the canister must read from it: the fields the JS types lack are absent.
    fn expected(&self) -> CommitBatchArguments {
        let operation = |op: &JsOperation| match op.clone() {
            JsOperation::CreateAsset(JsCreateAsset { key, content_type, headers }) => {
                BatchOperationKind::CreateAsset(CreateAssetArguments {
                    key,
                    content_type,
                    headers,
                    max_age: None,
                    enable_aliasing: None,
                    allow_raw_access: None,
                })
            }
            JsOperation::UnsetAssetContent(args) => BatchOperationKind::UnsetAssetContent(args),
            JsOperation::DeleteAsset(args) => BatchOperationKind::DeleteAsset(args),
            JsOperation::SetAssetContent(JsSetAssetContent { key, sha256, chunk_ids, content_encoding }) => {
                BatchOperationKind::SetAssetContent(SetAssetContentArguments {
                    key,
                    content_encoding,
                    chunk_ids,
                    last_chunk: None,
                    sha256,
                })
            }
            JsOperation::Clear(args) => BatchOperationKind::Clear(args),
        };
        CommitBatchArguments { batch_id: self.batch_id.clone(), operations: self.operations.iter().map(operation).collect() }
    }
}

/// The bytes the JS agent sends for `args`: value bytes do not depend on the table's layout, so
/// they are candid's (Rust) encoding of the same types after its own table, behind the JS table.
fn js_assets_encoding(args: &JsCommit) -> Vec<u8> {
    let empty = JsCommit { batch_id: Nat::from(0u64), operations: vec![] };
    // An empty commit's values are two bytes: batch id 0 and no operations.
    let rust_header = candid::encode_one(&empty).unwrap().len() - 2;
    let bytes = candid::encode_one(args).unwrap();
    [JS_ASSETS_HEADER, &bytes[rust_header..]].concat()
}

fn js_arguments() -> impl Strategy<Value = JsCommit> {
    let operation = prop_oneof![
        (text(), text(), prop::option::of(headers())).prop_map(|(key, content_type, headers)| {
            JsOperation::CreateAsset(JsCreateAsset { key, content_type, headers })
        }),
        (text(), prop::option::of(blob(40)), prop::collection::vec(nat(true), 0..40), text()).prop_map(
            |(key, sha256, chunk_ids, content_encoding)| {
                JsOperation::SetAssetContent(JsSetAssetContent { key, sha256, chunk_ids, content_encoding })
            }
        ),
        (text(), text()).prop_map(|(key, content_encoding)| {
            JsOperation::UnsetAssetContent(UnsetAssetContentArguments { key, content_encoding })
        }),
        text().prop_map(|key| JsOperation::DeleteAsset(DeleteAssetArguments { key })),
        Just(JsOperation::Clear(ClearArguments {})),
    ];
    (nat(true), prop::collection::vec(operation, 0..24))
        .prop_map(|(batch_id, operations)| JsCommit { batch_id, operations })
}

proptest! {
    #[test]
    fn js_assets_encodings_take_the_fast_path_and_agree(args in js_arguments()) {
        let bytes = js_assets_encoding(&args);
        let expected = args.expected();
        prop_assert_eq!(candid_decode(&bytes), Some(expected.clone()));
        prop_assert_eq!(decode_known_table(&bytes), Some(expected));
    }
}

/// Written by `IDL.encode(commit_batch.argTypes, [arg])` of `@dfinity/candid` 3.4.3 with the
/// `commit_batch` type of `@dfinity/assets` 3.4.3's `idlFactory` (node 20, 2026-11-24), for
/// `{ batch_id: 5n, operations: [CreateAsset /index.html text/html headers [["x-a","b"]],
/// SetAssetContent /index.html sha256 32 x 7 chunk_ids [1n, 2n] identity, UnsetAssetContent
/// /index.html gzip, DeleteAsset /old.html, Clear] }`.
const JS_ASSETS_BYTES: &str = "4449444c0e6c02007101716d006e016c039f93c60271c0e5eb9b0571c6a4a19806026c029f93c60271d98fc8e10c71\
6c019f93c602716d7b6e066d7d6c049f93c60271e7c8eae70107a69499bb0a08d98fc8e10c716c006b05b4f29c9f030392c396d106\
04a5eb84d30905cb87adc80b09edc2a3dc0d0a6d0b6c0280b5a6f0047decbcccc1090c010d0505000b2f696e6465782e68746d6c09\
746578742f68746d6c010103782d610162030b2f696e6465782e68746d6c012007070707070707070707070707070707070707070707\
07070707070707070707020102086964656e74697479010b2f696e6465782e68746d6c04677a697002092f6f6c642e68746d6c04";

#[test]
fn the_js_agents_own_bytes_take_the_fast_path() {
    let bytes = hex::decode(JS_ASSETS_BYTES).unwrap();
    assert!(bytes.starts_with(JS_ASSETS_HEADER), "the JS table, byte for byte");
    let key = || "/index.html".to_string();
    let expected = JsCommit {
        batch_id: Nat::from(5u64),
        operations: vec![
            JsOperation::CreateAsset(JsCreateAsset {
                key: key(),
                content_type: "text/html".into(),
                headers: Some(vec![("x-a".into(), "b".into())]),
            }),
            JsOperation::SetAssetContent(JsSetAssetContent {
                key: key(),
                sha256: Some(ByteBuf::from(vec![7; 32])),
                chunk_ids: vec![Nat::from(1u64), Nat::from(2u64)],
                content_encoding: "identity".into(),
            }),
            JsOperation::UnsetAssetContent(UnsetAssetContentArguments { key: key(), content_encoding: "gzip".into() }),
            JsOperation::DeleteAsset(DeleteAssetArguments { key: "/old.html".into() }),
            JsOperation::Clear(ClearArguments {}),
        ],
    }
    .expected();
    assert_eq!(candid_decode(&bytes), Some(expected.clone()));
    assert_eq!(decode_known_table(&bytes), Some(expected));
    assert_eq!(js_assets_encoding(&candid::decode_one::<JsCommit>(&bytes).unwrap()), bytes);
}
