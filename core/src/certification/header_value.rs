//! The text of `IC-Certificate` header values, built in one buffer on every request.
//!
//! Serving spends much of its certificate work here: the data certificate and the witness are
//! base64-encoded per request (the certificate changes every round, so nothing can be
//! precomputed). The value is assembled in one buffer without `format!` or intermediate
//! strings, and base64 is written from a 12-bit pair table, two groups per store, into space
//! sized once (measured in the canister: the `base64` crate spent about 17.5 K per request, this
//! encoder about 9.6 K for the same certificate and witness; see BENCHMARKING.md).
//! Owns only text assembly; must not build witnesses. Invariant: the output is byte for byte
//! what `ic-http-certification`'s `build_v2_certificate_header_value` produces (tested).

/// The standard base64 alphabet (RFC 4648), padded.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The v2 header value `certificate=:…:, tree=:…:, expr_path=:…:, version=2`.
/// `tree` is the header's tree, already self-describing CBOR.
pub(crate) fn v2(certificate: &[u8], tree: &[u8], expr_path_b64: &str) -> String {
    let mut value = Vec::with_capacity(
        50 + base64_len(certificate.len()) + base64_len(tree.len()) + expr_path_b64.len(),
    );
    value.extend_from_slice(b"certificate=:");
    push_base64(&mut value, certificate);
    value.extend_from_slice(b":, tree=:");
    push_base64(&mut value, tree);
    value.extend_from_slice(b":, expr_path=:");
    value.extend_from_slice(expr_path_b64.as_bytes());
    value.extend_from_slice(b":, version=2");
    // Validating the finished value cost about 2.7 K instructions per request (measured).
    // SAFETY: every byte is from `ALPHABET`, the ASCII literals above, or `expr_path_b64`, a `str`.
    unsafe { String::from_utf8_unchecked(value) }
}

fn base64_len(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4
}

/// Two base64 symbols for every 12-bit value, as the little-endian `u16` of their bytes: one
/// lookup per two output symbols, one store per four.
static PAIRS: [u16; 4096] = {
    let mut pairs = [0; 4096];
    let mut i = 0;
    while i < 4096 {
        pairs[i] = u16::from_le_bytes([ALPHABET[i >> 6], ALPHABET[i & 0x3f]]);
        i += 1;
    }
    pairs
};

/// Appends the padded standard base64 of `bytes` to `out`. The output is sized once and written
/// four symbols per three bytes by index, two symbols per lookup, with no capacity check or copy
/// call per group.
fn push_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    // Two groups per iteration: half the loop overhead, one 8-byte store.
    let (pairs_of_groups, bytes) = bytes.split_at(bytes.len() / 6 * 6);
    let start = out.len();
    out.resize(start + pairs_of_groups.len() / 6 * 8, 0);
    for (chunk, slot) in pairs_of_groups.chunks_exact(6).zip(out[start..].chunks_exact_mut(8)) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        let m = (u32::from(chunk[3]) << 16) | (u32::from(chunk[4]) << 8) | u32::from(chunk[5]);
        let symbols = u64::from(PAIRS[((n >> 12) & 0xfff) as usize])
            | (u64::from(PAIRS[(n & 0xfff) as usize]) << 16)
            | (u64::from(PAIRS[((m >> 12) & 0xfff) as usize]) << 32)
            | (u64::from(PAIRS[(m & 0xfff) as usize]) << 48);
        slot.copy_from_slice(&symbols.to_le_bytes());
    }
    let symbol = |index: u32| ALPHABET[(index & 0x3f) as usize];
    let chunks = bytes.chunks_exact(3);
    let rest = chunks.remainder();
    let start = out.len();
    out.resize(start + bytes.len() / 3 * 4, 0);
    for (chunk, slot) in chunks.zip(out[start..].chunks_exact_mut(4)) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        let symbols = u32::from(PAIRS[((n >> 12) & 0xfff) as usize]) | (u32::from(PAIRS[(n & 0xfff) as usize]) << 16);
        slot.copy_from_slice(&symbols.to_le_bytes());
    }
    match *rest {
        [a] => {
            let n = u32::from(a) << 16;
            out.extend_from_slice(&[symbol(n >> 18), symbol(n >> 12), b'=', b'=']);
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            out.extend_from_slice(&[symbol(n >> 18), symbol(n >> 12), symbol(n >> 6), b'=']);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use ic_certification::{empty, fork, labeled, leaf, pruned};
    use ic_http_certification::utils::build_v2_certificate_header_value;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn base64_matches_the_base64_crate(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut ours = Vec::new();
            push_base64(&mut ours, &bytes);
            prop_assert_eq!(String::from_utf8(ours).unwrap(), STANDARD.encode(&bytes));
        }

        #[test]
        fn v2_value_matches_ic_http_certification(
            certificate in prop::collection::vec(any::<u8>(), 0..700),
            label in prop::collection::vec(any::<u8>(), 0..20),
            value in prop::collection::vec(any::<u8>(), 0..40),
            hash in any::<[u8; 32]>(),
            expr_path in "[A-Za-z0-9+/=]{0,40}",
        ) {
            let witness = fork(pruned(hash), labeled(label, fork(leaf(value), empty())));
            let mut tree = Vec::new();
            crate::certification::tree_cbor::encode(&witness, &mut tree);
            prop_assert_eq!(
                v2(&certificate, &tree, &expr_path),
                build_v2_certificate_header_value(&certificate, &witness, &expr_path)
            );
        }
    }
}
