//! Content-coding negotiation: parses `Accept-Encoding` (with q-values) and picks the encoding
//! to serve among those an asset has.
//!
//! Owns only header parsing and the preference order; it never touches asset bytes. Invariant:
//! an encoding the client excluded (`q=0`, or `*;q=0` without a positive entry of its own) is
//! chosen only when the asset has nothing the client accepts.

use crate::certification::Encoding;

/// Maximum number of `Accept-Encoding` entries inspected; the rest are ignored so a hostile
/// header cannot make negotiation expensive.
const MAX_ENTRIES: usize = 32;

/// The client's stated weight for each encoding we serve, in thousandths (`q=1` is 1000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptEncoding {
    br: Option<u16>,
    gzip: Option<u16>,
    identity: Option<u16>,
    wildcard: Option<u16>,
}

impl AcceptEncoding {
    /// What a request without an `Accept-Encoding` header accepts: identity only.
    pub const IDENTITY_ONLY: AcceptEncoding =
        AcceptEncoding { br: None, gzip: None, identity: None, wildcard: None };

    /// Parses a header value; malformed entries are skipped, never an error.
    pub fn parse(value: &str) -> AcceptEncoding {
        let mut accept = AcceptEncoding::IDENTITY_ONLY;
        for entry in value.split(',').take(MAX_ENTRIES) {
            let mut parts = entry.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let Some(q) = parse_q(parts) else { continue };
            let slot = if coding.eq_ignore_ascii_case("br") {
                &mut accept.br
            } else if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                &mut accept.gzip
            } else if coding.eq_ignore_ascii_case("identity") {
                &mut accept.identity
            } else if coding == "*" {
                &mut accept.wildcard
            } else {
                continue;
            };
            // The first occurrence of a coding counts, as most servers do.
            if slot.is_none() {
                *slot = Some(q);
            }
        }
        accept
    }

    /// The client's weight for `encoding`, following RFC 9110 §12.5.3: an explicit entry wins,
    /// then `*`; identity is acceptable unless excluded; other codings are not.
    pub fn weight(&self, encoding: Encoding) -> u16 {
        let explicit = match encoding {
            Encoding::Br => self.br,
            Encoding::Gzip => self.gzip,
            Encoding::Identity => self.identity,
        };
        match (explicit, self.wildcard, encoding) {
            (Some(q), _, _) => q,
            (None, Some(q), _) => q,
            (None, None, Encoding::Identity) => 1,
            (None, None, _) => 0,
        }
    }

    /// Picks the encoding to serve from `available`: among those with a positive weight, the
    /// first in preference order br, gzip, identity; otherwise identity if present, else the
    /// most preferred available one (a response the client may not decode beats no response).
    pub fn choose(&self, available: impl Fn(Encoding) -> bool) -> Option<Encoding> {
        Encoding::PREFERENCE
            .into_iter()
            .find(|&e| available(e) && self.weight(e) > 0)
            .or_else(|| available(Encoding::Identity).then_some(Encoding::Identity))
            .or_else(|| Encoding::PREFERENCE.into_iter().find(|&e| available(e)))
    }
}

/// Parses the parameters after a coding; `None` when a `q` parameter is malformed, so the entry
/// is ignored.
fn parse_q<'a>(params: impl Iterator<Item = &'a str>) -> Option<u16> {
    let mut q = 1000;
    for param in params {
        let Some((name, value)) = param.split_once('=') else { continue };
        if name.trim().eq_ignore_ascii_case("q") {
            q = parse_qvalue(value.trim())?;
        }
    }
    Some(q)
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
fn parse_qvalue(value: &str) -> Option<u16> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1][i];
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
