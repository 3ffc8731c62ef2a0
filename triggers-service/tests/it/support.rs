//! Test servers: in process (for most tests) and as a child process (for
//! kill and restart).

use std::io::{BufRead, BufReader};
use std::net::TcpListener as StdListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use triggers_service::app::{self, App};
use triggers_service::config::Config;

pub use crate::backend::TestBackend;

/// A server running in this process.
pub struct Server {
    pub base: String,
    pub admin_key: String,
    pub admin_signing_secret: String,
    pub client: Client,
    pub state: triggers_service::state::AppState,
    /// Where its data is.
    pub backend: TestBackend,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

pub fn token(text: &str, prefix: &str) -> Option<String> {
    let start = text.find(prefix)?;
    Some(
        text[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect(),
    )
}

impl Server {
    pub async fn start() -> Server {
        Server::start_with(|_| {}).await
    }

    /// A server whose configuration `change` adjusts first (listen address
    /// and data directory are set by the harness).
    pub async fn start_with(change: impl FnOnce(&mut Config)) -> Server {
        Server::start_on(TestBackend::Sqlite, change).await
    }

    /// [`Server::start_with`] on `backend`.
    pub async fn start_on(backend: TestBackend, change: impl FnOnce(&mut Config)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        backend.configure(&mut config);
        change(&mut config);
        let listener = app::bind(&config).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app: App = backend.open(config).await;
        // The first start prints a key; on AWS tables that have an admin
        // key already (made by the `keys` CLI), none is printed.
        let text = app.bootstrap().await.unwrap();
        #[cfg(feature = "aws")]
        let text = match (&backend, text) {
            (TestBackend::Aws { .. }, None) => String::new(),
            (_, text) => text.expect("first start prints a key"),
        };
        #[cfg(not(feature = "aws"))]
        let text = text.expect("first start prints a key");
        let admin_key = token(&text, "trgk_").unwrap_or_default();
        let admin_signing_secret = token(&text, "trgs_").unwrap_or_default();
        let state = app.state.clone();
        let (stop, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            app::serve(app, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Server {
            base,
            admin_key,
            admin_signing_secret,
            client: Client::new(),
            state,
            backend,
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        }
    }

    /// The data directory (the SQLite database is `triggers.db` in it).
    pub fn data_dir(&self) -> &Path {
        self._dir.path()
    }

    /// Delivery jobs queued (waiting, delayed or in flight), read from the
    /// backend itself (the SQLite database, the SQS queue's counts).
    pub async fn queued_jobs(&self) -> i64 {
        self.backend.queued_jobs(self.data_dir()).await
    }

    pub fn req(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(key)
    }

    pub async fn post_json(&self, path: &str, key: &str, body: Value) -> Response {
        self.req(Method::POST, path, key)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str, key: &str) -> Response {
        self.req(Method::GET, path, key).send().await.unwrap()
    }

    /// Creates a key with the admin key; returns (key_id, api_key, signing_secret).
    pub async fn create_key(&self, body: Value) -> (String, String, String) {
        let res = self.post_json("/v1/api-keys", &self.admin_key, body).await;
        assert_eq!(res.status(), 201);
        let v: Value = res.json().await.unwrap();
        (
            v["key_id"].as_str().unwrap().to_owned(),
            v["api_key"].as_str().unwrap().to_owned(),
            v["signing_secret"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
    }
}

pub fn event(source: &str, event_type: &str, n: u64) -> Value {
    json!({ "source": source, "event_type": event_type, "payload": { "n": n } })
}

/// Asserts the error envelope and returns the code.
pub async fn error_code(res: Response) -> (u16, String) {
    let status = res.status().as_u16();
    let header_id = res
        .headers()
        .get("x-request-id")
        .expect("x-request-id on every response")
        .to_str()
        .unwrap()
        .to_owned();
    let v: Value = res.json().await.expect("error body is JSON");
    let err = &v["error"];
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{v}"
    );
    assert_eq!(err["request_id"].as_str(), Some(header_id.as_str()), "{v}");
    (status, err["code"].as_str().expect("code").to_owned())
}

/// The binary, run as a child process on a fixed port.
pub struct Process {
    pub child: Child,
    pub base: String,
    stdout: std::sync::Arc<std::sync::Mutex<String>>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// Lines of the child's stderr kept for diagnostics (the last ones).
const STDERR_KEPT: usize = 200;

/// A test that fails (panics) never leaves the child running.
impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Process {
    /// Starts `triggers-service serve` and waits until it answers.
    pub async fn start(data_dir: &Path, port: u16) -> Process {
        Process::start_with(data_dir, port, &[]).await
    }

    /// [`Process::start`] with extra environment variables (`TRIGGERS_*`
    /// settings; `RUST_LOG` overrides the default `warn`).
    pub async fn start_with(data_dir: &Path, port: u16, envs: &[(&str, &str)]) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_triggers-service"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let stderr = child.stderr.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let errors = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let error_sink = errors.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("listening on") {
                    let _ = tx.send(());
                }
                let mut kept = error_sink.lock().unwrap();
                if kept.len() == STDERR_KEPT {
                    kept.remove(0);
                }
                kept.push(line);
            }
        });
        let collected = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = collected.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        rx.recv_timeout(Duration::from_secs(60))
            .expect("server reports it is listening");
        let res = Client::new()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        Process {
            child,
            base,
            stdout: collected,
            stderr: errors,
        }
    }

    /// The last lines the process wrote on stderr (its log).
    pub fn stderr_tail(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// What the process printed on stdout so far; with `until`, waits (up
    /// to 10 s) for that text to appear.
    pub async fn stdout(&self, until: Option<&str>) -> String {
        for _ in 0..200 {
            let text = self.stdout.lock().unwrap().clone();
            match until {
                Some(u) if !text.contains(u) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                _ => return text,
            }
        }
        self.stdout.lock().unwrap().clone()
    }

    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn sigkill(&mut self) {
        self.child.kill().unwrap();
        let _ = self.child.wait();
    }
}

pub async fn send(client: &Client, base: &str, key: &str, method: Method, path: &str) -> Response {
    client
        .request(method, format!("{base}{path}"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
}

/// A standard key of another account: (key_id, api_key, signing_secret).
pub async fn foreign_account_key(s: &Server) -> (String, String, String) {
    let new = s
        .state
        .keys
        .create(triggers_keys::KeySpec {
            account_id: "acct_other".into(),
            name: "other tenant".into(),
            role: triggers_keys::KeyRole::Admin,
            require_signature: false,
        })
        .await
        .unwrap();
    (
        new.key.key_id.to_string(),
        new.issued.api_key.expose().to_owned(),
        new.issued.signing_secret.as_str().to_owned(),
    )
}
