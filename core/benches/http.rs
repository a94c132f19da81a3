//! Native timings of the certification and serving hot paths (the instruction counts the issue
//! targets are measured in Wasm with the local IC's meter; these show relative costs).
//! Run: `cargo bench -p asset-canister-core --bench http [-- commit|serve]` (both by default);
//! `perf stat -e instructions` on one phase gives a load-independent count.

use asset_canister_core::certification::{AssetView, Certifier, Change, Encoding, EncodingView};
use asset_canister_core::http::{http_request, ServeContext};
use asset_canister_core::http_types::HttpRequest;
use candid::Principal;
use serde_bytes::ByteBuf;
use std::collections::BTreeMap;
use std::time::Instant;

fn view(key: &str, body: &[u8]) -> AssetView {
    AssetView {
        key: key.into(),
        content_type: "text/html".into(),
        max_age: Some(60),
        headers: vec![("x-frame-options".into(), "DENY".into())],
        enable_aliasing: true,
        allow_raw_access: true,
        encodings: vec![EncodingView::of_content(Encoding::Identity, body)],
    }
}

fn time<R>(label: &str, runs: u32, mut f: impl FnMut() -> R) {
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(f());
    }
    println!("{label:<48} {:>10.1} µs", start.elapsed().as_secs_f64() * 1e6 / f64::from(runs));
}

fn main() {
    let phase = std::env::args().nth(1).filter(|a| a == "commit" || a == "serve");
    let run = |name: &str| phase.as_deref().is_none_or(|p| p == name);
    let files: BTreeMap<String, Vec<u8>> =
        (0..50).map(|i| (format!("/page{i}.html"), vec![i as u8; 4096])).collect();
    let content = |k: &str, _: Encoding, s: u64, e: u64| files.get(k).map(|b| b[s as usize..e as usize].to_vec());
    if run("commit") {
        time("commit 50 assets of 4 KiB (fresh certifier)", 20, || {
            let mut c = Certifier::new();
            c.apply(files.iter().map(|(k, b)| Change::Upsert(view(k, b))).collect::<Vec<_>>()).unwrap()
        });
    }
    let mut certifier = Certifier::new();
    certifier.apply(files.iter().map(|(k, b)| Change::Upsert(view(k, b))).collect::<Vec<_>>()).unwrap();
    if run("commit") {
        time("commit 1 changed asset into 50", 200, || {
            certifier.apply([Change::Upsert(view("/page7.html", &files["/page7.html"]))]).unwrap()
        });
    }
    if !run("serve") {
        return;
    }
    let certificate = vec![0u8; 700];
    let context = ServeContext { certificate: &certificate, canister_id: Principal::anonymous() };
    for (label, url, version) in [("serve 4 KiB asset v2", "/page3.html", Some(2)), ("serve alias v2", "/page3", Some(2)), ("serve missing path v2 (fallback)", "/nope/x", Some(2)), ("serve 4 KiB asset v1", "/page3.html", None)] {
        let request = HttpRequest { method: "GET".into(), url: url.into(), headers: vec![("accept-encoding".into(), "gzip, br".into())], body: ByteBuf::new(), certificate_version: version };
        time(label, 2000, || http_request(&certifier, &request, context, &content));
    }
}
