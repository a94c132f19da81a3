//! The exact bytes `ic-asset` (dfx, icp-cli, icx-asset) sends to `commit_batch` and
//! `propose_commit_batch` take the canister's fast argument reader, and it reads them as candid
//! does. The bytes are not rebuilt here: real `ic_asset::sync` and
//! `ic_asset::prepare_sync_for_proposal` runs go to a local IC that journals every ingress
//! call's argument, and the journal is read back afterwards.

mod support;

use asset_canister_core::commit_wire;
use asset_canister_core::types::{BatchOperationKind, CommitBatchArguments};
use local_ic::server::LocalServer;
use local_ic::state_dir::StateDir;
use std::collections::BTreeSet;
use support::{incompressible, site_copy, Deployed};

/// Which operation kinds a commit carried, and whether any content came in chunks or inline.
#[derive(Debug, Default)]
struct Seen {
    kinds: BTreeSet<&'static str>,
    chunked_content: bool,
    inline_content: bool,
}

impl Seen {
    fn add(&mut self, args: &CommitBatchArguments) {
        for operation in &args.operations {
            self.kinds.insert(match operation {
                BatchOperationKind::CreateAsset(_) => "CreateAsset",
                BatchOperationKind::SetAssetContent(content) => {
                    self.chunked_content |= !content.chunk_ids.is_empty();
                    self.inline_content |= content.last_chunk.is_some();
                    "SetAssetContent"
                }
                BatchOperationKind::SetAssetProperties(_) => "SetAssetProperties",
                BatchOperationKind::UnsetAssetContent(_) => "UnsetAssetContent",
                BatchOperationKind::DeleteAsset(_) => "DeleteAsset",
                BatchOperationKind::Clear(_) => "Clear",
            });
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ic_asset_commit_arguments_take_the_fast_reader() {
    let state = tempfile::tempdir().expect("temp dir");
    let server = LocalServer::start_persistent(state.path(), 0).await.expect("local IC starts");
    let ic = Deployed::on(server).await;
    let canister = ic.canister();
    let logger = slog::Logger::root(slog::Discard, slog::o!());

    // First deploy: the sample site (headers, cache rules, gzip of text) and a file larger
    // than ic-asset's 1.9 MB chunk, so content travels both inline and in chunks.
    let site = site_copy();
    std::fs::write(site.path().join("big.bin"), incompressible(2_500_000, 11)).unwrap();
    ic_asset::sync(&canister, &[site.path()], false, &logger, None).await.expect("first sync");

    // Second deploy: a changed page, a deleted one, a new file, a changed cache rule (so the
    // properties of existing pages change) and a page whose gzip encoding no longer pays.
    std::fs::write(site.path().join("about.html"), incompressible(300, 5)).unwrap();
    std::fs::remove_file(site.path().join("docs/index.html")).unwrap();
    std::fs::write(site.path().join("added.txt"), b"added after the first deploy\n").unwrap();
    let rules = site.path().join(".ic-assets.json5");
    let changed = std::fs::read_to_string(&rules).unwrap().replace("\"max_age\": 60 }", "\"max_age\": 120 }");
    std::fs::write(&rules, changed).unwrap();
    ic_asset::sync(&canister, &[site.path()], false, &logger, None).await.expect("second sync");

    // A proposal (SNS-style deploy) of one more change.
    std::fs::write(site.path().join("proposed.txt"), b"proposed\n").unwrap();
    ic_asset::prepare_sync_for_proposal(&canister, &[site.path()], &logger, None).await.expect("proposal");
    ic.server.stop().await;

    let (_, journal) = StateDir::open(state.path()).expect("journal readable");
    let mut seen = Seen::default();
    let mut commits = 0;
    let mut proposals = 0;
    for entry in journal.iter().filter(|e| e.method == "commit_batch" || e.method == "propose_commit_batch") {
        let by_candid = candid::decode_one::<CommitBatchArguments>(&entry.arg).expect("candid decodes ic-asset's bytes");
        let fast = commit_wire::decode_known_table(&entry.arg);
        assert_eq!(fast.as_ref(), Some(&by_candid), "{} argument takes the fast reader, same value", entry.method);
        seen.add(&by_candid);
        if entry.method == "commit_batch" {
            commits += 1;
        } else {
            proposals += 1;
        }
    }
    assert!(commits >= 2 && proposals == 1, "{commits} commits, {proposals} proposals journaled");
    let kinds: Vec<_> = seen.kinds.iter().copied().collect();
    assert_eq!(
        kinds,
        ["CreateAsset", "DeleteAsset", "SetAssetContent", "SetAssetProperties", "UnsetAssetContent"],
        "the operation kinds ic-asset sent"
    );
    assert!(seen.chunked_content && seen.inline_content, "{seen:?}");
}
