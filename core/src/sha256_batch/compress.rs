//! The SHA-256 compression function (FIPS 180-4, section 6.2.2) over four independent states
//! at once, one per lane of [`Lanes`].
//!
//! Owns only the rounds; padding and which message feeds which lane belong to the batch.
//! Invariant: lane `i` of the result is the scalar compression of lane `i` of `state` with
//! `blocks[i]`, whatever the other lanes hold.

use super::lanes::Lanes;

/// The initial hash value.
pub(super) const IV: [u32; 8] =
    [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// The round constants.
const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
    0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
    0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// Absorbs `blocks[i]` into lane `i` of `state`.
#[inline(always)]
pub(super) fn compress<L: Lanes>(state: &mut [L; 8], blocks: [&[u8; 64]; 4]) {
    let mut w = L::load_blocks(blocks);
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    // One round; callers rotate the names instead of moving eight values.
    macro_rules! round {
        ($a:ident, $b:ident, $c:ident, $d:ident, $e:ident, $f:ident, $g:ident, $h:ident, $k:expr, $w:expr) => {
            let sigma1 = $e.rotr(6).xor($e.rotr(11)).xor($e.rotr(25));
            let t1 = $h.add(sigma1).add(L::select($e, $f, $g)).add(L::splat($k)).add($w);
            let sigma0 = $a.rotr(2).xor($a.rotr(13)).xor($a.rotr(22));
            let t2 = sigma0.add(L::select($a.xor($b), $c, $b));
            $d = $d.add(t1);
            $h = t1.add(t2);
        };
    }
    // Sixteen rounds from `K[base..]` and the current schedule words; every index is a
    // constant, so the words stay in Wasm locals and each round constant is one `v128.const`.
    macro_rules! sixteen_rounds {
        ($base:expr) => {
            round!(a, b, c, d, e, f, g, h, K[$base], w[0]);
            round!(h, a, b, c, d, e, f, g, K[$base + 1], w[1]);
            round!(g, h, a, b, c, d, e, f, K[$base + 2], w[2]);
            round!(f, g, h, a, b, c, d, e, K[$base + 3], w[3]);
            round!(e, f, g, h, a, b, c, d, K[$base + 4], w[4]);
            round!(d, e, f, g, h, a, b, c, K[$base + 5], w[5]);
            round!(c, d, e, f, g, h, a, b, K[$base + 6], w[6]);
            round!(b, c, d, e, f, g, h, a, K[$base + 7], w[7]);
            round!(a, b, c, d, e, f, g, h, K[$base + 8], w[8]);
            round!(h, a, b, c, d, e, f, g, K[$base + 9], w[9]);
            round!(g, h, a, b, c, d, e, f, K[$base + 10], w[10]);
            round!(f, g, h, a, b, c, d, e, K[$base + 11], w[11]);
            round!(e, f, g, h, a, b, c, d, K[$base + 12], w[12]);
            round!(d, e, f, g, h, a, b, c, K[$base + 13], w[13]);
            round!(c, d, e, f, g, h, a, b, K[$base + 14], w[14]);
            round!(b, c, d, e, f, g, h, a, K[$base + 15], w[15]);
        };
    }
    sixteen_rounds!(0);
    schedule(&mut w);
    sixteen_rounds!(16);
    schedule(&mut w);
    sixteen_rounds!(32);
    schedule(&mut w);
    sixteen_rounds!(48);
    for (word, new) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *word = word.add(new);
    }
}

/// The next sixteen message-schedule words, in place (unrolled like the rounds).
#[inline(always)]
fn schedule<L: Lanes>(w: &mut [L; 16]) {
    macro_rules! word {
        ($i:expr) => {
            let x = w[($i + 1) % 16];
            let y = w[($i + 14) % 16];
            let s0 = x.rotr(7).xor(x.rotr(18)).xor(x.shr(3));
            let s1 = y.rotr(17).xor(y.rotr(19)).xor(y.shr(10));
            w[$i] = w[$i].add(s0).add(w[($i + 9) % 16]).add(s1);
        };
    }
    word!(0);
    word!(1);
    word!(2);
    word!(3);
    word!(4);
    word!(5);
    word!(6);
    word!(7);
    word!(8);
    word!(9);
    word!(10);
    word!(11);
    word!(12);
    word!(13);
    word!(14);
    word!(15);
}
