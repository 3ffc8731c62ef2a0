//! The Lambda delivery worker on SQS (features `aws` and `lambda`, on the
//! moto server of `scripts/moto.sh`):
//!
//! ```text
//! scripts/moto.sh cargo test -p triggers-service --features aws,lambda --test it lambda_aws
//! ```
//!
//! The jobs are enqueued by the service's own fan-out (SqsDeliveryQueue),
//! then received raw with `ReceiveMessage`, as the Lambda service's poller
//! does, and handed to the worker as a real-shaped SQS event (message id,
//! receipt handle, body, attributes, event source ARN, …). The worker adopts
//! each message into the service's queue and settles it there; what is left
//! on the queue and in DynamoDB is then read back.
//!
//! Without TRIGGERS_TEST_MOTO_URL the tests skip loudly.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_sqs::types::{Message, MessageSystemAttributeName, QueueAttributeName};
use serde_json::{Value, json};
use triggers_service::config::Config;
use triggers_service::core::dispatch::event_data;
use triggers_service::core::events::Ingested;
use triggers_service::db::testing::new_event;
use triggers_service::lambda::worker::{Outcome, Worker, WorkerOptions};
use triggers_webhooks::backends::dynamodb::DynamoWebhookStore;
use triggers_webhooks::engine::Processed;
use triggers_webhooks::queue::Job;
use triggers_webhooks::store::WebhookStore;
use triggers_webhooks::{AttemptOutcome, EventFilter, WebhookSpec};

use crate::backend::{TestBackend, sqs_counts};
use crate::lambda::{RuntimeApi, Sent};

const WAIT: Duration = Duration::from_secs(20);
const ACCOUNT: &str = "acct_default";

/// A receiver on 127.0.0.1 answering `status`; counts its requests.
struct Receiver {
    url: String,
    hits: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    async fn start(status: u16) -> Receiver {
        let hits = Arc::new(Mutex::new(0));
        let counted = hits.clone();
        let app = axum::Router::new().fallback(move || {
            let counted = counted.clone();
            async move {
                *counted.lock().unwrap() += 1;
                http::StatusCode::from_u16(status).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, hits, task }
    }

    fn hits(&self) -> usize {
        *self.hits.lock().unwrap()
    }
}

fn config(backend: &TestBackend) -> Config {
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    };
    backend.configure(&mut config);
    config.webhooks.allow_private_destinations = true;
    config.webhooks.allow_http = true;
    // The retry waits 1-2 s (equal jitter), as SQS delays it.
    config.webhooks.retry_base_delay_ms = 2_000;
    config
}

/// One webhook for `event_type` to `url`, one event of that type fanned
/// out by the service (one job on the SQS queue); returns the webhook id.
async fn webhook_and_event(
    state: &triggers_service::state::AppState,
    event_type: &str,
    url: &str,
) -> uuid::Uuid {
    let created = state
        .webhooks
        .create(WebhookSpec::new(
            ACCOUNT,
            url,
            EventFilter::parse([event_type]).unwrap(),
        ))
        .await
        .unwrap();
    let event = new_event(
        ACCOUNT,
        "shop",
        event_type,
        r#"{"order_id":1}"#,
        triggers_service::core::time::now_micros(),
    );
    let Ingested::Created(event) = state.events.ingest(event).await.unwrap() else {
        panic!("created");
    };
    assert_eq!(state.webhooks.fan_out(event_data(event)).await.unwrap(), 1);
    created.webhook.webhook_id
}

/// Receives `n` messages raw, as the Lambda service's poller does (every
/// system attribute, a long visibility timeout).
pub(crate) async fn receive_raw(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    n: usize,
) -> Vec<Message> {
    let started = Instant::now();
    let mut got = Vec::new();
    while got.len() < n {
        let out = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .visibility_timeout(300)
            .wait_time_seconds(0)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .unwrap();
        got.extend(out.messages().iter().cloned());
        assert!(started.elapsed() < WAIT, "{} of {n} messages", got.len());
        if got.len() < n {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(got.len(), n);
    got
}

/// The SQS event the Lambda service would build from `messages`.
async fn sqs_event(sqs: &aws_sdk_sqs::Client, queue_url: &str, messages: &[Message]) -> Value {
    let arn = sqs
        .get_queue_attributes()
        .queue_url(queue_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .unwrap()[&QueueAttributeName::QueueArn]
        .clone();
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: serde_json::Map<String, Value> = m
                .attributes()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), json!(v)))
                .collect();
            json!({
                "messageId": m.message_id().unwrap(),
                "receiptHandle": m.receipt_handle().unwrap(),
                "body": m.body().unwrap(),
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": m.md5_of_body().unwrap(),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    assert!(
        records
            .iter()
            .all(|r| r["attributes"]["ApproximateReceiveCount"] == "1"
                && r["attributes"]["ApproximateFirstReceiveTimestamp"].is_string()),
        "{records:?}"
    );
    json!({ "Records": records })
}

fn job_of(m: &Message) -> Option<Job> {
    Job::from_message(m.body().unwrap()).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_adopts_sqs_messages_and_settles_them_on_the_queue() {
    let Some(backend) = TestBackend::aws(
        "lambda_aws::the_worker_adopts_sqs_messages_and_settles_them_on_the_queue",
    ) else {
        return;
    };
    let TestBackend::Aws { url, prefix } = &backend else {
        unreachable!()
    };
    let app = backend.open(config(&backend)).await;
    let state = &app.state;
    let good = Receiver::start(200).await;
    let failing = Receiver::start(500).await;
    let good_id = webhook_and_event(state, "order.good", &good.url).await;
    let failing_id = webhook_and_event(state, "order.failing", &failing.url).await;

    // A message that is not a job, sent by someone else.
    let sqs = backend.sqs();
    let queue_url = backend.queue_url("webhook-delivery").await;
    let garbage = sqs
        .send_message()
        .queue_url(&queue_url)
        .message_body("Message Body")
        .send()
        .await
        .unwrap()
        .message_id()
        .unwrap()
        .to_owned();

    // The Lambda service's part: receive, build the event.
    let messages = receive_raw(&sqs, &queue_url, 3).await;
    let id_of = |webhook_id| {
        messages
            .iter()
            .find(|m| job_of(m).is_some_and(|j| j.webhook_id == webhook_id))
            .map(|m| m.message_id().unwrap().to_owned())
            .unwrap()
    };
    let (good_msg, failing_msg) = (id_of(good_id), id_of(failing_id));
    let failing_job = messages
        .iter()
        .find_map(|m| job_of(m).filter(|j| j.webhook_id == failing_id))
        .unwrap();
    assert_eq!(
        sqs_counts(&sqs, &queue_url).await,
        (0, 3, 0),
        "all in flight"
    );
    let event = sqs_event(&sqs, &queue_url, &messages).await;

    let worker = Worker::for_app(&app, WorkerOptions::default());
    let deadline = SystemTime::now() + Duration::from_secs(60);
    let report = worker
        .handle(serde_json::from_value(event).unwrap(), Some(deadline))
        .await;

    // The response: only the garbage is a batch item failure.
    let response = serde_json::to_value(report.response()).unwrap();
    assert_eq!(
        response,
        json!({ "batchItemFailures": [{ "itemIdentifier": garbage }] }),
        "{report:?}"
    );
    let outcome = |id: &str| {
        &report
            .messages
            .iter()
            .find(|m| m.message_id == id)
            .unwrap()
            .outcome
    };
    assert!(matches!(outcome(&garbage), Outcome::Undecodable(_)));
    assert!(matches!(
        outcome(&good_msg),
        Outcome::Processed(Processed::Delivered)
    ));
    assert!(matches!(
        outcome(&failing_msg),
        Outcome::Processed(Processed::Retrying)
    ));
    assert_eq!((good.hits(), failing.hits()), (1, 1));

    // The attempts, read from DynamoDB by a store of its own.
    let dynamo = DynamoWebhookStore::new(
        triggers_webhooks::testing::aws::dynamodb_client(url, None),
        prefix,
    );
    let attempts = |webhook_id| {
        let dynamo = &dynamo;
        async move {
            dynamo
                .list_attempts(ACCOUNT, webhook_id, None, 10)
                .await
                .unwrap()
                .attempts
        }
    };
    let delivered = attempts(good_id).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        (delivered[0].attempt, delivered[0].outcome),
        (1, AttemptOutcome::Status(200))
    );
    let failed = attempts(failing_id).await;
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (failed[0].attempt, failed[0].outcome),
        (1, AttemptOutcome::Status(500))
    );

    // The queue: the delivered and the failed messages are gone; the retry
    // waits, delayed; the garbage is still in flight (SQS makes it visible
    // again after its visibility timeout, and moves it to the dead-letter
    // queue after maxReceiveCount receives).
    assert_eq!(sqs_counts(&sqs, &queue_url).await, (0, 1, 1));
    let next = receive_raw(&sqs, &queue_url, 1).await;
    let next_job = job_of(&next[0]).expect("the retry is a job");
    assert_eq!(next_job.delivery_id, failing_job.delivery_id);
    assert_eq!(next_job.attempt, 2);
    assert_eq!(next_job.webhook_id, failing_id);

    // A record whose lease is over by the time the worker gets it (first
    // received longer ago than the queue's visibility timeout): the queue
    // does not take it, so it is reported and not delivered; SQS delivers
    // it again.
    let delete = |m: &Message| {
        let receipt = m.receipt_handle().unwrap().to_owned();
        let (sqs, queue_url) = (sqs.clone(), queue_url.clone());
        async move {
            sqs.delete_message()
                .queue_url(queue_url)
                .receipt_handle(receipt)
                .send()
                .await
                .unwrap();
        }
    };
    delete(&next[0]).await;
    let late_id = webhook_and_event(state, "order.late", &good.url).await;
    // (The garbage stays in flight for the poller's 300 s.)
    let late = receive_raw(&sqs, &queue_url, 1).await;
    assert_eq!(job_of(&late[0]).map(|j| j.webhook_id), Some(late_id));
    let mut event = sqs_event(&sqs, &queue_url, &late).await;
    let an_hour_ago = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        - 3_600_000;
    event["Records"][0]["attributes"]["ApproximateFirstReceiveTimestamp"] =
        json!(an_hour_ago.to_string());
    let report = worker
        .handle(serde_json::from_value(event).unwrap(), Some(deadline))
        .await;
    let late_msg = late[0].message_id().unwrap();
    assert_eq!(report.failures().collect::<Vec<_>>(), [late_msg]);
    assert!(
        matches!(report.messages[0].outcome, Outcome::Failed(_)),
        "{report:?}"
    );
    assert_eq!(good.hits(), 1, "not delivered");
    assert!(attempts(late_id).await.is_empty());
    app.close().await;
}

/// The bins with the environment deploy/template.yaml gives the functions
/// (TRIGGERS_BACKEND=aws, TRIGGERS_AWS_TABLE_PREFIX, the queue URLs,
/// TRIGGERS_MASTER_KEY_SECRET_ID): the API function answers without
/// making or printing any key; the worker function delivers a job the
/// service enqueued, sealed webhook secret opened with the master key from
/// Secrets Manager.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bins_run_on_the_aws_backend_with_the_template_environment() {
    let Some(backend) = TestBackend::aws(
        "lambda_aws::the_bins_run_on_the_aws_backend_with_the_template_environment",
    ) else {
        return;
    };
    let hex = TestBackend::random_master_key_hex();
    let arn = backend.master_key_secret(&hex).await;
    let mut setup = config(&backend);
    setup.aws.master_key = None;
    setup.aws.master_key_secret_id = Some(arn.clone());
    let app = backend.open(setup).await;
    let delivery = backend.queue_url("webhook-delivery").await;
    let mut env = backend.function_env(&arn).await;
    env.push(("TRIGGERS_WEBHOOKS_MAX_RETRIES".into(), "3".into()));
    env.push((
        "TRIGGERS_WEBHOOKS_REQUEST_TIMEOUT_MS".into(),
        "15000".into(),
    ));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    // The API function on a deployment without any key: it answers, and
    // neither makes nor prints one.
    let healthz = Sent::new("GET", "/healthz").http_api("$default");
    let runtime = RuntimeApi::start(healthz).await;
    let (path, response, output) = runtime
        .invoke_env(env!("CARGO_BIN_EXE_triggers-lambda-api"), &env)
        .await;
    assert_eq!(
        path, "/2018-06-01/runtime/invocation/req-1/response",
        "{output}"
    );
    assert_eq!(response["statusCode"], json!(200), "{response}");
    assert!(
        !app.state.keys.has_admin().await.unwrap(),
        "no key was made"
    );
    assert!(
        !output.contains("trgk_") && !output.contains(&hex),
        "{output}"
    );

    // An event through the API function (the key made as `keys create`
    // would): stored in DynamoDB and fanned out to the SQS queue before the
    // function answers.
    let key = app
        .state
        .keys
        .create(triggers_keys::KeySpec {
            account_id: ACCOUNT.into(),
            name: "ops".into(),
            role: triggers_keys::KeyRole::Admin,
            require_signature: false,
        })
        .await
        .unwrap();
    let good = Receiver::start(200).await;
    let created = app
        .state
        .webhooks
        .create(WebhookSpec::new(ACCOUNT, &good.url, EventFilter::all()))
        .await
        .unwrap();
    let webhook_id = created.webhook.webhook_id;
    let post = Sent::new("POST", "/v1/events")
        .header(
            "authorization",
            &format!("Bearer {}", key.issued.api_key.expose()),
        )
        .json(&json!({ "source": "shop", "event_type": "order.created", "payload": { "n": 1 } }))
        .http_api("$default");
    let runtime = RuntimeApi::start(post).await;
    let (_, response, output) = runtime
        .invoke_env(env!("CARGO_BIN_EXE_triggers-lambda-api"), &env)
        .await;
    assert_eq!(response["statusCode"], json!(201), "{response}\n{output}");
    let stored: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    let event_id = uuid::Uuid::parse_str(stored["event_id"].as_str().unwrap()).unwrap();
    assert!(
        app.state
            .events
            .get(ACCOUNT, event_id)
            .await
            .unwrap()
            .is_some(),
        "in DynamoDB"
    );
    for secret in ["trgk_", "trgs_", "whsec_", hex.as_str()] {
        assert!(!output.contains(secret), "{secret} in the output: {output}");
    }

    // The worker function: the job the API function enqueued, received raw.
    let sqs = backend.sqs();
    let messages = receive_raw(&sqs, &delivery, 1).await;
    assert_eq!(job_of(&messages[0]).unwrap().event_id, event_id);
    let event = sqs_event(&sqs, &delivery, &messages).await;
    let runtime = RuntimeApi::start(event).await;
    let (path, response, output) = runtime
        .invoke_env(env!("CARGO_BIN_EXE_triggers-lambda-worker"), &env)
        .await;
    assert_eq!(
        path, "/2018-06-01/runtime/invocation/req-1/response",
        "{output}"
    );
    assert_eq!(response, json!({ "batchItemFailures": [] }), "{output}");
    assert_eq!(good.hits(), 1);
    assert_eq!(sqs_counts(&sqs, &delivery).await, (0, 0, 0), "acked");
    let attempts = app
        .state
        .webhooks
        .store()
        .list_attempts(ACCOUNT, webhook_id, None, 10)
        .await
        .unwrap()
        .attempts;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].outcome, AttemptOutcome::Status(200));
    for secret in ["whsec_", hex.as_str()] {
        assert!(!output.contains(secret), "{secret} in the output: {output}");
    }
    app.close().await;
}

/// `SqsDeliveryQueue::adopt` on its own: the lease of a message received
/// raw is registered with the queue (its visibility timeout read once),
/// then settled through it like one of its own; what cannot be adopted is
/// refused with a typed error and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopt_registers_the_lease_the_lambda_service_took() {
    use triggers_webhooks::backends::sqs::{self, ReceivedMessage, SqsDeliveryQueue};
    use triggers_webhooks::queue::{DeliveryQueue, QueueError};
    use triggers_webhooks::testing::aws::{self, RequestCounter};

    let Some(url) = aws::moto_url("lambda_aws::adopt_registers_the_lease_the_lambda_service_took")
    else {
        return;
    };
    let counter = RequestCounter::new();
    let client = aws::sqs_client(&url, Some(&counter));
    let urls = sqs::create_queues(&client, &aws::unique_prefix(), 5)
        .await
        .unwrap();
    let queue = SqsDeliveryQueue::with_urls(client.clone(), &urls);
    let job = |attempt| Job {
        delivery_id: uuid::Uuid::new_v4(),
        webhook_id: uuid::Uuid::new_v4(),
        account_id: ACCOUNT.into(),
        event_id: uuid::Uuid::new_v4(),
        attempt,
        first_attempt: 1,
        not_before: None,
    };
    let (first, second) = (job(1), job(1));
    let counts_client = client.clone();
    queue
        .enqueue_batch(&[first.clone(), second.clone()], Duration::ZERO)
        .await
        .unwrap();
    let raw = receive_raw(&client, &urls.delivery, 2).await;
    fn message(m: &Message, received_at: SystemTime) -> ReceivedMessage<'_> {
        ReceivedMessage {
            message_id: m.message_id().unwrap(),
            receipt_handle: m.receipt_handle().unwrap(),
            body: m.body().unwrap(),
            receive_count: 1,
            received_at,
        }
    }
    counter.take();

    // Adopted: the job back, the visibility timeout read once (30 s, the
    // queue's default) for this value and its clones.
    let now = SystemTime::now();
    let a = queue.adopt(&message(&raw[0], now)).await.unwrap();
    let b = queue.clone().adopt(&message(&raw[1], now)).await.unwrap();
    let mut jobs = [a.job.clone(), b.job.clone()];
    jobs.sort_by_key(|j| j.delivery_id);
    let mut want = [first, second];
    want.sort_by_key(|j| j.delivery_id);
    assert_eq!(jobs, want);
    assert_eq!(a.receive_count, 1);
    assert_eq!(
        queue.visibility_timeout().await.unwrap(),
        Duration::from_secs(30)
    );
    let got = counter.take();
    assert_eq!(
        got.into_iter().collect::<Vec<_>>(),
        [("sqs:GetQueueAttributes".to_owned(), 1)],
        "one read of the visibility timeout, nothing else"
    );

    // Settled through the queue: acked (gone from SQS), then stale.
    queue.ack(&a.receipt).await.unwrap();
    assert!(matches!(
        queue.ack(&a.receipt).await,
        Err(QueueError::StaleReceipt)
    ));
    assert!(matches!(
        queue.adopt(&message(&raw[0], now)).await,
        Err(QueueError::StaleReceipt)
    ));
    // Put back as its next attempt: the old message goes, the new one waits.
    let next = Job {
        attempt: 2,
        ..b.job.clone()
    };
    queue
        .retry(&b.receipt, &next, Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(sqs_counts(&client, &urls.delivery).await, (0, 0, 1));

    // A lease already over (received longer ago than the visibility
    // timeout) is stale: not taken, nothing sent.
    let again = receive_raw(&client, &urls.delivery, 1).await;
    assert_eq!(job_of(&again[0]), Some(next));
    counter.take();
    let long_ago = SystemTime::now() - Duration::from_secs(31);
    assert!(matches!(
        queue.adopt(&message(&again[0], long_ago)).await,
        Err(QueueError::StaleReceipt)
    ));
    // A body that is not a job, an empty receipt handle: typed errors.
    let garbage = ReceivedMessage {
        body: "Message Body",
        ..message(&again[0], SystemTime::now())
    };
    assert!(matches!(
        queue.adopt(&garbage).await,
        Err(QueueError::NotAJob(_))
    ));
    let no_receipt = ReceivedMessage {
        receipt_handle: "",
        ..message(&again[0], SystemTime::now())
    };
    assert!(matches!(
        queue.adopt(&no_receipt).await,
        Err(QueueError::StaleReceipt)
    ));
    assert_eq!(counter.total(), 0, "refusals send nothing");
    // A queue told its visibility timeout never reads it.
    let told =
        SqsDeliveryQueue::with_urls(client, &urls).with_visibility_timeout(Duration::from_secs(90));
    let taken = told.adopt(&message(&again[0], long_ago)).await.unwrap();
    assert_eq!(taken.job.attempt, 2);
    assert_eq!(counter.total(), 0);
    told.ack(&taken.receipt).await.unwrap();
    assert_eq!(sqs_counts(&counts_client, &urls.delivery).await, (0, 0, 0));
}
