//! The `ic-asset` crate (what dfx, icp-cli and icx-asset upload with) syncing the sample site
//! into our canister on the local IC over HTTP: everything goes up once, nothing goes up again,
//! a change, an addition and a deletion are each reflected, and the `.ic-assets.json5` headers
//! come back through the verifying gateway.

mod support;

use support::{identity_sha, sha256, site_copy, site_files, Deployed};

#[tokio::test(flavor = "multi_thread")]
async fn ic_asset_sync_uploads_once_then_only_changes() {
    let ic = Deployed::start().await;
    let site = site_copy();
    let files = site_files(site.path());
    assert!(files.contains_key("/index.html") && files.contains_key("/404.html"), "{:?}", files.keys());

    // First sync: every file is stored with its exact content.
    let first = ic.sync(site.path()).await;
    assert!(first.reached_done);
    let listed = ic.list().await;
    for (key, content) in &files {
        assert_eq!(identity_sha(&listed, key), Some(sha256(content)), "{key} stored byte for byte");
    }
    assert_eq!(listed.len(), files.len(), "nothing but the folder's files: {:?}", listed.keys());
    let content_bytes: u64 = files.values().map(|content| content.len() as u64).sum();
    assert!(first.bytes_to_send >= content_bytes, "{} sent < {content_bytes} in files", first.bytes_to_send);

    // Second sync, nothing changed: no content sent, every asset untouched (same modification times).
    let second = ic.sync(site.path()).await;
    assert!(second.reached_done);
    assert_eq!(second.bytes_to_send, 0, "an unchanged folder uploads nothing");
    assert_eq!(second.chunk_bytes, 0);
    assert_eq!(ic.list().await, listed, "an unchanged folder changes no asset");

    // A changed, an added and a deleted file.
    let changed = b"<!doctype html><title>About</title><h1 id=\"title\">About, revised</h1>\n";
    std::fs::write(site.path().join("about.html"), changed).unwrap();
    let added = b"plain text added after the first deploy\n";
    std::fs::write(site.path().join("added.txt"), added).unwrap();
    std::fs::remove_file(site.path().join("docs/index.html")).unwrap();
    let third = ic.sync(site.path()).await;
    let new_content = (changed.len() + added.len()) as u64;
    assert!(third.bytes_to_send >= new_content && third.bytes_to_send < content_bytes, "only new content is sent");
    let relisted = ic.list().await;
    assert_eq!(identity_sha(&relisted, "/about.html"), Some(sha256(changed)));
    assert_eq!(identity_sha(&relisted, "/added.txt"), Some(sha256(added)));
    assert!(!relisted.contains_key("/docs/index.html"), "the deleted file is gone");
    assert_eq!(relisted["/css/site.css"], listed["/css/site.css"], "untouched files stay as they were");

    // The same, seen through the gateway.
    let client = ic.gateway_client();
    let get = |path: &str| client.get(format!("{}{path}", ic.site_url())).send();
    let about = get("/about.html").await.unwrap();
    assert_eq!(about.status(), 200);
    assert_eq!(about.bytes().await.unwrap().as_ref(), changed);
    let text = get("/added.txt").await.unwrap();
    assert_eq!(text.status(), 200);
    assert!(text.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    assert_eq!(text.bytes().await.unwrap().as_ref(), added);
    let gone = get("/docs/index.html").await.unwrap();
    assert_eq!(gone.status(), 404, "a deleted page is not served");
    assert_eq!(gone.bytes().await.unwrap().as_ref(), files["/404.html"].as_slice(), "with the custom 404 page");

    // .ic-assets.json5: security headers everywhere, one cache rule for pages, another for css/js/img.
    let index = get("/").await.unwrap();
    assert_eq!(index.status(), 200);
    let headers = index.headers().clone();
    assert_eq!(index.bytes().await.unwrap().as_ref(), files["/index.html"].as_slice());
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(headers["strict-transport-security"], "max-age=31536000; includeSubDomains");
    assert!(headers["content-security-policy"].to_str().unwrap().starts_with("default-src 'self'"));
    assert_eq!(headers["cache-control"], "max-age=60");
    let css = get("/css/site.css").await.unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["cache-control"], "max-age=31536000");
    assert_eq!(css.headers()["x-content-type-options"], "nosniff");
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));

    ic.server.stop().await;
}
