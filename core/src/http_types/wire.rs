//! Candid bytes of `http_request`'s argument and reply, without candid's generic (de)serializer.
//!
//! Candid's serializer rebuilds and hashes the whole type of [`HttpResponse`] (with its
//! streaming `func` type) on every reply, and its decoder type-checks the request's table field
//! by field: together about 300 K instructions per request, six times the serving goal. The
//! shapes are fixed, so their type tables are constants here and only the values are written
//! or read. Owns nothing but these bytes; must not interpret requests. Invariant: every byte
//! sequence is exactly what `candid` produces or accepts for the same value (tests compare
//! against `candid` itself); anything the fast reader does not recognise goes to `candid`.

use super::{HttpRequest, HttpResponse};
use crate::candid_values::Values;
use serde_bytes::ByteBuf;

/// `DIDL`, the type table of [`HttpResponse`] as `candid` writes it, one argument of type 0.
/// Field order (by Candid field hash): body, headers, upgrade, streaming_strategy, status_code.
const RESPONSE_HEADER: &[u8] = b"DIDL\x0e\x6c\x05\xa2\xf5\xed\x88\x04\x01\xc6\xa4\xa1\x98\x06\x02\
\x9c\xe9\xc6\x99\x06\x04\xb0\x96\x99\xe2\x0c\x05\x9a\xa1\xb2\xf9\x0c\x7a\x6d\x7b\x6d\x03\x6c\x02\
\x00\x71\x01\x71\x6e\x7e\x6e\x06\x6b\x01\xe5\xab\xe1\xc5\x05\x07\x6c\x02\xf9\x85\xae\xa1\x01\x08\
\xc5\xb3\x9a\xf8\x07\x0a\x6c\x04\x9f\x93\xc6\x02\x71\xe7\xc8\xea\xe7\x01\x09\x92\xb6\xd2\xf0\x0b\
\x7d\xd9\x8f\xc8\xe1\x0c\x71\x6e\x01\x6a\x01\x08\x01\x0b\x01\x01\x6e\x0c\x6c\x02\xf9\x85\xae\xa1\
\x01\x0d\xa2\xf5\xed\x88\x04\x01\x6e\x08\x01\x00";

/// `DIDL`, the type table of [`HttpRequest`] as `candid` (and so `ic-http-gateway`) writes it,
/// one argument of type 0. Field order: url, method, body, headers, certificate_version.
const REQUEST_HEADER: &[u8] = b"DIDL\x05\x6c\x05\xef\xd6\xe4\x02\x71\xe1\xed\xeb\x4a\x71\xa2\xf5\
\xed\x88\x04\x01\xc6\xa4\xa1\x98\x06\x02\xb0\xf1\xb9\x98\x06\x04\x6d\x7b\x6d\x03\x6c\x02\x00\x71\
\x01\x71\x6e\x7a\x01\x00";

/// The Candid bytes of a response in three pieces, `head ‖ body ‖ tail`, so that the body can
/// be sent from where it already is instead of being copied into one buffer first.
#[derive(Debug)]
pub struct EncodedResponse<'a> {
    /// Type table and everything before the body's bytes.
    pub head: Vec<u8>,
    /// The body, borrowed from the response.
    pub body: &'a [u8],
    /// Everything after the body.
    pub tail: Vec<u8>,
}

/// The Candid bytes of `response`, as `candid::encode_one` writes them.
pub fn encode_response(response: &HttpResponse) -> Vec<u8> {
    let parts = encode_response_parts(response);
    let mut out = parts.head;
    out.reserve(parts.body.len() + parts.tail.len());
    out.extend_from_slice(parts.body);
    out.extend_from_slice(&parts.tail);
    out
}

/// [`encode_response`] split around the body (the body is the first value on the wire).
pub fn encode_response_parts(response: &HttpResponse) -> EncodedResponse<'_> {
    if response.streaming_strategy.is_some() {
        // Legacy streaming (v1 clients, large assets): rare, so candid encodes the `func`.
        let head = candid::encode_one(response).expect("an HttpResponse always encodes");
        return EncodedResponse { head, body: &[], tail: Vec::new() };
    }
    let mut head = Vec::with_capacity(RESPONSE_HEADER.len() + 10);
    head.extend_from_slice(RESPONSE_HEADER);
    write_leb(&mut head, response.body.len() as u64);
    let header_bytes: usize = response.headers.iter().map(|(n, v)| n.len() + v.len() + 10).sum();
    let mut out = Vec::with_capacity(header_bytes + 10);
    write_leb(&mut out, response.headers.len() as u64);
    for (name, value) in &response.headers {
        write_bytes(&mut out, name.as_bytes());
        write_bytes(&mut out, value.as_bytes());
    }
    match response.upgrade {
        None => out.push(0),
        Some(upgrade) => out.extend_from_slice(&[1, u8::from(upgrade)]),
    }
    out.push(0);
    out.extend_from_slice(&response.status_code.to_le_bytes());
    EncodedResponse { head, body: &response.body, tail: out }
}

/// Decodes an `http_request` argument: the values directly when the type table is the one
/// gateways send, else through `candid` (same configuration as `ic-cdk`'s default decoder).
pub fn decode_request(bytes: &[u8]) -> Result<HttpRequest, candid::Error> {
    if let Some(request) = bytes.strip_prefix(REQUEST_HEADER).and_then(read_request) {
        return Ok(request);
    }
    let mut config = candid::DecoderConfig::new();
    config.set_skipping_quota(10_000);
    candid::utils::decode_args_with_config::<(HttpRequest,)>(bytes, &config).map(|(request,)| request)
}

fn write_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn write_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_leb(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn read_request(values: &[u8]) -> Option<HttpRequest> {
    let mut r = Values(values);
    let url = r.text()?;
    let method = r.text()?;
    let body = ByteBuf::from(r.bytes()?.to_vec());
    let count = usize::try_from(r.leb()?).ok()?;
    // Each header takes at least two bytes, so a count beyond that is malformed.
    if count > r.0.len() / 2 {
        return None;
    }
    let mut headers = Vec::with_capacity(count);
    for _ in 0..count {
        headers.push((r.text()?, r.text()?));
    }
    let certificate_version = match r.byte()? {
        0 => None,
        1 => {
            let low = r.byte()?;
            Some(u16::from_le_bytes([low, r.byte()?]))
        }
        _ => return None,
    };
    r.0.is_empty().then_some(HttpRequest { method, url, headers, body, certificate_version })
}

#[cfg(test)]
mod tests;
