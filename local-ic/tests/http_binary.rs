//! The `local-ic` binary as a user runs it: `local-ic start --port 0` prints the URL and the root
//! key, and an ic-agent fetching the root key over `/api/v2/status` gets exactly that key; with
//! `--seed` the key is the same on every start.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use ic_agent::Agent;

/// Starts the binary and returns it with the URL and root key it printed. Its stdout is closed
/// after the banner, which the binary must survive.
fn start(extra: &[&str]) -> (Child, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_local-ic"))
        .args(["start", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = || lines.next().expect("a line").expect("utf-8");
    let url = next().strip_prefix("local-ic listening on ").expect("URL line").to_string();
    let root_key = next().strip_prefix("root key: ").expect("root key line").to_string();
    assert!(next().starts_with("gateway: "));
    (child, url, root_key)
}

async fn fetched_root_key(url: &str) -> String {
    let agent = Agent::builder().with_url(url).build().unwrap();
    agent.fetch_root_key().await.unwrap();
    hex::encode(agent.read_root_key())
}

#[tokio::test(flavor = "multi_thread")]
async fn start_prints_url_and_the_root_key_agents_fetch() {
    let (mut child, url, root_key) = start(&[]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(fetched_root_key(&url).await, root_key);
    assert!(child.try_wait().unwrap().is_none(), "still serving");
    child.kill().unwrap();
    child.wait().unwrap();

    let seed = "07".repeat(32);
    let (mut first, first_url, first_key) = start(&["--seed", &seed]);
    assert_eq!(fetched_root_key(&first_url).await, first_key);
    first.kill().unwrap();
    first.wait().unwrap();
    let (mut second, _, second_key) = start(&["--seed", &seed]);
    assert_eq!(second_key, first_key);
    assert_ne!(second_key, root_key);
    second.kill().unwrap();
    second.wait().unwrap();
}
