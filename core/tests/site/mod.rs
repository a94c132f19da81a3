//! A realistic site held in memory, certified by the real certifier, with certificates minted by
//! `local-ic`'s subnet signer for its root hash.

use asset_canister_core::certification::{AssetView, Certifier, Change, ContentSource, Encoding, EncodingView, RecordSink};
use asset_canister_core::store::record_region::RecordRegionError;
use asset_canister_core::store::record_store::{RecordHandle, RecordStore};
use ic_stable_structures::VectorMemory;
use candid::Principal;
use flate2::{write::GzEncoder, Compression};
use local_ic::certification::SubnetSigner;
use std::collections::BTreeMap;
use std::io::Write;

/// The canister the certificates are for.
pub const CANISTER_ID: Principal = Principal::from_slice(&[0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
/// Certificate time and verification time.
pub const NOW_NS: u64 = 1_763_000_000_000_000_000;

pub struct Site {
    pub certifier: Certifier,
    pub certificate: Vec<u8>,
    pub root_key: Vec<u8>,
    signer: SubnetSigner,
    store: SiteStore,
    views: BTreeMap<String, AssetView>,
}

/// The site's content (the locator of an encoding is its key and name) and the certifier's
/// records (the real record store, over vector memories).
pub struct SiteStore {
    files: BTreeMap<Vec<u8>, Vec<u8>>,
    records: RecordStore<VectorMemory>,
    /// Each key's record handle (the asset map holds it in the canister).
    handles: BTreeMap<String, RecordHandle>,
}

fn locator(key: &str, encoding: Encoding) -> Vec<u8> {
    [key.as_bytes(), b"\0", encoding.name().as_bytes()].concat()
}

impl ContentSource for SiteStore {
    fn read_content(&self, locator: &[u8], start: u64, end: u64) -> Option<Vec<u8>> {
        let bytes = self.files.get(locator)?;
        bytes.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?).map(<[u8]>::to_vec)
    }

    fn record_prefix(&self, address: u64, max: usize) -> Option<(Vec<u8>, u32)> {
        self.records.region().read_prefix(address, max).ok()
    }

    fn record_bytes(&self, address: u64, offset: u64, buf: &mut [u8]) -> bool {
        self.records.region().read(address, offset, buf).is_ok()
    }

    fn record_address(&self, key: &str) -> Option<u64> {
        self.records.address(*self.handles.get(key)?)
    }
}

impl RecordSink for SiteStore {
    fn write_record(&mut self, key: &str, bytes: &[u8]) -> Result<u64, RecordRegionError> {
        let records = &mut self.records;
        let handle = *self.handles.entry(key.to_string()).or_insert_with(|| records.allocate());
        records.write(handle, bytes)
    }

    fn remove_record(&mut self, key: &str) {
        if let Some(handle) = self.handles.remove(key) {
            self.records.release(handle);
        }
    }
}

struct File {
    key: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
    compressed: bool,
    aliasing: bool,
    raw: bool,
    max_age: Option<u64>,
}

fn file(key: &'static str, content_type: &'static str, body: &[u8]) -> File {
    File { key, content_type, body: body.to_vec(), compressed: false, aliasing: true, raw: true, max_age: None }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

impl Site {
    pub fn standard() -> Site {
        let video: Vec<u8> = (0..5_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        Site::with_files(vec![
            File { compressed: true, ..file("/index.html", "text/html", b"<html><body>home</body></html>") },
            file("/about.html", "text/html", b"<html>about</html>"),
            file("/docs/index.html", "text/html", b"<html>docs</html>"),
            File { aliasing: false, ..file("/legal.html", "text/html", b"<html>legal</html>") },
            file("/404.html", "text/html", b"<html>not here</html>"),
            file("/docs/404.html", "text/html", b"<html>no such doc</html>"),
            File { max_age: Some(3600), ..file("/style.css", "text/css", b"body{margin:0;color:#333}") },
            File { compressed: true, ..file("/app.js", "text/javascript", &b"console.log('hi');".repeat(40)) },
            file("/image.png", "image/png", &[0x89, b'P', b'N', b'G', 0, 1, 2, 3]),
            File { raw: false, ..file("/private.html", "text/html", b"<html>private</html>") },
            file("/video.bin", "video/mp4", &video),
        ])
    }

    pub fn single_page_app() -> Site {
        Site::with_files(vec![
            file("/index.html", "text/html", b"<html><div id=app></div></html>"),
            file("/app.js", "text/javascript", b"route()"),
        ])
    }

    pub fn without_index() -> Site {
        Site::with_files(vec![file("/style.css", "text/css", b"p{}")])
    }

    fn with_files(files: Vec<File>) -> Site {
        let signer = SubnetSigner::from_seed([42; 32]);
        let mut site = Site {
            certifier: Certifier::new(),
            certificate: Vec::new(),
            root_key: signer.root_key_der(),
            signer,
            store: SiteStore {
                files: BTreeMap::new(),
                records: RecordStore::init(VectorMemory::default(), VectorMemory::default()).0,
                handles: BTreeMap::new(),
            },
            views: BTreeMap::new(),
        };
        let mut changes = Vec::new();
        for f in files {
            let mut encodings = vec![(Encoding::Identity, f.body.clone())];
            if f.compressed {
                encodings.push((Encoding::Gzip, gzip(&f.body)));
                // Stands in for brotli: v2 verification hashes bytes as served, never decodes br.
                encodings.push((Encoding::Br, [b"br:".as_slice(), &f.body].concat()));
            }
            let view = AssetView {
                key: f.key.into(),
                content_type: f.content_type.into(),
                max_age: f.max_age,
                headers: vec![("X-Content-Type-Options".into(), "nosniff".into())],
                enable_aliasing: f.aliasing,
                allow_raw_access: f.raw,
                encodings: Vec::new(),
            };
            changes.push(site.store(view, encodings));
        }
        site.commit(changes);
        site
    }

    fn store(&mut self, mut view: AssetView, encodings: Vec<(Encoding, Vec<u8>)>) -> Change {
        view.encodings = encodings
            .iter()
            .map(|(e, b)| EncodingView::of_content(*e, b, locator(&view.key, *e)))
            .collect();
        for (e, b) in encodings {
            self.store.files.insert(locator(&view.key, e), b);
        }
        self.views.insert(view.key.clone(), view.clone());
        Change::Upsert(view)
    }

    fn commit(&mut self, changes: Vec<Change>) {
        let root = self.certifier.apply(changes, &mut self.store).expect("site views carry their part hashes");
        self.certificate = self.signer.certificate(CANISTER_ID, &root, NOW_NS);
    }

    pub fn replace(&mut self, key: &str, body: &[u8]) {
        let view = self.views[key].clone();
        let prefix = [key.as_bytes(), b"\0"].concat();
        self.store.files.retain(|k, _| !k.starts_with(&prefix));
        let change = self.store(view, vec![(Encoding::Identity, body.to_vec())]);
        self.commit(vec![change]);
    }

    pub fn remove(&mut self, key: &str) {
        let prefix = [key.as_bytes(), b"\0"].concat();
        self.store.files.retain(|k, _| !k.starts_with(&prefix));
        self.views.remove(key);
        self.commit(vec![Change::Remove { key: key.into() }]);
    }

    pub fn bytes(&self, key: &str, encoding: Encoding) -> Vec<u8> {
        self.store.files[&locator(key, encoding)].clone()
    }

    pub fn content(&self) -> &SiteStore {
        &self.store
    }
}
