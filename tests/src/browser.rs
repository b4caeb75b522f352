//! A real headless Chromium, driven over the DevTools protocol, for tests that load our pages
//! as a person's browser would. Debian's `chromium` package is installed with apt-get when it is
//! missing (the tests need nothing installed by hand).
//!
//! Every host but 127.0.0.1 resolves to nothing (`--host-resolver-rules`), so a page that
//! needs the Internet does not finish drawing; and every request the page makes is recorded
//! (`requests`), so a test can also say where it tried to go.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Installed before any script of a page runs: what a test asks the page afterwards (its
/// content security policy violations and uncaught errors).
const WATCH: &str = r#"
window.__violations = [];
window.__errors = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(e.violatedDirective + " " + e.blockedURI));
window.addEventListener("error", (e) => window.__errors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.__errors.push(String(e.reason)));
"#;

/// A headless Chromium with one tab, closed when dropped.
pub struct Browser {
    process: tokio::process::Child,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    events: Vec<Value>,
    profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Chromium stopped first (it writes its profile until it ends), then its profile gone.
        let _ = self.process.start_kill();
        if let Some(pid) = self.process.id() {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            let proc = PathBuf::from(format!("/proc/{pid}"));
            while proc.exists() && !zombie(&proc) && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Whether the process at `proc` (its `/proc` directory) has ended, not yet reaped.
fn zombie(proc: &std::path::Path) -> bool {
    std::fs::read_to_string(proc.join("stat"))
        .map(|stat| {
            stat.rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

impl Browser {
    /// Starts Chromium (installing it first if need be) with one blank tab.
    pub async fn start() -> Self {
        install_chromium();
        let profile = std::env::temp_dir().join(format!("erp-chromium-{}", uuid::Uuid::new_v4()));
        let mut process = tokio::process::Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--window-size=1280,800",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
        let stderr = process.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stderr).lines();
        let find_address = async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(at) = line.find("ws://") {
                    return Some(line[at..].trim().to_owned());
                }
            }
            None
        };
        let address = tokio::time::timeout(Duration::from_secs(60), find_address)
            .await
            .ok()
            .flatten()
            .expect("Chromium says where its DevTools listen");
        // the rest of its output is read, so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (socket, _) = tokio_tungstenite::connect_async(address.as_str())
            .await
            .expect("connected to Chromium's DevTools");
        let mut browser = Self {
            process,
            socket,
            session: String::new(),
            next_id: 0,
            events: Vec::new(),
            profile,
        };
        let target = browser
            .browser_call("Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = browser
            .browser_call(
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        browser.session = attached["sessionId"]
            .as_str()
            .expect("a session id")
            .to_owned();
        for domain in ["Page", "Network", "Runtime"] {
            browser.call(&format!("{domain}.enable"), json!({})).await;
        }
        browser
            .call(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": WATCH }),
            )
            .await;
        browser
    }

    /// Sends `method` to the browser itself (not the tab) and returns its result.
    async fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, None).await
    }

    /// Sends `method` to the tab and returns its result; panics on a protocol error.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(method, params, Some(session)).await
    }

    async fn send(&mut self, method: &str, params: Value, session: Option<String>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("sent to Chromium");
        let answer = async {
            while let Some(Ok(message)) = self.socket.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(value) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if value["id"] == json!(id) {
                    return Some(value);
                }
                if value.get("method").is_some() {
                    self.events.push(value);
                }
            }
            None
        };
        let answer = tokio::time::timeout(Duration::from_secs(60), answer).await;
        let answer = answer
            .unwrap_or_else(|_| {
                // a page showing a dialog (alert, confirm) answers nothing until it is closed.
                let dialogs: Vec<&Value> = self
                    .events
                    .iter()
                    .filter(|e| e["method"] == "Page.javascriptDialogOpening")
                    .map(|e| &e["params"]["message"])
                    .collect();
                panic!("Chromium did not answer {method} in time; dialogs opened: {dialogs:?}")
            })
            .unwrap_or_else(|| panic!("Chromium closed the connection during {method}"));
        if let Some(error) = answer.get("error") {
            panic!("{method}: {error}");
        }
        answer["result"].clone()
    }

    /// Opens `url` in the tab and waits until it has loaded.
    pub async fn goto(&mut self, url: &str) {
        let navigated = self.call("Page.navigate", json!({ "url": url })).await;
        assert!(
            navigated.get("errorText").is_none(),
            "{url} did not load: {navigated}"
        );
        assert!(
            self.wait_until(
                "document.readyState === 'complete'",
                Duration::from_secs(30)
            )
            .await,
            "{url} did not finish loading"
        );
    }

    /// The value of `expression` in the page (a promise is awaited).
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{expression}: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// Waits until `expression` is true in the page; false if it was not within `timeout`. An
    /// expression that throws (an element not drawn yet) is not true yet.
    pub async fn wait_until(&mut self, expression: &str, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let check = format!(
            "(() => {{ try {{ return Boolean({expression}); }} catch {{ return false; }} }})()"
        );
        loop {
            if self.eval(&check).await == json!(true) {
                return true;
            }
            if tokio::time::Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element `selector` finds (waiting up to 30 s for it to be there).
    pub async fn click(&mut self, selector: &str) {
        let found = format!("document.querySelector({})", json!(selector));
        assert!(
            self.wait_until(&found, Duration::from_secs(30)).await,
            "nothing to click: {selector}"
        );
        self.eval(&format!("{found}.click()")).await;
    }

    /// Types `text` into the input `selector` finds, as a keyboard would (what it held is
    /// selected first, so replaced).
    pub async fn type_into(&mut self, selector: &str, text: &str) {
        let found = format!("document.querySelector({})", json!(selector));
        assert!(
            self.wait_until(&found, Duration::from_secs(30)).await,
            "no input to type into: {selector}"
        );
        self.eval(&format!(
            "{found}.focus(); {found}.select && {found}.select()"
        ))
        .await;
        self.call("Input.insertText", json!({ "text": text })).await;
    }

    /// Presses a key (`Enter`, `Tab`) in the focused element.
    pub async fn press(&mut self, key: &str) {
        let code = match key {
            "Enter" => 13,
            "Tab" => 9,
            "Escape" => 27,
            "ArrowLeft" => 37,
            "ArrowRight" => 39,
            _ => 0,
        };
        for kind in ["keyDown", "keyUp"] {
            let mut event = json!({ "type": kind, "key": key, "code": key,
                                     "windowsVirtualKeyCode": code });
            if kind == "keyDown" && key == "Enter" {
                event["text"] = json!("\r");
            }
            self.call("Input.dispatchKeyEvent", event).await;
        }
    }

    /// The text of the element `selector` finds; empty when there is none.
    pub async fn text(&mut self, selector: &str) -> String {
        let value = self
            .eval(&format!(
                "(document.querySelector({}) || {{}}).innerText || ''",
                json!(selector)
            ))
            .await;
        value.as_str().unwrap_or("").to_owned()
    }

    /// Signs in to the web client on its sign-in page (the server's own database) and waits
    /// for its menus.
    pub async fn sign_in(&mut self, login: &str, password: &str) {
        self.type_into("input[name=login]", login).await;
        self.type_into("input[name=password]", password).await;
        self.press("Enter").await;
        assert!(
            self.wait_until(
                "document.querySelector('nav.menu a')",
                Duration::from_secs(30)
            )
            .await,
            "signing in as {login} did not show the menus: {}",
            self.text("body").await
        );
    }

    /// Every URL the tab has asked for since it started, in order.
    pub async fn requests(&mut self) -> Vec<String> {
        // a round trip first, so that every event sent before is in.
        self.eval("0").await;
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.requestWillBeSent")
            .filter_map(|e| e["params"]["request"]["url"].as_str())
            .map(ToOwned::to_owned)
            .collect()
    }

    /// Every message the tab's WebSockets have received since it started, in order.
    pub async fn socket_messages(&mut self) -> Vec<String> {
        self.eval("0").await;
        self.events
            .iter()
            .filter(|e| e["method"] == "Network.webSocketFrameReceived")
            .filter_map(|e| e["params"]["response"]["payloadData"].as_str())
            .map(ToOwned::to_owned)
            .collect()
    }

    /// Content security policy violations and uncaught errors of the page now shown.
    pub async fn problems(&mut self) -> Vec<String> {
        let found = self
            .eval("[...(window.__violations || []).map(v => 'CSP: ' + v), ...(window.__errors || [])]")
            .await;
        found
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|v| v.as_str().map(ToOwned::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Saves what the tab shows as a PNG at `path` (its directory made if need be).
    pub async fn screenshot(&mut self, path: &Path) {
        use base64::Engine;
        let shot = self
            .call("Page.captureScreenshot", json!({ "format": "png" }))
            .await;
        let data = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("base64 screenshot");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot directory");
        }
        std::fs::write(path, data).expect("screenshot written");
    }
}

/// Where tests keep their screenshots: `target/screenshots/`.
pub fn screenshot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/screenshots")
        .join(format!("{name}.png"))
}

/// Installs Debian's `chromium` with apt-get unless it is there; one test process at a time.
fn install_chromium() {
    if Path::new(CHROMIUM).exists() {
        return;
    }
    let lock = std::fs::File::create(std::env::temp_dir().join("erp-chromium-install.lock"))
        .expect("install lock file");
    lock.lock().expect("install lock");
    if Path::new(CHROMIUM).exists() {
        return;
    }
    eprintln!("Chromium is not installed: installing it with apt-get (this takes a minute)...");
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo", "-n"] };
    for args in [
        &["apt-get", "update", "-q"][..],
        &["apt-get", "install", "-y", "-q", "chromium"][..],
    ] {
        let full: Vec<&str> = sudo.iter().chain(args).copied().collect();
        let status = std::process::Command::new(full[0])
            .args(&full[1..])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .unwrap_or_else(|e| panic!("{}: {e}", full.join(" ")));
        assert!(status.success(), "{} failed: {status}", full.join(" "));
    }
    assert!(
        Path::new(CHROMIUM).exists(),
        "apt-get installed chromium, but there is no {CHROMIUM}"
    );
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}
