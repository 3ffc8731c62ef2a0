//! Assembly: open the configured backend family, bootstrap, serve, shut down.

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use triggers_analytics::backends::sqlite::SqliteAnalyticsStore;
use triggers_keys::{KeyRole, KeySpec, KeyStore, MasterKey};
use triggers_sqlite::{Db, DbOptions};

use tokio::sync::mpsc;
use triggers_webhooks::backends::sqlite::{SqliteDeliveryQueue, SqliteWebhookStore};
use triggers_webhooks::client::DeliveryClient;
use triggers_webhooks::engine::{EngineConfig, Webhooks};
use triggers_webhooks::{Jitter, RetryPolicy, UrlPolicy};

use crate::config::{Backend, Config, WebhooksConfig};
use crate::core::analytics::{self, Recorder};
use crate::core::dispatch::{self, Dispatcher, StoreEvents};
use crate::core::events::{Event, EventStore};
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
    /// The webhook backend could not be opened.
    #[error("webhook store: {0}")]
    Webhooks(String),
    /// The aws backend has no master key configured, or two.
    #[error("{0}")]
    MasterKeyConfig(String),
    /// The master key secret could not be read, or does not hold a key.
    #[error("master key secret {secret_id}: {message}")]
    MasterKeySecret {
        /// The secret's ARN or name.
        secret_id: String,
        /// What is wrong (never the value).
        message: String,
    },
    /// The AWS backend could not be opened (tables, queues).
    #[error("aws backend: {0}")]
    Aws(String),
    /// The analytics store could not be opened.
    #[error("analytics store: {0}")]
    Analytics(String),
}

/// An opened backend: state for the router plus what must be closed.
pub struct App {
    /// Shared state.
    pub state: AppState,
    /// The SQLite database (backend `sqlite`).
    db: Option<Db>,
    /// The SQS delivery queue (backend `aws`).
    #[cfg(feature = "aws")]
    sqs: Option<triggers_webhooks::backends::sqs::SqsDeliveryQueue>,
    dispatch_rx: mpsc::Receiver<Event>,
    /// The in-process analytics host's records (backend `sqlite`).
    analytics_rx: Option<mpsc::Receiver<triggers_analytics::Record>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("App");
        d.field("backend", &self.state.config.backend)
            .field("db", &self.db);
        #[cfg(feature = "aws")]
        d.field("sqs", &self.sqs);
        d.finish()
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
    /// Opens the configured backend: `sqlite` (creating the data directory,
    /// database and master key on first start) or `aws` (the DynamoDB
    /// tables and SQS queues of `[aws]`, the master key from Secrets
    /// Manager; see `db::aws`, feature `aws`), with the AWS SDK configured
    /// from the environment. Every entry point (`serve`, the `keys` CLI,
    /// the Lambda functions) opens the service here.
    pub async fn open(config: Config) -> Result<App, StartError> {
        match config.backend {
            Backend::Sqlite => App::open_sqlite(config).await,
            #[cfg(feature = "aws")]
            Backend::Aws => {
                let sdk = crate::db::aws::load_sdk_config(&config.aws).await;
                App::open_aws(config, &sdk).await
            }
            #[cfg(not(feature = "aws"))]
            Backend::Aws => Err(StartError::Unsupported(
                "the aws backend is not part of this build: build triggers-service with \
                 `--features aws` (or use backend = \"sqlite\")",
            )),
        }
    }

    /// [`open`](Self::open) with the given AWS SDK configuration instead of
    /// the environment's (credentials, region, HTTP client; `region` and
    /// `endpoint_url` of `[aws]` still apply), for embedders and tests. The
    /// `sqlite` backend ignores it.
    #[cfg(feature = "aws")]
    pub async fn open_with_sdk_config(
        config: Config,
        sdk: &aws_config::SdkConfig,
    ) -> Result<App, StartError> {
        match config.backend {
            Backend::Sqlite => App::open_sqlite(config).await,
            Backend::Aws => App::open_aws(config, sdk).await,
        }
    }

    /// The SQS delivery queue, on the `aws` backend: the Lambda worker
    /// adopts the messages of its events with it.
    #[cfg(feature = "aws")]
    pub fn sqs_queue(&self) -> Option<&triggers_webhooks::backends::sqs::SqsDeliveryQueue> {
        self.sqs.as_ref()
    }

    #[cfg(feature = "aws")]
    async fn open_aws(config: Config, sdk: &aws_config::SdkConfig) -> Result<App, StartError> {
        let aws = crate::db::aws::open(&config.aws, sdk).await?;
        let events: Arc<dyn EventStore> = Arc::new(aws.events);
        let webhooks = webhook_engine(
            &config.webhooks,
            Arc::new(aws.webhooks),
            Arc::new(aws.queue.clone()),
            events.clone(),
            aws.master.clone(),
        )?;
        let key_store: Arc<dyn KeyStore> = Arc::new(aws.keys);
        let keys = Keys::new(key_store, aws.master);
        let (dispatcher, dispatch_rx) = Dispatcher::new();
        Ok(App {
            state: AppState {
                events,
                keys: Arc::new(keys),
                webhooks,
                dispatcher,
                // Folded from the tables' streams by triggers-lambda-analytics.
                analytics: Arc::new(aws.analytics),
                recorder: Recorder::disabled(),
                config: Arc::new(config),
            },
            db: None,
            sqs: Some(aws.queue),
            dispatch_rx,
            analytics_rx: None,
        })
    }

    async fn open_sqlite(config: Config) -> Result<App, StartError> {
        if config.aws.master_key.is_some() || config.aws.master_key_secret_id.is_some() {
            tracing::warn!(
                "TRIGGERS_MASTER_KEY and TRIGGERS_MASTER_KEY_SECRET_ID are for the aws backend; \
                 the sqlite backend keeps its master key in data_dir/master.key"
            );
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
        let events: Arc<dyn EventStore> = Arc::new(events);
        let hook_store = SqliteWebhookStore::new(db.clone());
        hook_store
            .migrate()
            .await
            .map_err(|e| StartError::Webhooks(e.to_string()))?;
        let queue = SqliteDeliveryQueue::new(db.clone());
        queue
            .migrate()
            .await
            .map_err(|e| StartError::Webhooks(e.to_string()))?;
        // This process is the queue's only consumer: deliveries a crashed
        // run had leased go out now, not when their leases expire.
        let released = queue
            .release_leases()
            .await
            .map_err(|e| StartError::Webhooks(e.to_string()))?;
        if released > 0 {
            tracing::info!(
                released,
                "resuming webhook deliveries interrupted by the last stop"
            );
        }
        let analytics = SqliteAnalyticsStore::new(db.clone());
        analytics
            .migrate()
            .await
            .map_err(|e| StartError::Analytics(e.to_string()))?;
        let (recorder, analytics_rx) = Recorder::channel(analytics::CHANNEL_CAPACITY);
        let webhooks = webhook_engine(
            &config.webhooks,
            Arc::new(hook_store),
            Arc::new(queue),
            events.clone(),
            master.clone(),
        )?
        .with_observer(Arc::new(recorder.clone()));
        let keys = Keys::new(key_store, master);
        let (dispatcher, dispatch_rx) = Dispatcher::new();
        Ok(App {
            state: AppState {
                events,
                keys: Arc::new(keys),
                webhooks,
                dispatcher,
                analytics: Arc::new(analytics),
                recorder,
                config: Arc::new(config),
            },
            db: Some(db),
            #[cfg(feature = "aws")]
            sqs: None,
            dispatch_rx,
            analytics_rx: Some(analytics_rx),
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
    /// keys; idempotent; `dry_run` changes nothing. On `aws` there are no
    /// legacy records: the report says so (`legacy_table: false`).
    pub async fn migrate_legacy_keys(
        &self,
        dry_run: bool,
    ) -> Result<triggers_keys::migrate::MigrationReport, triggers_keys::KeyError> {
        match &self.db {
            Some(db) => {
                triggers_keys::migrate::migrate_legacy(db, self.state.keys.master(), dry_run).await
            }
            None => Ok(triggers_keys::migrate::MigrationReport {
                dry_run,
                ..Default::default()
            }),
        }
    }

    /// Flushes queued writes and closes the database (SQLite; nothing to
    /// close on AWS).
    pub async fn close(self) {
        if let Some(db) = self.db {
            db.close().await;
        }
    }
}

/// The webhook engine over one backend family, configured by `[webhooks]`.
pub fn webhook_engine(
    c: &WebhooksConfig,
    store: Arc<dyn triggers_webhooks::store::WebhookStore>,
    queue: Arc<dyn triggers_webhooks::queue::DeliveryQueue>,
    events: Arc<dyn EventStore>,
    master: MasterKey,
) -> Result<Webhooks, StartError> {
    let policy = UrlPolicy {
        allow_http: c.allow_http,
        allow_private: c.allow_private_destinations,
    };
    let request_timeout = Duration::from_millis(c.request_timeout_ms.max(1));
    let client = DeliveryClient::builder()
        .policy(policy)
        .connect_timeout(Duration::from_millis(c.connect_timeout_ms.max(1)))
        .request_timeout(request_timeout)
        // Several webhooks often share a host (and its pool): keep as many
        // idle connections as can be busy, or bursts reconnect every time.
        .pool_max_idle_per_host(c.concurrency.max(1))
        .build()
        .map_err(|e| StartError::Webhooks(e.to_string()))?;
    let max_delay = Duration::from_secs(c.retry_max_delay_secs.max(1));
    let config = EngineConfig {
        retry: RetryPolicy {
            max_retries: c.max_retries.min(triggers_webhooks::MAX_RETRIES_LIMIT),
            base_delay: Duration::from_millis(c.retry_base_delay_ms),
            max_delay,
            max_retry_after: max_delay,
            jitter: Jitter::Equal,
        },
        url_policy: policy,
        concurrency: c.concurrency.max(1),
        per_endpoint: c.per_endpoint_concurrency.max(1),
        // Never delivered twice at once: the lease outlives an attempt.
        visibility_timeout: request_timeout + Duration::from_secs(45),
        rotation_transition: Duration::from_secs(c.rotation_transition_secs),
        allowed_hosts: c.allowed_hosts.clone(),
        ..EngineConfig::default()
    };
    Ok(Webhooks::new(
        store,
        queue,
        Arc::new(StoreEvents(events)),
        client,
        master,
        config,
    ))
}

/// Serves the router on `config.listen` until `shutdown` resolves, then lets
/// in-flight requests finish (up to the grace period) and closes the store:
/// every acknowledged write is committed. The webhook dispatcher and
/// delivery worker run alongside and stop after the server (deliveries in
/// flight get the same grace; unfinished ones are retried after restart).
pub async fn serve(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let App {
        state,
        db,
        dispatch_rx,
        analytics_rx,
        ..
    } = app;
    // Stops last: it flushes what the server, dispatcher and worker recorded.
    let (folder_stop_tx, folder_stop) = tokio::sync::watch::channel(false);
    let folder = analytics_rx.map(|rx| {
        let stop = {
            let mut rx = folder_stop.clone();
            async move {
                let _ = rx.wait_for(|s| *s).await;
            }
        };
        tokio::spawn(analytics::run_folder(state.analytics.clone(), rx, stop))
    });
    let grace = Duration::from_secs(state.config.shutdown_grace_secs);
    let (bg_stop_tx, bg_stop) = tokio::sync::watch::channel(false);
    let stopped = move |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let dispatcher = tokio::spawn(dispatch::run(
        state.events.clone(),
        state.webhooks.clone(),
        dispatch_rx,
        stopped(bg_stop.clone()),
    ));
    let worker = {
        let webhooks = state.webhooks.clone();
        let stop = stopped(bg_stop.clone());
        tokio::spawn(async move { webhooks.run_worker(stop).await })
    };
    let router = crate::router(state.clone());
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
    let _ = bg_stop_tx.send(true);
    let background = async {
        let _ = dispatcher.await;
        let _ = worker.await;
    };
    if tokio::time::timeout(grace, background).await.is_err() {
        tracing::warn!("webhook deliveries still in flight; they are retried after restart");
    }
    let _ = folder_stop_tx.send(true);
    if let Some(folder) = folder {
        if tokio::time::timeout(grace, folder).await.is_err() {
            tracing::warn!("analytics not flushed within the grace period");
        }
    }
    if let Some(db) = db {
        db.close().await;
    }
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
