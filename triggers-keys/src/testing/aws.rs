//! DynamoDB clients for a local moto server (features `testing` and
//! `dynamodb`), for running the conformance suite against the DynamoDB
//! backend.
//!
//! `scripts/moto.sh COMMAND…` starts moto on 127.0.0.1 and runs the command
//! with [`MOTO_URL_VAR`] set. Tests call [`moto_url`] and skip (loudly)
//! when it is unset; the clients it makes use static dummy credentials,
//! region `us-east-1`, and refuse any endpoint that is not a loopback
//! address, so a test can never reach AWS.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region, SharedHttpClient};

/// The environment variable holding the moto endpoint
/// (`http://127.0.0.1:<port>`).
pub const MOTO_URL_VAR: &str = "TRIGGERS_TEST_MOTO_URL";

/// The moto endpoint from [`MOTO_URL_VAR`], or `None` after printing a
/// loud skip notice naming `test` (the caller returns early). Panics when
/// the endpoint is not `http://` on a loopback address.
pub fn moto_url(test: &str) -> Option<String> {
    match std::env::var(MOTO_URL_VAR) {
        Ok(url) if !url.is_empty() => {
            check_loopback(&url);
            Some(url)
        }
        _ => {
            eprintln!(
                "\n*** SKIPPED {test}: {MOTO_URL_VAR} is not set, so the AWS backend was NOT \
                 tested. Run it under scripts/moto.sh (e.g. `scripts/moto.sh cargo test \
                 --features dynamodb …`). ***\n"
            );
            None
        }
    }
}

/// Panics unless `url` is plain HTTP to 127.0.0.1, `[::1]` or localhost.
pub fn check_loopback(url: &str) {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("{MOTO_URL_VAR} must be http://127.0.0.1:<port>, got {url:?}"));
    let host = rest.split('/').next().unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    assert!(
        matches!(host, "127.0.0.1" | "[::1]" | "localhost"),
        "{MOTO_URL_VAR} must point at a loopback address, got {url:?}"
    );
}

/// A plain-HTTP client for the SDKs (moto speaks HTTP on loopback).
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().build_http()
}

/// The timeouts test clients use: a hung server fails the test instead of
/// hanging it.
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(60))
        .build()
}

/// Static dummy credentials (moto accepts any).
pub fn credentials() -> Credentials {
    Credentials::new("test", "test", None, None, "triggers-moto")
}

/// The region every test client uses.
pub fn region() -> Region {
    Region::new("us-east-1")
}

/// A DynamoDB client for the moto server at `url`.
pub fn dynamodb_client(url: &str) -> aws_sdk_dynamodb::Client {
    check_loopback(url);
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region())
        .credentials_provider(credentials())
        .endpoint_url(url)
        .http_client(http_client())
        .timeout_config(timeouts())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A table (and queue) name prefix no other test uses:
/// `t<unix ms>-<process id>-<counter>-`. Each test creates its own tables
/// under it, so tests never see each other's records.
pub fn unique_prefix() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!(
        "t{ms}-{}-{}-",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::check_loopback;

    #[test]
    fn only_loopback_endpoints_are_accepted() {
        check_loopback("http://127.0.0.1:5000");
        check_loopback("http://localhost:1/");
        check_loopback("http://[::1]:80");
        for bad in [
            "https://dynamodb.us-east-1.amazonaws.com",
            "http://10.0.0.1:5000",
            "http://127.0.0.1.evil.example:5000",
            "127.0.0.1:5000",
        ] {
            assert!(
                std::panic::catch_unwind(|| check_loopback(bad)).is_err(),
                "{bad}"
            );
        }
    }
}
