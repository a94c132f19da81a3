//! `asset-canister serve` as a user starts it, from the repository root with the default
//! `assets/` folder: it prints the URL, the site answers through the gateway at that URL, and
//! Ctrl-C (SIGINT) stops it cleanly.

mod support;

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use support::{site_files, workspace};

/// Installing compiles the canister with wasmtime; a debug build on a busy machine is slow.
const STARTUP: Duration = Duration::from_secs(600);

#[tokio::test(flavor = "multi_thread")]
async fn serve_prints_a_url_that_serves_the_site_until_interrupted() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_asset-canister"))
        .args(["serve", "--port", "0"])
        .current_dir(workspace())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("asset-canister starts");
    let (lines, printed) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let url = loop {
        let line = printed.recv_timeout(STARTUP).expect("serve prints `open <url>`");
        if let Some(url) = line.strip_prefix("open ") {
            break url.to_owned();
        }
    };
    let (host, port) = url
        .strip_prefix("http://")
        .and_then(|rest| rest.trim_end_matches('/').split_once(':'))
        .unwrap_or_else(|| panic!("unexpected URL {url}"));
    assert!(host.ends_with(".localhost"), "{url}");
    let port: u16 = port.parse().unwrap();

    let client = reqwest::Client::builder().resolve(host, SocketAddr::from(([127, 0, 0, 1], port))).build().unwrap();
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

    let interrupted = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(interrupted.success());
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    assert!(status.success(), "serve exits cleanly on Ctrl-C: {status}");
    assert!(client.get(&url).send().await.is_err(), "nothing listens after Ctrl-C");
}
