//! The request facts serving needs, read in one pass over the headers: method, accepted
//! encodings, `Range`, `If-Range`, `If-None-Match`, `Host`.
//!
//! Owns header extraction and validator matching; never decides a response. Invariant:
//! nothing here fails on any input; unknown or repeated headers are ignored (first one wins).

use super::encoding::AcceptEncoding;

/// Most `If-None-Match` entries compared, so a hostile list stays cheap.
const MAX_ETAGS: usize = 32;

/// The request methods served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// Anything else (answered 405).
    Other,
}

impl Method {
    /// Parses a method name (case-sensitive, as HTTP methods are).
    pub fn parse(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            _ => Method::Other,
        }
    }
}

/// Headers that shape the response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestHeaders<'a> {
    /// Parsed `Accept-Encoding` (identity only when absent).
    pub accept_encoding: AcceptEncoding,
    /// Raw `Range` value.
    pub range: Option<&'a str>,
    /// Raw `If-Range` value: the `Range` applies only while it names the current ETag.
    pub if_range: Option<&'a str>,
    /// Raw `If-None-Match` value.
    pub if_none_match: Option<&'a str>,
    /// Raw `Host` value.
    pub host: Option<&'a str>,
}

impl<'a> RequestHeaders<'a> {
    /// Extracts the headers from a request's header list.
    pub fn extract(headers: &'a [(String, String)]) -> RequestHeaders<'a> {
        let mut accept = None;
        let mut out = RequestHeaders {
            accept_encoding: AcceptEncoding::IDENTITY_ONLY,
            range: None,
            if_range: None,
            if_none_match: None,
            host: None,
        };
        for (name, value) in headers {
            let slot = if name.eq_ignore_ascii_case("accept-encoding") {
                &mut accept
            } else if name.eq_ignore_ascii_case("range") {
                &mut out.range
            } else if name.eq_ignore_ascii_case("if-range") {
                &mut out.if_range
            } else if name.eq_ignore_ascii_case("if-none-match") {
                &mut out.if_none_match
            } else if name.eq_ignore_ascii_case("host") {
                &mut out.host
            } else {
                continue;
            };
            slot.get_or_insert(value.as_str());
        }
        if let Some(value) = accept {
            out.accept_encoding = AcceptEncoding::parse(value);
        }
        out
    }
}

/// Whether an `If-None-Match` value matches `etag` (quoted), with the weak comparison RFC 9110
/// §13.1.2 prescribes: `W/` prefixes are ignored, `*` matches any current representation.
pub fn if_none_match_matches(value: &str, etag: &str) -> bool {
    value.split(',').take(MAX_ETAGS).map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

/// Whether a `Range` sent with this `If-Range` value applies to the representation tagged
/// `etag` (quoted): RFC 9110 §13.1.5 asks for the strong comparison, so a weak tag never
/// matches, and a date never does either (no `Last-Modified` is served to compare it with).
/// When it does not match, the client wants the whole current representation, not a part of it.
pub fn if_range_matches(value: &str, etag: &str) -> bool {
    value.trim() == etag
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certification::Encoding;

    #[test]
    fn extracts_case_insensitively_first_wins() {
        let headers = vec![
            ("Accept-Encoding".to_string(), "gzip".to_string()),
            ("accept-encoding".to_string(), "br".to_string()),
            ("RANGE".to_string(), "bytes=1-".to_string()),
            ("If-None-Match".to_string(), "\"x\"".to_string()),
            ("if-range".to_string(), "\"y\"".to_string()),
            ("Host".to_string(), "a.icp0.io".to_string()),
        ];
        let h = RequestHeaders::extract(&headers);
        assert!(h.accept_encoding.weight(Encoding::Gzip) > 0);
        assert_eq!(h.accept_encoding.weight(Encoding::Br), 0);
        assert_eq!(h.range, Some("bytes=1-"));
        assert_eq!(h.if_none_match, Some("\"x\""));
        assert_eq!(h.if_range, Some("\"y\""));
        assert_eq!(h.host, Some("a.icp0.io"));
    }

    #[test]
    fn if_none_match_forms() {
        assert!(if_none_match_matches("\"a\"", "\"a\""));
        assert!(if_none_match_matches("\"b\", W/\"a\"", "\"a\""));
        assert!(if_none_match_matches("*", "\"a\""));
        assert!(!if_none_match_matches("\"b\"", "\"a\""));
        assert!(!if_none_match_matches("a", "\"a\""));
        assert!(!if_none_match_matches("", "\"a\""));
    }

    #[test]
    fn if_range_needs_the_same_strong_tag() {
        assert!(if_range_matches("\"a\"", "\"a\""));
        assert!(if_range_matches(" \"a\" ", "\"a\""));
        assert!(!if_range_matches("W/\"a\"", "\"a\""));
        assert!(!if_range_matches("\"b\"", "\"a\""));
        assert!(!if_range_matches("*", "\"a\""));
        assert!(!if_range_matches("Tue, 24 Nov 2026 10:00:00 GMT", "\"a\""));
        assert!(!if_range_matches("", "\"a\""));
    }

    #[test]
    fn methods() {
        assert_eq!(Method::parse("GET"), Method::Get);
        assert_eq!(Method::parse("HEAD"), Method::Head);
        assert_eq!(Method::parse("get"), Method::Other);
        assert_eq!(Method::parse("POST"), Method::Other);
    }
}
