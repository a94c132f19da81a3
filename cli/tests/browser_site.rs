//! A real headless Chromium opens the sample site through the local IC's verifying HTTP
//! gateway: the page renders, its CSS applies, its JavaScript runs, a nested page and an alias
//! answer, an unknown path shows the custom 404, and a 10 MiB file downloads byte for byte.
//! Screenshots land in `tests/artifacts/` (git-ignored).

mod support;

use support::chromium::Chromium;
use support::{incompressible, sha256, site_copy, workspace, Deployed};

const BIG_FILE: &str = "random.bin";
const BIG_LEN: usize = 10 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread")]
async fn chromium_browses_the_site_through_the_gateway() {
    let site = site_copy();
    let big = incompressible(BIG_LEN, 0x5eed);
    std::fs::create_dir_all(site.path().join("downloads")).unwrap();
    std::fs::write(site.path().join("downloads").join(BIG_FILE), &big).unwrap();
    let ic = Deployed::start().await;
    ic.sync(site.path()).await;
    let base = ic.site_url();
    tokio::task::spawn_blocking(move || browse(&base, &big)).await.expect("browser session");
    ic.server.stop().await;
}

fn browse(base: &str, big: &[u8]) {
    let artifacts = workspace().join("tests/artifacts");
    let mut browser = Chromium::launch();

    assert_eq!(browser.open(&format!("{base}/")), 200);
    assert_eq!(browser.text("#title"), "Certified assets");
    assert_eq!(browser.computed_style(".banner", "background-color"), "rgb(41, 171, 226)", "site.css applies");
    assert_eq!(browser.text("#status"), "JavaScript ran: this page is live.", "js/app.js ran");
    assert_eq!(browser.eval("document.getElementById('status').dataset.state"), "ready");
    assert_eq!(browser.computed_style("#status", "color"), "rgb(0, 128, 0)", "the rule for the JS-set state applies");
    assert_eq!(browser.eval("document.querySelector('main img').naturalWidth"), 32, "the PNG decoded");
    assert_eq!(browser.eval("document.querySelector('header img').naturalWidth"), 64, "the SVG decoded");
    browser.screenshot(&artifacts.join("browser-home.png"));

    assert_eq!(browser.open(&format!("{base}/docs/")), 200, "a nested folder serves its index.html");
    assert_eq!(browser.text("#title"), "Documentation");

    assert_eq!(browser.open(&format!("{base}/about")), 200, "an alias of about.html");
    assert_eq!(browser.text("#title"), "About");

    assert_eq!(browser.open(&format!("{base}/no/such/page")), 404);
    assert_eq!(browser.text("#title"), "Page not found", "the custom 404.html");
    assert_eq!(browser.computed_style(".not-found", "color"), "rgb(180, 0, 0)");
    browser.screenshot(&artifacts.join("browser-404.png"));

    // The big file, once read by the page's own fetch, once saved by the browser as a download.
    browser.open(&format!("{base}/"));
    let fetched = browser.eval(&format!(
        "fetch('/downloads/{BIG_FILE}').then(r => r.arrayBuffer()).then(b => crypto.subtle.digest('SHA-256', b)) \
         .then(d => Array.from(new Uint8Array(d), x => x.toString(16).padStart(2, '0')).join(''))"
    ));
    assert_eq!(fetched.as_str().unwrap(), hex(&sha256(big)), "fetch() got the exact bytes");
    let downloads = tempfile::Builder::new().prefix("downloads-").tempdir().unwrap();
    let saved = browser.download(&format!("{base}/downloads/{BIG_FILE}"), downloads.path(), BIG_FILE);
    let saved = std::fs::read(saved).unwrap();
    assert_eq!(saved.len(), big.len());
    assert!(saved == big, "the downloaded file is byte-identical");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
