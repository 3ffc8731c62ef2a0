//! The AWS backend family (feature `aws`), opened from the `[aws]`
//! configuration ([`AwsConfig`]): the DynamoDB stores of events
//! ([`DynamoEventStore`]), API keys (`triggers_keys::backends::dynamodb`),
//! webhooks (`triggers_webhooks::backends::dynamodb`) and analytics buckets
//! ([`DynamoAnalyticsStore`], table `<prefix>analytics`, which the API
//! reads and the `triggers-lambda-analytics` function folds the tables'
//! streams into), the SQS delivery queue ([`SqsDeliveryQueue`]), and the
//! master key from Secrets Manager.
//! [`App::open`](crate::app::App::open) calls [`open`] when `backend =
//! "aws"`; nothing else in the service depends on the backend.
//!
//! What [`open`] sends at start, in order:
//!
//! 1. the master key: one `GetSecretValue` of `master_key_secret_id`
//!    (`TRIGGERS_MASTER_KEY_SECRET_ID`); or, for development only, the key
//!    from `TRIGGERS_MASTER_KEY` (no request). Neither, or both, is
//!    [`StartError::MasterKeyConfig`]: the backend refuses to start;
//! 2. with `create_tables = true` only: the idempotent creation of every
//!    table ([`create_all_tables`]) and of both queues
//!    ([`sqs::create_queues`]);
//! 3. without queue URLs: `GetQueueUrl` of `<prefix>webhook-delivery` (and
//!    of `<prefix>webhook-dlq`).
//!
//! With the URLs given (as the template gives them), a start sends only
//! the `GetSecretValue`: the `keys` CLI run from a laptop needs no SQS
//! permission.

use aws_config::SdkConfig;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use triggers_analytics::backends::dynamodb::DynamoAnalyticsStore;
use triggers_keys::MasterKey;
use triggers_keys::backends::dynamodb::DynamoKeyStore;
use triggers_webhooks::backends::dynamodb::DynamoWebhookStore;
use triggers_webhooks::backends::sqs::{self, QueueUrls, SqsDeliveryQueue};
use zeroize::Zeroizing;

use crate::app::StartError;
use crate::config::{AwsConfig, MASTER_KEY_ENV, parse_master_key_hex};
use crate::db::dynamodb::{DynamoEventStore, create_all_tables, https_client};

/// The stores of one AWS deployment, and its master key.
pub struct AwsBackend {
    /// Events and inbox.
    pub events: DynamoEventStore,
    /// API keys.
    pub keys: DynamoKeyStore,
    /// Webhooks, attempts, dead letters.
    pub webhooks: DynamoWebhookStore,
    /// Analytics buckets (`<prefix>analytics`): read by the API, written by
    /// the stream consumer (`crate::lambda::analytics`).
    pub analytics: DynamoAnalyticsStore,
    /// The delivery queue (the webhook engine's, and the Lambda worker's,
    /// which adopts the messages the Lambda service receives).
    pub queue: SqsDeliveryQueue,
    /// The master key.
    pub master: MasterKey,
}

impl std::fmt::Debug for AwsBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsBackend")
            .field("events", &self.events)
            .field("analytics", &self.analytics)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

/// The AWS SDK configuration from the environment (credentials and region
/// by the SDK's usual chain) over the service's HTTPS client (rustls on
/// *ring*), with `region` and `endpoint_url` of `c` applied.
pub async fn load_sdk_config(c: &AwsConfig) -> SdkConfig {
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https_client());
    if let Some(region) = &c.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    if let Some(url) = &c.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// `sdk` with `region` and `endpoint_url` of `c` applied (when set).
pub fn with_overrides(c: &AwsConfig, sdk: &SdkConfig) -> SdkConfig {
    let mut builder = sdk.to_builder();
    if let Some(region) = &c.region {
        builder.set_region(Some(aws_config::Region::new(region.clone())));
    }
    if let Some(url) = &c.endpoint_url {
        builder.set_endpoint_url(Some(url.clone()));
    }
    builder.build()
}

/// Opens the deployment `c` describes with the SDK configuration `sdk`
/// (see the module docs for the requests it sends).
pub async fn open(c: &AwsConfig, sdk: &SdkConfig) -> Result<AwsBackend, StartError> {
    let sdk = with_overrides(c, sdk);
    let master = master_key(c, &sdk).await?;
    let dynamo = aws_sdk_dynamodb::Client::new(&sdk);
    let sqs_client = aws_sdk_sqs::Client::new(&sdk);
    let prefix = c.table_prefix.as_str();
    let created = if c.create_tables {
        create_all_tables(&dynamo, prefix)
            .await
            .map_err(|e| StartError::Aws(format!("creating the tables: {e}")))?;
        let urls = sqs::create_queues(&sqs_client, prefix, sqs::DEFAULT_MAX_RECEIVE_COUNT)
            .await
            .map_err(|e| StartError::Aws(format!("creating the queues: {e}")))?;
        tracing::info!(
            prefix,
            "created the missing tables and queues (create_tables)"
        );
        Some(urls)
    } else {
        None
    };
    let (delivery, dead_letter) = match (&c.delivery_queue_url, created) {
        (Some(url), created) => (
            url.clone(),
            c.dead_letter_queue_url
                .clone()
                .or(created.map(|u| u.dead_letter)),
        ),
        (None, Some(urls)) => (
            urls.delivery,
            Some(c.dead_letter_queue_url.clone().unwrap_or(urls.dead_letter)),
        ),
        (None, None) => {
            let delivery = queue_url(&sqs_client, &format!("{prefix}{}", sqs::DELIVERY_QUEUE))
                .await
                .map_err(|e| {
                    StartError::Aws(format!(
                        "{e} (set TRIGGERS_AWS_DELIVERY_QUEUE_URL, or `delivery_queue_url` in [aws])"
                    ))
                })?;
            let dead_letter = match &c.dead_letter_queue_url {
                Some(url) => Some(url.clone()),
                None => {
                    let name = format!("{prefix}{}", sqs::DEAD_LETTER_QUEUE);
                    match queue_url(&sqs_client, &name).await {
                        Ok(url) => Some(url),
                        Err(e) => {
                            tracing::warn!(error = %e, "no dead-letter queue: messages that are not jobs are hidden for 12 hours instead");
                            None
                        }
                    }
                }
            };
            (delivery, dead_letter)
        }
    };
    let queue = match dead_letter {
        Some(dead_letter) => SqsDeliveryQueue::with_urls(
            sqs_client,
            &QueueUrls {
                delivery,
                dead_letter,
            },
        ),
        None => SqsDeliveryQueue::new(sqs_client, delivery),
    };
    Ok(AwsBackend {
        events: DynamoEventStore::new(dynamo.clone(), prefix),
        keys: DynamoKeyStore::new(dynamo.clone(), prefix),
        webhooks: DynamoWebhookStore::new(dynamo.clone(), prefix),
        analytics: DynamoAnalyticsStore::new(dynamo, prefix),
        queue,
        master,
    })
}

/// The URL of queue `name` (`GetQueueUrl`).
async fn queue_url(client: &aws_sdk_sqs::Client, name: &str) -> Result<String, String> {
    match client.get_queue_url().queue_name(name).send().await {
        Ok(found) => found
            .queue_url()
            .map(str::to_owned)
            .ok_or_else(|| format!("GetQueueUrl of {name} returned no URL")),
        Err(e) => Err(format!(
            "cannot find the queue {name}: {}",
            e.as_service_error()
                .and_then(|s| s.code())
                .map(str::to_owned)
                .unwrap_or_else(|| aws_sdk_sqs::error::DisplayErrorContext(&e).to_string())
        )),
    }
}

/// The master key of an AWS deployment: from the secret
/// `master_key_secret_id` (one `GetSecretValue`; the value is 64 hex
/// digits), or [`MASTER_KEY_ENV`] for development. Neither or both:
/// [`StartError::MasterKeyConfig`]. No error holds the key.
pub async fn master_key(c: &AwsConfig, sdk: &SdkConfig) -> Result<MasterKey, StartError> {
    match (&c.master_key_secret_id, &c.master_key) {
        (Some(_), Some(_)) => Err(StartError::MasterKeyConfig(format!(
            "both TRIGGERS_MASTER_KEY_SECRET_ID and {MASTER_KEY_ENV} are set: keep one (the secret, \
             except for development)"
        ))),
        (None, None) => Err(StartError::MasterKeyConfig(format!(
            "the aws backend needs the master key: set TRIGGERS_MASTER_KEY_SECRET_ID (or \
             `master_key_secret_id` in [aws]) to the Secrets Manager secret holding it as 64 hex \
             digits (the stack output MasterKeySecretArn; docs/DEPLOY.md), or, for development \
             only, {MASTER_KEY_ENV} to the 64 hex digits"
        ))),
        (None, Some(key)) => {
            tracing::warn!(
                "using the master key from {MASTER_KEY_ENV} (development only; deployments read it from Secrets Manager)"
            );
            Ok(key.0.clone())
        }
        (Some(secret_id), None) => secret_master_key(sdk, secret_id).await,
    }
}

async fn secret_master_key(sdk: &SdkConfig, secret_id: &str) -> Result<MasterKey, StartError> {
    let err = |message: String| StartError::MasterKeySecret {
        secret_id: secret_id.to_owned(),
        message,
    };
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let got = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| {
            err(match e.as_service_error() {
                Some(s) => format!(
                    "GetSecretValue failed: {}: {}",
                    s.code().unwrap_or("Unknown"),
                    s.message().unwrap_or_default()
                ),
                None => format!(
                    "GetSecretValue did not complete: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
                ),
            })
        })?;
    let Some(text) = got.secret_string.map(Zeroizing::new) else {
        return Err(err(
            "the secret has no string value (expected 64 hex digits)".into(),
        ));
    };
    parse_master_key_hex(&text).map_err(err)
}
