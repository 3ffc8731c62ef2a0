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
        })
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
    }

    #[test]
    fn unknown_settings_are_refused_with_their_name() {
        let err = toml::from_str::<FileConfig>("lisen = \"1.2.3.4:5\"").expect_err("unknown key");
        assert!(err.to_string().contains("lisen"), "{err}");
    }
}
