//! `asset-canister serve` run as a user runs it: a child process whose stdout is read line by
//! line, reached through the URL it prints, stopped with SIGINT as Ctrl-C would.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Installing compiles the canister with wasmtime; a debug build on a busy machine is slow.
pub const STARTUP: Duration = Duration::from_secs(600);

/// A running `asset-canister serve`.
pub struct ServeProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// `http://<canister-id>.localhost:<port>/` as printed.
    pub url: String,
    host: String,
    port: u16,
}

impl ServeProcess {
    /// Runs `asset-canister <args>` in `dir` and waits for its `open <url>` line.
    pub fn start(dir: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_asset-canister"))
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("asset-canister starts");
        let (sender, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let mut process = Self { child, lines, url: String::new(), host: String::new(), port: 0 };
        let url = process.wait_for_line("open ", STARTUP);
        let (host, port) = url
            .strip_prefix("http://")
            .and_then(|rest| rest.trim_end_matches('/').split_once(':'))
            .unwrap_or_else(|| panic!("unexpected URL {url}"));
        assert!(host.ends_with(".localhost"), "{url}");
        process.host = host.to_owned();
        process.port = port.parse().unwrap();
        process.url = url;
        process
    }

    /// The rest of the next stdout line starting with `prefix` (earlier lines are skipped).
    pub fn wait_for_line(&mut self, prefix: &str, patience: Duration) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(patience)
                .unwrap_or_else(|error| panic!("serve printed no `{prefix}` line: {error}"));
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.to_owned();
            }
        }
    }

    /// An HTTP client resolving the printed host to 127.0.0.1, as browsers do for `*.localhost`.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .resolve(&self.host, SocketAddr::from(([127, 0, 0, 1], self.port)))
            .build()
            .unwrap()
    }

    /// Sends SIGINT (Ctrl-C) and waits for the exit.
    pub fn interrupt(mut self) -> ExitStatus {
        let sent = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().unwrap();
        assert!(sent.success());
        self.child.wait().unwrap()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
