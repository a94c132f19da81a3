//! The one function that derives response headers, used when certifying at commit. Serving
//! copies the lists stored with each certified response, so served headers are certified
//! headers by construction.
//!
//! Owns header names, order and values, and the certificate expression every response carries.
//! Must not read content. Invariant: header names are lowercase and never repeat, and custom
//! headers cannot override or duplicate the headers the canister sets itself.

use super::input::{AssetView, Encoding, EncodingView};
use ic_http_certification::{
    DefaultCelBuilder, DefaultResponseCertification, CERTIFICATE_EXPRESSION_HEADER_NAME,
    CERTIFICATE_HEADER_NAME,
};

/// A response header list as served.
pub type HeaderList = Vec<(String, String)>;

/// Which response a header list is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    /// A whole representation (200 for assets and the single-page fallback, 404 for 404 pages);
    /// `etag` is false for fallback pages, which are shared by many URLs and never revalidated.
    Representation {
        /// Whether an `ETag` is sent.
        etag: bool,
    },
    /// A 206 part covering bytes `first..=last`.
    Partial {
        /// First byte.
        first: u64,
        /// Last byte, inclusive.
        last: u64,
    },
    /// A 304 answer to a matching `If-None-Match`.
    NotModified,
    /// A 416 answer to a range beyond the end.
    Unsatisfiable,
}

/// The CEL expression every response is certified with: no request certification, all response
/// headers certified (except `IC-Certificate`, which carries the proof).
pub fn certificate_expression() -> String {
    DefaultCelBuilder::response_only_certification()
        .with_response_certification(DefaultResponseCertification::response_header_exclusions(
            vec![],
        ))
        .build()
        .to_string()
}

/// `IC-CertificateExpression` as served (header names are lowercase).
const EXPRESSION_HEADER: &str = "ic-certificateexpression";

/// Headers for one response of `asset` in `variant`.
pub fn derive(asset: &AssetView, variant: &EncodingView, kind: HeaderKind, expression: &str) -> HeaderList {
    let mut set = EncodingHeaders::new(asset, variant, expression);
    let list = set.list(kind);
    set.select(&list)
}

/// Every header the responses of one encoding carry, each built once, and which of them each
/// kind of response lists, in order: the lists are selections of one set, so a hasher looks
/// each header up once per encoding instead of once per list (about 600 instructions each).
#[derive(Debug)]
pub struct EncodingHeaders {
    /// The distinct headers: those shared by several lists, then each 206's `content-range`.
    headers: HeaderList,
    content_type: usize,
    content_encoding: Option<usize>,
    accept_ranges: usize,
    /// `content-range` of the 416.
    unsatisfiable_range: usize,
    cache_control: Option<usize>,
    etag: usize,
    vary: usize,
    custom: std::ops::Range<usize>,
    expression: usize,
    /// The encoding's length, for 206 ranges.
    length: u64,
}

impl EncodingHeaders {
    /// The headers of `variant` of `asset`.
    pub fn new(asset: &AssetView, variant: &EncodingView, expression: &str) -> EncodingHeaders {
        let mut headers = HeaderList::with_capacity(9 + asset.headers.len());
        let mut add = |name: &str, value: String| {
            headers.push((name.into(), value));
            headers.len() - 1
        };
        let content_type = add("content-type", asset.content_type.clone());
        let content_encoding =
            (variant.encoding != Encoding::Identity).then(|| add("content-encoding", variant.encoding.name().into()));
        let accept_ranges = add("accept-ranges", "bytes".into());
        let unsatisfiable_range = add("content-range", text(&["bytes */"], &[variant.length]));
        let cache_control = asset.max_age.map(|age| add("cache-control", text(&["max-age="], &[age])));
        let etag = add("etag", etag(&variant.sha256));
        let vary = add("vary", "Accept-Encoding".into());
        let first_custom = headers.len();
        push_custom(&mut headers, &asset.headers);
        let custom = first_custom..headers.len();
        headers.push((EXPRESSION_HEADER.into(), expression.to_string()));
        let expression = headers.len() - 1;
        EncodingHeaders {
            headers,
            content_type,
            content_encoding,
            accept_ranges,
            unsatisfiable_range,
            cache_control,
            etag,
            vary,
            custom,
            expression,
            length: variant.length,
        }
    }

    /// Every header built so far; [`EncodingHeaders::list`] indexes into it.
    pub fn headers(&self) -> &HeaderList {
        &self.headers
    }

    /// The headers of the `kind` response, as indices into [`EncodingHeaders::headers`] in
    /// serving order (a 206 adds its `content-range`).
    pub fn list(&mut self, kind: HeaderKind) -> Vec<usize> {
        let mut list = Vec::with_capacity(9 + self.custom.len());
        match kind {
            HeaderKind::NotModified => {}
            HeaderKind::Unsatisfiable => list.push(self.unsatisfiable_range),
            HeaderKind::Representation { .. } | HeaderKind::Partial { .. } => {
                list.push(self.content_type);
                list.extend(self.content_encoding);
                list.push(self.accept_ranges);
            }
        }
        if let HeaderKind::Partial { first, last } = kind {
            self.headers.push(("content-range".into(), text(&["bytes ", "-", "/"], &[first, last, self.length])));
            list.push(self.headers.len() - 1);
        }
        if kind != HeaderKind::Unsatisfiable {
            list.extend(self.cache_control);
            if kind != (HeaderKind::Representation { etag: false }) {
                list.push(self.etag);
            }
        }
        list.push(self.vary);
        if kind != HeaderKind::Unsatisfiable {
            list.extend(self.custom.clone());
        }
        list.push(self.expression);
        list
    }

    /// Every header built, which the lists index into.
    pub fn into_headers(self) -> HeaderList {
        self.headers
    }

    /// The headers `list` (from [`EncodingHeaders::list`]) names, as served.
    pub fn select(&self, list: &[usize]) -> HeaderList {
        list.iter().map(|&i| self.headers[i].clone()).collect()
    }
}

/// `parts[i]` followed by `numbers[i]` in decimal, for each `i`. Written directly: `format!`
/// cost about 1 K instructions per header at commit (measured; see BENCHMARKING.md).
fn text(parts: &[&str], numbers: &[u64]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + 20 * numbers.len());
    for (part, &number) in parts.iter().zip(numbers) {
        out.push_str(part);
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut rest = number;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        out.extend(digits[at..].iter().map(|&d| char::from(d)));
    }
    out
}

/// The `ETag` value of an encoding: its sha256 in lowercase hex, quoted. Written directly:
/// `format!` over `hex::encode` cost about 2 K instructions per response at commit.
pub fn etag(sha256: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(66);
    out.push('"');
    for byte in sha256 {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out.push('"');
    out
}

/// Headers for responses that do not depend on any asset (405, the plain 404).
pub fn plain(status_headers: &[(&str, &str)], expression: &str) -> HeaderList {
    let mut headers: HeaderList =
        status_headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
    headers.push((EXPRESSION_HEADER.into(), expression.to_string()));
    headers
}

/// Headers only the canister sets: a custom header may not add them even where a response
/// kind omits them (a `content-type` on a 304, an `etag` on a fallback page).
const OWN_HEADERS: [&str; 7] =
    ["content-type", "content-encoding", "content-range", "content-length", "etag", "vary", "accept-ranges"];

fn push_custom(headers: &mut HeaderList, custom: &[(String, String)]) {
    for (name, value) in custom {
        let name = name.trim().to_ascii_lowercase();
        let reserved = name.is_empty()
            || name.eq_ignore_ascii_case(CERTIFICATE_HEADER_NAME)
            || name.eq_ignore_ascii_case(CERTIFICATE_EXPRESSION_HEADER_NAME)
            || OWN_HEADERS.contains(&name.as_str())
            || headers.iter().any(|(existing, _)| *existing == name);
        if !reserved {
            headers.push((name, value.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset() -> AssetView {
        AssetView {
            key: "/a.js".into(),
            content_type: "text/javascript".into(),
            max_age: Some(60),
            headers: vec![
                ("X-Frame-Options".into(), "DENY".into()),
                ("Content-Type".into(), "text/evil".into()),
                ("ETag".into(), "\"forged\"".into()),
                ("IC-Certificate".into(), "forged".into()),
            ],
            enable_aliasing: false,
            allow_raw_access: true,
            encodings: vec![],
        }
    }

    fn variant(encoding: Encoding) -> EncodingView {
        EncodingView { encoding, length: 10, sha256: [0xab; 32], part_sha256: vec![], locator: vec![] }
    }

    #[test]
    fn representation_headers_carry_everything_certified() {
        let h = derive(&asset(), &variant(Encoding::Gzip), HeaderKind::Representation { etag: true }, "E");
        let names: Vec<&str> = h.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["content-type", "content-encoding", "accept-ranges", "cache-control", "etag", "vary", "x-frame-options", "ic-certificateexpression"]
        );
        assert_eq!(h[0].1, "text/javascript");
        assert_eq!(h[4].1, format!("\"{}\"", "ab".repeat(32)));
    }

    #[test]
    fn custom_headers_cannot_override_own_headers() {
        let h = derive(&asset(), &variant(Encoding::Identity), HeaderKind::Partial { first: 0, last: 4 }, "E");
        assert_eq!(h.iter().filter(|(n, _)| n == "content-type").count(), 1);
        assert_eq!(h.iter().filter(|(n, _)| n == "etag").count(), 1);
        assert!(!h.iter().any(|(n, _)| n == "ic-certificate" || n == "content-encoding"));
        assert!(h.contains(&("content-range".into(), "bytes 0-4/10".into())));
    }

    #[test]
    fn expression_header_is_the_lowercased_library_name() {
        assert_eq!(EXPRESSION_HEADER, CERTIFICATE_EXPRESSION_HEADER_NAME.to_ascii_lowercase());
    }

    proptest::proptest! {
        #[test]
        fn text_is_what_format_writes(a in proptest::prelude::any::<u64>(), b in 0u64..1000, c in proptest::prelude::any::<u64>()) {
            proptest::prop_assert_eq!(text(&["bytes ", "-", "/"], &[a, b, c]), format!("bytes {a}-{b}/{c}"));
            proptest::prop_assert_eq!(text(&["max-age="], &[b]), format!("max-age={b}"));
        }

        #[test]
        fn etag_is_the_quoted_lowercase_hex(sha256 in proptest::prelude::any::<[u8; 32]>()) {
            proptest::prop_assert_eq!(etag(&sha256), format!("\"{}\"", hex::encode(sha256)));
        }
    }

    proptest::proptest! {
        /// One set serves every list of an encoding: each list equals the list of a set built
        /// for it alone, whatever lists were taken from the set before (206s add headers).
        #[test]
        fn lists_of_one_set_are_lists_of_their_own(
            kinds in proptest::collection::vec(0..6u8, 1..8),
            max_age in proptest::option::of(0..1000u64),
            custom in proptest::collection::vec(("[a-zA-Z-]{1,14}", "[ -~]{0,12}"), 0..4),
            encoding in proptest::prop_oneof![proptest::strategy::Just(Encoding::Identity), proptest::strategy::Just(Encoding::Gzip)],
        ) {
            let mut asset = asset();
            asset.max_age = max_age;
            asset.headers.extend(custom);
            let variant = variant(encoding);
            let mut set = EncodingHeaders::new(&asset, &variant, "E");
            for (i, kind) in kinds.into_iter().enumerate() {
                let kind = match kind {
                    0 => HeaderKind::Representation { etag: true },
                    1 => HeaderKind::Representation { etag: false },
                    2 => HeaderKind::NotModified,
                    3 => HeaderKind::Unsatisfiable,
                    _ => HeaderKind::Partial { first: i as u64, last: i as u64 + 3 },
                };
                let list = set.list(kind);
                let mut alone = EncodingHeaders::new(&asset, &variant, "E");
                let own = alone.list(kind);
                proptest::prop_assert_eq!(set.select(&list), alone.select(&own));
            }
        }
    }

    #[test]
    fn not_modified_and_unsatisfiable_are_bodiless_shapes() {
        let h = derive(&asset(), &variant(Encoding::Br), HeaderKind::NotModified, "E");
        assert!(!h.iter().any(|(n, _)| n == "content-type"));
        assert!(h.iter().any(|(n, _)| n == "etag"));
        let h = derive(&asset(), &variant(Encoding::Br), HeaderKind::Unsatisfiable, "E");
        assert!(h.contains(&("content-range".into(), "bytes */10".into())));
        let h = derive(&asset(), &variant(Encoding::Br), HeaderKind::Representation { etag: false }, "E");
        assert!(!h.iter().any(|(n, _)| n == "etag"));
    }
}
