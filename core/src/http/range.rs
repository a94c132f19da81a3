//! `Range` request header parsing (RFC 9110 §14.2) for single byte ranges.
//!
//! Owns only parsing and validation against a representation length; which certified chunk
//! answers a range is decided by the caller. Invariant: an `Ok(Some(start))` always satisfies
//! `start < length`.

use thiserror::Error;

/// A `Range` header that is syntactically a byte range but cannot be satisfied (answered 416).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RangeError {
    /// The range is malformed: bad numbers or `first > last`.
    #[error("malformed byte range")]
    Malformed,
    /// The range starts at or beyond the end of the representation.
    #[error("range starts at {start}, beyond length {length}")]
    Unsatisfiable {
        /// First byte requested.
        start: u64,
        /// Length of the representation.
        length: u64,
    },
}

/// Parses `value` against a representation of `length` bytes and returns the first requested
/// byte. `Ok(None)` means the header is to be ignored: another range unit (RFC 9110 §14.2 requires
/// that), or several ranges, which only a multipart answer could serve and no certified response
/// is (§14.2 lets a server ignore them; a 416 would claim none of them overlaps the content).
/// A suffix range `bytes=-n` starts `n` bytes before the end.
pub fn first_byte(value: &str, length: u64) -> Result<Option<u64>, RangeError> {
    let value = value.trim();
    let Some((unit, spec)) = value.split_once('=') else {
        return Err(RangeError::Malformed);
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return Ok(None);
    }
    let spec = spec.trim();
    if spec.contains(',') {
        return Ok(None);
    }
    let (first, last) = spec.split_once('-').ok_or(RangeError::Malformed)?;
    let (first, last) = (first.trim(), last.trim());
    let start = if first.is_empty() {
        let suffix = parse_u64(last)?;
        if suffix == 0 {
            return Err(RangeError::Unsatisfiable { start: length, length });
        }
        length.saturating_sub(suffix)
    } else {
        let start = parse_u64(first)?;
        if !last.is_empty() && parse_u64(last)? < start {
            return Err(RangeError::Malformed);
        }
        start
    };
    if start >= length {
        return Err(RangeError::Unsatisfiable { start, length });
    }
    Ok(Some(start))
}

fn parse_u64(digits: &str) -> Result<u64, RangeError> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RangeError::Malformed);
    }
    digits.parse().map_err(|_| RangeError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_the_forms_browsers_send() {
        assert_eq!(first_byte("bytes=0-", 10), Ok(Some(0)));
        assert_eq!(first_byte("bytes=3-5", 10), Ok(Some(3)));
        assert_eq!(first_byte("bytes=3-99", 10), Ok(Some(3)));
        assert_eq!(first_byte("bytes=-4", 10), Ok(Some(6)));
        assert_eq!(first_byte("bytes=-40", 10), Ok(Some(0)));
        assert_eq!(first_byte(" Bytes = 2 - ", 10), Ok(Some(2)));
        assert_eq!(first_byte("items=0-1", 10), Ok(None));
        assert_eq!(first_byte("bytes=0-1,4-5", 10), Ok(None), "several ranges: ignored");
        assert_eq!(first_byte("bytes=0-1, 20-", 10), Ok(None));
    }

    #[test]
    fn rejects_bad_ranges() {
        assert_eq!(first_byte("bytes=5-3", 10), Err(RangeError::Malformed));
        assert_eq!(first_byte("bytes=a-3", 10), Err(RangeError::Malformed));
        assert_eq!(first_byte("bytes", 10), Err(RangeError::Malformed));
        assert_eq!(first_byte("bytes=99999999999999999999-", 10), Err(RangeError::Malformed));
        assert_eq!(first_byte("bytes=10-", 10), Err(RangeError::Unsatisfiable { start: 10, length: 10 }));
        assert_eq!(first_byte("bytes=-0", 10), Err(RangeError::Unsatisfiable { start: 10, length: 10 }));
        assert_eq!(first_byte("bytes=0-", 0), Err(RangeError::Unsatisfiable { start: 0, length: 0 }));
    }

    /// Naive model: a byte range is `bytes=<digits>-[<digits>]` or `bytes=-<digits>`.
    fn model(first: Option<u64>, last: Option<u64>, length: u64) -> Result<Option<u64>, RangeError> {
        match (first, last) {
            (None, Some(0)) => Err(RangeError::Unsatisfiable { start: length, length }),
            (None, Some(n)) => Ok(Some(length - n.min(length))),
            (Some(f), Some(l)) if l < f => Err(RangeError::Malformed),
            (Some(f), _) if f >= length => Err(RangeError::Unsatisfiable { start: f, length }),
            (Some(f), _) => Ok(Some(f)),
            (None, None) => Err(RangeError::Malformed),
        }
    }

    proptest! {
        #[test]
        fn agrees_with_model(first in proptest::option::of(0u64..200), last in proptest::option::of(0u64..200), length in 0u64..150) {
            let header = format!(
                "bytes={}-{}",
                first.map(|f| f.to_string()).unwrap_or_default(),
                last.map(|l| l.to_string()).unwrap_or_default()
            );
            let got = first_byte(&header, length);
            // A suffix range on an empty representation starts at 0 = length: unsatisfiable.
            let want = match model(first, last, length) {
                Ok(Some(s)) if s >= length => Err(RangeError::Unsatisfiable { start: s, length }),
                other => other,
            };
            prop_assert_eq!(got, want);
        }

        #[test]
        fn never_panics(value in ".{0,64}", length in any::<u64>()) {
            if let Ok(Some(start)) = first_byte(&value, length) {
                prop_assert!(start < length);
            }
        }
    }
}
