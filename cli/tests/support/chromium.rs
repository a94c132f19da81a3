//! A headless Debian Chromium driven over the DevTools protocol (JSON over a WebSocket), enough
//! to open pages, read the DOM and computed styles, take screenshots, download files and see the
//! HTTP exchanges the page made (request `Range`, response status and `Content-Range`).
//!
//! Blocking on purpose: call it from `spawn_blocking`. The browser runs with a fresh profile and
//! is killed when the handle drops.

use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// Where Debian's `chromium` package installs the browser (`scripts/setup.sh` installs it).
pub const CHROMIUM: &str = "/usr/bin/chromium";
const PATIENCE: Duration = Duration::from_secs(120);

/// One browser with one page.
pub struct Chromium {
    child: Child,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    /// `Network.*` events received while waiting for replies, oldest first.
    network_events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// One HTTP exchange of the page as DevTools reported it; also media-element loads, which
/// the page's own JavaScript cannot observe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The requested URL.
    pub url: String,
    /// The `Range` header the browser sent, if any.
    pub range: Option<String>,
    /// The `If-Range` header the browser's HTTP cache added, if any.
    pub if_range: Option<String>,
    /// The response status, once a response arrived.
    pub status: Option<u16>,
    /// The response's `Content-Range`, if any.
    pub content_range: Option<String>,
}

impl Chromium {
    /// Starts the browser; fails (never skips) when it is not installed.
    pub fn launch() -> Self {
        assert!(
            Path::new(CHROMIUM).is_file(),
            "{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`; scripts/setup.sh does) to run the browser test"
        );
        let profile = tempfile::Builder::new().prefix("chromium-profile-").tempdir().unwrap();
        let log = File::create(profile.path().join("stderr.log")).unwrap();
        let child = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,800",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {CHROMIUM}: {error}"));
        let endpoint = devtools_endpoint(profile.path());
        let (socket, _) = tungstenite::connect(&endpoint).expect("DevTools WebSocket connects");
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream.set_read_timeout(Some(PATIENCE)).unwrap();
        }
        let mut browser =
            Self { child, socket, session: String::new(), next_id: 0, network_events: Vec::new(), _profile: profile };
        let target = browser.browser_call("Target.createTarget", json!({ "url": "about:blank" }));
        let target_id = target["targetId"].as_str().unwrap().to_owned();
        let attached = browser.browser_call("Target.attachToTarget", json!({ "targetId": target_id, "flatten": true }));
        browser.session = attached["sessionId"].as_str().unwrap().to_owned();
        browser.call("Page.enable", json!({}));
        browser
    }

    /// Opens `url`, waits for its load event, returns the HTTP status of the document.
    pub fn open(&mut self, url: &str) -> u16 {
        let navigated = self.call("Page.navigate", json!({ "url": url }));
        assert!(navigated.get("errorText").is_none(), "navigating to {url}: {navigated}");
        self.wait_until("document.readyState === 'complete' && location.href !== 'about:blank'", url);
        self.eval("performance.getEntriesByType('navigation')[0].responseStatus").as_u64().unwrap() as u16
    }

    /// Evaluates `expression` in the page (promises awaited) and returns its JSON value.
    pub fn eval(&mut self, expression: &str) -> Value {
        self.evaluate(expression, false)
    }

    /// As [`Self::eval`], as if the user had clicked: what `play()` and `AudioContext` need.
    pub fn eval_as_user(&mut self, expression: &str) -> Value {
        self.evaluate(expression, true)
    }

    fn evaluate(&mut self, expression: &str, user_gesture: bool) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({
                "expression": expression,
                "awaitPromise": true,
                "returnByValue": true,
                "userGesture": user_gesture,
            }),
        );
        assert!(result.get("exceptionDetails").is_none(), "`{expression}` threw: {result}");
        result["result"]["value"].clone()
    }

    /// Starts recording the page's HTTP exchanges (read them with [`Self::exchanges`]).
    pub fn record_network(&mut self) {
        self.call("Network.enable", json!({}));
    }

    /// The exchanges recorded so far, in request order. Events arrive between replies, so call
    /// this after an `eval` that waited for what the page did. DevTools may report the headers
    /// actually sent (`requestWillBeSentExtraInfo`) before the request itself, hence two passes.
    pub fn exchanges(&mut self) -> Vec<Exchange> {
        let mut by_id: BTreeMap<&str, usize> = BTreeMap::new();
        let mut exchanges: Vec<Exchange> = Vec::new();
        for event in self.network_events.iter().filter(|e| e["method"] == "Network.requestWillBeSent") {
            let params = &event["params"];
            let Some(id) = params["requestId"].as_str() else { continue };
            by_id.insert(id, exchanges.len());
            exchanges.push(Exchange {
                url: params["request"]["url"].as_str().unwrap_or_default().to_owned(),
                range: header(&params["request"]["headers"], "range"),
                if_range: None,
                status: None,
                content_range: None,
            });
        }
        for event in &self.network_events {
            let params = &event["params"];
            let Some(&index) = params["requestId"].as_str().and_then(|id| by_id.get(id)) else { continue };
            let exchange = &mut exchanges[index];
            match event["method"].as_str() {
                Some("Network.requestWillBeSentExtraInfo") => {
                    let sent = &params["headers"];
                    exchange.range = header(sent, "range").or(exchange.range.take());
                    exchange.if_range = header(sent, "if-range");
                }
                Some("Network.responseReceived") => {
                    let response = &params["response"];
                    exchange.status = response["status"].as_u64().map(|status| status as u16);
                    exchange.content_range = header(&response["headers"], "content-range");
                }
                _ => {}
            }
        }
        exchanges
    }

    /// The text of the first element matching `selector`.
    pub fn text(&mut self, selector: &str) -> String {
        let value = self.eval(&format!("document.querySelector({selector:?})?.textContent ?? null"));
        value.as_str().unwrap_or_else(|| panic!("no element matches {selector}")).to_owned()
    }

    /// A computed style property of the first element matching `selector`.
    pub fn computed_style(&mut self, selector: &str, property: &str) -> String {
        let expression = format!("getComputedStyle(document.querySelector({selector:?})).getPropertyValue({property:?})");
        self.eval(&expression).as_str().unwrap().to_owned()
    }

    /// A PNG of the viewport, written to `path`.
    pub fn screenshot(&mut self, path: &Path) {
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" }));
        let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap()).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Lets the browser save downloads into `dir`, navigates to `url`, and returns the saved
    /// file once the browser has finished writing it.
    pub fn download(&mut self, url: &str, dir: &Path, file_name: &str) -> PathBuf {
        self.browser_call(
            "Browser.setDownloadBehavior",
            json!({ "behavior": "allow", "downloadPath": dir.display().to_string() }),
        );
        self.call("Page.navigate", json!({ "url": url }));
        let target = dir.join(file_name);
        let deadline = Instant::now() + PATIENCE;
        loop {
            let in_progress = std::fs::read_dir(dir)
                .unwrap()
                .any(|entry| entry.unwrap().file_name().to_string_lossy().ends_with(".crdownload"));
            if target.is_file() && !in_progress {
                return target;
            }
            assert!(Instant::now() < deadline, "the download of {url} did not finish in {PATIENCE:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn wait_until(&mut self, condition: &str, what: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self.eval(condition) != Value::Bool(true) {
            assert!(Instant::now() < deadline, "{what} did not load in {PATIENCE:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(method, params, Some(&session))
    }

    fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, None)
    }

    fn send(&mut self, method: &str, params: Value, session: Option<&str>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket.send(Message::text(message.to_string())).expect("DevTools message sent");
        loop {
            let reply = self.socket.read().expect("DevTools answers");
            let Message::Text(text) = reply else { continue };
            let value: Value = serde_json::from_str(text.as_str()).unwrap();
            if value["method"].as_str().is_some_and(|event| event.starts_with("Network.")) {
                self.network_events.push(value);
                continue;
            }
            if value["id"].as_u64() == Some(id) {
                assert!(value.get("error").is_none(), "{method} failed: {value}");
                return value["result"].clone();
            }
        }
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value of header `name` (any case) in a DevTools headers object.
fn header(headers: &Value, name: &str) -> Option<String> {
    let (_, value) = headers.as_object()?.iter().find(|(key, _)| key.eq_ignore_ascii_case(name))?;
    value.as_str().map(str::to_owned)
}

/// Chromium writes its DevTools port and path to `DevToolsActivePort` in the profile.
fn devtools_endpoint(profile: &Path) -> String {
    let file = profile.join("DevToolsActivePort");
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(text) = std::fs::read_to_string(&file) {
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                return format!("ws://127.0.0.1:{port}{path}");
            }
        }
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(profile.join("stderr.log")).unwrap_or_default();
            panic!("{CHROMIUM} did not open its DevTools port in {PATIENCE:?}; its stderr:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
