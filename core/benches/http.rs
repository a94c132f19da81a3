//! Native timings of the certification and serving hot paths (the instruction counts the issue
//! targets are measured in Wasm with the local IC's meter; these show relative costs).
//! Run: `cargo bench -p asset-canister-core --bench http [-- commit|serve]` (both by default);
//! `perf stat -e instructions` on one phase gives a load-independent count.

use asset_canister_core::certification::{view_of, AssetView, Certifier, Change};
use asset_canister_core::http::{http_request, ServeContext};
use asset_canister_core::http_types::HttpRequest;
use asset_canister_core::permissions::Caller;
use asset_canister_core::state::State;
use asset_canister_core::types::StoreArg;
use candid::Principal;
use ic_stable_structures::VectorMemory;
use serde_bytes::ByteBuf;
use std::time::Instant;

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
    let installer = Principal::from_slice(&[7; 29]);
    let caller = Caller { principal: installer, is_controller: true };
    let mut state = State::init(VectorMemory::default(), installer, None).unwrap();
    for i in 0..50u8 {
        let arg = StoreArg {
            key: format!("/page{i}.html"),
            content_type: "text/html".into(),
            content_encoding: "identity".into(),
            content: ByteBuf::from(vec![i; 4096]),
            sha256: None,
            aliased: None,
        };
        state.store(&caller, &arg, 0).unwrap();
    }
    let views: Vec<AssetView> =
        state.asset_keys_after(None, 100).iter().map(|k| view_of(state.asset_view(k).unwrap())).collect();
    let upserts = || views.iter().cloned().map(Change::Upsert).collect::<Vec<_>>();
    if run("commit") {
        time("commit 50 assets of 4 KiB (fresh certifier)", 20, || {
            let mut c = Certifier::new();
            c.apply(upserts(), &mut state).unwrap()
        });
    }
    let mut certifier = Certifier::new();
    certifier.apply(upserts(), &mut state).unwrap();
    if run("commit") {
        let page7 = views.iter().find(|v| v.key == "/page7.html").unwrap();
        time("commit 1 changed asset into 50", 200, || {
            certifier.apply([Change::Upsert(page7.clone())], &mut state).unwrap()
        });
    }
    if !run("serve") {
        return;
    }
    let certificate = vec![0u8; 700];
    let context = ServeContext { certificate: &certificate, canister_id: Principal::anonymous() };
    for (label, url, version) in [("serve 4 KiB asset v2", "/page3.html", Some(2)), ("serve alias v2", "/page3", Some(2)), ("serve missing path v2 (fallback)", "/nope/x", Some(2)), ("serve 4 KiB asset v1", "/page3.html", None)] {
        let request = HttpRequest { method: "GET".into(), url: url.into(), headers: vec![("accept-encoding".into(), "gzip, br".into())], body: ByteBuf::new(), certificate_version: version };
        time(label, 2000, || http_request(&certifier, &request, context, &state));
    }
}
