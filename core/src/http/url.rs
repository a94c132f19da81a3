//! Request-target parsing: strips the query and fragment, percent-decodes the path and
//! canonicalises it the way the certification tree splits paths.
//!
//! Owns only string handling; it knows nothing about assets. Invariant: the decoded path is
//! exactly what `ic-http-certification`'s `HttpRequest::get_path` yields for the same URL (strict
//! UTF-8, `+` left alone), so witnesses are built for the path the verifier checks.

use thiserror::Error;

/// Longest request target accepted; longer ones get a 414-style rejection as a 400.
const MAX_URL_LEN: usize = 8 * 1024;

/// Why a request target was rejected (answered with 400).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UrlError {
    /// The target exceeds the length limit.
    #[error("request target is {length} bytes, above the {max} byte limit")]
    TooLong {
        /// Length of the target.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// The path does not start with `/` (absolute-form and authority-form are not served).
    #[error("request path must start with '/'")]
    NotAbsolutePath,
    /// A `%` is not followed by two hex digits.
    #[error("malformed percent escape at byte {offset}")]
    BadEscape {
        /// Byte offset of the `%`.
        offset: usize,
    },
    /// The decoded path is not UTF-8, or contains a NUL or control character.
    #[error("decoded path is not printable UTF-8")]
    BadDecodedPath,
}

/// A decoded request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPath {
    /// The percent-decoded path, as the verifier computes it.
    pub decoded: String,
    /// `decoded` with empty segments removed (`//a//b/` becomes `/a/b/`): the form the
    /// certification tree distinguishes, used for lookups.
    pub canonical: String,
}

/// Parses the request target of an `http_request`.
pub fn parse(url: &str) -> Result<RequestPath, UrlError> {
    if url.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong { length: url.len(), max: MAX_URL_LEN });
    }
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let raw = &url[..end];
    if !raw.starts_with('/') {
        return Err(UrlError::NotAbsolutePath);
    }
    let decoded = percent_decode(raw)?;
    let canonical = canonicalise(&decoded);
    Ok(RequestPath { decoded, canonical })
}

fn percent_decode(raw: &str) -> Result<String, UrlError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(UrlError::BadEscape { offset: i })?;
            let value = hex_value(hex[0])
                .zip(hex_value(hex[1]))
                .ok_or(UrlError::BadEscape { offset: i })?;
            out.push(value.0 << 4 | value.1);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).map_err(|_| UrlError::BadDecodedPath)?;
    if decoded.chars().any(char::is_control) {
        return Err(UrlError::BadDecodedPath);
    }
    Ok(decoded)
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Joins the non-empty segments with `/`, keeping a trailing `/`.
pub fn canonicalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(segment);
    }
    if path.ends_with('/') || out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_query_and_fragment() {
        let p = parse("/a/b.html?x=1#top").unwrap();
        assert_eq!(p.decoded, "/a/b.html");
        assert_eq!(p.canonical, "/a/b.html");
    }

    #[test]
    fn decodes_percent_escapes_and_keeps_plus() {
        let p = parse("/caf%C3%A9%20menu+x.html").unwrap();
        assert_eq!(p.decoded, "/café menu+x.html");
    }

    #[test]
    fn canonical_form_drops_empty_segments() {
        assert_eq!(parse("//a//b/").unwrap().canonical, "/a/b/");
        assert_eq!(parse("/").unwrap().canonical, "/");
        assert_eq!(parse("//").unwrap().canonical, "/");
    }

    #[test]
    fn rejects_hostile_targets() {
        assert_eq!(parse("/a%zz"), Err(UrlError::BadEscape { offset: 2 }));
        assert_eq!(parse("/a%2"), Err(UrlError::BadEscape { offset: 2 }));
        assert_eq!(parse("/%ff%fe"), Err(UrlError::BadDecodedPath));
        assert_eq!(parse("/a%00b"), Err(UrlError::BadDecodedPath));
        assert_eq!(parse("http://x/a"), Err(UrlError::NotAbsolutePath));
        assert_eq!(parse(""), Err(UrlError::NotAbsolutePath));
        let long = format!("/{}", "a".repeat(MAX_URL_LEN));
        assert!(matches!(parse(&long), Err(UrlError::TooLong { .. })));
    }

    #[test]
    fn decoding_matches_the_verifier() {
        for url in ["/a%20b/c%2Fd", "/%E2%9C%93", "/x+y", "/a/./b/../c"] {
            let ours = parse(url).unwrap().decoded;
            let theirs = ic_http_certification::HttpRequest::get(url).build().get_path().unwrap();
            assert_eq!(ours, theirs, "{url}");
        }
    }
}
