//! The certifier driven by the real `State`: rebuild from stored assets, incremental sync from
//! the change feed, content read through `State`, every response verified.

use asset_canister_core::certification::Certifier;
use asset_canister_core::http::{http_request, ServeContext};
use asset_canister_core::http_types::{HttpRequest, HttpResponse};
use asset_canister_core::permissions::Caller;
use asset_canister_core::state::{State, HASHED_BYTES_PER_MESSAGE};
use asset_canister_core::types::{
    BatchOperationKind, CommitBatchArguments, CreateAssetArguments, CreateChunksArg, DeleteAssetArguments,
    SetAssetContentArguments, StoreArg,
};
use candid::Principal;
use ic_http_certification::Method;
use ic_response_verification::verify_request_response_pair;
use ic_stable_structures::VectorMemory;
use local_ic::certification::SubnetSigner;
use serde_bytes::ByteBuf;

const CANISTER_ID: Principal = Principal::from_slice(&[0, 0, 0, 0, 0, 0, 0, 2, 1, 1]);
const NOW_NS: u64 = 1_763_000_000_000_000_000;

struct Canister {
    memory: VectorMemory,
    state: State<VectorMemory>,
    certifier: Certifier,
    signer: SubnetSigner,
    certificate: Vec<u8>,
    caller: Caller,
}

impl Canister {
    fn new() -> Canister {
        let installer = Principal::from_slice(&[7; 29]);
        let memory = VectorMemory::default();
        let mut state = State::init(memory.clone(), installer, None).unwrap();
        let certifier = Certifier::rebuild(&mut state).unwrap();
        let signer = SubnetSigner::from_seed([3; 32]);
        let certificate = signer.certificate(CANISTER_ID, &certifier.root_hash(), NOW_NS);
        Canister { memory, state, certifier, signer, certificate, caller: Caller { principal: installer, is_controller: true } }
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

    /// Uploads `content` as chunks of `chunk` bytes in a batch and commits it as `key`
    /// (creating the asset when `create`).
    fn upload(&mut self, key: &str, content: &[u8], chunk: usize, create: bool) {
        let batch_id = self.state.create_batch(&self.caller, NOW_NS).unwrap();
        let arg = CreateChunksArg {
            batch_id: batch_id.clone(),
            content: content.chunks(chunk).map(|c| ByteBuf::from(c.to_vec())).collect(),
        };
        let chunk_ids = self.state.create_chunks(&self.caller, &arg, NOW_NS).unwrap();
        let mut operations = Vec::new();
        if create {
            operations.push(BatchOperationKind::CreateAsset(CreateAssetArguments {
                key: key.into(),
                content_type: "application/octet-stream".into(),
                max_age: None,
                headers: None,
                enable_aliasing: None,
                allow_raw_access: None,
            }));
        }
        operations.push(BatchOperationKind::SetAssetContent(SetAssetContentArguments {
            key: key.into(),
            content_encoding: "identity".into(),
            chunk_ids,
            last_chunk: None,
            sha256: None,
        }));
        let args = CommitBatchArguments { batch_id, operations };
        self.state.commit_batch(&self.caller, &args, NOW_NS, HASHED_BYTES_PER_MESSAGE).unwrap();
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
    let rebuilt = Certifier::rebuild(&mut c.state).unwrap();
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
    let keys = ["/docs/404.html", "/docs/guide.html", "/index.html"];
    let addresses: Vec<u64> = c.state.record_addresses_after(None, 10).into_iter().map(|(key, address)| {
        assert!(keys.contains(&key.as_str()), "only live assets have records, not {key}");
        address
    }).collect();
    assert_eq!(addresses.len(), keys.len(), "a deleted asset's record is removed");
    let from_records = Certifier::rebuild(&mut c.state).unwrap();
    assert_eq!(from_records.root_hash(), c.certifier.root_hash());
    let unchanged: Vec<u64> = c.state.record_addresses_after(None, 10).into_iter().map(|(_, a)| a).collect();
    assert_eq!(unchanged, addresses, "a rebuild from current records rewrites none");
    c.certifier = from_records;
    assert_eq!(c.get("/docs/guide").body.as_slice(), b"<html>guide</html>");
    assert_eq!(c.get("/docs/nothing").body.as_slice(), b"<html>missing</html>");
    for key in keys {
        c.state.remove_record(key);
    }
    let from_metadata = Certifier::rebuild(&mut c.state).unwrap();
    assert_eq!(from_metadata.root_hash(), c.certifier.root_hash());
    assert_eq!(c.state.record_addresses_after(None, 10).len(), keys.len(), "missing records are written again");
    c.certifier = from_metadata;
    assert_eq!(c.get("/docs/guide").body.as_slice(), b"<html>guide</html>");
    assert_eq!(c.get("/docs/nothing").body.as_slice(), b"<html>missing</html>");
}

#[test]
fn records_written_before_a_clear_are_not_restored() {
    let mut c = Canister::new();
    c.store("/a.html", "text/html", b"<html>old</html>");
    c.state.clear(&c.caller, NOW_NS).unwrap();
    c.store("/a.html", "text/html", b"<html>new</html>");
    let rebuilt = Certifier::rebuild(&mut c.state).unwrap();
    assert_eq!(rebuilt.root_hash(), c.certifier.root_hash());
    c.certifier = rebuilt;
    assert_eq!(c.get("/a.html").body.as_slice(), b"<html>new</html>");
}

/// The locators in records stay valid: content replaced, deleted, cleared, or taken from a
/// batch's chunks is always served from where it lives now, even when its old extents were
/// reused by other content.
#[test]
fn records_follow_content_through_replacement_reuse_deletion_and_clear() {
    let mut c = Canister::new();
    let first: Vec<u8> = (0..3000u32).map(|i| (i % 7) as u8).collect();
    let second: Vec<u8> = (0..3000u32).map(|i| (i % 13) as u8).collect();
    c.upload("/a.bin", &first, 1000, true);
    c.store("/b.css", "text/css", b"b{}");
    assert_eq!(c.get("/a.bin").body.as_slice(), first.as_slice());
    // Replacing /a.bin frees its extents; /c.bin's chunks are written into them.
    c.upload("/a.bin", &second, 700, false);
    c.upload("/c.bin", &first, 1000, true);
    assert_eq!(c.get("/a.bin").body.as_slice(), second.as_slice());
    assert_eq!(c.get("/c.bin").body.as_slice(), first.as_slice());
    assert_eq!(c.get("/b.css").body.as_slice(), b"b{}");
    // Deleting /c.bin frees its extents for /d.css; /a.bin is untouched.
    c.delete("/c.bin");
    c.store("/d.css", "text/css", &[b'd'; 900]);
    assert_eq!(c.get("/c.bin").status_code, 404);
    assert_eq!(c.get("/d.css").body.as_slice(), [b'd'; 900].as_slice());
    assert_eq!(c.get("/a.bin").body.as_slice(), second.as_slice());
    // After a clear, new content lands where the old was, under new records.
    c.state.clear(&c.caller, NOW_NS).unwrap();
    c.sync();
    assert_eq!(c.get("/a.bin").status_code, 404);
    c.upload("/e.bin", &second, 3000, true);
    assert_eq!(c.get("/e.bin").body.as_slice(), second.as_slice());
    let rebuilt = Certifier::rebuild(&mut c.state).unwrap();
    assert_eq!(rebuilt.root_hash(), c.certifier.root_hash());
    c.certifier = rebuilt;
    assert_eq!(c.get("/e.bin").body.as_slice(), second.as_slice());
}

/// A canister whose memory 13 still holds record bytes (the layout before the record region)
/// and whose memory 15 is not a record region: the index is reset on load and every record is
/// rebuilt from metadata, so the site is served as before.
#[test]
fn records_of_the_layout_before_the_record_region_are_rebuilt() {
    use asset_canister_core::store::memory_ids;
    use ic_stable_structures::memory_manager::{MemoryId, MemoryManager};
    use ic_stable_structures::{Memory, StableBTreeMap};

    let mut c = Canister::new();
    c.store("/index.html", "text/html", b"<html>home</html>");
    c.store("/docs/404.html", "text/html", b"<html>missing</html>");
    let expected = c.certifier.root_hash();
    let memory = VectorMemory::default();
    let mut raw = vec![0u8; (c.memory.size() * 65536) as usize];
    c.memory.read(0, &mut raw);
    memory.grow(c.memory.size());
    memory.write(0, &raw);
    {
        let mm = MemoryManager::init(memory.clone());
        let mut old: StableBTreeMap<String, Vec<u8>, _> = StableBTreeMap::new(mm.get(MemoryId::new(memory_ids::RECORD_INDEX)));
        old.insert("/index.html".into(), vec![1; 300]);
        mm.get(MemoryId::new(memory_ids::RECORDS)).write(0, b"none");
    }
    c.state = State::load(memory.clone());
    c.memory = memory;
    assert!(c.state.record_addresses_after(None, 10).is_empty(), "the old index is reset");
    c.certifier = Certifier::rebuild(&mut c.state).unwrap();
    assert_eq!(c.certifier.root_hash(), expected);
    assert_eq!(c.state.record_addresses_after(None, 10).len(), 2);
    assert_eq!(c.get("/").body.as_slice(), b"<html>home</html>");
    assert_eq!(c.get("/docs/x").body.as_slice(), b"<html>missing</html>");
}

/// A record whose bytes were corrupted in stable memory: serving it answers 500 (no panic),
/// also after an upgrade (which reopens the trees without reading any record), and a rebuild
/// forced by a tree stamp mismatch (trees of another version) refuses the record and writes
/// it again from the asset's metadata.
#[test]
fn a_corrupt_record_answers_500_until_a_stamp_mismatch_rebuilds_it() {
    use asset_canister_core::store::memory_ids;
    use ic_stable_structures::memory_manager::{MemoryId, MemoryManager};
    use ic_stable_structures::Memory;

    let mut c = Canister::new();
    c.store("/a.html", "text/html", b"<html>a</html>");
    c.store("/b.html", "text/html", b"<html>b</html>");
    let expected = c.certifier.root_hash();
    let (_, address) = c.state.record_addresses_after(None, 1).remove(0);
    let manager = MemoryManager::init(c.memory.clone());
    let records = manager.get(MemoryId::new(memory_ids::RECORDS));
    // The record's version byte (just after the 8-byte block header) and its first table bytes.
    records.write(address + 8, &[0xEE; 24]);
    let status = |c: &Canister| {
        let req = HttpRequest { method: "GET".into(), url: "/a.html".into(), headers: vec![], body: ByteBuf::new(), certificate_version: Some(2) };
        let context = ServeContext { certificate: &c.certificate, canister_id: CANISTER_ID };
        http_request(&c.certifier, &req, context, &c.state).status_code
    };
    assert_eq!(status(&c), 500);
    assert_eq!(c.get("/b.html").body.as_slice(), b"<html>b</html>");
    c.state = State::load(c.memory.clone());
    c.certifier = Certifier::rebuild(&mut c.state).unwrap();
    assert_eq!(c.certifier.root_hash(), expected, "the trees are reopened as they were");
    assert_eq!(status(&c), 500);
    assert_eq!(c.state.record_addresses_after(None, 1)[0].1, address, "an upgrade reads no record");
    // The header's stamp (bytes 88..120 of slot 0) says which version derived the trees.
    let trees = manager.get(MemoryId::new(memory_ids::CERT_TREE));
    let mut stamp = [0u8; 1];
    trees.read(88, &mut stamp);
    trees.write(88, &[stamp[0] ^ 1]);
    c.state = State::load(c.memory.clone());
    c.certifier = Certifier::rebuild(&mut c.state).unwrap();
    assert_eq!(c.certifier.root_hash(), expected);
    assert_eq!(c.get("/a.html").body.as_slice(), b"<html>a</html>");
    assert_eq!(c.get("/b").body.as_slice(), b"<html>b</html>");
}

/// Trees written under another layout version (byte 4 of the arena header) or with an unsound
/// header are derived state: the upgrade rebuilds them from the store instead of failing.
#[test]
fn trees_of_another_layout_or_an_unsound_header_are_rebuilt_at_upgrade() {
    use asset_canister_core::store::memory_ids;
    use ic_stable_structures::memory_manager::{MemoryId, MemoryManager};
    use ic_stable_structures::Memory;

    let mut c = Canister::new();
    c.store("/a.html", "text/html", b"<html>a</html>");
    let expected = c.certifier.root_hash();
    let manager = MemoryManager::init(c.memory.clone());
    let trees = manager.get(MemoryId::new(memory_ids::CERT_TREE));
    let mut version = [0u8; 1];
    trees.read(4, &mut version);
    for (at, bytes) in [(4, vec![version[0].wrapping_add(1)]), (8, u32::MAX.to_be_bytes().to_vec())] {
        trees.write(at, &bytes);
        c.state = State::load(c.memory.clone());
        c.certifier = Certifier::rebuild(&mut c.state).unwrap();
        assert_eq!(c.certifier.root_hash(), expected);
        assert_eq!(c.get("/a").body.as_slice(), b"<html>a</html>");
    }
}
