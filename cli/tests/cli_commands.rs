//! `asset-canister deploy`, `sync` and `ls` run as processes against a local IC given by URL:
//! create and install, deploy again without changes, sync one change, list, and errors that
//! say what to do instead of panicking.

mod support;

use std::process::{Command, Output};

use support::{site_copy, Deployed};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_asset-canister")).args(args).output().expect("asset-canister runs")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// A failure: exit status 1, one `error:` line saying what went wrong, no panic.
fn failure(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_sync_and_ls_against_a_replica_url() {
    // Only the server is used here: the CLI creates its own canister.
    let ic = Deployed::start().await;
    let url = ic.server.url().to_owned();
    let site = site_copy();
    let dir = site.path().display().to_string();
    tokio::task::spawn_blocking(move || commands(&url, &dir)).await.expect("commands");
    ic.server.stop().await;
}

fn commands(url: &str, dir: &str) {
    let first = stdout(&run(&["deploy", dir, "--network", url]));
    let canister = first
        .lines()
        .find_map(|line| line.strip_prefix("created canister "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no canister id in {first}"))
        .to_owned();
    assert!(first.contains("installed "), "{first}");
    assert!(first.contains("8 uploaded, 0 unchanged, 0 deleted"), "{first}");

    let again = stdout(&run(&["deploy", dir, "--network", url, "--canister-id", &canister]));
    assert!(again.contains("already runs this module"), "{again}");
    assert!(again.contains("0 uploaded, 8 unchanged, 0 deleted, 0 bytes sent"), "{again}");

    std::fs::write(format!("{dir}/about.html"), "<!doctype html><h1>changed</h1>\n").unwrap();
    std::fs::remove_file(format!("{dir}/img/logo.svg")).unwrap();
    let synced = stdout(&run(&["sync", dir, "--network", url, "--canister-id", &canister]));
    assert!(synced.contains("1 uploaded, 6 unchanged, 1 deleted"), "{synced}");

    let listed = stdout(&run(&["ls", "--network", url, "--canister-id", &canister]));
    assert!(listed.lines().any(|line| line.starts_with("/about.html\ttext/html\t") && line.contains("identity 32")), "{listed}");
    assert!(!listed.contains("/img/logo.svg"), "{listed}");
    assert!(listed.contains("7 assets"), "{listed}");

    let missing = failure(&run(&["sync", "/no/such/folder", "--network", url, "--canister-id", &canister]));
    assert!(missing.contains("check the path"), "{missing}");
    let bad_id = failure(&run(&["ls", "--network", url, "--canister-id", "not-a-canister"]));
    assert!(bad_id.contains("is not a canister id"), "{bad_id}");
    let unknown = failure(&run(&["ls", "--network", "mainnet", "--canister-id", &canister]));
    assert!(unknown.contains("unknown network"), "{unknown}");
    let down = failure(&run(&["ls", "--network", "http://127.0.0.1:9", "--canister-id", &canister]));
    assert!(down.contains("cannot reach the replica"), "{down}");
    let no_identity = failure(&run(&["deploy", dir, "--network", "ic", "--canister-id", &canister]));
    assert!(no_identity.contains("--identity"), "{no_identity}");
}
