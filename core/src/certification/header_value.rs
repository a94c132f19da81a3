//! The text of `IC-Certificate` header values, built in one buffer on every request.
//!
//! Serving spends much of its certificate work here: the data certificate and the witness are
//! base64-encoded per request (the certificate changes every round, so nothing can be
//! precomputed). The value is assembled in one buffer without `format!` or intermediate
//! strings, and base64 is written from pair tables, four groups per iteration, into reserved
//! space (measured in the canister: the `base64` crate spent about 17.5 K per request, the first
//! own encoder 9.6 K, this one about 1.6 K less than its predecessor; see BENCHMARKING.md).
//! Owns only text assembly; must not build witnesses. Invariant: the output is byte for byte
//! what `ic-http-certification`'s `build_v2_certificate_header_value` produces (tested).

use std::mem::MaybeUninit;

/// The standard base64 alphabet (RFC 4648), padded.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The v2 header value `certificate=:…:, tree=:…:, expr_path=:…:, version=2`.
/// `tree` is the header's tree and `expr_path` the path's expression path, both already
/// self-describing CBOR (base64-encoded here, in place).
pub(crate) fn v2(certificate: &[u8], tree: &[u8], expr_path: &[u8]) -> String {
    let mut value = Vec::with_capacity(
        50 + base64_len(certificate.len()) + base64_len(tree.len()) + base64_len(expr_path.len()),
    );
    value.extend_from_slice(b"certificate=:");
    push_base64(&mut value, certificate);
    value.extend_from_slice(b":, tree=:");
    push_base64(&mut value, tree);
    value.extend_from_slice(b":, expr_path=:");
    push_base64(&mut value, expr_path);
    value.extend_from_slice(b":, version=2");
    // Validating the finished value cost about 2.7 K instructions per request (measured).
    // SAFETY: every byte is from `ALPHABET` or the ASCII literals above.
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

/// The first two symbols of a group for every value of its first two bytes, indexed by their
/// little-endian `u16`: one 2-byte load and one lookup instead of shifting two bytes together
/// (128 KiB of static data).
static FIRST: [u16; 65536] = {
    let mut first = [0; 65536];
    let mut i = 0;
    while i < 65536 {
        let (b0, b1) = (i & 0xff, i >> 8);
        first[i] = u16::from_le_bytes([ALPHABET[b0 >> 2], ALPHABET[((b0 & 3) << 4) | (b1 >> 4)]]);
        i += 1;
    }
    first
};

/// The four symbols of the bytes `a, b, c`, as the little-endian `u32` of the symbols.
#[inline(always)]
fn group(a: u8, b: u8, c: u8) -> u32 {
    let first = FIRST[usize::from(u16::from_le_bytes([a, b]))];
    let second = PAIRS[(usize::from(b & 0xf) << 8) | usize::from(c)];
    u32::from(first) | (u32::from(second) << 16)
}

/// Writes `bytes` at the start of `slot`.
#[inline(always)]
fn put<const N: usize>(slot: &mut [MaybeUninit<u8>], bytes: [u8; N]) {
    assert!(slot.len() >= N);
    // SAFETY: `slot` holds at least `N` bytes (checked above; the callers' slots are exact
    // chunks, so the check folds away) and `[u8; N]` has no alignment requirement.
    unsafe { slot.as_mut_ptr().cast::<[u8; N]>().write_unaligned(bytes) }
}

/// Appends the padded standard base64 of `bytes` to `out`. The output is written into reserved,
/// not zero-filled, space: four groups (16 symbols) per iteration, two symbols per lookup, with
/// no capacity check or copy call per group (zero-filling first cost about one instruction per
/// symbol, the four-group loop about a tenth of the encoding; measured in the canister).
fn push_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = out.len();
    let len = base64_len(bytes.len());
    out.reserve(len);
    let spare = &mut out.spare_capacity_mut()[..len];
    let (quads, bytes) = bytes.split_at(bytes.len() / 12 * 12);
    let (quad_out, spare) = spare.split_at_mut(quads.len() / 12 * 16);
    for (c, slot) in quads.chunks_exact(12).zip(quad_out.chunks_exact_mut(16)) {
        let low = u64::from(group(c[0], c[1], c[2])) | (u64::from(group(c[3], c[4], c[5])) << 32);
        let high = u64::from(group(c[6], c[7], c[8])) | (u64::from(group(c[9], c[10], c[11])) << 32);
        put(&mut slot[..8], low.to_le_bytes());
        put(&mut slot[8..], high.to_le_bytes());
    }
    let chunks = bytes.chunks_exact(3);
    let rest = chunks.remainder();
    let (group_out, last) = spare.split_at_mut(bytes.len() / 3 * 4);
    for (c, slot) in chunks.zip(group_out.chunks_exact_mut(4)) {
        put(slot, group(c[0], c[1], c[2]).to_le_bytes());
    }
    let symbol = |index: u32| ALPHABET[(index & 0x3f) as usize];
    match *rest {
        [a] => {
            let n = u32::from(a) << 16;
            put(last, [symbol(n >> 18), symbol(n >> 12), b'=', b'=']);
        }
        [a, b] => {
            let n = (u32::from(a) << 16) | (u32::from(b) << 8);
            put(last, [symbol(n >> 18), symbol(n >> 12), symbol(n >> 6), b'=']);
        }
        _ => {}
    }
    // SAFETY: the `len` bytes after `start` are written: `len / 4` groups of four symbols, the
    // last one padded when `bytes.len()` is not a multiple of three.
    unsafe { out.set_len(start + len) };
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
            expr_path in prop::collection::vec(any::<u8>(), 0..40),
        ) {
            let witness = fork(pruned(hash), labeled(label, fork(leaf(value), empty())));
            let mut tree = Vec::new();
            crate::certification::tree_cbor::encode(&witness, &mut tree);
            prop_assert_eq!(
                v2(&certificate, &tree, &expr_path),
                build_v2_certificate_header_value(&certificate, &witness, &STANDARD.encode(&expr_path))
            );
        }
    }
}
