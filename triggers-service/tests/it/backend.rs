//! The backend a test server runs on: SQLite in its temporary data
//! directory, or (feature `aws`) the AWS backend on the moto server of
//! `scripts/moto.sh`, each server with its own tables and queues (a unique
//! name prefix, `create_tables = true`) and a fresh master key.

use std::path::Path;
use std::time::Duration;

use triggers_service::config::{Backend, Config};

/// Where a test server keeps its data.
#[derive(Debug, Clone)]
pub enum TestBackend {
    /// SQLite in the server's data directory.
    Sqlite,
    /// DynamoDB and SQS on moto.
    #[cfg(feature = "aws")]
    Aws {
        /// The moto endpoint.
        url: String,
        /// The name prefix of this server's tables and queues.
        prefix: String,
    },
}

#[cfg(feature = "aws")]
impl TestBackend {
    /// The AWS backend on moto, or `None` (after a loud skip notice naming
    /// `test`) without `TRIGGERS_TEST_MOTO_URL`.
    pub fn aws(test: &str) -> Option<TestBackend> {
        let url = triggers_webhooks::testing::aws::moto_url(test)?;
        Some(TestBackend::Aws {
            url,
            prefix: triggers_webhooks::testing::aws::unique_prefix(),
        })
    }

    /// The AWS SDK configuration of the tests: moto's endpoint, dummy
    /// credentials, region us-east-1, plain HTTP. Nothing else is ever
    /// contacted (no credential chain, no instance metadata).
    pub fn sdk_config(url: &str) -> aws_config::SdkConfig {
        use triggers_webhooks::testing::aws;
        aws::check_loopback(url);
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws::region())
            .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
                aws::credentials(),
            ))
            .http_client(aws::http_client())
            .timeout_config(aws::timeouts())
            .endpoint_url(url)
            .build()
    }

    /// An SQS client on the moto server.
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        match self {
            TestBackend::Aws { url, .. } => triggers_webhooks::testing::aws::sqs_client(url, None),
            TestBackend::Sqlite => panic!("not the aws backend"),
        }
    }

    /// A master key secret on moto holding `value` (64 hex digits, as the
    /// template makes it); returns its ARN.
    pub async fn master_key_secret(&self, value: &str) -> String {
        let TestBackend::Aws { url, prefix } = self else {
            panic!("not the aws backend");
        };
        aws_sdk_secretsmanager::Client::new(&TestBackend::sdk_config(url))
            .create_secret()
            .name(format!("{prefix}master-key"))
            .secret_string(value)
            .send()
            .await
            .unwrap()
            .arn()
            .unwrap()
            .to_owned()
    }

    /// A fresh master key as Secrets Manager holds it: 64 hex digits.
    pub fn random_master_key_hex() -> String {
        triggers_keys::MasterKey::generate()
            .expose_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The environment deploy/template.yaml gives the Lambda functions,
    /// pointed at this backend (its queues and the master key secret
    /// `secret_arn`), plus what Lambda itself sets. Nothing but moto is
    /// contacted. Callers append their function's own variables.
    pub async fn function_env(&self, secret_arn: &str) -> Vec<(String, String)> {
        let TestBackend::Aws { url, prefix } = self else {
            panic!("not the aws backend");
        };
        let delivery = self.queue_url("webhook-delivery").await;
        let dead_letter = self.queue_url("webhook-dlq").await;
        [
            ("TRIGGERS_BACKEND", "aws"),
            ("TRIGGERS_AWS_ENDPOINT_URL", url.as_str()),
            ("TRIGGERS_AWS_TABLE_PREFIX", prefix.as_str()),
            ("TRIGGERS_AWS_DELIVERY_QUEUE_URL", delivery.as_str()),
            ("TRIGGERS_AWS_DEAD_LETTER_QUEUE_URL", dead_letter.as_str()),
            ("TRIGGERS_MASTER_KEY_SECRET_ID", secret_arn),
            ("TRIGGERS_WEBHOOKS_ALLOW_LOCAL", "true"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/nonexistent/triggers-test"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/triggers-test"),
            ("RUST_LOG", "info"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    /// The URL of this backend's queue `name` (`webhook-delivery`,
    /// `webhook-dlq`).
    pub async fn queue_url(&self, name: &str) -> String {
        let TestBackend::Aws { prefix, .. } = self else {
            panic!("not the aws backend");
        };
        self.sqs()
            .get_queue_url()
            .queue_name(format!("{prefix}{name}"))
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_owned()
    }
}

/// The messages of an SQS queue: (visible, in flight, delayed).
#[cfg(feature = "aws")]
pub async fn sqs_counts(client: &aws_sdk_sqs::Client, queue_url: &str) -> (i64, i64, i64) {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let got = client
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .attribute_names(A::ApproximateNumberOfMessagesDelayed)
        .send()
        .await
        .unwrap();
    let attributes = got.attributes().unwrap();
    let n = |a: A| attributes[&a].parse::<i64>().unwrap();
    (
        n(A::ApproximateNumberOfMessages),
        n(A::ApproximateNumberOfMessagesNotVisible),
        n(A::ApproximateNumberOfMessagesDelayed),
    )
}

impl TestBackend {
    /// Points `config` at this backend.
    pub fn configure(&self, config: &mut Config) {
        match self {
            TestBackend::Sqlite => config.backend = Backend::Sqlite,
            #[cfg(feature = "aws")]
            TestBackend::Aws { url, prefix } => {
                config.backend = Backend::Aws;
                config.aws.endpoint_url = Some(url.clone());
                config.aws.table_prefix = prefix.clone();
                config.aws.create_tables = true;
                config.aws.master_key = Some(triggers_service::config::DevMasterKey(
                    triggers_keys::MasterKey::generate(),
                ));
            }
        }
    }

    /// Opens the service on this backend.
    pub async fn open(&self, config: Config) -> triggers_service::app::App {
        match self {
            TestBackend::Sqlite => triggers_service::app::App::open(config).await.unwrap(),
            #[cfg(feature = "aws")]
            TestBackend::Aws { url, .. } => {
                triggers_service::app::App::open_with_sdk_config(config, &Self::sdk_config(url))
                    .await
                    .unwrap()
            }
        }
    }

    /// Delivery jobs queued (waiting, delayed or in flight).
    pub async fn queued_jobs(&self, data_dir: &Path) -> i64 {
        match self {
            TestBackend::Sqlite => {
                let c = rusqlite::Connection::open(data_dir.join("triggers.db")).unwrap();
                c.busy_timeout(Duration::from_secs(5)).unwrap();
                c.query_row("SELECT count(*) FROM webhook_queue", [], |r| r.get(0))
                    .unwrap()
            }
            #[cfg(feature = "aws")]
            TestBackend::Aws { .. } => {
                let url = self.queue_url("webhook-delivery").await;
                let (visible, in_flight, delayed) = sqs_counts(&self.sqs(), &url).await;
                visible + in_flight + delayed
            }
        }
    }
}
