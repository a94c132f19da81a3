//! Candid bytes of `commit_batch`'s and `propose_commit_batch`'s argument, read without
//! candid's generic decoder.
//!
//! `candid`'s serde decoder type-checks every value against the sender's table as it goes:
//! about 20 K instructions per batch operation (2 M for a commit of 50 assets, measured), where
//! reading the values directly costs about 1.25 K (see BENCHMARKING.md). The table the
//! Rust uploaders send (this crate's types and the `ic-asset` crate's, which dfx, icx-asset and
//! `asset-canister sync` use) is always the same, so it is a constant here and only the values are read,
//! bounds-checked, straight into [`CommitBatchArguments`]. Owns nothing but these bytes; must
//! not interpret operations. Invariant: the fast reader accepts a byte sequence only if
//! `candid` accepts it too and then yields the same value; anything else (another table or
//! field set, malformed values) goes to `candid`. The JS `AssetManager` (`@dfinity/assets`)
//! sends an older subset of the types in its own table order; that table is known too.

use crate::types::{
    BatchOperationKind, ClearArguments, CommitBatchArguments, CreateAssetArguments, DeleteAssetArguments,
    HeaderField, SetAssetContentArguments, SetAssetPropertiesArguments, UnsetAssetContentArguments,
};
use crate::candid_values::Values;
use candid::Nat;
use serde_bytes::ByteBuf;

/// `DIDL`, the type table of [`CommitBatchArguments`] as `candid` writes it (for this crate's
/// types and for `ic-asset`'s alike), then one argument of type 0. Fields and variant cases
/// are in Candid hash order, which is the order [`read_operation`] reads them:
///
/// ```text
///  0 record { batch_id: nat; operations: 1 }     1 vec 2
///  2 variant { SetAssetProperties: 3; CreateAsset: 12; UnsetAssetContent: 13;
///              DeleteAsset: 14; SetAssetContent: 15; Clear: 19 }
///  3 record { key: text; headers: 4; is_aliased: 8; allow_raw_access: 8; max_age: 10 }
///  4 opt 5   5 opt 6   6 vec 7   7 record { text; text }   8 opt 9   9 opt bool
/// 10 opt 11  11 opt nat64
/// 12 record { key: text; content_type: text; headers: 5; allow_raw_access: 9; max_age: 11;
///             enable_aliasing: 9 }
/// 13 record { key: text; content_encoding: text }          14 record { key: text }
/// 15 record { key: text; sha256: 16; chunk_ids: 18; content_encoding: text; last_chunk: 16 }
/// 16 opt 17  17 blob  18 vec nat  19 record {}
/// ```
///
/// The bytes are checked against `candid::encode_one` in the tests.
const HEADER: &[u8] = b"DIDL\x14\
\x6c\x02\x80\xb5\xa6\xf0\x04\x7d\xec\xbc\xcc\xc1\x09\x01\
\x6d\x02\
\x6b\x06\xa1\xd9\xc8\xe5\x02\x03\xb4\xf2\x9c\x9f\x03\x0c\x92\xc3\x96\xd1\x06\x0d\xa5\xeb\x84\xd3\x09\x0e\
\xcb\x87\xad\xc8\x0b\x0f\xed\xc2\xa3\xdc\x0d\x13\
\x6c\x05\x9f\x93\xc6\x02\x71\xc6\xa4\xa1\x98\x06\x04\xda\xba\xab\x83\x08\x08\x91\xe3\xd4\xa0\x0b\x08\
\xe4\xcc\xb1\xa3\x0d\x0a\
\x6e\x05\x6e\x06\x6d\x07\x6c\x02\x00\x71\x01\x71\x6e\x09\x6e\x7e\x6e\x0b\x6e\x78\
\x6c\x06\x9f\x93\xc6\x02\x71\xc0\xe5\xeb\x9b\x05\x71\xc6\xa4\xa1\x98\x06\x05\x91\xe3\xd4\xa0\x0b\x09\
\xe4\xcc\xb1\xa3\x0d\x0b\xce\xeb\xe7\x94\x0e\x09\
\x6c\x02\x9f\x93\xc6\x02\x71\xd9\x8f\xc8\xe1\x0c\x71\
\x6c\x01\x9f\x93\xc6\x02\x71\
\x6c\x05\x9f\x93\xc6\x02\x71\xe7\xc8\xea\xe7\x01\x10\xa6\x94\x99\xbb\x0a\x12\xd9\x8f\xc8\xe1\x0c\x71\
\x84\xf9\xc1\xbf\x0d\x10\
\x6e\x11\x6d\x7b\x6d\x7d\x6c\x00\
\x01\x00";

/// `DIDL`, the type table `@dfinity/candid` 3.4.3 writes for the `commit_batch` argument of
/// `@dfinity/assets` 3.4.3 (the JS `AssetManager`), then one argument of type 13. Its types are
/// an older subset, read by [`read_js_assets_operation`]; the table lists children first:
///
/// ```text
///  0 record { text; text }   1 vec 0   2 opt 1
///  3 record { key: text; content_type: text; headers: 2 }
///  4 record { key: text; content_encoding: text }   5 record { key: text }
///  6 blob   7 opt 6   8 vec nat
///  9 record { key: text; sha256: 7; chunk_ids: 8; content_encoding: text }   10 record {}
/// 11 variant { CreateAsset: 3; UnsetAssetContent: 4; DeleteAsset: 5; SetAssetContent: 9;
///              Clear: 10 }
/// 12 vec 11   13 record { batch_id: nat; operations: 12 }
/// ```
///
/// The bytes are those of a real `@dfinity/candid` encoding, kept in the tests.
const JS_ASSETS_HEADER: &[u8] = b"DIDL\x0e\
\x6c\x02\x00\x71\x01\x71\x6d\x00\x6e\x01\
\x6c\x03\x9f\x93\xc6\x02\x71\xc0\xe5\xeb\x9b\x05\x71\xc6\xa4\xa1\x98\x06\x02\
\x6c\x02\x9f\x93\xc6\x02\x71\xd9\x8f\xc8\xe1\x0c\x71\
\x6c\x01\x9f\x93\xc6\x02\x71\
\x6d\x7b\x6e\x06\x6d\x7d\
\x6c\x04\x9f\x93\xc6\x02\x71\xe7\xc8\xea\xe7\x01\x07\xa6\x94\x99\xbb\x0a\x08\xd9\x8f\xc8\xe1\x0c\x71\
\x6c\x00\
\x6b\x05\xb4\xf2\x9c\x9f\x03\x03\x92\xc3\x96\xd1\x06\x04\xa5\xeb\x84\xd3\x09\x05\xcb\x87\xad\xc8\x0b\x09\
\xed\xc2\xa3\xdc\x0d\x0a\
\x6d\x0b\
\x6c\x02\x80\xb5\xa6\xf0\x04\x7d\xec\xbc\xcc\xc1\x09\x0c\
\x01\x0d";

/// Decodes a `CommitBatchArguments` argument: the values directly when the bytes are in the
/// table uploaders send, else through `candid` with `ic-cdk`'s default decoder configuration
/// (an empty argument is read as `DIDL` with no values, as `ic-cdk` does).
pub fn decode_commit_batch(bytes: &[u8]) -> Result<CommitBatchArguments, candid::Error> {
    if let Some(args) = decode_known_table(bytes) {
        return Ok(args);
    }
    let bytes: &[u8] = if bytes.is_empty() { b"DIDL\x00\x00" } else { bytes };
    let mut config = candid::DecoderConfig::new();
    config.set_skipping_quota(10_000);
    candid::utils::decode_args_with_config::<(CommitBatchArguments,)>(bytes, &config).map(|(args,)| args)
}

/// The fast path alone: `Some` only when `bytes` are in a known table with well-formed values
/// and nothing after them. Public so that tests elsewhere can show an uploader's bytes take it.
pub fn decode_known_table(bytes: &[u8]) -> Option<CommitBatchArguments> {
    if let Some(values) = bytes.strip_prefix(HEADER) {
        read_arguments(&mut Values(values), read_operation)
    } else {
        read_arguments(&mut Values(bytes.strip_prefix(JS_ASSETS_HEADER)?), read_js_assets_operation)
    }
}

/// Cases of `BatchOperationKind` by their index in [`HEADER`]'s variant (Candid hash order).
const SET_ASSET_PROPERTIES: u64 = 0;
const CREATE_ASSET: u64 = 1;
const UNSET_ASSET_CONTENT: u64 = 2;
const DELETE_ASSET: u64 = 3;
const SET_ASSET_CONTENT: u64 = 4;
const CLEAR: u64 = 5;

/// The same in [`JS_ASSETS_HEADER`]'s variant, which has no `SetAssetProperties`.
const JS_CREATE_ASSET: u64 = 0;
const JS_UNSET_ASSET_CONTENT: u64 = 1;
const JS_DELETE_ASSET: u64 = 2;
const JS_SET_ASSET_CONTENT: u64 = 3;
const JS_CLEAR: u64 = 4;

/// A `nat` (ids); values above 64 bits take `candid`'s path.
fn nat(r: &mut Values<'_>) -> Option<Nat> {
    r.leb().map(Nat::from)
}

fn headers(r: &mut Values<'_>) -> Option<Vec<HeaderField>> {
    r.vec(|r| Some((r.text()?, r.text()?)))
}

fn nats(r: &mut Values<'_>) -> Option<Vec<Nat>> {
    r.vec(nat)
}

fn blob(r: &mut Values<'_>) -> Option<ByteBuf> {
    r.bytes().map(|bytes| ByteBuf::from(bytes.to_vec()))
}

fn read_arguments(
    r: &mut Values<'_>,
    operation: fn(&mut Values<'_>) -> Option<BatchOperationKind>,
) -> Option<CommitBatchArguments> {
    let batch_id = nat(r)?;
    let count = r.len()?;
    let mut operations = Vec::with_capacity(count);
    for _ in 0..count {
        operations.push(operation(r)?);
    }
    r.0.is_empty().then_some(CommitBatchArguments { batch_id, operations })
}

/// One operation in [`HEADER`]'s types.
fn read_operation(r: &mut Values<'_>) -> Option<BatchOperationKind> {
    Some(match r.leb()? {
        SET_ASSET_PROPERTIES => BatchOperationKind::SetAssetProperties(SetAssetPropertiesArguments {
            key: r.text()?,
            headers: r.opt(|r| r.opt(headers))?,
            is_aliased: r.opt(|r| r.opt(Values::bool))?,
            allow_raw_access: r.opt(|r| r.opt(Values::bool))?,
            max_age: r.opt(|r| r.opt(Values::nat64))?,
        }),
        CREATE_ASSET => BatchOperationKind::CreateAsset(CreateAssetArguments {
            key: r.text()?,
            content_type: r.text()?,
            headers: r.opt(headers)?,
            allow_raw_access: r.opt(Values::bool)?,
            max_age: r.opt(Values::nat64)?,
            enable_aliasing: r.opt(Values::bool)?,
        }),
        UNSET_ASSET_CONTENT => BatchOperationKind::UnsetAssetContent(UnsetAssetContentArguments {
            key: r.text()?,
            content_encoding: r.text()?,
        }),
        DELETE_ASSET => BatchOperationKind::DeleteAsset(DeleteAssetArguments { key: r.text()? }),
        SET_ASSET_CONTENT => BatchOperationKind::SetAssetContent(SetAssetContentArguments {
            key: r.text()?,
            sha256: r.opt(blob)?,
            chunk_ids: nats(r)?,
            content_encoding: r.text()?,
            last_chunk: r.opt(blob)?,
        }),
        CLEAR => BatchOperationKind::Clear(ClearArguments {}),
        _ => return None,
    })
}

/// One operation in [`JS_ASSETS_HEADER`]'s types; the fields they lack are absent (`None`), as
/// `candid` reads a missing `opt` field.
fn read_js_assets_operation(r: &mut Values<'_>) -> Option<BatchOperationKind> {
    Some(match r.leb()? {
        JS_CREATE_ASSET => BatchOperationKind::CreateAsset(CreateAssetArguments {
            key: r.text()?,
            content_type: r.text()?,
            headers: r.opt(headers)?,
            max_age: None,
            enable_aliasing: None,
            allow_raw_access: None,
        }),
        JS_UNSET_ASSET_CONTENT => BatchOperationKind::UnsetAssetContent(UnsetAssetContentArguments {
            key: r.text()?,
            content_encoding: r.text()?,
        }),
        JS_DELETE_ASSET => BatchOperationKind::DeleteAsset(DeleteAssetArguments { key: r.text()? }),
        JS_SET_ASSET_CONTENT => BatchOperationKind::SetAssetContent(SetAssetContentArguments {
            key: r.text()?,
            sha256: r.opt(blob)?,
            chunk_ids: nats(r)?,
            content_encoding: r.text()?,
            last_chunk: None,
        }),
        JS_CLEAR => BatchOperationKind::Clear(ClearArguments {}),
        _ => return None,
    })
}

#[cfg(test)]
mod tests;
