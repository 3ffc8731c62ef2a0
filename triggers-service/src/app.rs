//! Assembly: open the configured backend family, bootstrap, serve, shut down.

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use triggers_keys::{KeyRole, KeySpec, KeyStore, MasterKey};
use triggers_sqlite::{Db, DbOptions};

use crate::config::{Backend, Config};
use crate::db::sqlite::SqliteEventStore;
use crate::state::{AppState, Keys};

/// Why the service could not start, said plainly.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("cannot open the database: {0}")]
    Db(#[from] triggers_sqlite::DbError),
    /// The master key file is unusable.
    #[error("master key file {path}: {message}")]
    MasterKey {
        /// Path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: std::net::SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
    /// A key operation failed at start.
    #[error("key store: {0}")]
    Keys(#[from] triggers_keys::KeyError),
    /// The backend is not available in this build.
    #[error("{0}")]
    Unsupported(&'static str),
    /// Serving failed.
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// An opened backend: state for the router plus what must be closed.
pub struct App {
    /// Shared state.
    pub state: AppState,
    db: Db,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("db", &self.db).finish()
    }
}

/// The master key file: 32 random bytes, created with mode 0600 on first
/// start.
pub fn load_or_create_master_key(path: &Path) -> Result<MasterKey, StartError> {
    let err = |message: String| StartError::MasterKey {
        path: path.to_owned(),
        message,
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if let Ok(meta) = std::fs::metadata(path) {
                    if meta.permissions().mode() & 0o077 != 0 {
                        tracing::warn!(path = %path.display(), "master key file is readable by group or others; chmod 600 it");
                    }
                }
            }
            let arr: [u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| err(format!("expected 32 bytes, found {}", bytes.len())))?;
            Ok(MasterKey::from_bytes(arr))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
            }
            let key = MasterKey::generate();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(path).map_err(|e| err(e.to_string()))?;
            file.write_all(key.expose_bytes())
                .and_then(|()| file.sync_all())
                .map_err(|e| err(e.to_string()))?;
            Ok(key)
        }
        Err(e) => Err(err(e.to_string())),
    }
}

impl App {
    /// Opens the configured backend (creating the data directory, database
    /// and master key on first start).
    pub async fn open(config: Config) -> Result<App, StartError> {
        match config.backend {
            Backend::Sqlite => {}
            Backend::Aws => {
                return Err(StartError::Unsupported(
                    "the aws backend is not part of this build yet; use backend = \"sqlite\"",
                ));
            }
        }
        let master = load_or_create_master_key(&config.data_dir.join("master.key"))?;
        let db = Db::open(config.data_dir.join("triggers.db"), DbOptions::default())?;
        let events = SqliteEventStore::open(db.clone()).await?;
        let key_store = triggers_keys::SqliteKeyStore::new(db.clone());
        key_store
            .migrate()
            .await
            .map_err(|e| StartError::Keys(e.into()))?;
        let key_store: Arc<dyn KeyStore> = Arc::new(key_store);
        let keys = Keys::new(key_store, master);
        Ok(App {
            state: AppState {
                events: Arc::new(events),
                keys: Arc::new(keys),
                config: Arc::new(config),
            },
            db,
        })
    }

    /// On first start (no admin key yet), creates an admin key and returns
    /// the lines to print once. Later starts return `None`.
    pub async fn bootstrap(&self) -> Result<Option<String>, StartError> {
        if self.state.keys.has_admin().await? {
            return Ok(None);
        }
        let new = self
            .state
            .keys
            .create(KeySpec {
                account_id: "acct_default".into(),
                name: "admin (created on first start)".into(),
                role: KeyRole::Admin,
                require_signature: false,
            })
            .await?;
        let key = new.issued.api_key.expose();
        let addr = self.state.config.listen;
        Ok(Some(format!(
            "\nCreated the first admin API key. It is shown once, now; store it safely:\n\n    \
             {key}\n\n\
             v1 signing secret of this key (for signed requests, key id {id}):\n\n    {secret}\n\n\
             Try it:\n\n    \
             curl -s -X POST http://{addr}/v1/events -H 'Authorization: Bearer {key}' \
             -H 'Content-Type: application/json' \
             -d '{{\"source\":\"shop\",\"event_type\":\"order.created\",\"payload\":{{\"order_id\":1}}}}'\n",
            id = new.key.key_id,
            secret = new.issued.signing_secret.as_str(),
        )))
    }

    /// Converts pre-rotation key records (`api_key` table) into versioned
    /// keys; idempotent; `dry_run` changes nothing.
    pub async fn migrate_legacy_keys(
        &self,
        dry_run: bool,
    ) -> Result<triggers_keys::migrate::MigrationReport, triggers_keys::KeyError> {
        triggers_keys::migrate::migrate_legacy(&self.db, self.state.keys.master(), dry_run).await
    }

    /// Flushes queued writes and closes the database.
    pub async fn close(self) {
        self.db.close().await;
    }
}

/// Serves the router on `config.listen` until `shutdown` resolves, then lets
/// in-flight requests finish (up to the grace period) and closes the store:
/// every acknowledged write is committed.
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let grace = Duration::from_secs(app.state.config.shutdown_grace_secs);
    let router = crate::router(app.state.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let mut server = std::pin::pin!(server.into_future());
    let mut stop_rx = stop_rx;
    let result = tokio::select! {
        r = &mut server => r,
        _ = async {
            let _ = stop_rx.wait_for(|stopped| *stopped).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("grace period over; closing remaining connections");
            Ok(())
        }
    };
    app.close().await;
    result.map_err(StartError::Serve)
}

/// Binds `config.listen`.
pub async fn bind(config: &Config) -> Result<TcpListener, StartError> {
    TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
