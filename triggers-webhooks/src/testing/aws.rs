//! AWS clients for a local moto server and an AWS request counter
//! (features `testing`, `dynamodb` and `sqs`), for running the conformance
//! suites against the DynamoDB and SQS backends and for measuring how many
//! AWS requests an operation costs.
//!
//! The endpoint, credentials and region rules are those of
//! `triggers_keys::testing::aws` (re-exported here): `scripts/moto.sh`
//! sets the endpoint, tests skip loudly without it, and only loopback
//! endpoints are accepted.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{BehaviorVersion, ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
pub use triggers_keys::testing::aws::{
    MOTO_URL_VAR, check_loopback, credentials, http_client, moto_url, region, timeouts,
    unique_prefix,
};

/// Counts the HTTP requests an AWS client sends, by operation
/// (`dynamodb:PutItem`, `sqs:SendMessageBatch`, …), retries included (each
/// is billed). Add it to clients with [`dynamodb_client`] /
/// [`sqs_client`]; clones share their counts.
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<Mutex<BTreeMap<String, u64>>>);

impl RequestCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        RequestCounter::default()
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The counts so far.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts().clone()
    }

    /// The counts so far, and zero from now on.
    pub fn take(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *self.counts())
    }

    /// All requests so far.
    pub fn total(&self) -> u64 {
        self.counts().values().sum()
    }

    fn record(&self, operation: String) {
        *self.counts().entry(operation).or_default() += 1;
    }
}

/// The operation of a request, from its `X-Amz-Target` header
/// (`DynamoDB_20120810.PutItem` → `dynamodb:PutItem`,
/// `AmazonSQS.ReceiveMessage` → `sqs:ReceiveMessage`).
fn operation_of(target: Option<&str>) -> String {
    match target.and_then(|t| t.split_once('.')) {
        Some((service, op)) if service.starts_with("DynamoDB") => format!("dynamodb:{op}"),
        Some((service, op)) if service.starts_with("AmazonSQS") => format!("sqs:{op}"),
        Some((service, op)) => format!("{service}:{op}"),
        None => "unknown".to_owned(),
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.record(operation_of(
            context.request().headers().get("x-amz-target"),
        ));
        Ok(())
    }
}

/// A DynamoDB client for the moto server at `url`, counting its requests
/// in `counter` when given.
pub fn dynamodb_client(url: &str, counter: Option<&RequestCounter>) -> aws_sdk_dynamodb::Client {
    check_loopback(url);
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region())
        .credentials_provider(credentials())
        .endpoint_url(url)
        .http_client(http_client())
        .timeout_config(timeouts());
    if let Some(counter) = counter {
        config = config.interceptor(counter.clone());
    }
    aws_sdk_dynamodb::Client::from_conf(config.build())
}

/// An SQS client for the moto server at `url`, counting its requests in
/// `counter` when given.
pub fn sqs_client(url: &str, counter: Option<&RequestCounter>) -> aws_sdk_sqs::Client {
    check_loopback(url);
    let mut config = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(region())
        .credentials_provider(credentials())
        .endpoint_url(url)
        .http_client(http_client())
        .timeout_config(timeouts());
    if let Some(counter) = counter {
        config = config.interceptor(counter.clone());
    }
    aws_sdk_sqs::Client::from_conf(config.build())
}

#[cfg(test)]
mod tests {
    use super::operation_of;

    #[test]
    fn operations_are_named_by_service() {
        assert_eq!(
            operation_of(Some("DynamoDB_20120810.TransactWriteItems")),
            "dynamodb:TransactWriteItems"
        );
        assert_eq!(
            operation_of(Some("AmazonSQS.SendMessageBatch")),
            "sqs:SendMessageBatch"
        );
        assert_eq!(operation_of(None), "unknown");
    }
}
