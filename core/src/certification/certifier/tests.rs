use super::*;
use crate::certification::input::{AssetView, Encoding, EncodingView};
use crate::certification::memory_records::Records;
use crate::certification::record::RecordError;
use crate::certification::{Body, CHUNK_SIZE};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// A certifier with its records.
struct Fixture {
    c: Certifier,
    r: Records,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture { c: Certifier::new(), r: Records::new() }
    }

    /// A fixture whose trees live in `memory`, as the canister's do in stable memory.
    fn in_memory(memory: ArenaMemory) -> Fixture {
        Fixture { c: Certifier::create(memory).unwrap(), r: Records::new() }
    }

    fn apply(&mut self, changes: impl IntoIterator<Item = Change>) -> Result<Hash, CertifyError> {
        self.c.apply(changes, &mut self.r)
    }

    /// The key of the asset whose record is at `address`.
    fn key_at(&self, address: u64) -> String {
        let all = self.r.addresses();
        all.into_iter().find(|(_, a)| *a == address).map(|(k, _)| k).expect("a certified record")
    }

    /// What `path` resolves to: `asset <key>` or `page <key or None>` with its scope.
    fn route(&self, path: &str) -> (String, String) {
        let target = self.c.lookup(path, &self.r).expect("records read back");
        match target {
            Target::Asset { address, .. } => {
                let key = self.key_at(address);
                assert_eq!(self.c.served_key(&target, &self.r), Some(key.clone()), "served key of {path}");
                ("asset".into(), key)
            }
            Target::Fallback { scope, address, .. } => {
                let page = address.map_or("None".to_string(), |a| self.key_at(a));
                (format!("scope {scope}"), page)
            }
        }
    }
}

fn view(key: &str, aliasing: bool, encodings: &[(Encoding, &[u8])]) -> AssetView {
    AssetView {
        key: key.into(),
        content_type: "text/html".into(),
        max_age: None,
        headers: vec![],
        enable_aliasing: aliasing,
        allow_raw_access: true,
        encodings: encodings
            .iter()
            .map(|(e, bytes)| EncodingView::of_content(*e, bytes, Vec::new()))
            .collect(),
    }
}

fn upsert(key: &str, aliasing: bool) -> Change {
    Change::Upsert(view(key, aliasing, &[(Encoding::Identity, key.as_bytes())]))
}

fn served_key(c: &Fixture, path: &str) -> Option<String> {
    let (kind, key) = c.route(path);
    (kind == "asset").then_some(key)
}

fn fallback(c: &Fixture, path: &str) -> (String, Option<String>) {
    match c.c.lookup(path, &c.r).expect("records read back") {
        Target::Fallback { scope, address, .. } => (scope.to_string(), address.map(|a| c.key_at(a))),
        Target::Asset { address, .. } => panic!("{path} resolved to asset {}", c.key_at(address)),
    }
}

#[test]
fn aliases_follow_the_rules_and_the_flag() {
    let mut c = Fixture::new();
    c.apply(
        [upsert("/index.html", true), upsert("/about.html", true), upsert("/docs/index.html", true), upsert("/raw.html", false)])
    .unwrap();
    assert_eq!(served_key(&c, "/").as_deref(), Some("/index.html"));
    assert_eq!(served_key(&c, "/about").as_deref(), Some("/about.html"));
    assert_eq!(served_key(&c, "/docs").as_deref(), Some("/docs/index.html"));
    assert_eq!(served_key(&c, "/docs/").as_deref(), Some("/docs/index.html"));
    assert_eq!(served_key(&c, "/raw"), None);
    assert_eq!(served_key(&c, "/raw.html").as_deref(), Some("/raw.html"));
}

#[test]
fn x_html_beats_x_index_html_and_removal_switches_over() {
    let mut c = Fixture::new();
    c.apply([upsert("/x.html", true), upsert("/x/index.html", true)]).unwrap();
    assert_eq!(served_key(&c, "/x").as_deref(), Some("/x.html"));
    c.apply([Change::Remove { key: "/x.html".into() }]).unwrap();
    assert_eq!(served_key(&c, "/x").as_deref(), Some("/x/index.html"));
}

#[test]
fn fallbacks_pick_deepest_404_then_spa_then_plain() {
    let mut c = Fixture::new();
    assert_eq!(fallback(&c, "/nope"), ("/".into(), None));
    c.apply([upsert("/index.html", false)]).unwrap();
    assert_eq!(fallback(&c, "/nope"), ("/".into(), Some("/index.html".into())));
    c.apply([upsert("/docs/404.html", false)]).unwrap();
    assert_eq!(fallback(&c, "/docs/a/b"), ("/docs".into(), Some("/docs/404.html".into())));
    assert_eq!(fallback(&c, "/other"), ("/".into(), Some("/index.html".into())));
    c.apply([upsert("/404.html", false)]).unwrap();
    assert_eq!(fallback(&c, "/other"), ("/".into(), Some("/404.html".into())));
    c.apply([Change::Remove { key: "/404.html".into() }, Change::Remove { key: "/index.html".into() }])
        .unwrap();
    assert_eq!(fallback(&c, "/other"), ("/".into(), None));
}

#[test]
fn failed_apply_leaves_state_untouched() {
    let mut c = Fixture::new();
    c.apply([upsert("/a.html", true)]).unwrap();
    let before = c.c.root_hash();
    let big = AssetView {
        encodings: vec![EncodingView {
            encoding: Encoding::Identity,
            length: CHUNK_SIZE + 1,
            sha256: [0; 32],
            part_sha256: vec![[0; 32]],
            locator: Vec::new(),
        }],
        ..view("/big.bin", false, &[])
    };
    let result = c.apply([Change::Remove { key: "/a.html".into() }, Change::Upsert(big)]);
    assert!(matches!(result, Err(CertifyError::PartHashesMissing { ref key, parts: 1, .. }) if key == "/big.bin"));
    assert_eq!(c.c.root_hash(), before);
    assert_eq!(served_key(&c, "/a").as_deref(), Some("/a.html"));
}

#[test]
fn large_encodings_get_one_part_per_chunk() {
    let bytes = vec![7u8; (2 * CHUNK_SIZE + 5) as usize];
    let mut c = Fixture::new();
    c.apply([Change::Upsert(view("/v.bin", false, &[(Encoding::Identity, &bytes)]))]).unwrap();
    let record = c.c.asset_record("/v.bin", &c.r).unwrap().unwrap();
    let variant = record.variant(Encoding::Identity).unwrap().unwrap();
    assert!(variant.full().is_none());
    assert_eq!(variant.part_count(), 3);
    let last = record.response(record.part(&variant, 2).unwrap().unwrap()).unwrap();
    assert_eq!(last.body, Body::Stored { start: 2 * CHUNK_SIZE, end: 2 * CHUNK_SIZE + 5 });
    assert_eq!(last.status, 206);
    assert!(record.part(&variant, 3).unwrap().is_none());
}

#[test]
fn an_unreadable_record_is_an_error_not_a_panic() {
    let mut c = Fixture::new();
    c.apply([upsert("/a.html", true)]).unwrap();
    let address = c.r.record_address("/a.html").unwrap();
    // Rewriting the record behind the certifier's back frees the block the tree points at.
    c.r.write_record("/a.html", b"junk").unwrap();
    assert!(matches!(c.c.lookup("/a.html", &c.r), Err(RecordError::Missing { address: a }) if a == address));
    assert!(matches!(c.c.asset_record("/a.html", &c.r), Some(Err(RecordError::Stale { version: b'j' }))));
    c.r.remove_record("/a.html");
    assert!(c.c.asset_record("/a.html", &c.r).is_none());
}

#[test]
fn replacing_and_removing_assets_frees_their_records() {
    let mut c = Fixture::new();
    c.apply([upsert("/a.html", true)]).unwrap();
    let first = c.r.record_address("/a.html").unwrap();
    c.apply([Change::Upsert(view("/a.html", true, &[(Encoding::Identity, b"other")]))]).unwrap();
    let second = c.r.record_address("/a.html").unwrap();
    assert!(c.r.region_len(first).is_err(), "the replaced record is freed");
    assert_eq!(c.r.record_address("/a.html"), Some(second));
    c.apply([Change::Remove { key: "/a.html".into() }]).unwrap();
    assert!(c.r.region_len(second).is_err());
    assert_eq!(c.r.record_address("/a.html"), None);
}

/// Re-uploading identical content certifies identical responses (the tree is not touched) but
/// writes a new record: every path serving it must now point at the new one.
#[test]
fn an_identical_reupload_moves_every_path_to_the_new_record() {
    let mut c = Fixture::new();
    c.apply([upsert("/a.html", true), upsert("/404.html", true)]).unwrap();
    let root = c.c.root_hash();
    let before = (c.r.record_address("/a.html").unwrap(), c.r.record_address("/404.html").unwrap());
    c.apply([upsert("/a.html", true), upsert("/404.html", true)]).unwrap();
    let after = (c.r.record_address("/a.html").unwrap(), c.r.record_address("/404.html").unwrap());
    assert_eq!(c.c.root_hash(), root);
    assert!(after.0 != before.0 && after.1 != before.1, "new records were written");
    for path in ["/a.html", "/a"] {
        assert!(matches!(c.c.lookup(path, &c.r), Ok(Target::Asset { address, .. }) if address == after.0), "{path}");
    }
    assert!(matches!(c.c.lookup("/nope", &c.r), Ok(Target::Fallback { address: Some(a), .. }) if a == after.1));
}

/// Garbage in the tree's slots (stable memory corrupted) makes lookups fail with an error, which
/// serving answers with a 500; nothing panics.
#[test]
fn a_corrupt_tree_is_an_error_not_a_panic() {
    use ic_stable_structures::Memory;
    let memory = ic_stable_structures::VectorMemory::default();
    let mut c = Fixture::in_memory(ArenaMemory::new(memory.clone()));
    c.apply([upsert("/a.html", true), upsert("/404.html", true)]).unwrap();
    assert!(c.c.lookup("/a", &c.r).is_ok());
    // Every node slot (past the 160-byte header) overwritten with bytes of no known kind.
    let size = memory.size() * 65536;
    memory.write(160, &vec![0xEE; (size - 160) as usize]);
    for path in ["/a", "/a.html", "/missing", "/"] {
        assert!(matches!(c.c.lookup(path, &c.r), Err(RecordError::Unindexed { .. })), "{path}");
    }
    assert!(c.c.certified_tree().is_err());
}

const KEYS: [&str; 10] = [
    "/index.html", "/a.html", "/a/index.html", "/a/404.html", "/404.html", "/a/b.css", "/b.html", "/b/index.html",
    "/a/b/404.html", "/a/b/c.html",
];

fn change() -> impl Strategy<Value = (usize, Option<(bool, u8)>)> {
    (0..KEYS.len(), proptest::option::of((any::<bool>(), 0u8..3)))
}

fn to_change(key: usize, spec: Option<(bool, u8)>) -> Change {
    match spec {
        None => Change::Remove { key: KEYS[key].into() },
        Some((aliasing, content)) => {
            let body = format!("{}{content}", KEYS[key]);
            Change::Upsert(view(KEYS[key], aliasing, &[(Encoding::Identity, body.as_bytes())]))
        }
    }
}

proptest! {
    /// Incremental updates over any sequence of commits end in the same certified entries and
    /// routing (and the same root hash: the tree shape depends only on the certified paths) as
    /// certifying the final store from scratch.
    #[test]
    fn incremental_equals_rebuild(commits in proptest::collection::vec(proptest::collection::vec(change(), 1..4), 1..6)) {
        let memory = ArenaMemory::new(ic_stable_structures::VectorMemory::default());
        let mut incremental = Fixture::in_memory(memory.clone());
        let mut model: BTreeMap<usize, Option<(bool, u8)>> = BTreeMap::new();
        for commit in &commits {
            let changes: Vec<Change> = commit.iter().map(|(k, s)| to_change(*k, *s)).collect();
            incremental.apply(changes).unwrap();
            for (k, s) in commit {
                model.insert(*k, *s);
            }
        }
        let mut rebuilt = Fixture::new();
        let final_state: Vec<Change> =
            model.iter().filter(|(_, s)| s.is_some()).map(|(k, s)| to_change(*k, *s)).collect();
        rebuilt.apply(final_state).unwrap();
        prop_assert_eq!(incremental.c.leaves(), rebuilt.c.leaves());
        prop_assert_eq!(incremental.c.root_hash(), rebuilt.c.root_hash());
        // What an upgrade does: the same trees reopened from memory, nothing else read.
        let upgraded = Fixture { c: Certifier::open(memory).expect("trees of this version"), r: incremental.r };
        prop_assert_eq!(upgraded.c.root_hash(), rebuilt.c.root_hash());
        for path in ["/", "/a", "/a/", "/b", "/a/x", "/a/b/x", "/zzz", "/index.html", "/a/b/c", "/a/b/", "/b/"] {
            prop_assert_eq!(upgraded.route(path), rebuilt.route(path), "path {}", path);
        }
    }
}

const SEGMENTS: [&str; 6] = ["a", "b", "index.html", "404.html", "a.html", "b.html"];

fn path_from(segments: &[usize], trailing: bool) -> String {
    let mut path: String = segments.iter().map(|&i| format!("/{}", SEGMENTS[i])).collect();
    if trailing || path.is_empty() {
        path.push('/');
    }
    path
}

/// Naive routing model: exact key, then the alias forms in order, then the deepest `404.html`
/// up the path, then `/index.html`, else the plain 404 (`None`).
fn model_route(store: &BTreeMap<String, bool>, path: &str) -> String {
    if store.contains_key(path) {
        return format!("asset {path}");
    }
    let aliases =
        if path.ends_with('/') { vec![format!("{path}index.html")] } else { vec![format!("{path}.html"), format!("{path}/index.html")] };
    if let Some(key) = aliases.iter().find(|k| store.get(*k) == Some(&true)) {
        return format!("asset {key}");
    }
    let mut dir = path.trim_end_matches('/').to_string();
    loop {
        let page = format!("{dir}/404.html");
        if store.contains_key(&page) {
            return format!("page {page}");
        }
        if dir.is_empty() {
            break;
        }
        dir.truncate(dir.rfind('/').unwrap_or(0));
    }
    if store.contains_key("/index.html") {
        return "page /index.html".into();
    }
    "page None".into()
}

proptest! {
    #[test]
    fn routing_agrees_with_model(
        keys in proptest::collection::btree_map(proptest::collection::vec(0..SEGMENTS.len(), 1..4), any::<bool>(), 0..12),
        requests in proptest::collection::vec((proptest::collection::vec(0..SEGMENTS.len(), 0..4), any::<bool>()), 1..20),
    ) {
        let store: BTreeMap<String, bool> = keys.iter().map(|(s, a)| (path_from(s, false), *a)).collect();
        let mut c = Fixture::new();
        c.apply(store.iter().map(|(k, a)| upsert(k, *a)).collect::<Vec<_>>()).unwrap();
        for (segments, trailing) in &requests {
            let path = path_from(segments, *trailing);
            let got = match c.route(&path) {
                (kind, key) if kind == "asset" => format!("asset {key}"),
                (_, page) => format!("page {page}"),
            };
            prop_assert_eq!(got, model_route(&store, &path), "path {}", path);
        }
    }
}
