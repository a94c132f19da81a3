use super::*;
use crate::certification::input::{AssetView, Encoding, EncodingView};
use crate::certification::CHUNK_SIZE;
use proptest::prelude::*;
use std::collections::BTreeMap;

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
            .map(|(e, bytes)| EncodingView::of_content(*e, bytes))
            .collect(),
    }
}

fn upsert(key: &str, aliasing: bool) -> Change {
    Change::Upsert(view(key, aliasing, &[(Encoding::Identity, key.as_bytes())]))
}

fn served_key(c: &Certifier, path: &str) -> Option<String> {
    match c.lookup(path) {
        Target::Asset { asset, .. } => Some(asset.key.clone()),
        Target::Fallback { .. } => None,
    }
}

fn fallback(c: &Certifier, path: &str) -> (String, Option<String>) {
    match c.lookup(path) {
        Target::Fallback { scope, entry } => (scope.to_string(), entry.page.key.clone()),
        Target::Asset { asset, .. } => panic!("{path} resolved to asset {}", asset.key),
    }
}

#[test]
fn aliases_follow_the_rules_and_the_flag() {
    let mut c = Certifier::new();
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
    let mut c = Certifier::new();
    c.apply([upsert("/x.html", true), upsert("/x/index.html", true)]).unwrap();
    assert_eq!(served_key(&c, "/x").as_deref(), Some("/x.html"));
    c.apply([Change::Remove { key: "/x.html".into() }]).unwrap();
    assert_eq!(served_key(&c, "/x").as_deref(), Some("/x/index.html"));
}

#[test]
fn fallbacks_pick_deepest_404_then_spa_then_plain() {
    let mut c = Certifier::new();
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
    let mut c = Certifier::new();
    c.apply([upsert("/a.html", true)]).unwrap();
    let before = c.root_hash();
    let big = AssetView {
        encodings: vec![EncodingView { encoding: Encoding::Identity, length: CHUNK_SIZE + 1, sha256: [0; 32], part_sha256: vec![[0; 32]] }],
        ..view("/big.bin", false, &[])
    };
    let result = c.apply([Change::Remove { key: "/a.html".into() }, Change::Upsert(big)]);
    assert!(matches!(result, Err(CertifyError::PartHashesMissing { ref key, parts: 1, .. }) if key == "/big.bin"));
    assert_eq!(c.root_hash(), before);
    assert_eq!(served_key(&c, "/a").as_deref(), Some("/a.html"));
}

#[test]
fn large_encodings_get_one_part_per_chunk() {
    let bytes = vec![7u8; (2 * CHUNK_SIZE + 5) as usize];
    let mut c = Certifier::new();
    c.apply([Change::Upsert(view("/v.bin", false, &[(Encoding::Identity, &bytes)]))]).unwrap();
    let variant = c.asset("/v.bin").unwrap().variant(Encoding::Identity).unwrap();
    assert!(variant.full.is_none());
    assert_eq!(variant.parts.len(), 3);
    assert_eq!(variant.parts[2].body, crate::certification::Body::Stored { start: 2 * CHUNK_SIZE, end: 2 * CHUNK_SIZE + 5 });
    assert_eq!(variant.part_at(CHUNK_SIZE).unwrap().hash, variant.parts[1].hash);
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
        let mut incremental = Certifier::new();
        let mut model: BTreeMap<usize, Option<(bool, u8)>> = BTreeMap::new();
        for commit in &commits {
            let changes: Vec<Change> = commit.iter().map(|(k, s)| to_change(*k, *s)).collect();
            incremental.apply(changes).unwrap();
            for (k, s) in commit {
                model.insert(*k, *s);
            }
        }
        let mut rebuilt = Certifier::new();
        let final_state: Vec<Change> =
            model.iter().filter(|(_, s)| s.is_some()).map(|(k, s)| to_change(*k, *s)).collect();
        rebuilt.apply(final_state).unwrap();
        prop_assert_eq!(incremental.leaves(), rebuilt.leaves());
        prop_assert_eq!(incremental.root_hash(), rebuilt.root_hash());
        for path in ["/", "/a", "/a/", "/b", "/a/x", "/a/b/x", "/zzz", "/index.html", "/a/b/c"] {
            let describe = |c: &Certifier| match c.lookup(path) {
                Target::Asset { asset, .. } => format!("asset {}", asset.key),
                Target::Fallback { scope, entry } => format!("scope {scope} {:?}", entry.page.key),
            };
            prop_assert_eq!(describe(&incremental), describe(&rebuilt));
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
        let mut c = Certifier::new();
        c.apply(store.iter().map(|(k, a)| upsert(k, *a)).collect::<Vec<_>>()).unwrap();
        for (segments, trailing) in &requests {
            let path = path_from(segments, *trailing);
            let got = match c.lookup(&path) {
                Target::Asset { asset, .. } => format!("asset {}", asset.key),
                Target::Fallback { entry, .. } => format!("page {}", entry.page.key.as_deref().unwrap_or("None")),
            };
            prop_assert_eq!(got, model_route(&store, &path), "path {}", path);
        }
    }
}
