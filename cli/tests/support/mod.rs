//! Shared fixtures of the end-to-end tests: the sample site copied to a temp folder, a local IC
//! with our canister installed over its HTTP API, ic-asset syncs with a recording progress hook,
//! and an HTTP client that reaches the gateway by `<canister-id>.localhost`.
#![allow(dead_code)] // Each test binary uses a different subset of these fixtures.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use asset_canister_core::types::{AssetDetails, ListRequest};
use candid::Principal;
use ic_agent::identity::BasicIdentity;
use ic_agent::Agent;
use ic_asset::{AssetSyncProgressRenderer, AssetSyncState};
use ic_utils::call::SyncCall;
use ic_utils::interfaces::ManagementCanister;
use ic_utils::Canister;
use local_ic::server::LocalServer;
use local_ic::LocalIc;

pub mod chromium;
pub mod serve_process;

/// The repository root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("cli/ has a parent").to_path_buf()
}

/// The built canister module; fails with what to run when it is missing.
pub fn canister_module() -> Vec<u8> {
    let path = workspace().join("dist/asset-canister.wasm.gz");
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!("cannot read {} ({error}): run scripts/build.sh first (scripts/test.sh does)", path.display())
    })
}

/// A temp copy of the sample site `assets/` (with its `.ic-assets.json5`).
pub fn site_copy() -> tempfile::TempDir {
    // Not tempfile's default `.tmpXXXX`: ic-asset skips folders whose name starts with a dot.
    let dir = tempfile::Builder::new().prefix("site-").tempdir().expect("temp dir");
    copy_tree(&workspace().join("assets"), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file of `dir` as `/relative/key` -> bytes, as ic-asset names them (dot files skipped).
pub fn site_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(root, &entry.path(), out);
            } else {
                let key = format!("/{}", entry.path().strip_prefix(root).unwrap().display());
                out.insert(key, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `len` bytes that do not compress (xorshift), so they are stored and served as they are.
pub fn incompressible(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A local IC server with the asset canister installed by an ic-agent client over HTTP.
pub struct Deployed {
    pub server: LocalServer,
    pub agent: Agent,
    pub canister_id: Principal,
}

impl Deployed {
    /// Starts a server on a free port, creates a canister and installs `dist/` into it.
    pub async fn start() -> Self {
        Self::on(LocalServer::start(LocalIc::new(), 0).await.expect("local IC starts")).await
    }

    /// Creates a canister on `server` and installs `dist/` into it.
    pub async fn on(server: LocalServer) -> Self {
        let agent = Agent::builder()
            .with_url(server.url())
            .with_identity(BasicIdentity::from_raw_key(&[7; 32]))
            .build()
            .expect("agent builds");
        agent.fetch_root_key().await.expect("root key fetched over /api/v2/status");
        let management = ManagementCanister::create(&agent);
        let (canister_id,) = management
            .create_canister()
            .as_provisional_create_with_amount(None)
            .call_and_wait()
            .await
            .expect("canister created");
        management.install_code(&canister_id, &canister_module()).call_and_wait().await.expect("module installed");
        Self { server, agent, canister_id }
    }

    /// The canister as ic-asset addresses it.
    pub fn canister(&self) -> Canister<'_> {
        Canister::builder().with_agent(&self.agent).with_canister_id(self.canister_id).build().unwrap()
    }

    /// The gateway's port.
    pub fn port(&self) -> u16 {
        self.server.url().rsplit(':').next().unwrap().parse().unwrap()
    }

    /// `http://<canister-id>.localhost:<port>`.
    pub fn site_url(&self) -> String {
        format!("http://{}.localhost:{}", self.canister_id, self.port())
    }

    /// An HTTP client that resolves `<canister-id>.localhost` to the server, as browsers do.
    pub fn gateway_client(&self) -> reqwest::Client {
        let host = format!("{}.localhost", self.canister_id);
        reqwest::Client::builder()
            .resolve(&host, SocketAddr::from(([127, 0, 0, 1], self.port())))
            .build()
            .unwrap()
    }

    /// `ic_asset::sync` of `dir`, returning what its progress hook saw.
    pub async fn sync(&self, dir: &Path) -> Recorded {
        let recorder = Recorder::default();
        let logger = slog::Logger::root(slog::Discard, slog::o!());
        ic_asset::sync(&self.canister(), &[dir], false, &logger, Some(&recorder)).await.expect("ic-asset sync succeeds");
        recorder.recorded()
    }

    /// The canister's `list`, by key.
    pub async fn list(&self) -> BTreeMap<String, AssetDetails> {
        let request = ListRequest { start: Some(candid::Nat::from(0u8)), length: None };
        let (assets,): (Vec<AssetDetails>,) =
            self.canister().query("list").with_arg(request).build().call().await.expect("list answers");
        assets.into_iter().map(|asset| (asset.key.clone(), asset)).collect()
    }
}

/// What ic-asset's progress hook reported during one sync.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// Bytes sent as chunks (small files travel inside the commit instead).
    pub chunk_bytes: u64,
    /// Bytes of new and changed content, all encodings.
    pub bytes_to_send: u64,
    pub reached_done: bool,
}

#[derive(Default)]
struct Recorder {
    uploaded: AtomicU64,
    total: AtomicU64,
    done: AtomicU64,
}

impl Recorder {
    fn recorded(&self) -> Recorded {
        Recorded {
            chunk_bytes: self.uploaded.load(Ordering::SeqCst),
            bytes_to_send: self.total.load(Ordering::SeqCst),
            reached_done: self.done.load(Ordering::SeqCst) == 1,
        }
    }
}

impl AssetSyncProgressRenderer for Recorder {
    fn set_state(&self, state: AssetSyncState) {
        if matches!(state, AssetSyncState::Done) {
            self.done.store(1, Ordering::SeqCst);
        }
    }
    fn set_asset_properties_to_retrieve(&self, _: usize) {}
    fn inc_asset_properties_retrieved(&self) {}
    fn set_total_assets(&self, _: usize) {}
    fn increment_complete_assets(&self) {}
    fn add_total_bytes(&self, add: usize) {
        self.total.fetch_add(add as u64, Ordering::SeqCst);
    }
    fn add_uploaded_bytes(&self, add: usize) {
        self.uploaded.fetch_add(add as u64, Ordering::SeqCst);
    }
    fn set_total_batch_operations(&self, _: usize) {}
    fn add_committed_batch_operations(&self, _: usize) {}
}

/// sha256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).to_vec()
}

/// The sha256 the canister lists for `key`'s identity encoding.
pub fn identity_sha(assets: &BTreeMap<String, AssetDetails>, key: &str) -> Option<Vec<u8>> {
    assets
        .get(key)?
        .encodings
        .iter()
        .find(|encoding| encoding.content_encoding == "identity")
        .and_then(|encoding| encoding.sha256.as_ref().map(|sha| sha.to_vec()))
}
