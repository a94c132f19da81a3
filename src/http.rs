//! HTTP serving and certification for the shell: the certifier lives on the heap beside the
//! state, is rebuilt after install and upgrade, follows the change feed after every update call,
//! and answers `http_request` and `http_request_streaming_callback`.
//!
//! Owns the system-API edges of serving only (`certified_data_set`, `data_certificate`,
//! `canister_self`, traps); all behaviour is in `asset_canister_core::{certification, http}`.
//! Invariant: `certified_data` is set exactly once per update call that changed assets, to the
//! root hash of the certifier that serves the following queries.

use asset_canister_core::certification::Certifier;
use asset_canister_core::http::{self, ServeContext};
use asset_canister_core::http_types::wire;
use asset_canister_core::state::State;
use ic_cdk::query;
use ic_stable_structures::Memory;
use std::cell::RefCell;

thread_local! {
    static CERTIFIER: RefCell<Certifier> = RefCell::new(Certifier::new());
    /// `canister_self()`, initialised on first use; [`rebuild`] touches it in `init`/`post_upgrade`
    /// so queries (whose heap changes are discarded) read the stored id instead of paying about
    /// 1.1 K instructions (measured) for the two system calls on every `http_request`.
    static SELF_ID: candid::Principal = ic_cdk::api::canister_self();
}

/// Certifies every stored asset and sets `certified_data`; call at the end of `init` and
/// `post_upgrade` (the certifier is heap state and does not survive an upgrade). Writes the
/// records of assets that have no current one (after a layout change).
pub(crate) fn rebuild<M: Memory + Clone + 'static>(state: &mut State<M>) {
    SELF_ID.with(|_| ());
    match Certifier::rebuild(state) {
        Ok(certifier) => {
            ic_cdk::api::certified_data_set(certifier.root_hash());
            CERTIFIER.with_borrow_mut(|c| *c = certifier);
        }
        Err(error) => ic_cdk::trap(format!("certification failed: {error}")),
    }
}

/// Re-certifies what the current update call changed and sets `certified_data` once; call at
/// the end of every update that may change assets. Traps (rolling the call back) if the store
/// and its metadata disagree, so no change is ever served uncertified.
pub(crate) fn certify_changes<M: Memory + Clone + 'static>(state: &mut State<M>) {
    match CERTIFIER.with_borrow_mut(|c| c.sync(state)) {
        Ok(Some(root)) => ic_cdk::api::certified_data_set(root),
        Ok(None) => {}
        Err(error) => ic_cdk::trap(format!("certification failed: {error}")),
    }
}

/// `http_request`'s argument, read by `wire` (a fast path past candid's decoder for the table
/// gateways send). Bytes that are not Candid of the request type are kept as the error, so the
/// query answers them with a 400 instead of trapping.
fn decode_http_request(arg: Vec<u8>) -> Result<asset_canister_core::http_types::HttpRequest, candid::Error> {
    wire::decode_request(&arg)
}

/// `http_request`'s reply, written by `wire` (constant type table, values only). The head and
/// the body are appended to the reply here, the body straight from the buffer stable memory was
/// read into; ic-cdk appends the returned tail and replies, completing `head ‖ body ‖ tail`.
fn encode_http_response(response: asset_canister_core::http_types::HttpResponse) -> Vec<u8> {
    let parts = wire::encode_response_parts(&response);
    ic0::msg_reply_data_append(&parts.head);
    if !parts.body.is_empty() {
        ic0::msg_reply_data_append(parts.body);
    }
    let tail = parts.tail;
    left_to_query_end(response);
    tail
}

/// Leaves `value` unfreed: for values of the `http_request` query only. The IC discards the
/// heap of a query when it ends (run replicated or not), so freeing them is wasted work: about
/// 2.5 K instructions for a served response's header strings alone.
fn left_to_query_end<T>(value: T) {
    std::mem::forget(value);
}

/// The `http_request` entry point: an argument that does not decode gets an uncertified 400
/// (gateways reject it as unverifiable, but the call never traps); the rest is [`serve`]d.
#[query(hidden = true, decode_with = "decode_http_request", encode_with = "encode_http_response")]
fn http_request(
    request: Result<asset_canister_core::http_types::HttpRequest, candid::Error>,
) -> asset_canister_core::http_types::HttpResponse {
    match request {
        Ok(request) => serve(request),
        Err(error) => asset_canister_core::http_types::HttpResponse::plain_text(
            400,
            format!("the http_request argument is not a Candid HttpRequest: {error}"),
        ),
    }
}

// Signatures spell full paths: `export_candid!` in lib.rs resolves them there. The Candid
// signature of `http_request` comes from here, since `decode_with`/`encode_with` would export
// blobs (and the entry point's argument is a `Result`).
#[candid::candid_method(query, rename = "http_request")]
fn serve(request: asset_canister_core::http_types::HttpRequest) -> asset_canister_core::http_types::HttpResponse {
    let certificate = ic_cdk::api::data_certificate().unwrap_or_default();
    let canister_id = SELF_ID.with(|id| *id);
    let context = ServeContext { certificate: &certificate, canister_id };
    let response = super::with(|state| CERTIFIER.with_borrow(|c| http::http_request(c, &request, context, state)));
    left_to_query_end(request);
    left_to_query_end(certificate);
    response
}

/// Returns the bare record (not `opt`): that is what gateways decode. Traps on an invalid or
/// stale token.
#[query]
fn http_request_streaming_callback(
    token: asset_canister_core::http_types::StreamingCallbackToken,
) -> asset_canister_core::http_types::StreamingCallbackHttpResponse {
    super::with(|state| {
        CERTIFIER
            .with_borrow(|c| http::http_request_streaming_callback(c, &token, state))
            .unwrap_or_else(|error| ic_cdk::trap(error.to_string()))
    })
}

/// The `record {}` argument of `certified_tree`.
#[derive(candid::CandidType, serde::Deserialize)]
pub(crate) struct CertifiedTreeArg {}

/// The legacy `certified_tree` query: the current certificate and the whole tree it covers.
#[query]
fn certified_tree(_: crate::http::CertifiedTreeArg) -> asset_canister_core::types::CertifiedTree {
    let certificate = ic_cdk::api::data_certificate().unwrap_or_else(|| ic_cdk::trap("no data certificate in this call"));
    asset_canister_core::types::CertifiedTree {
        certificate: certificate.into(),
        tree: CERTIFIER
            .with_borrow(|c| c.certified_tree())
            .unwrap_or_else(|error| ic_cdk::trap(format!("certified tree unreadable: {error}")))
            .into(),
    }
}
