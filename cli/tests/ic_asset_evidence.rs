//! Proposal-based deploys (SNS-style): the evidence our canister computes for a proposed batch
//! must be byte-for-byte the hash `ic-asset` computes locally for the same folder, or a
//! governance proposal made with dfx/icp-cli could never be executed. Checked on a first deploy
//! and on an update with a changed, an added and a deleted file.

mod support;

use candid::{CandidType, Nat};
use serde::Deserialize;
use serde_bytes::ByteBuf;
use support::{identity_sha, sha256, site_copy, Deployed};

#[derive(CandidType)]
struct CommitProposedBatchArguments {
    batch_id: Nat,
    evidence: ByteBuf,
}

#[derive(CandidType, Deserialize)]
struct ComputeEvidenceArguments {
    batch_id: Nat,
    max_iterations: Option<u16>,
}

/// Proposes `dir` the way `dfx deploy --by-proposal` does, checks the canister's evidence
/// against ic-asset's local computation, then commits the proposal with it.
async fn propose_and_commit(ic: &Deployed, dir: &std::path::Path) {
    let logger = slog::Logger::root(slog::Discard, slog::o!());
    let canister = ic.canister();
    // Computed against the canister's current contents, before anything is proposed.
    let local = ic_asset::compute_evidence(&canister, &[dir], &logger, None)
        .await
        .expect("ic-asset computes evidence locally");
    let (batch_id, evidence) = ic_asset::prepare_sync_for_proposal(&canister, &[dir], &logger, None)
        .await
        .expect("ic-asset proposes the batch and the canister computes its evidence");
    assert_eq!(hex::encode(&evidence), local, "canister evidence equals ic-asset's");

    // Asking again after completion returns the same evidence.
    let (again,): (Option<ByteBuf>,) = canister
        .update("compute_evidence")
        .with_arg(ComputeEvidenceArguments { batch_id: batch_id.clone(), max_iterations: Some(1) })
        .build()
        .call_and_wait()
        .await
        .expect("compute_evidence answers");
    assert_eq!(again.map(ByteBuf::into_vec), Some(evidence.to_vec()));

    let () = canister
        .update("commit_proposed_batch")
        .with_arg(CommitProposedBatchArguments { batch_id, evidence })
        .build()
        .call_and_wait()
        .await
        .expect("the proposal commits with its evidence");
}

#[tokio::test(flavor = "multi_thread")]
async fn canister_evidence_matches_ic_asset() {
    let ic = Deployed::start().await;
    let site = site_copy();

    propose_and_commit(&ic, site.path()).await;
    let index = std::fs::read(site.path().join("index.html")).unwrap();
    assert_eq!(identity_sha(&ic.list().await, "/index.html"), Some(sha256(&index)));

    let changed = b"<!doctype html><title>About</title><h1>About, proposed</h1>\n";
    std::fs::write(site.path().join("about.html"), changed).unwrap();
    std::fs::write(site.path().join("added.txt"), b"added by proposal\n").unwrap();
    std::fs::remove_file(site.path().join("docs/index.html")).unwrap();
    propose_and_commit(&ic, site.path()).await;

    let listed = ic.list().await;
    assert_eq!(identity_sha(&listed, "/about.html"), Some(sha256(changed)));
    assert!(listed.contains_key("/added.txt"));
    assert!(!listed.contains_key("/docs/index.html"));
}
