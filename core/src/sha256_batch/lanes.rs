//! Four u32 lanes, the word type of the 4-way SHA-256 in [`super::compress`]: Wasm SIMD `v128`
//! in the canister, a plain array everywhere else, so the native tests run the same rounds the
//! canister runs.
//!
//! Owns only lane-wise arithmetic and loading four message blocks as lanes; knows nothing of
//! SHA-256. Invariant: both implementations compute identical lanes for identical inputs.

/// Lane-wise operations on four independent u32 words.
pub(super) trait Lanes: Copy {
    /// Every lane `word`.
    fn splat(word: u32) -> Self;
    /// Lane `i` is `words[i]`.
    fn from_array(words: [u32; 4]) -> Self;
    /// The lanes as an array.
    fn to_array(self) -> [u32; 4];
    /// Wrapping addition.
    fn add(self, other: Self) -> Self;
    /// Bitwise exclusive or.
    fn xor(self, other: Self) -> Self;
    /// Bits of `ones` where `mask` is set, of `zeros` elsewhere (SHA-256's Ch, and Maj with
    /// the mask `a ^ b`).
    fn select(mask: Self, ones: Self, zeros: Self) -> Self;
    /// Rotation right by `bits` (1..=31).
    fn rotr(self, bits: u32) -> Self;
    /// Logical shift right by `bits` (1..=31).
    fn shr(self, bits: u32) -> Self;
    /// The sixteen big-endian words of four 64-byte blocks: word `w` of `blocks[i]` in lane `i`
    /// of element `w`.
    fn load_blocks(blocks: [&[u8; 64]; 4]) -> [Self; 16];
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(super) use simd::SimdLanes as NativeLanes;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(super) use portable::PortableLanes as NativeLanes;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod portable {
    use super::Lanes;

    /// Four lanes as an array; LLVM vectorises it where it can.
    #[derive(Debug, Clone, Copy)]
    pub struct PortableLanes([u32; 4]);

    impl PortableLanes {
        #[inline(always)]
        fn zip(self, other: Self, f: impl Fn(u32, u32) -> u32) -> Self {
            PortableLanes(core::array::from_fn(|i| f(self.0[i], other.0[i])))
        }
    }

    impl Lanes for PortableLanes {
        #[inline(always)]
        fn splat(word: u32) -> Self {
            PortableLanes([word; 4])
        }
        #[inline(always)]
        fn from_array(words: [u32; 4]) -> Self {
            PortableLanes(words)
        }
        #[inline(always)]
        fn to_array(self) -> [u32; 4] {
            self.0
        }
        #[inline(always)]
        fn add(self, other: Self) -> Self {
            self.zip(other, u32::wrapping_add)
        }
        #[inline(always)]
        fn xor(self, other: Self) -> Self {
            self.zip(other, |a, b| a ^ b)
        }
        #[inline(always)]
        fn select(mask: Self, ones: Self, zeros: Self) -> Self {
            PortableLanes(core::array::from_fn(|i| (mask.0[i] & ones.0[i]) | (!mask.0[i] & zeros.0[i])))
        }
        #[inline(always)]
        fn rotr(self, bits: u32) -> Self {
            PortableLanes(self.0.map(|w| w.rotate_right(bits)))
        }
        #[inline(always)]
        fn shr(self, bits: u32) -> Self {
            PortableLanes(self.0.map(|w| w >> bits))
        }
        #[inline(always)]
        fn load_blocks(blocks: [&[u8; 64]; 4]) -> [Self; 16] {
            core::array::from_fn(|w| {
                PortableLanes(blocks.map(|block| {
                    u32::from_be_bytes([block[4 * w], block[4 * w + 1], block[4 * w + 2], block[4 * w + 3]])
                }))
            })
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::Lanes;
    use core::arch::wasm32::{
        i8x16_shuffle, u32x4_add, u32x4_shl, u32x4_shr, u32x4_splat, v128, v128_bitselect,
        v128_load, v128_or, v128_xor,
    };

    /// Four lanes in one Wasm `v128`.
    #[derive(Debug, Clone, Copy)]
    pub struct SimdLanes(v128);

    /// Loads bytes `16 * quarter..16 * quarter + 16` of `block`.
    #[inline(always)]
    fn quarter(block: &[u8; 64], quarter: usize) -> v128 {
        let bytes = &block.as_chunks::<16>().0[quarter];
        // SAFETY: `bytes` is 16 readable bytes; `v128_load` has no alignment requirement.
        unsafe { v128_load(bytes.as_ptr().cast::<v128>()) }
    }

    impl Lanes for SimdLanes {
        #[inline(always)]
        fn splat(word: u32) -> Self {
            SimdLanes(u32x4_splat(word))
        }
        #[inline(always)]
        fn from_array(words: [u32; 4]) -> Self {
            // SAFETY: `v128` is sixteen bytes with no invalid bit patterns.
            SimdLanes(unsafe { core::mem::transmute::<[u32; 4], v128>(words) })
        }
        #[inline(always)]
        fn to_array(self) -> [u32; 4] {
            // SAFETY: as above; one `v128.store` instead of four lane extractions.
            unsafe { core::mem::transmute::<v128, [u32; 4]>(self.0) }
        }
        #[inline(always)]
        fn add(self, other: Self) -> Self {
            SimdLanes(u32x4_add(self.0, other.0))
        }
        #[inline(always)]
        fn xor(self, other: Self) -> Self {
            SimdLanes(v128_xor(self.0, other.0))
        }
        #[inline(always)]
        fn select(mask: Self, ones: Self, zeros: Self) -> Self {
            SimdLanes(v128_bitselect(ones.0, zeros.0, mask.0))
        }
        #[inline(always)]
        fn rotr(self, bits: u32) -> Self {
            SimdLanes(v128_or(u32x4_shr(self.0, bits), u32x4_shl(self.0, 32 - bits)))
        }
        #[inline(always)]
        fn shr(self, bits: u32) -> Self {
            SimdLanes(u32x4_shr(self.0, bits))
        }
        /// Per quarter: two shuffles interleave and byte-swap words of two blocks each, two
        /// more finish the 4x4 transpose (16 loads and 32 shuffles per four blocks).
        #[inline(always)]
        fn load_blocks(blocks: [&[u8; 64]; 4]) -> [Self; 16] {
            let mut words = [SimdLanes(u32x4_splat(0)); 16];
            for q in 0..4 {
                let [a, b, c, d] = blocks.map(|block| quarter(block, q));
                // [a0 b0 a1 b1] and [a2 b2 a3 b3], each word byte-swapped; likewise c and d.
                let ab01 = i8x16_shuffle::<3, 2, 1, 0, 19, 18, 17, 16, 7, 6, 5, 4, 23, 22, 21, 20>(a, b);
                let ab23 = i8x16_shuffle::<11, 10, 9, 8, 27, 26, 25, 24, 15, 14, 13, 12, 31, 30, 29, 28>(a, b);
                let cd01 = i8x16_shuffle::<3, 2, 1, 0, 19, 18, 17, 16, 7, 6, 5, 4, 23, 22, 21, 20>(c, d);
                let cd23 = i8x16_shuffle::<11, 10, 9, 8, 27, 26, 25, 24, 15, 14, 13, 12, 31, 30, 29, 28>(c, d);
                let low = |x, y| i8x16_shuffle::<0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23>(x, y);
                let high = |x, y| i8x16_shuffle::<8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31>(x, y);
                words[4 * q] = SimdLanes(low(ab01, cd01));
                words[4 * q + 1] = SimdLanes(high(ab01, cd01));
                words[4 * q + 2] = SimdLanes(low(ab23, cd23));
                words[4 * q + 3] = SimdLanes(high(ab23, cd23));
            }
            words
        }
    }
}
