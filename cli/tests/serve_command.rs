//! `asset-canister serve` as a user starts it, from the repository root with the default
//! `assets/` folder: it prints the URL, the site answers through the gateway at that URL, and
//! Ctrl-C (SIGINT) stops it cleanly.

mod support;

use support::serve_process::ServeProcess;
use support::{site_files, workspace};

#[tokio::test(flavor = "multi_thread")]
async fn serve_prints_a_url_that_serves_the_site_until_interrupted() {
    let serve = tokio::task::spawn_blocking(|| ServeProcess::start(&workspace(), &["serve", "--port", "0"]))
        .await
        .unwrap();
    let client = serve.client();
    let url = serve.url.clone();
    let files = site_files(&workspace().join("assets"));
    let index = client.get(&url).send().await.unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["x-content-type-options"], "nosniff");
    assert_eq!(index.bytes().await.unwrap().as_ref(), files["/index.html"].as_slice());
    let script = client.get(format!("{url}js/app.js")).send().await.unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(script.bytes().await.unwrap().as_ref(), files["/js/app.js"].as_slice());
    let missing = client.get(format!("{url}no/such/page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);

    let status = tokio::task::spawn_blocking(move || serve.interrupt()).await.unwrap();
    assert!(status.success(), "serve exits cleanly on Ctrl-C: {status}");
    assert!(client.get(&url).send().await.is_err(), "nothing listens after Ctrl-C");
}
