//! Shared harness for the integration tests and benches: the real asset canister Wasm installed
//! in `local_ic::LocalIc`, uploads through its own Candid API (create_batch, create_chunks,
//! commit_batch), `http_request` calls, and response verification with
//! `ic-response-verification` against the local root key.
//!
//! Owns no canister behaviour: every answer comes from the Wasm. The Wasm is read from
//! `ASSET_CANISTER_WASM` if set, else `dist/asset-canister.wasm.gz`.
#![allow(unused)] // each test binary uses a different part of this shared module

use asset_canister_core::http_types::{HttpRequest, HttpResponse};
use asset_canister_core::types::*;
use candid::utils::ArgumentEncoder;
use candid::{CandidType, Decode, Encode, Nat, Principal};
use ic_response_verification::types::VerificationInfo;
use ic_response_verification::{verify_request_response_pair, ResponseVerificationError};
use local_ic::{CallError, CallOutcome, InstallMode, InstallOutcome, LocalIc};
use serde::de::DeserializeOwned;
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};

/// `LocalIc::update_call` or `LocalIc::query_call`.
type CallKind = fn(&mut LocalIc, Principal, Principal, &str, Vec<u8>) -> Result<CallOutcome, CallError>;

/// Largest chunk the harness sends in one `create_chunks` call (ingress limit is 2 MiB).
pub const CHUNK_BYTES: usize = 1_900_000;
/// Certificate freshness window the verifier allows (the gateway's default).
const MAX_CERT_AGE_NS: u128 = 300_000_000_000;

/// The canister Wasm under test.
pub fn wasm() -> Vec<u8> {
    let path = std::env::var("ASSET_CANISTER_WASM")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/dist/asset-canister.wasm.gz").to_string());
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e} (scripts/build.sh builds it)"))
}

/// A principal that controls the canister.
pub fn admin() -> Principal {
    Principal::from_slice(&[7; 29])
}

/// A principal with no permission.
pub fn stranger() -> Principal {
    Principal::from_slice(&[9; 29])
}

/// One file to upload: its key, type, properties and one body per content encoding.
#[derive(Clone, Debug)]
pub struct Upload {
    /// Asset key, e.g. `/index.html`.
    pub key: String,
    /// MIME type.
    pub content_type: String,
    /// `(content_encoding, bytes)` pairs.
    pub encodings: Vec<(String, Vec<u8>)>,
    /// `enable_aliasing` of `CreateAsset`.
    pub enable_aliasing: Option<bool>,
    /// `allow_raw_access` of `CreateAsset`.
    pub allow_raw_access: Option<bool>,
    /// `max_age` of `CreateAsset`.
    pub max_age: Option<u64>,
}

impl Upload {
    /// An identity-encoded file with default properties.
    pub fn new(key: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Upload {
            key: key.into(),
            content_type: content_type.into(),
            encodings: vec![("identity".into(), body.into())],
            enable_aliasing: None,
            allow_raw_access: None,
            max_age: None,
        }
    }
}

/// `CreateAsset` + `SetAssetContent` for an identity-encoded binary at `key` from uploaded
/// chunks, with the `sha256` the uploader claims (tests pass wrong ones on purpose).
pub fn binary_asset(key: &str, chunk_ids: Vec<Nat>, sha256: &[u8]) -> Vec<BatchOperationKind> {
    vec![
        BatchOperationKind::CreateAsset(CreateAssetArguments {
            key: key.into(),
            content_type: "application/octet-stream".into(),
            max_age: None,
            headers: None,
            enable_aliasing: None,
            allow_raw_access: None,
        }),
        BatchOperationKind::SetAssetContent(SetAssetContentArguments {
            key: key.into(),
            content_encoding: "identity".into(),
            chunk_ids,
            last_chunk: None,
            sha256: Some(ByteBuf::from(sha256.to_vec())),
        }),
    ]
}

/// An installed asset canister in its own local IC.
pub struct Canister {
    /// The subnet.
    pub ic: LocalIc,
    /// The canister's id.
    pub id: Principal,
}

impl Canister {
    /// A fresh subnet with the canister installed by [`admin`].
    pub fn install() -> Self {
        let mut ic = LocalIc::from_seed([42; 32]);
        let id = ic.create_canister(vec![admin()]).unwrap();
        ic.install_code(id, admin(), &wasm(), Encode!(&None::<AssetCanisterArgs>).unwrap(), InstallMode::Install)
            .expect("install");
        Canister { ic, id }
    }

    /// Upgrades to the same Wasm, keeping stable memory; the hooks' figures.
    pub fn upgrade(&mut self) -> InstallOutcome {
        self.ic
            .install_code(self.id, admin(), &wasm(), Encode!(&None::<AssetCanisterArgs>).unwrap(), InstallMode::Upgrade)
            .expect("upgrade")
    }

    /// An update call with Candid arguments; the decoded reply and the call's figures.
    pub fn update<A: ArgumentEncoder, R: CandidType + DeserializeOwned>(
        &mut self,
        sender: Principal,
        method: &str,
        args: A,
    ) -> Result<(R, CallOutcome), CallError> {
        self.call(LocalIc::update_call, sender, method, args)
    }

    /// A query call with Candid arguments; the decoded reply and the call's figures.
    pub fn query<A: ArgumentEncoder, R: CandidType + DeserializeOwned>(
        &mut self,
        sender: Principal,
        method: &str,
        args: A,
    ) -> Result<(R, CallOutcome), CallError> {
        self.call(LocalIc::query_call, sender, method, args)
    }

    /// Encodes `args`, runs `kind` (update or query), decodes the reply as `R`.
    fn call<A: ArgumentEncoder, R: CandidType + DeserializeOwned>(
        &mut self,
        kind: CallKind,
        sender: Principal,
        method: &str,
        args: A,
    ) -> Result<(R, CallOutcome), CallError> {
        let arg = candid::encode_args(args).unwrap();
        let out = kind(&mut self.ic, self.id, sender, method, arg)?;
        let reply = Decode!(&out.reply, R).unwrap_or_else(|e| panic!("{method} reply: {e}"));
        Ok((reply, out))
    }

    /// `create_batch` as [`admin`].
    pub fn create_batch(&mut self) -> (Nat, CallOutcome) {
        let (r, out): (CreateBatchResponse, _) = self.update(admin(), "create_batch", (CreateBatchArg {},)).unwrap();
        (r.batch_id, out)
    }

    /// Uploads `content` as chunks of `batch` (several pieces per `create_chunks` call while they
    /// fit in one ingress message); the chunk ids in order and the summed instructions.
    pub fn create_chunks(&mut self, batch: &Nat, pieces: &[&[u8]]) -> (Vec<Nat>, u64) {
        let mut ids = vec![];
        let mut instructions = 0;
        let mut group: Vec<ByteBuf> = vec![];
        let mut group_bytes = 0;
        let mut flush = |group: &mut Vec<ByteBuf>, this: &mut Self| {
            if group.is_empty() {
                return;
            }
            let arg = CreateChunksArg { batch_id: batch.clone(), content: std::mem::take(group) };
            let (r, out): (CreateChunksResponse, _) = this.update(admin(), "create_chunks", (arg,)).unwrap();
            ids.extend(r.chunk_ids);
            instructions += out.instructions;
        };
        for piece in pieces {
            if group_bytes + piece.len() > CHUNK_BYTES {
                flush(&mut group, self);
                group_bytes = 0;
            }
            group_bytes += piece.len();
            group.push(ByteBuf::from(piece.to_vec()));
        }
        flush(&mut group, self);
        (ids, instructions)
    }

    /// `commit_batch` as [`admin`].
    pub fn commit_batch(&mut self, batch: Nat, operations: Vec<BatchOperationKind>) -> Result<CallOutcome, CallError> {
        let arg = CommitBatchArguments { batch_id: batch, operations };
        self.update::<_, ()>(admin(), "commit_batch", (arg,)).map(|(_, out)| out)
    }

    /// The batch operations that create `files` from already uploaded chunk ids.
    pub fn operations(files: &[Upload], chunk_ids: &[Vec<Vec<Nat>>]) -> Vec<BatchOperationKind> {
        let mut ops = vec![];
        for (file, ids) in files.iter().zip(chunk_ids) {
            ops.push(BatchOperationKind::CreateAsset(CreateAssetArguments {
                key: file.key.clone(),
                content_type: file.content_type.clone(),
                max_age: file.max_age,
                headers: None,
                enable_aliasing: file.enable_aliasing,
                allow_raw_access: file.allow_raw_access,
            }));
            for ((encoding, body), ids) in file.encodings.iter().zip(ids) {
                ops.push(BatchOperationKind::SetAssetContent(SetAssetContentArguments {
                    key: file.key.clone(),
                    content_encoding: encoding.clone(),
                    chunk_ids: ids.clone(),
                    last_chunk: None,
                    sha256: Some(ByteBuf::from(Sha256::digest(body).to_vec())),
                }));
            }
        }
        ops
    }

    /// Uploads `files` in one batch (chunks, then one commit); the commit's figures.
    pub fn upload(&mut self, files: &[Upload]) -> CallOutcome {
        let (batch, _) = self.create_batch();
        let mut all_ids = vec![];
        for file in files {
            let mut per_encoding = vec![];
            for (_, body) in &file.encodings {
                let pieces: Vec<&[u8]> = if body.is_empty() { vec![&[][..]] } else { body.chunks(CHUNK_BYTES).collect() };
                per_encoding.push(self.create_chunks(&batch, &pieces).0);
            }
            all_ids.push(per_encoding);
        }
        let ops = Self::operations(files, &all_ids);
        self.commit_batch(batch, ops).expect("commit_batch")
    }

    /// `http_request` as the gateway sends it (anonymous, non-replicated query).
    pub fn http(&mut self, request: &HttpRequest) -> (HttpResponse, CallOutcome) {
        let (response, out) = self.query(Principal::anonymous(), "http_request", (request.clone(),)).expect("http_request");
        (response, out)
    }

    /// Verifies a response as the HTTP gateway does, requiring at least `min_version`.
    pub fn verify(
        &self,
        request: &HttpRequest,
        response: &HttpResponse,
        min_version: u8,
    ) -> Result<VerificationInfo, ResponseVerificationError> {
        let method = ic_http_certification::Method::from_bytes(request.method.as_bytes()).unwrap();
        let mut req = ic_http_certification::HttpRequest::builder()
            .with_method(method)
            .with_url(request.url.clone())
            .with_headers(request.headers.clone())
            .with_body(request.body.to_vec());
        if let Some(v) = request.certificate_version {
            req = req.with_certificate_version(v);
        }
        let resp = ic_http_certification::HttpResponse::builder()
            .with_status_code(ic_http_certification::StatusCode::from_u16(response.status_code).unwrap())
            .with_headers(response.headers.clone())
            .with_body(response.body.to_vec())
            .build();
        verify_request_response_pair(
            req.build(),
            resp,
            self.id.as_slice(),
            u128::from(self.ic.time()),
            MAX_CERT_AGE_NS,
            &self.ic.root_key(),
            min_version,
        )
    }

    /// Calls `http_request` and asserts the response verifies at `version` (the request asks
    /// for that version); the response.
    pub fn get_verified(&mut self, request: &HttpRequest, version: u16) -> HttpResponse {
        let mut request = request.clone();
        request.certificate_version = Some(version);
        let (response, _) = self.http(&request);
        let info = self
            .verify(&request, &response, version as u8)
            .unwrap_or_else(|e| panic!("{} {} v{version}: {e:?} (status {})", request.method, request.url, response.status_code));
        assert_eq!(info.verification_version, version, "{}", request.url);
        response
    }
}

/// A request with a method, URL and headers.
pub fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        url: url.into(),
        headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        body: ByteBuf::new(),
        certificate_version: None,
    }
}

/// `(first, last, total)` of a `bytes first-last/total` Content-Range.
pub fn content_range(value: &str) -> (usize, usize, usize) {
    let rest = value.strip_prefix("bytes ").expect(value);
    let (span, total) = rest.split_once('/').expect(value);
    let (first, last) = span.split_once('-').expect(value);
    (first.parse().unwrap(), last.parse().unwrap(), total.parse().unwrap())
}

/// The value of a response header (case-insensitive name).
pub fn header<'a>(response: &'a HttpResponse, name: &str) -> Option<&'a str> {
    response.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// The gzip encoding of `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Size of the generated binary in [`site`].
pub const BIG_BYTES: usize = 10_000_000;

/// Deterministic pseudo-random bytes (xorshift), so ranges cannot line up by accident.
pub fn generated_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Text of the stylesheet in [`site`] (uploaded as identity and gzip).
pub const CSS: &str = "body { font-family: sans-serif; color: #222; }\n.banner { padding: 2em; }\n";

/// A realistic small site: home page, stylesheet (identity + gzip), script, image, a nested
/// page (`/docs/guide/index.html`), an about page, a `404.html`, and a 10 MB binary.
pub fn site(with_404: bool, with_big: bool) -> Vec<Upload> {
    let mut css = Upload::new("/style.css", "text/css", CSS);
    css.encodings.push(("gzip".into(), gzip(CSS.as_bytes())));
    let mut files = vec![
        Upload::new("/index.html", "text/html", "<!doctype html><title>Home</title><h1>Home</h1>"),
        css,
        Upload::new("/app.js", "text/javascript", "document.querySelector('h1').textContent += '!';\n"),
        Upload::new("/logo.png", "image/png", generated_bytes(3_000, 5)),
        Upload::new("/about.html", "text/html", "<h1>About</h1>"),
        Upload::new("/docs/guide/index.html", "text/html", "<h1>Guide</h1>"),
    ];
    if with_404 {
        files.push(Upload::new("/404.html", "text/html", "<h1>Not found</h1>"));
    }
    if with_big {
        files.push(Upload::new("/big.bin", "application/octet-stream", generated_bytes(BIG_BYTES, 77)));
    }
    files
}
