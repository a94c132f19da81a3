use super::*;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

/// Lengths around the padding boundaries (one or two tail blocks) and whole blocks.
fn length() -> impl Strategy<Value = usize> {
    prop_oneof![Just(0), Just(55), Just(56), Just(63), Just(64), Just(119), Just(120), Just(128), 0..300usize]
}

/// A message of [`length`] bytes, cut into up to four parts.
fn message() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let bytes = length().prop_flat_map(|n| prop::collection::vec(any::<u8>(), n));
    (bytes, prop::collection::vec(any::<prop::sample::Index>(), 0..4)).prop_map(|(bytes, cuts)| {
        let mut cuts: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut parts = Vec::new();
        let mut from = 0;
        for cut in cuts.into_iter().chain([bytes.len()]) {
            parts.push(bytes[from..cut].to_vec());
            from = cut;
        }
        parts
    })
}

proptest! {
    #[test]
    fn each_digest_is_the_sha256_of_its_parts(messages in prop::collection::vec(message(), 0..40)) {
        let mut batch = Sha256Batch::default();
        for (i, parts) in messages.iter().enumerate() {
            let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(batch.push(&parts), i);
        }
        let expected: Vec<Hash> = messages.iter().map(|parts| Sha256::digest(parts.concat()).into()).collect();
        prop_assert_eq!(batch.digests(), expected);
    }

    /// Messages read in place digest the same, lanes refilling or finishing alone.
    #[test]
    fn each_message_read_in_place_digests_as_sha2(messages in prop::collection::vec(length().prop_flat_map(|n| prop::collection::vec(any::<u8>(), n)), 0..40)) {
        let slices: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
        let expected: Vec<Hash> = messages.iter().map(|m| Sha256::digest(m).into()).collect();
        prop_assert_eq!(digest_each(&slices), expected);
    }
}

#[test]
fn a_cleared_batch_starts_over() {
    let mut batch = Sha256Batch::default();
    batch.push(&[b"abc"]);
    batch.clear();
    assert_eq!(batch.push(&[b"a", b"bc"]), 0);
    assert_eq!(batch.digests(), vec![<Hash>::from(Sha256::digest(b"abc"))]);
}

#[test]
fn a_long_message_beside_short_ones_finishes_alone() {
    let long = vec![7u8; 64 * 40 + 3];
    let messages: [&[u8]; 4] = [b"a", &long, b"", &[1; 64]];
    let expected: Vec<Hash> = messages.iter().map(|m| Sha256::digest(m).into()).collect();
    assert_eq!(digest_each(&messages), expected);
    let mut batch = Sha256Batch::default();
    for m in messages {
        batch.push(&[m]);
    }
    assert_eq!(batch.digests(), expected);
}

proptest! {
    /// Messages continuing a state saved after whole blocks, mixed with plain ones, digest to
    /// the sha256 of the earlier blocks followed by their parts.
    #[test]
    fn resumed_digests_continue_the_saved_state(
        messages in prop::collection::vec((0..4usize, any::<u8>(), message(), any::<bool>()), 0..30),
    ) {
        let mut batch = Sha256Batch::default();
        let mut expected = Vec::new();
        for (blocks, fill, parts, resume) in &messages {
            let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            if *resume {
                let prefix = vec![*fill; 64 * blocks];
                let mut state = compress::IV;
                let (whole, _) = prefix.as_chunks::<64>();
                for block in whole {
                    sha2::compress256(&mut state, &[(*block).into()]);
                }
                batch.push_resumed(&state, *blocks as u64, &parts);
                expected.push(<Hash>::from(Sha256::digest([prefix, parts.concat()].concat())));
            } else {
                batch.push(&parts);
                expected.push(<Hash>::from(Sha256::digest(parts.concat())));
            }
        }
        prop_assert_eq!(batch.digests(), expected);
    }
}
