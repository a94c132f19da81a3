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
use super::request::{if_none_match_matches, Method, RequestHeaders};
use super::url;
use crate::certification::{
    Body, CertifiedResponse, Certifier, ContentSource, Encoding, Target, Variant, CHUNK_SIZE,
};
use crate::http_types::{
    HttpRequest, HttpResponse, StreamingCallback, StreamingCallbackToken, StreamingStrategy,
};
use candid::{Func, Nat, Principal};
use ic_http_certification::CERTIFICATE_HEADER_NAME;
use serde_bytes::ByteBuf;

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
    response: &'a CertifiedResponse,
    /// Asset key and encoding for [`Body::Stored`] bodies.
    source: Option<(&'a str, Encoding)>,
}

/// Answers an `http_request` query. Never panics: malformed input gets a 4xx.
pub fn http_request(
    certifier: &Certifier,
    request: &HttpRequest,
    context: ServeContext<'_>,
    content: &dyn ContentSource,
) -> HttpResponse {
    let headers = RequestHeaders::extract(&request.headers);
    let path = match url::parse(&request.url) {
        Ok(path) => path,
        Err(error) => return uncertified(400, error.to_string()),
    };
    let target = certifier.lookup(&path.canonical);
    let allow_raw = match target {
        Target::Asset { asset, .. } => asset.allow_raw_access,
        Target::Fallback { entry, .. } => entry.page.allow_raw_access,
    };
    if !allow_raw {
        if let Some(host) = headers.host.and_then(host::certified_host) {
            let mut response = uncertified(308, String::new());
            response.headers.push(("location".into(), format!("https://{host}{}", request.url)));
            return response;
        }
    }
    let method = Method::parse(&request.method);
    let v2 = request.certificate_version.is_some_and(|v| v >= 2);
    if v2 {
        serve_v2(certifier, &target, method, &headers, &path.decoded, context, content)
    } else {
        serve_v1(certifier, &target, method, &path.decoded, context, content)
    }
}

fn serve_v2(
    certifier: &Certifier,
    target: &Target<'_>,
    method: Method,
    headers: &RequestHeaders<'_>,
    request_path: &str,
    context: ServeContext<'_>,
    content: &dyn ContentSource,
) -> HttpResponse {
    let chosen = match (method, target) {
        (Method::Other, _) => Some(Chosen { response: certifier.method_not_allowed(), source: None }),
        (_, Target::Asset { asset, .. }) => headers
            .accept_encoding
            .choose(|e| asset.variant(e).is_some())
            .and_then(|e| asset.variant(e))
            .and_then(|variant| {
                let response = choose_for_asset(variant, method, headers)?;
                Some(Chosen { response, source: Some((&asset.key, variant.view.encoding)) })
            }),
        (_, Target::Fallback { entry, .. }) => {
            choose_fallback(&entry.page, &headers.accept_encoding, method)
        }
    };
    let Some(chosen) = chosen else {
        return uncertified(500, "no certified response for this asset".into());
    };
    let certificate =
        certifier.v2_certificate_header(context.certificate, target, chosen.response, request_path);
    assemble(chosen, certificate, None, content)
}

/// GET/HEAD on an asset: 304 for a matching `If-None-Match`, 206 for a `Range` (the certified
/// part containing its first byte), 416 for an unsatisfiable range, else 200, or the first 206
/// part when the encoding spans several (`ic-http-gateway` then fetches the rest by `Range`).
fn choose_for_asset<'a>(
    variant: &'a Variant,
    method: Method,
    headers: &RequestHeaders<'_>,
) -> Option<&'a CertifiedResponse> {
    if method == Method::Head {
        return Some(&variant.head);
    }
    if headers.if_none_match.is_some_and(|v| if_none_match_matches(v, &variant.etag)) {
        return Some(&variant.not_modified);
    }
    if let Some(value) = headers.range {
        match range::first_byte(value, variant.view.length) {
            Ok(Some(start)) => return variant.part_at(start),
            Ok(None) => {}
            Err(RangeError::Malformed | RangeError::Unsatisfiable { .. }) => {
                return Some(&variant.unsatisfiable)
            }
        }
    }
    variant.full.as_ref().or_else(|| variant.parts.first())
}

fn choose_fallback<'a>(
    page: &'a crate::certification::FallbackPage,
    accept: &AcceptEncoding,
    method: Method,
) -> Option<Chosen<'a>> {
    let encoding = accept.choose(|e| page.variants.iter().any(|(v, _, _)| *v == e))?;
    let (_, full, head) = page.variants.iter().find(|(v, _, _)| *v == encoding)?;
    let response = if method == Method::Head { head } else { full };
    Some(Chosen { response, source: page.key.as_deref().map(|k| (k, encoding)) })
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
) -> HttpResponse {
    if method == Method::Other {
        let chosen = Chosen { response: certifier.method_not_allowed(), source: None };
        return assemble(chosen, None, None, content);
    }
    let certificate = Some(certifier.v1_certificate_header(context.certificate, request_path));
    match target {
        Target::Asset { asset, .. } => {
            let Some(variant) = asset.v1_variant() else {
                return uncertified(500, "asset has no content".into());
            };
            let source = Some((asset.key.as_str(), variant.view.encoding));
            match &variant.full {
                Some(full) => assemble(Chosen { response: full, source }, certificate, None, content),
                None => {
                    let token = StreamingCallbackToken {
                        key: asset.key.clone(),
                        content_encoding: variant.view.encoding.name().into(),
                        index: Nat::from(1u64),
                        sha256: Some(ByteBuf::from(variant.view.sha256.to_vec())),
                    };
                    let strategy = StreamingStrategy::Callback {
                        callback: StreamingCallback(Func {
                            principal: context.canister_id,
                            method: STREAMING_CALLBACK_METHOD.into(),
                        }),
                        token,
                    };
                    let first = Chosen { response: &variant.head, source };
                    let body = Body::Stored { start: 0, end: CHUNK_SIZE.min(variant.view.length) };
                    let mut response = assemble(first, certificate, Some(body), content);
                    response.streaming_strategy = Some(strategy);
                    response
                }
            }
        }
        Target::Fallback { entry, .. } => {
            let identity_first = AcceptEncoding::IDENTITY_ONLY;
            match choose_fallback(&entry.page, &identity_first, Method::Get) {
                Some(chosen) => assemble(chosen, certificate, None, content),
                None => uncertified(500, "no fallback page".into()),
            }
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
    let body = match (body_spec, chosen.source) {
        (Body::Empty, _) => Vec::new(),
        (Body::Static(bytes), _) => bytes.to_vec(),
        (Body::Stored { start, end }, Some((key, encoding))) => {
            match content.read(key, encoding, *start, *end) {
                Some(bytes) => bytes,
                None => return uncertified(500, format!("content of {key} is unavailable")),
            }
        }
        (Body::Stored { .. }, None) => return uncertified(500, "response has no content source".into()),
    };
    let mut headers = Vec::with_capacity(chosen.response.headers.len() + 1);
    headers.extend_from_slice(&chosen.response.headers);
    if let Some(value) = certificate {
        headers.push((CERTIFICATE_HEADER_NAME.to_string(), value));
    }
    HttpResponse {
        status_code: chosen.response.status,
        headers,
        body: ByteBuf::from(body),
        streaming_strategy: None,
        upgrade: None,
    }
}

/// A response the canister cannot certify (malformed request, redirect off a raw domain,
/// inconsistent store).
fn uncertified(status_code: u16, message: String) -> HttpResponse {
    HttpResponse {
        status_code,
        headers: vec![("content-type".into(), "text/plain; charset=utf-8".into())],
        body: ByteBuf::from(message.into_bytes()),
        streaming_strategy: None,
        upgrade: None,
    }
}
