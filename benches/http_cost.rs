//! The issue-4 performance table: instructions of the real asset canister Wasm in local-ic
//! (wasmtime fuel with IC-style system API charges; see local-ic/README.md for how the meter
//! differs from the IC), printed as Markdown next to the goals.
//!
//! Each row shows the canister's own work (what the goals and DFINITY's canbench anchors
//! measure: everything but the IC's 50-instructions-per-byte charge for the reply leaving the
//! canister) and, beside it, the total the IC would charge, transmission included.
//!
//! Run: `scripts/bench.sh` (or `cargo bench -p asset-canister --bench http_cost`). The Wasm comes
//! from `ASSET_CANISTER_WASM` if set, else `dist/asset-canister.wasm.gz`.

#[path = "../tests/support/mod.rs"]
mod support;

use asset_canister_core::http_types::StreamingCallbackToken;
use asset_canister_core::types::{AssetDetails, BatchOperationKind, CreateChunksArg, CreateChunksResponse, ListRequest};
use candid::Nat;
use serde_bytes::ByteBuf;
use support::{admin, generated_bytes, header, request, Canister, Upload};

/// Size of the small served asset.
const SMALL_ASSET_BYTES: usize = 10 * 1024;
/// Size of the large served asset.
const LARGE_ASSET_BYTES: usize = 8 * 1024 * 1024;
/// Number and size of the assets committed in one batch.
const COMMIT_ASSETS: usize = 50;
const COMMIT_ASSET_BYTES: usize = 4 * 1024;
/// Number and size of the assets certified before the measured upgrade.
const REBUILD_ASSETS: usize = 1_000;
const REBUILD_ASSET_BYTES: usize = 1024;
/// Assets a canister must be able to upgrade with (issue 3), within this many instructions.
const SCALE_ASSETS: f64 = 1_000_000.0;
const UPGRADE_LIMIT: f64 = 300e9;

/// One measured row.
struct Row {
    operation: String,
    /// Canister work: instructions without the transmission charge.
    measured: f64,
    /// What the IC charges in all, transmission included (same unit as `measured`).
    total: f64,
    unit: &'static str,
    goal: Option<f64>,
    heap: u64,
    stable: u64,
}

fn main() {
    let mut rows = vec![];

    // Serve a 10 KiB asset with certification v2.
    let mut c = Canister::install();
    c.upload(&[Upload::new("/small.bin", "application/octet-stream", generated_bytes(SMALL_ASSET_BYTES, 1))]);
    let mut req = request("GET", "/small.bin", &[]);
    req.certificate_version = Some(2);
    let (r, out) = c.http(&req);
    assert_eq!((r.status_code, r.body.len()), (200, SMALL_ASSET_BYTES));
    c.verify(&req, &r, 2).expect("10 KiB response verifies");
    rows.push(Row {
        operation: format!("serve a {} KiB asset (v2)", SMALL_ASSET_BYTES / 1024),
        measured: out.work_instructions() as f64,
        total: out.instructions as f64,
        unit: "instructions",
        goal: Some(50_000.0),
        heap: out.heap_bytes,
        stable: out.stable_bytes,
    });

    // Serve an 8 MiB asset completely, as the gateway fetches it (v2: 206 parts).
    let big = generated_bytes(LARGE_ASSET_BYTES, 2);
    c.upload(&[Upload::new("/large.bin", "application/octet-stream", big.clone())]);
    let (received, spent, calls, last) = fetch_all(&mut c, "/large.bin");
    assert_eq!(received, big, "the reassembled 8 MiB asset equals the upload");
    rows.push(Row {
        operation: format!(
            "serve an {} MiB asset, all chunks ({calls} calls, work {} + transmission {} instructions)",
            LARGE_ASSET_BYTES >> 20,
            spent.work,
            spent.total - spent.work
        ),
        measured: spent.work as f64 / LARGE_ASSET_BYTES as f64,
        total: spent.total as f64 / LARGE_ASSET_BYTES as f64,
        unit: "instructions/byte",
        goal: Some(1.1),
        heap: last.0,
        stable: last.1,
    });

    // Commit 50 assets of 4 KiB on a fresh canister.
    let mut c = Canister::install();
    let files: Vec<Upload> = (0..COMMIT_ASSETS)
        .map(|i| Upload::new(&format!("/assets/file{i:03}.txt"), "text/plain", generated_bytes(COMMIT_ASSET_BYTES, i as u64 + 10)))
        .collect();
    let (batch, ids, uploaded) = upload_chunks(&mut c, &files);
    let commit = c.commit_batch(batch, Canister::operations(&files, &ids)).expect("commit");
    rows.push(Row {
        operation: format!("commit {COMMIT_ASSETS} assets of {} KiB (commit_batch)", COMMIT_ASSET_BYTES / 1024),
        measured: commit.work_instructions() as f64,
        total: commit.instructions as f64,
        unit: "instructions",
        goal: Some(15_000_000.0),
        heap: commit.heap_bytes,
        stable: commit.stable_bytes,
    });
    rows.push(Row {
        operation: format!("  upload before it: create_batch + create_chunks ({COMMIT_ASSETS} chunks)"),
        measured: uploaded.work as f64,
        total: uploaded.total as f64,
        unit: "instructions",
        goal: None,
        heap: commit.heap_bytes,
        stable: commit.stable_bytes,
    });
    // A redeploy after every file changed: the same keys get new content (no CreateAsset).
    let changed: Vec<Upload> = (0..COMMIT_ASSETS)
        .map(|i| Upload::new(&format!("/assets/file{i:03}.txt"), "text/plain", generated_bytes(COMMIT_ASSET_BYTES, i as u64 + 1_000)))
        .collect();
    let (batch, ids, _) = upload_chunks(&mut c, &changed);
    let updates = Canister::operations(&changed, &ids).into_iter().filter(|op| !matches!(op, BatchOperationKind::CreateAsset(_))).collect();
    let recommit = c.commit_batch(batch, updates).expect("commit of new content");
    rows.push(Row {
        operation: format!("  new content for the same {COMMIT_ASSETS} assets (commit_batch of SetAssetContent only)"),
        measured: recommit.work_instructions() as f64,
        total: recommit.instructions as f64,
        unit: "instructions",
        goal: None,
        heap: recommit.heap_bytes,
        stable: recommit.stable_bytes,
    });

    // Rebuild the certification in post_upgrade, per asset, after committing 1,000 small assets.
    let mut c = Canister::install();
    let empty = c.upgrade();
    let files: Vec<Upload> = (0..REBUILD_ASSETS)
        .map(|i| Upload::new(&format!("/site/page{i:04}.html"), "text/html", generated_bytes(REBUILD_ASSET_BYTES, i as u64 + 100)))
        .collect();
    let (batch, _) = c.create_batch();
    let pieces: Vec<&[u8]> = files.iter().map(|f| f.encodings[0].1.as_slice()).collect();
    let (ids, _) = c.create_chunks(&batch, &pieces);
    let ids: Vec<_> = ids.into_iter().map(|id| vec![vec![id]]).collect();
    c.commit_batch(batch, Canister::operations(&files, &ids)).expect("commit");
    let upgraded = c.upgrade();
    let mut req = request("GET", "/site/page0999", &[]);
    req.certificate_version = Some(2);
    let (r, _) = c.http(&req);
    assert_eq!((r.status_code, r.body.len()), (200, REBUILD_ASSET_BYTES), "an alias of the last page serves after the upgrade");
    c.verify(&req, &r, 2).expect("the rebuilt certification verifies");
    let per_asset = upgraded.instructions.saturating_sub(empty.instructions) as f64 / REBUILD_ASSETS as f64;
    rows.push(Row {
        operation: format!(
            "rebuild the certification after upgrade, per asset ({REBUILD_ASSETS} assets of {} KiB; post_upgrade {} instructions, {} with no assets)",
            REBUILD_ASSET_BYTES / 1024,
            upgraded.instructions,
            empty.instructions
        ),
        measured: per_asset,
        // An install hook sends no reply, so nothing is transmitted.
        total: per_asset,
        unit: "instructions",
        goal: Some(50_000.0),
        heap: upgraded.heap_bytes,
        stable: upgraded.stable_bytes,
    });

    // `list` of those assets, one page: what `ic-asset` reads before every sync (it pages on
    // with `start` until a page comes back short).
    let (listed, list_out): (Vec<AssetDetails>, _) = c
        .query(admin(), "list", (ListRequest { start: None, length: None },))
        .expect("list");
    assert_eq!(listed.len(), REBUILD_ASSETS, "one page holds every asset");
    assert!(listed.iter().all(|a| a.encodings.len() == 1 && a.encodings[0].length == REBUILD_ASSET_BYTES));
    rows.push(Row {
        operation: format!("  list: one page of those {REBUILD_ASSETS} assets, per asset"),
        measured: list_out.work_instructions() as f64 / REBUILD_ASSETS as f64,
        total: list_out.instructions as f64 / REBUILD_ASSETS as f64,
        unit: "instructions",
        goal: None,
        heap: list_out.heap_bytes,
        stable: list_out.stable_bytes,
    });

    print_table(&rows);
    let heap_per_asset = upgraded.heap_bytes.saturating_sub(empty.heap_bytes) as f64 / REBUILD_ASSETS as f64;
    println!();
    println!(
        "Extrapolated to {} assets (linear in the rebuild row of 19-character keys; \
         `scripts/bench.sh --upgrade-scale` measures more assets and longer keys): \
         post_upgrade {} instructions (limit {}), heap {:.2} GiB ({} bytes per asset after the upgrade, \
         heap {} bytes with no assets; a wasm32 heap holds at most 4 GiB).",
        human(SCALE_ASSETS),
        human(per_asset * SCALE_ASSETS + empty.instructions as f64),
        human(UPGRADE_LIMIT),
        (heap_per_asset * SCALE_ASSETS + empty.heap_bytes as f64) / f64::from(1u32 << 30),
        heap_per_asset.round(),
        empty.heap_bytes
    );
}

/// Creates a batch and uploads the first encoding of each of `files` in one `create_chunks` call
/// (all 50 chunks, 200 KiB, as an uploader batches them); returns the batch, each file's chunk
/// ids as `Canister::operations` takes them, and what the two calls spent together.
fn upload_chunks(c: &mut Canister, files: &[Upload]) -> (Nat, Vec<Vec<Vec<Nat>>>, Spent) {
    let (batch, created) = c.create_batch();
    let content: Vec<ByteBuf> = files.iter().map(|f| ByteBuf::from(f.encodings[0].1.clone())).collect();
    let (chunks, chunks_out): (CreateChunksResponse, _) = c
        .update(admin(), "create_chunks", (CreateChunksArg { batch_id: batch.clone(), content },))
        .expect("create_chunks");
    let ids = chunks.chunk_ids.into_iter().map(|id| vec![vec![id]]).collect();
    let mut spent = Spent::default();
    spent.add(&created);
    spent.add(&chunks_out);
    (batch, ids, spent)
}

/// Fetches `url` completely the way the HTTP gateway does with v2: the first response, then
/// `Range` requests for the rest while the answer is a 206; legacy streaming callbacks if the
/// canister offers them. Every response is verified. Returns the body, the summed
/// instructions, the number of calls and the last (heap, stable) bytes.
fn fetch_all(c: &mut Canister, url: &str) -> (Vec<u8>, Spent, usize, (u64, u64)) {
    let mut body = vec![];
    let mut instructions = Spent::default();
    let mut calls = 0;
    let mut req = request("GET", url, &[]);
    req.certificate_version = Some(2);
    let (mut r, out) = c.http(&req);
    instructions.add(&out);
    calls += 1;
    let mut last = (out.heap_bytes, out.stable_bytes);
    loop {
        c.verify(&req, &r, 2).unwrap_or_else(|e| panic!("{url} part at {}: {e:?}", body.len()));
        body.extend_from_slice(&r.body);
        let total = match (r.status_code, header(&r, "content-range")) {
            (206, Some(range)) => range.rsplit('/').next().and_then(|t| t.parse::<usize>().ok()).expect("content-range total"),
            _ => break,
        };
        if body.len() >= total {
            break;
        }
        req = request("GET", url, &[("Range", &format!("bytes={}-", body.len()))]);
        req.certificate_version = Some(2);
        let (next, out) = c.http(&req);
        instructions.add(&out);
        calls += 1;
        last = (out.heap_bytes, out.stable_bytes);
        r = next;
    }
    let mut token: Option<StreamingCallbackToken> = r.streaming_strategy.map(|s| match s {
        asset_canister_core::http_types::StreamingStrategy::Callback { token, .. } => token,
    });
    while let Some(t) = token {
        let (part, out): (asset_canister_core::http_types::StreamingCallbackHttpResponse, _) = c
            .query(candid::Principal::anonymous(), "http_request_streaming_callback", (t,))
            .expect("streaming callback");
        instructions.add(&out);
        calls += 1;
        last = (out.heap_bytes, out.stable_bytes);
        body.extend_from_slice(&part.body);
        token = part.token;
    }
    (body, instructions, calls, last)
}

fn print_table(rows: &[Row]) {
    println!(
        "| operation | canister work | goal (work) | work/goal | IC total incl. reply transmission | heap bytes | stable bytes |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in rows {
        let (goal, ratio) = match row.goal {
            Some(g) => (format!("<= {}", human(g)), format!("{:.3}", row.measured / g)),
            None => ("-".into(), "-".into()),
        };
        println!(
            "| {} | {} {} | {goal} | {ratio} | {} {} | {} | {} |",
            row.operation,
            human(row.measured),
            row.unit,
            human(row.total),
            row.unit,
            row.heap,
            row.stable
        );
    }
}

/// Summed instructions of several calls: all of them, and the canister's work.
#[derive(Clone, Copy, Debug, Default)]
struct Spent {
    total: u64,
    work: u64,
}

impl Spent {
    fn add(&mut self, out: &local_ic::CallOutcome) {
        self.total += out.instructions;
        self.work += out.work_instructions();
    }
}

/// 152000 as "152.0 K", 0.83 as "0.830".
fn human(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2} B", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} K", x / 1e3)
    } else {
        format!("{x:.3}")
    }
}
