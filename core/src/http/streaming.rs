//! The legacy `http_request_streaming_callback`: returns chunk `index` of an encoding and the
//! token for the next one.
//!
//! Owns token validation and chunk arithmetic; the response is the bare
//! `StreamingCallbackHttpResponse` record (the shell sends it unwrapped, as gateways expect).
//! Invariant: a token whose `sha256` no longer matches the stored encoding is refused, so a
//! stream never mixes two versions of an asset.

use crate::certification::{Certifier, ContentSource, Encoding, RecordError, CHUNK_SIZE};
use crate::http_types::{StreamingCallbackHttpResponse, StreamingCallbackToken};
use candid::Nat;
use serde_bytes::ByteBuf;
use thiserror::Error;

/// Why a streaming callback was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StreamingError {
    /// No asset has the token's key.
    #[error("no asset {key}")]
    UnknownAsset {
        /// The token's key.
        key: String,
    },
    /// The asset has no such encoding.
    #[error("asset {key} has no encoding {encoding}")]
    UnknownEncoding {
        /// The token's key.
        key: String,
        /// The token's encoding.
        encoding: String,
    },
    /// The asset changed since the stream started.
    #[error("asset {key} changed while streaming")]
    Stale {
        /// The token's key.
        key: String,
    },
    /// The chunk index is past the end.
    #[error("chunk {index} of {key} does not exist")]
    IndexOutOfRange {
        /// The token's key.
        key: String,
        /// The token's index.
        index: Nat,
    },
    /// The content source could not return the chunk.
    #[error("content of {key} is unavailable")]
    ContentUnavailable {
        /// The token's key.
        key: String,
    },
    /// The asset's record could not be read.
    #[error("the record of {key} is unreadable: {error}")]
    Unreadable {
        /// The token's key.
        key: String,
        /// Why.
        error: RecordError,
    },
}

/// Answers `http_request_streaming_callback`.
pub fn http_request_streaming_callback(
    certifier: &Certifier,
    token: &StreamingCallbackToken,
    content: &dyn ContentSource,
) -> Result<StreamingCallbackHttpResponse, StreamingError> {
    let key = || token.key.clone();
    let unreadable = |error| StreamingError::Unreadable { key: key(), error };
    let record = certifier
        .asset_record(&token.key, content)
        .ok_or_else(|| StreamingError::UnknownAsset { key: key() })?
        .map_err(unreadable)?;
    let unknown = || StreamingError::UnknownEncoding { key: key(), encoding: token.content_encoding.clone() };
    let encoding = Encoding::from_name(&token.content_encoding).ok_or_else(unknown)?;
    let variant = record.variant(encoding).map_err(unreadable)?.ok_or_else(unknown)?;
    if token.sha256.as_ref().is_some_and(|sha| sha.as_slice() != variant.sha256) {
        return Err(StreamingError::Stale { key: key() });
    }
    let length = variant.length;
    let out_of_range = || StreamingError::IndexOutOfRange { key: key(), index: token.index.clone() };
    let index = u64::try_from(&token.index.0).map_err(|_| out_of_range())?;
    let start = index.checked_mul(CHUNK_SIZE).filter(|&s| s < length).ok_or_else(out_of_range)?;
    let end = length.min(start + CHUNK_SIZE);
    let locator = record.locator(&variant).map_err(unreadable)?;
    let body = content
        .read_content(&locator, start, end)
        .ok_or_else(|| StreamingError::ContentUnavailable { key: key() })?;
    let next = (end < length).then(|| StreamingCallbackToken { index: Nat::from(index + 1), ..token.clone() });
    Ok(StreamingCallbackHttpResponse { body: ByteBuf::from(body), token: next })
}
