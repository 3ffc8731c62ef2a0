//! Configuration: flag > environment > config file > default.
//!
//! `config.default.toml` in this crate documents every setting.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The storage backend family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Embedded SQLite in the data directory.
    Sqlite,
    /// DynamoDB and SQS.
    Aws,
}

/// The settings a config file may hold (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// See `config.default.toml`.
    pub listen: Option<SocketAddr>,
    /// See `config.default.toml`.
    pub data_dir: Option<PathBuf>,
    /// See `config.default.toml`.
    pub backend: Option<Backend>,
    /// See `config.default.toml`.
    pub signature_tolerance_secs: Option<u64>,
    /// See `config.default.toml`.
    pub max_body_bytes: Option<usize>,
    /// See `config.default.toml`.
    pub shutdown_grace_secs: Option<u64>,
    /// See `config.default.toml`.
    pub log: Option<String>,
    /// The `[webhooks]` table.
    #[serde(default)]
    pub webhooks: WebhooksFile,
}

/// The `[webhooks]` table of a config file (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksFile {
    /// See `config.default.toml`.
    pub allow_private_destinations: Option<bool>,
    /// See `config.default.toml`.
    pub allow_http: Option<bool>,
    /// See `config.default.toml`.
    pub max_retries: Option<u32>,
    /// See `config.default.toml`.
    pub retry_base_delay_ms: Option<u64>,
    /// See `config.default.toml`.
    pub retry_max_delay_secs: Option<u64>,
    /// See `config.default.toml`.
    pub connect_timeout_ms: Option<u64>,
    /// See `config.default.toml`.
    pub request_timeout_ms: Option<u64>,
    /// See `config.default.toml`.
    pub concurrency: Option<usize>,
    /// See `config.default.toml`.
    pub per_endpoint_concurrency: Option<usize>,
    /// See `config.default.toml`.
    pub rotation_transition_secs: Option<u64>,
    /// See `config.default.toml`.
    pub allowed_hosts: Option<Vec<String>>,
}

/// Webhook delivery settings (effective).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhooksConfig {
    /// Deliver to loopback and private addresses (local development and
    /// tests only).
    pub allow_private_destinations: bool,
    /// Accept `http://` webhook URLs.
    pub allow_http: bool,
    /// Retries after the first attempt (a webhook may set its own).
    pub max_retries: u32,
    /// Backoff before the first retry, doubled for each further one.
    pub retry_base_delay_ms: u64,
    /// Longest backoff.
    pub retry_max_delay_secs: u64,
    /// Time to connect.
    pub connect_timeout_ms: u64,
    /// Time for a whole attempt.
    pub request_timeout_ms: u64,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// Deliveries in flight at once to one webhook.
    pub per_endpoint_concurrency: usize,
    /// How long the previous secret keeps signing after a rotation.
    pub rotation_transition_secs: u64,
    /// When set, the only hosts webhook URLs may name.
    pub allowed_hosts: Option<Vec<String>>,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            allow_private_destinations: false,
            allow_http: false,
            max_retries: 3,
            retry_base_delay_ms: 5_000,
            retry_max_delay_secs: 3_600,
            connect_timeout_ms: 5_000,
            request_timeout_ms: 15_000,
            concurrency: 256,
            per_endpoint_concurrency: 32,
            rotation_transition_secs: 86_400,
            allowed_hosts: None,
        }
    }
}

/// Flags (each with its environment variable) that override the file.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ConfigArgs {
    /// Config file (default: ./triggers.toml when it exists).
    #[arg(long, env = "TRIGGERS_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Listen address.
    #[arg(long, env = "TRIGGERS_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// Data directory.
    #[arg(long, env = "TRIGGERS_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Storage backend.
    #[arg(long, env = "TRIGGERS_BACKEND", global = true)]
    pub backend: Option<Backend>,
    /// Signature tolerance in seconds.
    #[arg(
        long = "signature-tolerance",
        env = "TRIGGERS_SIGNATURE_TOLERANCE",
        global = true
    )]
    pub signature_tolerance_secs: Option<u64>,
    /// Largest request body in bytes.
    #[arg(long = "max-body", env = "TRIGGERS_MAX_BODY", global = true)]
    pub max_body_bytes: Option<usize>,
    /// Shutdown grace period in seconds.
    #[arg(
        long = "shutdown-grace",
        env = "TRIGGERS_SHUTDOWN_GRACE",
        global = true
    )]
    pub shutdown_grace_secs: Option<u64>,
    /// Deliver webhooks to loopback and private addresses, and accept
    /// `http://` URLs (local development and tests only).
    #[arg(
        long = "webhooks-allow-local",
        env = "TRIGGERS_WEBHOOKS_ALLOW_LOCAL",
        global = true
    )]
    pub webhooks_allow_local: Option<bool>,
    /// Webhook retries after the first attempt.
    #[arg(
        long = "webhooks-max-retries",
        env = "TRIGGERS_WEBHOOKS_MAX_RETRIES",
        global = true
    )]
    pub webhooks_max_retries: Option<u32>,
    /// Backoff before the first webhook retry, in milliseconds.
    #[arg(
        long = "webhooks-retry-base-ms",
        env = "TRIGGERS_WEBHOOKS_RETRY_BASE_MS",
        global = true
    )]
    pub webhooks_retry_base_ms: Option<u64>,
    /// Time allowed for a whole webhook attempt, in milliseconds.
    #[arg(
        long = "webhooks-request-timeout-ms",
        env = "TRIGGERS_WEBHOOKS_REQUEST_TIMEOUT_MS",
        global = true
    )]
    pub webhooks_request_timeout_ms: Option<u64>,
    /// The only hosts webhook URLs may name (comma-separated).
    #[arg(
        long = "webhooks-allowed-hosts",
        env = "TRIGGERS_WEBHOOKS_ALLOWED_HOSTS",
        value_delimiter = ',',
        global = true
    )]
    pub webhooks_allowed_hosts: Option<Vec<String>>,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listen address.
    pub listen: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Backend family.
    pub backend: Backend,
    /// Signature tolerance, seconds.
    pub signature_tolerance_secs: u64,
    /// Request body limit, bytes.
    pub max_body_bytes: usize,
    /// Shutdown grace, seconds.
    pub shutdown_grace_secs: u64,
    /// Log filter.
    pub log: String,
    /// Webhook delivery.
    pub webhooks: WebhooksConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./triggers-data"),
            backend: Backend::Sqlite,
            signature_tolerance_secs: 300,
            max_body_bytes: 320 * 1024,
            shutdown_grace_secs: 30,
            log: "info".into(),
            webhooks: WebhooksConfig::default(),
        }
    }
}

/// A configuration problem, said plainly.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// Path.
        path: PathBuf,
        /// What is wrong, with the line.
        message: String,
    },
}

impl Config {
    /// Resolves the configuration from flags/env and the config file.
    pub fn load(args: &ConfigArgs) -> Result<Config, ConfigError> {
        let file = match &args.config {
            Some(path) => Some(read_file(path)?),
            None if Path::new("triggers.toml").exists() => {
                Some(read_file(Path::new("triggers.toml"))?)
            }
            None => None,
        }
        .unwrap_or_default();
        let d = Config::default();
        Ok(Config {
            listen: args.listen.or(file.listen).unwrap_or(d.listen),
            data_dir: args
                .data_dir
                .clone()
                .or(file.data_dir)
                .unwrap_or(d.data_dir),
            backend: args.backend.or(file.backend).unwrap_or(d.backend),
            signature_tolerance_secs: args
                .signature_tolerance_secs
                .or(file.signature_tolerance_secs)
                .unwrap_or(d.signature_tolerance_secs),
            max_body_bytes: args
                .max_body_bytes
                .or(file.max_body_bytes)
                .unwrap_or(d.max_body_bytes),
            shutdown_grace_secs: args
                .shutdown_grace_secs
                .or(file.shutdown_grace_secs)
                .unwrap_or(d.shutdown_grace_secs),
            log: file.log.unwrap_or(d.log),
            webhooks: webhooks_config(args, file.webhooks),
        })
    }
}

fn webhooks_config(args: &ConfigArgs, f: WebhooksFile) -> WebhooksConfig {
    let d = WebhooksConfig::default();
    WebhooksConfig {
        allow_private_destinations: args
            .webhooks_allow_local
            .or(f.allow_private_destinations)
            .unwrap_or(d.allow_private_destinations),
        allow_http: args
            .webhooks_allow_local
            .or(f.allow_http)
            .unwrap_or(d.allow_http),
        max_retries: args
            .webhooks_max_retries
            .or(f.max_retries)
            .unwrap_or(d.max_retries),
        retry_base_delay_ms: args
            .webhooks_retry_base_ms
            .or(f.retry_base_delay_ms)
            .unwrap_or(d.retry_base_delay_ms),
        retry_max_delay_secs: f.retry_max_delay_secs.unwrap_or(d.retry_max_delay_secs),
        connect_timeout_ms: f.connect_timeout_ms.unwrap_or(d.connect_timeout_ms),
        request_timeout_ms: args
            .webhooks_request_timeout_ms
            .or(f.request_timeout_ms)
            .unwrap_or(d.request_timeout_ms),
        concurrency: f.concurrency.unwrap_or(d.concurrency),
        per_endpoint_concurrency: f
            .per_endpoint_concurrency
            .unwrap_or(d.per_endpoint_concurrency),
        rotation_transition_secs: f
            .rotation_transition_secs
            .unwrap_or(d.rotation_transition_secs),
        allowed_hosts: args.webhooks_allowed_hosts.clone().or(f.allowed_hosts),
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commented_default_file_parses_to_the_defaults() {
        let file: FileConfig =
            toml::from_str(include_str!("../config.default.toml")).expect("default config parses");
        let d = Config::default();
        assert_eq!(file.listen, Some(d.listen));
        assert_eq!(file.data_dir, Some(d.data_dir));
        assert_eq!(file.backend, Some(d.backend));
        assert_eq!(
            file.signature_tolerance_secs,
            Some(d.signature_tolerance_secs)
        );
        assert_eq!(file.max_body_bytes, Some(d.max_body_bytes));
        assert_eq!(file.shutdown_grace_secs, Some(d.shutdown_grace_secs));
        assert_eq!(
            webhooks_config(&ConfigArgs::default(), file.webhooks),
            d.webhooks
        );
        let w = toml::from_str::<FileConfig>(include_str!("../config.default.toml"))
            .expect("parses")
            .webhooks;
        assert!(w.allow_private_destinations.is_some() && w.concurrency.is_some());
    }

    #[test]
    fn unknown_settings_are_refused_with_their_name() {
        let err = toml::from_str::<FileConfig>("lisen = \"1.2.3.4:5\"").expect_err("unknown key");
        assert!(err.to_string().contains("lisen"), "{err}");
    }
}
