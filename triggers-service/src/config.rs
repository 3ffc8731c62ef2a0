//! Configuration: flag > environment > config file > default.
//!
//! `config.default.toml` in this crate documents every setting.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use triggers_keys::MasterKey;

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
    /// The `[aws]` table.
    #[serde(default)]
    pub aws: AwsFile,
}

/// The `[aws]` table of a config file (all optional; read with
/// `backend = "aws"` only).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsFile {
    /// See `config.default.toml`.
    pub region: Option<String>,
    /// See `config.default.toml`.
    pub endpoint_url: Option<String>,
    /// See `config.default.toml`.
    pub table_prefix: Option<String>,
    /// See `config.default.toml`.
    pub delivery_queue_url: Option<String>,
    /// See `config.default.toml`.
    pub dead_letter_queue_url: Option<String>,
    /// See `config.default.toml`.
    pub create_tables: Option<bool>,
    /// See `config.default.toml`.
    pub master_key_secret_id: Option<String>,
}

/// The default name prefix of an AWS deployment's tables and queues (the
/// template's `NamePrefix`).
pub const DEFAULT_AWS_PREFIX: &str = "triggers-api-";

/// The environment variable holding the master key as 64 hex digits, for
/// development on the `aws` backend only (deployments read it from Secrets
/// Manager: [`AwsConfig::master_key_secret_id`]). Read from the
/// environment only: never a flag (visible to every user in `ps`) nor a
/// file setting.
pub const MASTER_KEY_ENV: &str = "TRIGGERS_MASTER_KEY";

/// The master key given directly ([`MASTER_KEY_ENV`]). Never in `Debug`.
#[derive(Clone)]
pub struct DevMasterKey(pub MasterKey);

impl std::fmt::Debug for DevMasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevMasterKey(..)")
    }
}

/// The AWS backend's settings (effective): where the DynamoDB tables and
/// SQS queues are, and where the master key comes from.
#[derive(Debug, Clone)]
pub struct AwsConfig {
    /// The AWS region; `None`: the SDK's (`AWS_REGION`, the profile).
    pub region: Option<String>,
    /// Replaces the AWS endpoints of DynamoDB, SQS and Secrets Manager (a
    /// local emulator such as moto: `http://127.0.0.1:5000`); `None`: AWS.
    pub endpoint_url: Option<String>,
    /// Prefix of every table and queue name (`<prefix>events`,
    /// `<prefix>webhook-delivery`, …).
    pub table_prefix: String,
    /// URL of the delivery queue; `None`: looked up by name
    /// (`<prefix>webhook-delivery`).
    pub delivery_queue_url: Option<String>,
    /// URL of the dead-letter queue; `None`: looked up by name
    /// (`<prefix>webhook-dlq`) when the delivery queue is too.
    pub dead_letter_queue_url: Option<String>,
    /// Create missing tables and queues at start (idempotent): local and
    /// emulator use only; deployments get theirs from the template.
    pub create_tables: bool,
    /// The Secrets Manager secret (ARN or name) holding the master key as
    /// 64 hex digits.
    pub master_key_secret_id: Option<String>,
    /// The master key itself ([`MASTER_KEY_ENV`]; development only).
    pub master_key: Option<DevMasterKey>,
}

impl Default for AwsConfig {
    fn default() -> Self {
        AwsConfig {
            region: None,
            endpoint_url: None,
            table_prefix: DEFAULT_AWS_PREFIX.to_owned(),
            delivery_queue_url: None,
            dead_letter_queue_url: None,
            create_tables: false,
            master_key_secret_id: None,
            master_key: None,
        }
    }
}

/// A master key from 64 hex digits (surrounding white space ignored), as
/// Secrets Manager holds it and [`MASTER_KEY_ENV`] gives it. The error
/// says what is wrong, never the value.
pub fn parse_master_key_hex(text: &str) -> Result<MasterKey, String> {
    let text = text.trim();
    if text.len() != 64 {
        return Err(format!(
            "expected 64 hex digits (32 bytes), found {} characters",
            text.chars().count()
        ));
    }
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    for (i, pair) in text.as_bytes().chunks(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        match (digit(pair[0]), digit(pair[1])) {
            (Some(hi), Some(lo)) => bytes[i] = (hi * 16 + lo) as u8,
            _ => return Err("expected 64 hex digits (0-9, a-f): found another character".into()),
        }
    }
    Ok(MasterKey::from_bytes(*bytes))
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
            concurrency: 512,
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
    /// AWS backend: the region (default: the SDK's, `AWS_REGION`).
    #[arg(long = "aws-region", env = "TRIGGERS_AWS_REGION", global = true)]
    pub aws_region: Option<String>,
    /// AWS backend: an endpoint replacing AWS's (a local emulator).
    #[arg(
        long = "aws-endpoint-url",
        env = "TRIGGERS_AWS_ENDPOINT_URL",
        global = true
    )]
    pub aws_endpoint_url: Option<String>,
    /// AWS backend: prefix of the table and queue names.
    #[arg(
        long = "aws-table-prefix",
        env = "TRIGGERS_AWS_TABLE_PREFIX",
        global = true
    )]
    pub aws_table_prefix: Option<String>,
    /// AWS backend: URL of the delivery queue.
    #[arg(
        long = "aws-delivery-queue-url",
        env = "TRIGGERS_AWS_DELIVERY_QUEUE_URL",
        global = true
    )]
    pub aws_delivery_queue_url: Option<String>,
    /// AWS backend: URL of the dead-letter queue.
    #[arg(
        long = "aws-dead-letter-queue-url",
        env = "TRIGGERS_AWS_DEAD_LETTER_QUEUE_URL",
        global = true
    )]
    pub aws_dead_letter_queue_url: Option<String>,
    /// AWS backend: create missing tables and queues at start (local and
    /// emulator use).
    #[arg(
        long = "aws-create-tables",
        env = "TRIGGERS_AWS_CREATE_TABLES",
        global = true
    )]
    pub aws_create_tables: Option<bool>,
    /// AWS backend: the Secrets Manager secret (ARN or name) holding the
    /// master key as 64 hex digits.
    #[arg(
        long = "master-key-secret-id",
        env = "TRIGGERS_MASTER_KEY_SECRET_ID",
        global = true
    )]
    pub master_key_secret_id: Option<String>,
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
    /// The AWS backend (used with `backend = aws`).
    pub aws: AwsConfig,
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
            aws: AwsConfig::default(),
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
    /// A setting from the environment is not valid.
    #[error("invalid {name}: {message}")]
    Environment {
        /// The variable.
        name: &'static str,
        /// What is wrong (never the value of a secret).
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
            aws: aws_config(args, file.aws, dev_master_key()?),
        })
    }
}

/// [`MASTER_KEY_ENV`], when set.
fn dev_master_key() -> Result<Option<DevMasterKey>, ConfigError> {
    match std::env::var(MASTER_KEY_ENV) {
        Ok(hex) => {
            let hex = zeroize::Zeroizing::new(hex);
            parse_master_key_hex(&hex)
                .map(|k| Some(DevMasterKey(k)))
                .map_err(|message| ConfigError::Environment {
                    name: MASTER_KEY_ENV,
                    message,
                })
        }
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::Environment {
            name: MASTER_KEY_ENV,
            message: "not valid UTF-8".into(),
        }),
    }
}

fn aws_config(args: &ConfigArgs, f: AwsFile, master_key: Option<DevMasterKey>) -> AwsConfig {
    let d = AwsConfig::default();
    AwsConfig {
        region: args.aws_region.clone().or(f.region),
        endpoint_url: args.aws_endpoint_url.clone().or(f.endpoint_url),
        table_prefix: args
            .aws_table_prefix
            .clone()
            .or(f.table_prefix)
            .unwrap_or(d.table_prefix),
        delivery_queue_url: args.aws_delivery_queue_url.clone().or(f.delivery_queue_url),
        dead_letter_queue_url: args
            .aws_dead_letter_queue_url
            .clone()
            .or(f.dead_letter_queue_url),
        create_tables: args
            .aws_create_tables
            .or(f.create_tables)
            .unwrap_or(d.create_tables),
        master_key_secret_id: args.master_key_secret_id.clone().or(f.master_key_secret_id),
        master_key,
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
        let a = toml::from_str::<FileConfig>(include_str!("../config.default.toml"))
            .expect("parses")
            .aws;
        assert_eq!(a.table_prefix.as_deref(), Some(DEFAULT_AWS_PREFIX));
        assert_eq!(a.create_tables, Some(false));
        let aws = aws_config(&ConfigArgs::default(), a, None);
        let want = AwsConfig::default();
        assert_eq!(
            (
                &aws.region,
                &aws.endpoint_url,
                &aws.table_prefix,
                &aws.delivery_queue_url,
                &aws.dead_letter_queue_url,
                aws.create_tables,
                &aws.master_key_secret_id
            ),
            (
                &want.region,
                &want.endpoint_url,
                &want.table_prefix,
                &want.delivery_queue_url,
                &want.dead_letter_queue_url,
                want.create_tables,
                &want.master_key_secret_id
            )
        );
    }

    #[test]
    fn the_aws_table_takes_flags_over_the_file() {
        let file: FileConfig = toml::from_str(
            "backend = \"aws\"\n[aws]\nregion = \"eu-west-1\"\ntable_prefix = \"file-\"\n\
             delivery_queue_url = \"http://127.0.0.1:1/q\"\ncreate_tables = true\n\
             master_key_secret_id = \"file-secret\"\n",
        )
        .expect("parses");
        assert_eq!(file.backend, Some(Backend::Aws));
        let args = ConfigArgs {
            aws_table_prefix: Some("flag-".into()),
            master_key_secret_id: Some("arn:aws:secretsmanager:x".into()),
            ..ConfigArgs::default()
        };
        let aws = aws_config(&args, file.aws, None);
        assert_eq!(aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(aws.table_prefix, "flag-");
        assert_eq!(
            aws.delivery_queue_url.as_deref(),
            Some("http://127.0.0.1:1/q")
        );
        assert_eq!(aws.dead_letter_queue_url, None);
        assert!(aws.create_tables);
        assert_eq!(
            aws.master_key_secret_id.as_deref(),
            Some("arn:aws:secretsmanager:x")
        );
        let err = toml::from_str::<FileConfig>("[aws]\nmaster_key = \"00\"\n")
            .expect_err("no secrets in the file");
        assert!(err.to_string().contains("master_key"), "{err}");
    }

    #[test]
    fn master_keys_are_64_hex_digits_and_errors_never_echo_them() {
        let hex = "00112233445566778899aabbccddeeffFFEEDDCCBBAA99887766554433221100";
        let key = parse_master_key_hex(&format!("  {hex}\n")).expect("valid");
        assert_eq!(key.expose_bytes()[..3], [0x00, 0x11, 0x22]);
        assert_eq!(key.expose_bytes()[16..19], [0xff, 0xee, 0xdd]);
        for bad in [&hex[..62], &format!("{hex}00"), &hex.replace('a', "g"), ""] {
            let err = parse_master_key_hex(bad).expect_err(bad);
            assert!(!err.contains("0011223344"), "{err}");
        }
        assert_eq!(
            format!("{:?}", DevMasterKey(key)),
            "DevMasterKey(..)",
            "never in Debug"
        );
    }

    #[test]
    fn unknown_settings_are_refused_with_their_name() {
        let err = toml::from_str::<FileConfig>("lisen = \"1.2.3.4:5\"").expect_err("unknown key");
        assert!(err.to_string().contains("lisen"), "{err}");
    }
}
