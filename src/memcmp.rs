//! Word-at-a-time `memcmp` and `bcmp` for the Wasm build.
//!
//! The ones `compiler_builtins` links into a `wasm32` module compare one byte per loop
//! iteration; every key comparison in the B-trees and maps, every hash and label equality goes
//! through them. These compare eight bytes per iteration and look at single bytes only where
//! two words differ, and replace the library's weak symbols at link time (0.84 M of the 50-asset
//! commit). Their loops must not be compiled back into calls to `memcmp` or `bcmp`, which
//! would recurse; with the pinned toolchain they are not (the integration tests run the built
//! Wasm, which calls them throughout every request and commit).
//!
//! Owns nothing but the comparison. Invariant: `memcmp` returns a value with the sign of the
//! first differing byte's difference (0 when equal), `bcmp` is 0 exactly when the bytes are
//! equal: what C and the Rust standard library expect of them.

/// The order of the first `n` bytes at `a` and `b`: negative, zero or positive.
///
/// # Safety
/// `a` and `b` must be valid for reads of `n` bytes.
#[cfg(any(target_arch = "wasm32", test))]
unsafe fn compare(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: `i + 8 <= n`, and both ranges hold `n` readable bytes.
        let (x, y) = unsafe { ((a.add(i) as *const u64).read_unaligned(), (b.add(i) as *const u64).read_unaligned()) };
        if x != y {
            break;
        }
        i += 8;
    }
    while i < n {
        // SAFETY: `i < n`.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

#[cfg(target_arch = "wasm32")]
mod symbols {
    /// C `memcmp`.
    ///
    /// # Safety
    /// As C's: both pointers valid for `n` bytes.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: passed on from the caller.
        unsafe { super::compare(a, b, n) }
    }

    /// C `bcmp`: zero exactly when the bytes are equal.
    ///
    /// # Safety
    /// As C's: both pointers valid for `n` bytes.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
        // SAFETY: passed on from the caller.
        unsafe { super::compare(a, b, n) }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The sign of `compare` is the slices' order, for equal-length inputs sharing a prefix.
        #[test]
        fn compare_orders_like_slices(prefix in prop::collection::vec(any::<u8>(), 0..40), a in prop::collection::vec(any::<u8>(), 0..20), b in prop::collection::vec(any::<u8>(), 0..20)) {
            let n = a.len().min(b.len());
            let (mut x, mut y) = (prefix.clone(), prefix);
            x.extend_from_slice(&a[..n]);
            y.extend_from_slice(&b[..n]);
            // SAFETY: both vectors hold `x.len()` bytes.
            let got = unsafe { super::compare(x.as_ptr(), y.as_ptr(), x.len()) };
            prop_assert_eq!(got.signum(), x.cmp(&y) as i32);
        }
    }
}
