//! `asset-canister serve DIR --watch`: editing, adding and deleting files in DIR re-syncs, and
//! the gateway serves the new state without a restart.

mod support;

use std::time::{Duration, Instant};

use support::serve_process::ServeProcess;
use support::site_copy;

const RESYNC: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread")]
async fn watch_resyncs_when_files_change() {
    let site = site_copy();
    let dir = site.path().to_path_buf();
    let mut serve = tokio::task::spawn_blocking(move || {
        let dir = dir.display().to_string();
        ServeProcess::start(std::path::Path::new("/"), &["serve", &dir, "--port", "0", "--watch"])
    })
    .await
    .unwrap();
    let client = serve.client();
    let url = serve.url.clone();
    assert_eq!(client.get(format!("{url}about.html")).send().await.unwrap().status(), 200);
    serve = tokio::task::spawn_blocking(move || {
        serve.wait_for_line("watching ", RESYNC);
        serve
    })
    .await
    .unwrap();

    let edited = "<!doctype html><h1 id=\"title\">Edited while serving</h1>\n";
    std::fs::write(site.path().join("about.html"), edited).unwrap();
    std::fs::write(site.path().join("new.txt"), "added while serving\n").unwrap();
    std::fs::remove_file(site.path().join("docs/index.html")).unwrap();

    let deadline = Instant::now() + RESYNC;
    loop {
        let about = client.get(format!("{url}about.html")).send().await.unwrap().text().await.unwrap();
        let added = client.get(format!("{url}new.txt")).send().await.unwrap();
        let deleted = client.get(format!("{url}docs/index.html")).send().await.unwrap().status();
        if about == edited && added.status() == 200 && deleted == 404 {
            assert_eq!(added.text().await.unwrap(), "added while serving\n");
            break;
        }
        assert!(Instant::now() < deadline, "the gateway still serves the old files after {RESYNC:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let status = tokio::task::spawn_blocking(move || {
        serve.wait_for_line("synced: ", RESYNC);
        serve.interrupt()
    })
    .await
    .unwrap();
    assert!(status.success(), "serve --watch exits cleanly on Ctrl-C: {status}");
}
