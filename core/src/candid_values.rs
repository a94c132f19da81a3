//! A cursor over the value section of a Candid message, for the readers that skip `candid`'s
//! generic decoder once they have recognised a fixed type table (`http_types::wire`,
//! `commit_wire`).
//!
//! Owns only the encoding of primitive values (LEB128, blobs, text, bool, `nat64`, `opt` tags);
//! knows no type table. Invariant: every read either consumes exactly the bytes `candid` would
//! for that value or returns `None` (never panics, never reads past the end), so a caller can
//! fall back to `candid` on any `None`.

/// The unread rest of the values.
pub(crate) struct Values<'a>(pub(crate) &'a [u8]);

impl<'a> Values<'a> {
    pub(crate) fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    /// An unsigned LEB128 that fits in 64 bits (longer or larger ones are left to `candid`).
    pub(crate) fn leb(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return None;
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    /// A length, refused when even one byte per element would overrun the input.
    pub(crate) fn len(&mut self) -> Option<usize> {
        let len = usize::try_from(self.leb()?).ok()?;
        (len <= self.0.len()).then_some(len)
    }

    /// A `blob` (or the bytes of a `text`), borrowed.
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = self.len()?;
        let (taken, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(taken)
    }

    pub(crate) fn text(&mut self) -> Option<String> {
        std::str::from_utf8(self.bytes()?).ok().map(str::to_owned)
    }

    pub(crate) fn bool(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    pub(crate) fn nat64(&mut self) -> Option<u64> {
        let (bytes, rest) = self.0.split_first_chunk::<8>()?;
        self.0 = rest;
        Some(u64::from_le_bytes(*bytes))
    }

    /// An `opt`: its tag, then the value when present. `Some(None)` is a well-formed absence.
    pub(crate) fn opt<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.byte()? {
            0 => Some(None),
            1 => read(self).map(Some),
            _ => None,
        }
    }

    /// A `vec` of `count` elements, each read by `read`.
    pub(crate) fn vec<T>(&mut self, mut read: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let count = self.len()?;
        let mut items = Vec::with_capacity(count);
        for _ in 0..count {
            items.push(read(self)?);
        }
        Some(items)
    }
}
