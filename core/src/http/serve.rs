//! `http_request`: turns a gateway request into a certified response by a lookup, a choice
//! among precomputed responses, a witness and a copy of the body.
//!
//! Owns the decision which precomputed response answers a request and the assembly of the wire
//! response. Must not compute headers or hashes (they come from `certification`) nor know the
//! storage layout (bytes come from the [`ContentSource`]). Invariant: every response carrying an
//! `IC-Certificate` header is byte for byte a response certified in the tree.

use super::encoding::AcceptEncoding;
use super::host;
use super::range::{self, RangeError};
use super::request::{if_none_match_matches, if_range_matches, Method, RequestHeaders};
use super::url;
use crate::certification::{
    Body, CertifiedResponse, Certifier, ContentSource, Encoding, RecordError, RecordView, Target, VariantEntry,
    CHUNK_SIZE,
};
use crate::http_types::{
    HttpRequest, HttpResponse, StreamingCallback, StreamingCallbackToken, StreamingStrategy,
};
use candid::{Func, Nat, Principal};
use ic_http_certification::CERTIFICATE_HEADER_NAME;
use serde_bytes::ByteBuf;
use std::borrow::Cow;

/// Name of the legacy streaming callback query.
pub const STREAMING_CALLBACK_METHOD: &str = "http_request_streaming_callback";

/// What the canister knows about itself and the current certificate.
#[derive(Debug, Clone, Copy)]
pub struct ServeContext<'a> {
    /// `data_certificate()` of the current query.
    pub certificate: &'a [u8],
    /// The canister's own id (streaming callback, raw-domain redirect).
    pub canister_id: Principal,
}

/// The precomputed response chosen for a request, with where its body lives.
struct Chosen<'a> {
    response: Cow<'a, CertifiedResponse>,
    /// The content locator for [`Body::Stored`] bodies.
    locator: Option<Cow<'a, [u8]>>,
    /// The response's stored witness inside its asset's response set, when the record has it.
    witness: Option<Cow<'a, [u8]>>,
}

/// Answers an `http_request` query. Never panics: malformed input gets a 4xx, an unreadable
/// record a 500.
pub fn http_request(
    certifier: &Certifier,
    request: &HttpRequest,
    context: ServeContext<'_>,
    content: &dyn ContentSource,
) -> HttpResponse {
    let headers = RequestHeaders::extract(&request.headers);
    let path = match url::parse(&request.url) {
        Ok(path) => path,
        Err(error) => return HttpResponse::plain_text(400, error.to_string()),
    };
    let target = match certifier.lookup(&path.canonical, content) {
        Ok(target) => target,
        Err(error) => return unreadable(&error),
    };
    if !target.record().allow_raw_access() {
        if let Some(host) = headers.host.and_then(host::certified_host) {
            let mut response = HttpResponse::plain_text(308, String::new());
            response.headers.push(("location".into(), format!("https://{host}{}", request.url)));
            return response;
        }
    }
    let method = Method::parse(&request.method);
    let v2 = request.certificate_version.is_some_and(|v| v >= 2);
    let served = if v2 {
        serve_v2(certifier, &target, method, &headers, &path.decoded, context, content)
    } else {
        serve_v1(certifier, &target, method, &path.decoded, context, content)
    };
    served.unwrap_or_else(|error| unreadable(&error))
}

fn serve_v2(
    certifier: &Certifier,
    target: &Target<'_>,
    method: Method,
    headers: &RequestHeaders<'_>,
    request_path: &str,
    context: ServeContext<'_>,
    content: &dyn ContentSource,
) -> Result<HttpResponse, RecordError> {
    let record = target.record();
    let chosen = match (method, target) {
        (Method::Other, _) => Some(Chosen { response: Cow::Borrowed(certifier.method_not_allowed()), locator: None, witness: None }),
        (_, Target::Asset { .. }) => {
            let mut table = [None; 3];
            for entry in record.variants() {
                let entry = entry?;
                table[entry.encoding as usize] = Some(entry);
            }
            match headers.accept_encoding.choose(|e| table[e as usize].is_some()).and_then(|e| table[e as usize]) {
                Some(variant) => choose_for_asset(record, &variant, method, headers)?,
                None => None,
            }
        }
        (_, Target::Fallback { .. }) => choose_fallback(record, &headers.accept_encoding, method)?,
    };
    let Some(chosen) = chosen else {
        return Ok(HttpResponse::plain_text(500, "no certified response for this asset".into()));
    };
    let certificate = certifier.v2_certificate_header(
        context.certificate,
        target,
        &chosen.response,
        chosen.witness.as_deref(),
        request_path,
    );
    Ok(assemble(chosen, certificate, None, content))
}

/// GET/HEAD on an asset: 304 for a matching `If-None-Match`, 206 for a `Range` (the certified
/// part containing its first byte) unless an `If-Range` names another version, 416 for an
/// unsatisfiable range, else 200, or the first 206
/// part when the encoding spans several (`ic-http-gateway` then fetches the rest by `Range`).
fn choose_for_asset<'a>(
    record: &'a RecordView<'_>,
    variant: &VariantEntry,
    method: Method,
    headers: &RequestHeaders<'_>,
) -> Result<Option<Chosen<'a>>, RecordError> {
    let span = if method == Method::Head {
        Some(variant.head)
    } else if headers.if_none_match.is_some_and(|v| if_none_match_matches(v, &variant.etag())) {
        Some(variant.not_modified)
    } else {
        let range = headers
            .range
            .filter(|_| headers.if_range.is_none_or(|tag| if_range_matches(tag, &variant.etag())))
            .map(|value| range::first_byte(value, variant.length));
        match range {
            Some(Ok(Some(start))) => record.part(variant, start / CHUNK_SIZE)?,
            Some(Err(RangeError::Malformed | RangeError::Unsatisfiable { .. })) => Some(variant.unsatisfiable),
            Some(Ok(None)) | None => match variant.full() {
                Some(full) => Some(full),
                None => record.part(variant, 0)?,
            },
        }
    };
    let Some(span) = span else { return Ok(None) };
    let (response, witness) = record.response_with_witness(span)?;
    Ok(Some(Chosen { response: Cow::Owned(response), locator: Some(record.locator(variant)?), witness }))
}

fn choose_fallback<'a>(
    record: &'a RecordView<'_>,
    accept: &AcceptEncoding,
    method: Method,
) -> Result<Option<Chosen<'a>>, RecordError> {
    let mut available = [false; 3];
    for encoding in Encoding::PREFERENCE {
        available[encoding as usize] = record.page_variant(encoding)?.is_some();
    }
    let Some(encoding) = accept.choose(|e| available[e as usize]) else { return Ok(None) };
    let Some(page) = record.page_variant(encoding)? else { return Ok(None) };
    let span = if method == Method::Head { page.head } else { page.full };
    let locator = Some(record.page_locator(&page)?);
    Ok(Some(Chosen { response: Cow::Owned(record.response(span)?), locator, witness: None }))
}

/// Legacy clients: the v1 tree certifies one body per path, so they get the path's v1 variant
/// whole (HEAD included, since v1 verifies the body), streamed by callback past one chunk;
/// 304 and ranges are not offered. Responses v1 cannot certify (405, 404 pages other than the
/// single-page `/index.html`) carry a v1 header that will not verify; see the module docs.
fn serve_v1(
    certifier: &Certifier,
    target: &Target<'_>,
    method: Method,
    request_path: &str,
    context: ServeContext<'_>,
    content: &dyn ContentSource,
) -> Result<HttpResponse, RecordError> {
    if method == Method::Other {
        let chosen = Chosen { response: Cow::Borrowed(certifier.method_not_allowed()), locator: None, witness: None };
        return Ok(assemble(chosen, None, None, content));
    }
    let certificate = certifier.v1_certificate_header(context.certificate, request_path);
    let record = target.record();
    match target {
        Target::Asset { .. } => {
            let Some(variant) = record.v1_variant()? else {
                return Ok(HttpResponse::plain_text(500, "asset has no content".into()));
            };
            let locator = Some(record.locator(&variant)?);
            match variant.full() {
                Some(full) => {
                    let chosen = Chosen { response: Cow::Owned(record.response(full)?), locator, witness: None };
                    Ok(assemble(chosen, certificate, None, content))
                }
                None => {
                    let Some(key) = certifier.served_key(target, content) else {
                        return Ok(HttpResponse::plain_text(500, "no asset holds this record".into()));
                    };
                    let token = StreamingCallbackToken {
                        key,
                        content_encoding: variant.encoding.name().into(),
                        index: Nat::from(1u64),
                        sha256: Some(ByteBuf::from(variant.sha256.to_vec())),
                    };
                    let strategy = StreamingStrategy::Callback {
                        callback: StreamingCallback(Func {
                            principal: context.canister_id,
                            method: STREAMING_CALLBACK_METHOD.into(),
                        }),
                        token,
                    };
                    let first = Chosen { response: Cow::Owned(record.response(variant.head)?), locator, witness: None };
                    let body = Body::Stored { start: 0, end: CHUNK_SIZE.min(variant.length) };
                    let mut response = assemble(first, certificate, Some(body), content);
                    response.streaming_strategy = Some(strategy);
                    Ok(response)
                }
            }
        }
        Target::Fallback { .. } => {
            let identity_first = AcceptEncoding::IDENTITY_ONLY;
            Ok(match choose_fallback(record, &identity_first, Method::Get)? {
                Some(chosen) => assemble(chosen, certificate, None, content),
                None => HttpResponse::plain_text(500, "no fallback page".into()),
            })
        }
    }
}

/// Builds the wire response: certified status and headers, the certificate header, the body
/// (`body_override` replaces the certified body for the first legacy streaming chunk).
fn assemble(
    chosen: Chosen<'_>,
    certificate: Option<String>,
    body_override: Option<Body>,
    content: &dyn ContentSource,
) -> HttpResponse {
    let body_spec = body_override.as_ref().unwrap_or(&chosen.response.body);
    let body = match (body_spec, &chosen.locator) {
        (Body::Empty, _) => Vec::new(),
        (Body::Static(bytes), _) => bytes.to_vec(),
        (Body::Stored { start, end }, Some(locator)) => match content.read_content(locator, *start, *end) {
            Some(bytes) => bytes,
            None => return HttpResponse::plain_text(500, "the content of this asset is unavailable".into()),
        },
        (Body::Stored { .. }, None) => return HttpResponse::plain_text(500, "response has no content source".into()),
    };
    let response = chosen.response.into_owned();
    let mut headers = response.headers;
    if let Some(value) = certificate {
        headers.push((CERTIFICATE_HEADER_NAME.to_string(), value));
    }
    HttpResponse {
        status_code: response.status,
        headers,
        body: ByteBuf::from(body),
        streaming_strategy: None,
        upgrade: None,
    }
}

/// The answer when the record a path resolves to cannot be read (a corrupt store).
fn unreadable(error: &RecordError) -> HttpResponse {
    HttpResponse::plain_text(500, format!("the certified responses are unreadable: {error}"))
}

