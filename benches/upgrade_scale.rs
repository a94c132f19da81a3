//! Issue 3's upgrade budget measured on real canisters instead of extrapolated from 1,000 assets:
//! the asset canister Wasm in local-ic is filled with N small HTML assets, upgraded, and checked to
//! still serve certified responses; the table shows how `pre_upgrade` + `post_upgrade` and the heap
//! grow with N, and a least-squares line through the measured points projects them to 1,000,000
//! assets against the IC's 300 B instruction limit for an upgrade and the 4 GiB wasm32 heap.
//!
//! Filling follows the uploaders' shape: 500 operations per `commit_batch` (ic-asset's batch
//! size), each asset a `CreateAsset` plus a `SetAssetContent` carrying its body inline in
//! `last_chunk`, with the sha256 the uploader claims.
//!
//! Run: `scripts/bench.sh --upgrade-scale` (or `cargo test -p asset-canister --bench upgrade_scale`).
//! `UPGRADE_SCALE_ASSETS` lists the N to measure (comma-separated, default `1000,10000,50000`);
//! `UPGRADE_SCALE_KEY_PAD` lengthens every key by that many characters (default 0: 34-character
//! keys), to measure what key length costs.
//! The Wasm comes from `ASSET_CANISTER_WASM` if set, else `dist/asset-canister.wasm.gz`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use asset_canister_core::types::{BatchOperationKind, CreateAssetArguments, SetAssetContentArguments};
use candid::Nat;
use local_ic::InstallOutcome;
use serde_bytes::ByteBuf;
use sha2::{Digest, Sha256};
use support::{request, Canister};

/// Operations per `commit_batch`, as ic-asset groups them.
const OPERATIONS_PER_COMMIT: usize = 500;
/// Each asset takes a `CreateAsset` and a `SetAssetContent`.
const ASSETS_PER_COMMIT: usize = OPERATIONS_PER_COMMIT / 2;
/// Asset counts measured when `UPGRADE_SCALE_ASSETS` is not set.
const DEFAULT_ASSETS: &[usize] = &[1_000, 10_000, 50_000];
/// Issue 3's target: this many assets must upgrade within the install instruction limit.
const TARGET_ASSETS: f64 = 1_000_000.0;
/// Instructions an upgrade (pre_upgrade + post_upgrade) may use on the IC.
const UPGRADE_LIMIT: f64 = local_ic::limits::INSTALL_INSTRUCTIONS as f64;
/// Largest wasm32 heap.
const HEAP_LIMIT: f64 = 4.0 * (1u64 << 30) as f64;

/// What one canister of `assets` assets measured.
struct Point {
    assets: usize,
    upgrade: InstallOutcome,
    /// Summed `commit_batch` work while filling.
    commit_instructions: u64,
    /// Work of the last `commit_batch` (the fullest canister), per asset it committed.
    last_commit_per_asset: f64,
    fill_time: Duration,
    upgrade_time: Duration,
}

fn main() {
    let counts = asset_counts();
    let pad = key_pad();
    eprintln!("keys of {} characters", key(0, &pad).len());
    // N = 0 anchors the fixed cost of the fit.
    let mut points = vec![measure(0, &pad)];
    for &n in &counts {
        points.push(measure(n, &pad));
    }
    print_table(&points);
    print_projection(&points);
}

/// The asset counts from `UPGRADE_SCALE_ASSETS`, else [`DEFAULT_ASSETS`].
fn asset_counts() -> Vec<usize> {
    match std::env::var("UPGRADE_SCALE_ASSETS") {
        Ok(list) => list
            .split(',')
            .map(|n| n.trim().replace('_', "").parse().unwrap_or_else(|e| panic!("UPGRADE_SCALE_ASSETS {list:?}: {e}")))
            .collect(),
        Err(_) => DEFAULT_ASSETS.to_vec(),
    }
}

/// The padding from `UPGRADE_SCALE_KEY_PAD` (that many `x`), else none.
fn key_pad() -> String {
    match std::env::var("UPGRADE_SCALE_KEY_PAD") {
        Ok(n) => "x".repeat(n.trim().parse().unwrap_or_else(|e| panic!("UPGRADE_SCALE_KEY_PAD {n:?}: {e}"))),
        Err(_) => String::new(),
    }
}

/// Key of asset `i`: a few hundred pages per directory, like a generated documentation site,
/// with `pad` in the page name.
fn key(i: usize, pad: &str) -> String {
    format!("/site/section{:04}/page{pad}{i:07}.html", i / 500)
}

/// Body of asset `i`: a small HTML page, distinct per asset so no two share a content hash.
fn body(i: usize) -> Vec<u8> {
    format!("<!doctype html><title>Page {i}</title><h1>Page {i}</h1><p>Section {}.</p>\n", i / 500).into_bytes()
}

/// The two operations that create asset `i` with its body inline.
fn operations(i: usize, pad: &str) -> [BatchOperationKind; 2] {
    let content = body(i);
    let sha256 = Sha256::digest(&content).to_vec();
    [
        BatchOperationKind::CreateAsset(CreateAssetArguments {
            key: key(i, pad),
            content_type: "text/html".into(),
            max_age: None,
            headers: None,
            enable_aliasing: None,
            allow_raw_access: None,
        }),
        BatchOperationKind::SetAssetContent(SetAssetContentArguments {
            key: key(i, pad),
            content_encoding: "identity".into(),
            chunk_ids: Vec::<Nat>::new(),
            last_chunk: Some(ByteBuf::from(content)),
            sha256: Some(ByteBuf::from(sha256)),
        }),
    ]
}

/// Fills a fresh canister with `assets` assets, upgrades it and checks it still serves.
fn measure(assets: usize, pad: &str) -> Point {
    let mut c = Canister::install();
    let started = Instant::now();
    let mut commit_instructions = 0;
    let mut last_commit_per_asset = 0.0;
    for first in (0..assets).step_by(ASSETS_PER_COMMIT) {
        let end = (first + ASSETS_PER_COMMIT).min(assets);
        let (batch, _) = c.create_batch();
        let ops: Vec<_> = (first..end).flat_map(|i| operations(i, pad)).collect();
        let out = c.commit_batch(batch, ops).unwrap_or_else(|e| panic!("commit of assets {first}..{end}: {e:?}"));
        commit_instructions += out.work_instructions();
        last_commit_per_asset = out.work_instructions() as f64 / (end - first) as f64;
    }
    let fill_time = started.elapsed();
    let started = Instant::now();
    let upgrade = c.upgrade();
    let upgrade_time = started.elapsed();
    if assets > 0 {
        check_serves(&mut c, assets, pad);
    }
    eprintln!(
        "{assets} assets: filled in {:.1} s, upgraded in {:.2} s ({} instructions)",
        fill_time.as_secs_f64(),
        upgrade_time.as_secs_f64(),
        upgrade.instructions
    );
    Point { assets, upgrade, commit_instructions, last_commit_per_asset, fill_time, upgrade_time }
}

/// After the upgrade, one pseudo-randomly chosen asset by its key and the last asset by its
/// alias (key without `.html`) answer 200 with their body, and both verify with certification v2.
fn check_serves(c: &mut Canister, assets: usize, pad: &str) {
    // splitmix64 of the count: a different asset per N, the same on every run.
    let mut x = (assets as u64).wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    let random = ((x ^ (x >> 31)) % assets as u64) as usize;
    let last = assets - 1;
    for (url, i) in [(key(random, pad), random), (key(last, pad).trim_end_matches(".html").to_string(), last)] {
        let mut req = request("GET", &url, &[]);
        req.certificate_version = Some(2);
        let (r, _) = c.http(&req);
        assert_eq!(r.status_code, 200, "{url} after upgrading {assets} assets");
        assert_eq!(r.body.as_ref(), body(i).as_slice(), "{url} body after upgrading {assets} assets");
        let info = c
            .verify(&req, &r, 2)
            .unwrap_or_else(|e| panic!("{url} after upgrading {assets} assets does not verify: {e:?}"));
        assert_eq!(info.verification_version, 2, "{url}");
    }
}

fn print_table(points: &[Point]) {
    println!(
        "| assets | upgrade instructions (pre + post) | per asset | marginal per asset | heap bytes | heap per asset | stable bytes | commit work per asset (mean; last commit) | fill / upgrade wall time |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let base = &points[0];
    for (k, p) in points.iter().enumerate() {
        let per = |v: u64, b: u64| match p.assets {
            0 => "-".to_string(),
            n => format!("{:.0}", v.saturating_sub(b) as f64 / n as f64),
        };
        // Marginal: the step from the previous point, which shows whether the cost stays flat.
        let marginal = match k {
            0 => "-".to_string(),
            _ => {
                let prev = &points[k - 1];
                let steps = (p.assets - prev.assets) as f64;
                format!("{:.0}", (p.upgrade.instructions as f64 - prev.upgrade.instructions as f64) / steps)
            }
        };
        let commit = match p.assets {
            0 => "-".to_string(),
            n => format!("{:.0}; {:.0}", p.commit_instructions as f64 / n as f64, p.last_commit_per_asset),
        };
        println!(
            "| {} | {} | {} | {marginal} | {} | {} | {} | {commit} | {:.1} s / {:.2} s |",
            p.assets,
            p.upgrade.instructions,
            per(p.upgrade.instructions, base.upgrade.instructions),
            p.upgrade.heap_bytes,
            per(p.upgrade.heap_bytes, base.upgrade.heap_bytes),
            p.upgrade.stable_bytes,
            p.fill_time.as_secs_f64(),
            p.upgrade_time.as_secs_f64()
        );
    }
    println!();
    println!("Per asset is (value - value at 0 assets) / assets; marginal is the step from the row above.");
}

/// Least-squares line `fixed + per_asset * N` through `(N, y)`.
fn fit(points: &[(f64, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = if sxx == 0.0 { 0.0 } else { sxy / sxx };
    (mean_y - slope * mean_x, slope)
}

/// Least-squares `a + b * N + c * N * log2(N)` through `(N, y)`: a per-asset cost that grows
/// with the depth of a balanced tree. `None` with fewer than four points (nothing left to
/// check the curve against) or when the points do not determine it.
fn fit_log(points: &[(f64, f64)]) -> Option<[f64; 3]> {
    if points.len() < 4 {
        return None;
    }
    let basis = |x: f64| [1.0, x, if x > 0.0 { x * x.log2() } else { 0.0 }];
    // Normal equations (B^T B) w = B^T y, solved by Cramer's rule.
    let mut m = [[0.0f64; 3]; 3];
    let mut v = [0.0f64; 3];
    for &(x, y) in points {
        let b = basis(x);
        for i in 0..3 {
            v[i] += b[i] * y;
            for j in 0..3 {
                m[i][j] += b[i] * b[j];
            }
        }
    }
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&m);
    if d.abs() < f64::EPSILON * m[2][2].abs().max(1.0) {
        return None;
    }
    let mut w = [0.0; 3];
    for (k, wk) in w.iter_mut().enumerate() {
        let mut mk = m;
        for i in 0..3 {
            mk[i][k] = v[i];
        }
        *wk = det(&mk) / d;
    }
    Some(w)
}

fn print_projection(points: &[Point]) {
    let xy = |f: fn(&InstallOutcome) -> u64| -> Vec<(f64, f64)> {
        points.iter().map(|p| (p.assets as f64, f(&p.upgrade) as f64)).collect()
    };
    let (fixed, per_asset) = fit(&xy(|u| u.instructions));
    let (heap_fixed, heap_per_asset) = fit(&xy(|u| u.heap_bytes));
    let (stable_fixed, stable_per_asset) = fit(&xy(|u| u.stable_bytes));
    let instructions = fixed + per_asset * TARGET_ASSETS;
    let heap = heap_fixed + heap_per_asset * TARGET_ASSETS;
    let stable = stable_fixed + stable_per_asset * TARGET_ASSETS;
    println!();
    println!(
        "Least-squares line over the {} measured points (0 to {} assets): upgrade = {:.0} + {:.0} x N instructions; \
         heap = {:.0} + {:.0} x N bytes; stable = {:.0} + {:.0} x N bytes.",
        points.len(),
        points.last().map_or(0, |p| p.assets),
        fixed,
        per_asset,
        heap_fixed,
        heap_per_asset,
        stable_fixed,
        stable_per_asset
    );
    println!(
        "Projection (not measured) to {:.0} assets, linear: upgrade {:.1} B instructions = {:.1}% of the {:.0} B limit; \
         heap {:.2} GiB = {:.1}% of 4 GiB; stable memory {:.2} GiB.",
        TARGET_ASSETS,
        instructions / 1e9,
        100.0 * instructions / UPGRADE_LIMIT,
        UPGRADE_LIMIT / 1e9,
        heap / f64::from(1u32 << 30),
        100.0 * heap / HEAP_LIMIT,
        stable / f64::from(1u32 << 30)
    );
    match fit_log(&xy(|u| u.instructions)) {
        Some([a, b, c]) => {
            let at = |n: f64| a + b * n + c * n * n.log2();
            println!(
                "Least-squares a + b x N + c x N log2 N (per-asset cost growing with tree depth): a = {a:.0}, b = {b:.0}, c = {c:.0}; \
                 projection (not measured) to {:.0} assets: upgrade {:.1} B instructions = {:.1}% of the limit, \
                 the last asset costing {:.0} instructions.",
                TARGET_ASSETS,
                at(TARGET_ASSETS) / 1e9,
                100.0 * at(TARGET_ASSETS) / UPGRADE_LIMIT,
                b + c * (TARGET_ASSETS.log2() + std::f64::consts::LOG2_E)
            );
        }
        None => println!("(N log N fit: needs at least three asset counts besides 0.)"),
    }
}
