//! Every response an asset can produce, built once at commit: status, header list, body span
//! and response hash. They live only until `record` has written them into the asset's record;
//! serving decodes the one it picks from there.
//!
//! Responses are built as drafts ([`AssetDraft`], [`PageDraft`]) whose hashes are requested
//! from a [`ResponseHasher`]; once every asset of a commit is drafted, one round digests all
//! their hashes together and the drafts resolve into [`AssetResponses`] and [`FallbackPage`]s.
//! A draft cannot be served or stored: only resolved responses carry a hash.
//!
//! Owns the per-asset precomputation (206 parts use the part hashes stored at commit; no content
//! is read). Must not touch the trees. Invariant: each `hash` is the `ic-http-certification` response hash
//! of exactly `status`, `headers` and the bytes `body` designates.

use super::headers::{self, EncodingHeaders, HeaderKind, HeaderList};
use super::response_hash::{ListId, PairId, ResponseHasher, ResponseHashes, ResponseId};
use super::response_set::{ResponseSet, SetDraft};
use super::input::{AssetView, Encoding, EncodingView};
use super::{CertifyError, CHUNK_SIZE};
use ic_certification::Hash;
use sha2::{Digest, Sha256};

/// Where a response body comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// No body (HEAD, 304, 416).
    Empty,
    /// Bytes `[start, end)` of the variant's stored encoding.
    Stored {
        /// First byte.
        start: u64,
        /// One past the last byte.
        end: u64,
    },
    /// A fixed body owned by the canister.
    Static(&'static [u8]),
}

/// One certified response, its headers held as served ([`HeaderList`]) or, at commit, as a
/// [`Listed`] selection of its variant's header set (each header's strings built once per
/// encoding, not once per response that carries it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertifiedResponse<H = HeaderList> {
    /// HTTP status.
    pub status: u16,
    /// Headers exactly as served, without `IC-Certificate`.
    pub headers: H,
    /// The body.
    pub body: Body,
    /// Response hash as inserted in the v2 tree.
    pub hash: Hash,
}

/// A variant's header list at commit: indices into its [`Variant::headers`], in serving order.
pub type Listed = Vec<usize>;

/// A response whose hash is requested from a [`ResponseHasher`] but not digested yet.
#[derive(Debug)]
pub struct ResponseDraft<H = HeaderList> {
    status: u16,
    headers: H,
    body: Body,
    hash: ResponseId,
}

impl ResponseDraft {
    fn new(hasher: &mut ResponseHasher, status: u16, headers: HeaderList, body: Body, body_hash: &Hash) -> Self {
        let list = hasher.list(status, &headers);
        ResponseDraft::sharing(hasher, list, status, headers, body, body_hash)
    }
}

impl<H> ResponseDraft<H> {
    /// A response whose `status` and `headers` are `list`: a GET and its HEAD share it (the
    /// HEAD then costs one response digest, not a header list's pairs, sort and lookups).
    fn sharing(hasher: &mut ResponseHasher, list: ListId, status: u16, headers: H, body: Body, body_hash: &Hash) -> Self {
        let hash = hasher.response(list, body_hash);
        ResponseDraft { status, headers, body, hash }
    }

    /// The response with its hash from `hashes`, the round that requested it.
    fn resolve(self, hashes: &ResponseHashes) -> CertifiedResponse<H> {
        let ResponseDraft { status, headers, body, hash } = self;
        CertifiedResponse { status, headers, body, hash: hashes.get(hash) }
    }
}

/// The responses of one encoding of an asset served at its own path (or an alias): certified
/// ones (`R` = [`CertifiedResponse`]) or drafts, their headers selected from `headers`.
#[derive(Debug, Clone)]
pub struct Variant<R = CertifiedResponse<Listed>> {
    /// The encoding described.
    pub view: EncodingView,
    /// Every header the responses list (see [`EncodingHeaders`]).
    pub headers: HeaderList,
    /// 200 with the whole body; `None` when the encoding is larger than one chunk.
    pub full: Option<R>,
    /// 200 headers without a body, for HEAD.
    pub head: R,
    /// 304 for a matching `If-None-Match`.
    pub not_modified: R,
    /// 206 responses, one per [`CHUNK_SIZE`] chunk; empty for an empty encoding.
    pub parts: Vec<R>,
    /// 416 for ranges beyond the end.
    pub unsatisfiable: R,
}

impl Variant<ResponseDraft<Listed>> {
    fn resolve(self, hashes: &ResponseHashes) -> Variant {
        Variant {
            view: self.view,
            headers: self.headers,
            full: self.full.map(|r| r.resolve(hashes)),
            head: self.head.resolve(hashes),
            not_modified: self.not_modified.resolve(hashes),
            parts: self.parts.into_iter().map(|r| r.resolve(hashes)).collect(),
            unsatisfiable: self.unsatisfiable.resolve(hashes),
        }
    }
}

impl Variant {
    /// The headers of `response` (one of this variant's), as served.
    pub fn headers_of<'v>(&'v self, response: &'v CertifiedResponse<Listed>) -> impl ExactSizeIterator<Item = (&'v str, &'v str)> {
        response.headers.iter().map(|&i| (self.headers[i].0.as_str(), self.headers[i].1.as_str()))
    }

    /// `response` with its headers as served.
    #[cfg(test)]
    pub fn served(&self, response: &CertifiedResponse<Listed>) -> CertifiedResponse {
        let headers = self.headers_of(response).map(|(name, value)| (name.to_string(), value.to_string())).collect();
        CertifiedResponse { status: response.status, headers, body: response.body.clone(), hash: response.hash }
    }

    /// All response hashes, for inserting into or deleting from the tree.
    pub fn hashes(&self) -> impl Iterator<Item = &Hash> {
        self.full
            .iter()
            .chain([&self.head, &self.not_modified, &self.unsatisfiable])
            .chain(self.parts.iter())
            .map(|r| &r.hash)
    }
}

/// Everything precomputed for one asset; `S` is its response set, a [`SetDraft`] until a
/// commit's sets are hashed together.
#[derive(Debug, Clone)]
pub struct AssetResponses<S = ResponseSet> {
    /// Whether alias paths may serve this asset.
    pub enable_aliasing: bool,
    /// Whether raw domains may serve this asset.
    pub allow_raw_access: bool,
    /// Variants in serving preference order.
    pub variants: Vec<Variant>,
    /// The certified subtree of every response above plus the shared 405, built once and
    /// cloned to each path the asset is served at.
    pub certified: S,
}

/// An asset's responses before their hashes (see the module documentation).
#[derive(Debug)]
pub struct AssetDraft {
    enable_aliasing: bool,
    allow_raw_access: bool,
    variants: Vec<Variant<ResponseDraft<Listed>>>,
}

impl AssetDraft {
    /// Builds all responses from the metadata and stored hashes alone, requesting their hashes
    /// from `hasher`.
    pub(crate) fn build(view: &AssetView, expression: &Expression, hasher: &mut ResponseHasher) -> Result<AssetDraft, CertifyError> {
        let mut encodings = view.encodings.clone();
        encodings.sort_by_key(|e| e.encoding);
        encodings.dedup_by_key(|e| e.encoding);
        let variants = encodings
            .iter()
            .map(|e| build_variant(view, e, &expression.text, hasher))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AssetDraft { enable_aliasing: view.enable_aliasing, allow_raw_access: view.allow_raw_access, variants })
    }

    /// The responses with their hashes from `hashes` (the round that requested them) and the
    /// draft of their response set.
    pub(crate) fn resolve(self, hashes: &ResponseHashes, expression: &Expression) -> AssetResponses<SetDraft> {
        let variants: Vec<Variant> = self.variants.into_iter().map(|v| v.resolve(hashes)).collect();
        let set = variants.iter().flat_map(Variant::hashes).chain([&expression.method_not_allowed.hash]);
        AssetResponses {
            certified: SetDraft::new(&expression.hash, set),
            enable_aliasing: self.enable_aliasing,
            allow_raw_access: self.allow_raw_access,
            variants,
        }
    }
}

impl<S> AssetResponses<S> {
    /// The same responses with their set replaced by `f(set)`.
    pub(crate) fn map_set<T>(self, f: impl FnOnce(S) -> T) -> AssetResponses<T> {
        AssetResponses {
            enable_aliasing: self.enable_aliasing,
            allow_raw_access: self.allow_raw_access,
            variants: self.variants,
            certified: f(self.certified),
        }
    }
}

impl AssetResponses {
    /// The variant for `encoding`, if stored.
    pub fn variant(&self, encoding: Encoding) -> Option<&Variant> {
        self.variants.iter().find(|v| v.view.encoding == encoding)
    }

    /// The variant legacy (v1) clients get and the `http_assets` tree certifies: identity if
    /// stored, else the most preferred other one. v1 verification hashes the body as served
    /// (after undoing gzip), so it must be one fixed encoding per path.
    pub fn v1_variant(&self) -> Option<&Variant> {
        self.variant(Encoding::Identity).or_else(|| self.variants.first())
    }
}

fn build_variant(
    view: &AssetView,
    encoding: &EncodingView,
    expression: &str,
    hasher: &mut ResponseHasher,
) -> Result<Variant<ResponseDraft<Listed>>, CertifyError> {
    let empty = EMPTY_HASH;
    let mut set = EncodingHeaders::new(view, encoding, expression);
    let mut pairs: Vec<PairId> = Vec::new();
    // The headers of one response and their list's hash request; each header of the set is
    // looked up in the hasher once, however many lists carry it.
    let mut draft_list = |hasher: &mut ResponseHasher, status: u16, kind: HeaderKind| -> (Listed, ListId) {
        let list = set.list(kind);
        pairs.extend(set.headers()[pairs.len()..].iter().map(|(name, value)| hasher.pair(name, value)));
        let id = hasher.list_of(status, list.iter().map(|&i| pairs[i]));
        (list, id)
    };
    let (representation, list) = draft_list(hasher, 200, HeaderKind::Representation { etag: true });
    let length = encoding.length;
    let full = (length <= CHUNK_SIZE).then(|| {
        let body = Body::Stored { start: 0, end: length };
        ResponseDraft::sharing(hasher, list, 200, representation.clone(), body, &encoding.sha256)
    });
    let head = ResponseDraft::sharing(hasher, list, 200, representation, Body::Empty, &empty);
    let mut parts = Vec::new();
    let mut start = 0;
    while start < length {
        let end = length.min(start + CHUNK_SIZE);
        let body_hash = if start == 0 && end == length {
            encoding.sha256
        } else {
            let index = usize::try_from(start / CHUNK_SIZE).unwrap_or(usize::MAX);
            match encoding.part_sha256.get(index) {
                Some(hash) if encoding.part_sha256.len() as u64 == length.div_ceil(CHUNK_SIZE) => *hash,
                _ => {
                    return Err(CertifyError::PartHashesMissing {
                        key: view.key.clone(),
                        encoding: encoding.encoding,
                        length,
                        parts: encoding.part_sha256.len(),
                    })
                }
            }
        };
        let (headers, list) = draft_list(hasher, 206, HeaderKind::Partial { first: start, last: end - 1 });
        parts.push(ResponseDraft::sharing(hasher, list, 206, headers, Body::Stored { start, end }, &body_hash));
        start = end;
    }
    let (headers, list) = draft_list(hasher, 304, HeaderKind::NotModified);
    let not_modified = ResponseDraft::sharing(hasher, list, 304, headers, Body::Empty, &empty);
    let (headers, list) = draft_list(hasher, 416, HeaderKind::Unsatisfiable);
    let unsatisfiable = ResponseDraft::sharing(hasher, list, 416, headers, Body::Empty, &empty);
    Ok(Variant { view: encoding.clone(), headers: set.into_headers(), full, head, not_modified, parts, unsatisfiable })
}

/// A page served for missing paths under a fallback scope: a `404.html` (status 404), the
/// single-page-app `/index.html` (status 200) or the canister's plain 404.
#[derive(Debug, Clone)]
pub struct FallbackPage<S = ResponseSet> {
    /// Whether raw domains may serve this page.
    pub allow_raw_access: bool,
    /// `(encoding, whole response, HEAD response)` in serving preference order.
    pub variants: Vec<(Encoding, CertifiedResponse, CertifiedResponse)>,
    /// The certified subtree of these responses plus the shared 405 (a [`SetDraft`] until a
    /// commit's sets are hashed together).
    pub certified: S,
}

/// Body of the plain 404.
pub(super) const NOT_FOUND_BODY: &[u8] = b"404 Not Found";

/// A fallback page from an asset before its hashes (see the module documentation).
#[derive(Debug)]
pub struct PageDraft {
    allow_raw_access: bool,
    variants: Vec<(Encoding, ResponseDraft, ResponseDraft)>,
}

impl PageDraft {
    /// A fallback page from an asset, requesting its hashes from `hasher`; encodings larger
    /// than one chunk are not used as fallbacks (a fallback is never chunked). `None` when no
    /// encoding qualifies.
    pub(crate) fn from_asset(view: &AssetView, status: u16, expression: &Expression, hasher: &mut ResponseHasher) -> Option<PageDraft> {
        let mut encodings = view.encodings.clone();
        encodings.sort_by_key(|e| e.encoding);
        encodings.dedup_by_key(|e| e.encoding);
        let variants: Vec<_> = encodings
            .iter()
            .filter(|e| e.length <= CHUNK_SIZE)
            .map(|e| {
                let headers = headers::derive(view, e, HeaderKind::Representation { etag: false }, &expression.text);
                let body = Body::Stored { start: 0, end: e.length };
                let list = hasher.list(status, &headers);
                let full = ResponseDraft::sharing(hasher, list, status, headers.clone(), body, &e.sha256);
                let head = ResponseDraft::sharing(hasher, list, status, headers, Body::Empty, &EMPTY_HASH);
                (e.encoding, full, head)
            })
            .collect();
        (!variants.is_empty()).then_some(PageDraft { allow_raw_access: view.allow_raw_access, variants })
    }

    /// The page with its hashes from `hashes` (the round that requested them) and the draft
    /// of its response set.
    pub(crate) fn resolve(self, hashes: &ResponseHashes, expression: &Expression) -> FallbackPage<SetDraft> {
        let variants = self.variants.into_iter().map(|(e, full, head)| (e, full.resolve(hashes), head.resolve(hashes))).collect();
        FallbackPage::new(self.allow_raw_access, variants, expression)
    }
}

impl<S> FallbackPage<S> {
    /// The same page with its set replaced by `f(set)`.
    pub(crate) fn map_set<T>(self, f: impl FnOnce(S) -> T) -> FallbackPage<T> {
        FallbackPage { allow_raw_access: self.allow_raw_access, variants: self.variants, certified: f(self.certified) }
    }
}

impl FallbackPage<SetDraft> {
    fn new(
        allow_raw_access: bool,
        variants: Vec<(Encoding, CertifiedResponse, CertifiedResponse)>,
        expression: &Expression,
    ) -> FallbackPage<SetDraft> {
        let hashes = variants
            .iter()
            .flat_map(|(_, full, head)| [&full.hash, &head.hash])
            .chain([&expression.method_not_allowed.hash]);
        let certified = SetDraft::new(&expression.hash, hashes);
        FallbackPage { allow_raw_access, variants, certified }
    }
}

impl FallbackPage {
    /// The canister's own certified 404.
    pub fn plain_not_found(expression: &Expression) -> FallbackPage {
        let headers = headers::plain(&[("content-type", "text/plain; charset=utf-8")], &expression.text);
        let body_hash: Hash = Sha256::digest(NOT_FOUND_BODY).into();
        let mut hasher = ResponseHasher::default();
        let full = ResponseDraft::new(&mut hasher, 404, headers.clone(), Body::Static(NOT_FOUND_BODY), &body_hash);
        let head = ResponseDraft::new(&mut hasher, 404, headers, Body::Empty, &EMPTY_HASH);
        let hashes = hasher.finish_round();
        let variants = vec![(Encoding::Identity, full.resolve(&hashes), head.resolve(&hashes))];
        FallbackPage::new(true, variants, expression).map_set(SetDraft::hash)
    }
}

/// The certificate expression every response carries, with what is derived from it once.
#[derive(Debug, Clone)]
pub struct Expression {
    /// The `IC-CertificateExpression` header value.
    pub text: String,
    /// Its sha256, the `expr_hash` tree label.
    pub hash: Hash,
    /// The 405 every path can answer; identical everywhere, so built once.
    pub method_not_allowed: CertifiedResponse,
}

impl Expression {
    /// Builds the expression and the shared 405.
    pub fn new() -> Expression {
        let text = headers::certificate_expression();
        Expression {
            hash: Sha256::digest(text.as_bytes()).into(),
            method_not_allowed: method_not_allowed(&text),
            text,
        }
    }
}

fn method_not_allowed(expression: &str) -> CertifiedResponse {
    const BODY: &[u8] = b"405 Method Not Allowed";
    let headers = headers::plain(
        &[("allow", "GET, HEAD"), ("content-type", "text/plain; charset=utf-8")],
        expression,
    );
    let body_hash = Sha256::digest(BODY).into();
    let mut hasher = ResponseHasher::default();
    let response = ResponseDraft::new(&mut hasher, 405, headers, Body::Static(BODY), &body_hash);
    response.resolve(&hasher.finish_round())
}

/// sha256 of the empty body, written out: hashing it once per built variant cost a sha256
/// block (about 4.5 K instructions) per asset of a commit.
const EMPTY_HASH: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64,
    0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hash_is_the_sha256_of_nothing() {
        assert_eq!(EMPTY_HASH, <[u8; 32]>::from(Sha256::digest([])));
    }
}
