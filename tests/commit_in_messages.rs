//! A commit whose hashing exceeds one message's instruction limit continues in later messages
//! (the canister awaits a call to itself between shares) and applies once: a 323 MB file is
//! committed although hashing it costs more than the 40 billion instructions one update
//! message may use, and every 206 part of it is served verified and byte-identical. A wrong
//! sha256 found in a later message rejects the commit and leaves the asset absent.

mod support;

use asset_canister_core::state::HASHED_BYTES_PER_MESSAGE;
use asset_canister_core::types::*;
use candid::Nat;
use local_ic::limits::UPDATE_INSTRUCTIONS;
use local_ic::{CallError, ErrorCode};
use sha2::{Digest, Sha256};
use support::{admin, binary_asset, content_range, generated_bytes, header, request, Canister, CHUNK_BYTES};

/// 170 chunks of 1,900,000 bytes: hashing costs about 142 instructions per byte (the whole
/// sha256 plus the part hashes), about 46 billion in total.
const FILE_BYTES: usize = 170 * CHUNK_BYTES;

fn upload_chunks(c: &mut Canister, body: &[u8]) -> Vec<Nat> {
    let (batch, _) = c.create_batch();
    let pieces: Vec<&[u8]> = body.chunks(CHUNK_BYTES).collect();
    c.create_chunks(&batch, &pieces).0
}

fn listed(c: &mut Canister) -> Vec<AssetDetails> {
    let arg = ListRequest { start: None, length: None };
    c.query::<_, Vec<AssetDetails>>(admin(), "list", (arg,)).unwrap().0
}

#[test]
fn a_commit_beyond_one_message_limit_continues_and_serves_the_right_bytes() {
    assert!(FILE_BYTES as u64 > 2 * HASHED_BYTES_PER_MESSAGE, "the file needs several messages");
    let mut c = Canister::install();

    // A wrong sha256 is found only once everything is hashed, in a later message.
    let smaller = generated_bytes(HASHED_BYTES_PER_MESSAGE as usize + 3 * CHUNK_BYTES, 5);
    let ids = upload_chunks(&mut c, &smaller);
    match c.commit_batch(Nat::from(0u64), binary_asset("/wrong.bin", ids, &Sha256::digest(b"not the content"))) {
        Err(CallError::Rejected { reject }) => assert_eq!(reject.error_code, ErrorCode::CanisterCalledTrap),
        other => panic!("a wrong sha256 must reject the commit, got {other:?}"),
    }
    assert!(listed(&mut c).is_empty(), "a rejected commit leaves no asset");

    // The hidden continuation method is the canister's own.
    assert!(c.update::<_, ()>(admin(), "continue_commit", ()).is_err());

    let body = generated_bytes(FILE_BYTES, 11);
    let sha = Sha256::digest(&body);
    let ids = upload_chunks(&mut c, &body);
    let out = c.commit_batch(Nat::from(0u64), binary_asset("/huge.bin", ids, &sha)).expect("commit over several messages");
    assert!(
        out.instructions > UPDATE_INSTRUCTIONS,
        "the commit spent {} instructions, which one message could not ({UPDATE_INSTRUCTIONS})",
        out.instructions
    );
    let list = listed(&mut c);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].encodings[0].length, Nat::from(FILE_BYTES));
    assert_eq!(list[0].encodings[0].sha256.as_ref().map(|s| s.as_slice()), Some(sha.as_slice()));

    // Fetched the way the HTTP gateway does, every part verified (v2).
    let mut received = Vec::with_capacity(FILE_BYTES);
    let mut r = c.get_verified(&request("GET", "/huge.bin", &[]), 2);
    while r.status_code == 206 {
        let (first, last, total) = content_range(header(&r, "content-range").expect("content-range"));
        assert_eq!((first, total), (received.len(), FILE_BYTES));
        assert_eq!(last + 1 - first, r.body.len());
        received.extend_from_slice(&r.body);
        if received.len() == total {
            break;
        }
        let next = format!("bytes={}-", received.len());
        r = c.get_verified(&request("GET", "/huge.bin", &[("Range", &next)]), 2);
    }
    assert_eq!(received.len(), FILE_BYTES);
    assert!(received == body, "the served file differs from the upload");
}
