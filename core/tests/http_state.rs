//! The certifier driven by the real `State`: rebuild from stored assets, incremental sync from
//! the change feed, content read through `State`, every response verified.

use asset_canister_core::certification::Certifier;
use asset_canister_core::http::{http_request, ServeContext};
use asset_canister_core::http_types::{HttpRequest, HttpResponse};
use asset_canister_core::permissions::Caller;
use asset_canister_core::state::State;
use asset_canister_core::types::{DeleteAssetArguments, StoreArg};
use candid::Principal;
use ic_http_certification::Method;
use ic_response_verification::verify_request_response_pair;
use ic_stable_structures::VectorMemory;
use local_ic::certification::SubnetSigner;
use serde_bytes::ByteBuf;

const CANISTER_ID: Principal = Principal::from_slice(&[0, 0, 0, 0, 0, 0, 0, 2, 1, 1]);
const NOW_NS: u64 = 1_763_000_000_000_000_000;

struct Canister {
    state: State<VectorMemory>,
    certifier: Certifier,
    signer: SubnetSigner,
    certificate: Vec<u8>,
    caller: Caller,
}

impl Canister {
    fn new() -> Canister {
        let installer = Principal::from_slice(&[7; 29]);
        let state = State::init(VectorMemory::default(), installer, None).unwrap();
        let certifier = Certifier::rebuild(&state).unwrap();
        let signer = SubnetSigner::from_seed([3; 32]);
        let certificate = signer.certificate(CANISTER_ID, &certifier.root_hash(), NOW_NS);
        Canister { state, certifier, signer, certificate, caller: Caller { principal: installer, is_controller: true } }
    }

    fn store(&mut self, key: &str, content_type: &str, content: &[u8]) {
        let arg = StoreArg {
            key: key.into(),
            content_type: content_type.into(),
            content_encoding: "identity".into(),
            content: ByteBuf::from(content.to_vec()),
            sha256: None,
            aliased: None,
        };
        self.state.store(&self.caller, &arg, NOW_NS).unwrap();
        self.sync();
    }

    fn delete(&mut self, key: &str) {
        self.state.delete_asset(&self.caller, DeleteAssetArguments { key: key.into() }, NOW_NS).unwrap();
        self.sync();
    }

    fn sync(&mut self) {
        let root = self.certifier.sync(&mut self.state).unwrap().expect("the call changed the store");
        self.certificate = self.signer.certificate(CANISTER_ID, &root, NOW_NS);
    }

    fn get(&self, url: &str) -> HttpResponse {
        let req = HttpRequest {
            method: "GET".into(),
            url: url.into(),
            headers: vec![],
            body: ByteBuf::new(),
            certificate_version: Some(2),
        };
        let context = ServeContext { certificate: &self.certificate, canister_id: CANISTER_ID };
        let response = http_request(&self.certifier, &req, context, &self.state);
        let verified = verify_request_response_pair(
            ic_http_certification::HttpRequest::builder()
                .with_method(Method::GET)
                .with_url(url)
                .with_certificate_version(2)
                .build(),
            ic_http_certification::HttpResponse::builder()
                .with_status_code(ic_http_certification::StatusCode::from_u16(response.status_code).unwrap())
                .with_headers(response.headers.clone())
                .with_body(response.body.to_vec())
                .build(),
            CANISTER_ID.as_slice(),
            u128::from(NOW_NS),
            300_000_000_000,
            &self.signer.root_key_der(),
            2,
        );
        assert!(verified.is_ok(), "{url}: {:?}", verified.err());
        response
    }
}

#[test]
fn serves_what_the_state_stores_and_follows_its_changes() {
    let mut c = Canister::new();
    assert_eq!(c.get("/anything").status_code, 404);
    c.store("/index.html", "text/html", b"<html>home</html>");
    c.store("/style.css", "text/css", b"p{}");
    let big: Vec<u8> = (0..2_500_000u32).map(|i| (i % 251) as u8).collect();
    c.store("/big.bin", "application/octet-stream", &big);
    assert_eq!(c.get("/").body.as_slice(), b"<html>home</html>");
    assert_eq!(c.get("/style.css").body.as_slice(), b"p{}");
    let first = c.get("/big.bin");
    assert_eq!(first.status_code, 206);
    assert_eq!(first.body.as_slice(), &big[..2_000_000]);
    c.delete("/style.css");
    let r = c.get("/style.css");
    assert_eq!((r.status_code, r.body.as_slice()), (200, b"<html>home</html>".as_slice()));
    c.store("/style.css", "text/css", b"p{color:red}");
    assert_eq!(c.get("/style.css").body.as_slice(), b"p{color:red}");
}

#[test]
fn rebuild_after_reload_serves_the_same_site() {
    let mut c = Canister::new();
    c.store("/index.html", "text/html", b"<html>home</html>");
    c.store("/about.html", "text/html", b"<html>about</html>");
    let rebuilt = Certifier::rebuild(&c.state).unwrap();
    c.certifier = rebuilt;
    c.certificate = c.signer.certificate(CANISTER_ID, &c.certifier.root_hash(), NOW_NS);
    assert_eq!(c.get("/about").body.as_slice(), b"<html>about</html>");
    assert_eq!(c.get("/").body.as_slice(), b"<html>home</html>");
}

#[test]
fn rebuild_from_stored_records_equals_rebuild_from_metadata() {
    let mut c = Canister::new();
    c.store("/index.html", "text/html", b"<html>home</html>");
    c.store("/docs/guide.html", "text/html", b"<html>guide</html>");
    c.store("/docs/404.html", "text/html", b"<html>missing</html>");
    c.store("/gone.css", "text/css", b"p{}");
    c.delete("/gone.css");
    for key in ["/index.html", "/docs/guide.html", "/docs/404.html"] {
        assert!(c.state.cert_record(key).is_some(), "{key} has a record after its commit");
    }
    assert!(c.state.cert_record("/gone.css").is_none(), "a deleted asset's record is removed");
    let from_records = Certifier::rebuild(&c.state).unwrap();
    assert_eq!(from_records.root_hash(), c.certifier.root_hash());
    for key in ["/index.html", "/docs/guide.html", "/docs/404.html"] {
        c.state.remove_cert_record(key);
    }
    let from_metadata = Certifier::rebuild(&c.state).unwrap();
    assert_eq!(from_metadata.root_hash(), c.certifier.root_hash());
    c.certifier = from_records;
    assert_eq!(c.get("/docs/guide").body.as_slice(), b"<html>guide</html>");
    assert_eq!(c.get("/docs/nothing").body.as_slice(), b"<html>missing</html>");
}

#[test]
fn records_written_before_a_clear_are_not_restored() {
    let mut c = Canister::new();
    c.store("/a.html", "text/html", b"<html>old</html>");
    c.state.clear(&c.caller, NOW_NS).unwrap();
    c.store("/a.html", "text/html", b"<html>new</html>");
    let rebuilt = Certifier::rebuild(&c.state).unwrap();
    assert_eq!(rebuilt.root_hash(), c.certifier.root_hash());
    c.certifier = rebuilt;
    assert_eq!(c.get("/a.html").body.as_slice(), b"<html>new</html>");
}
