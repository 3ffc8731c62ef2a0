//! The outbox sweeper function (feature `lambda`): a scheduled event (the
//! EventBridge sample in `tests/fixtures/eventbridge-schedule.json`,
//! deserialized as `aws_lambda_events`' `EventBridgeEvent`) runs one pass
//! over the webhook outbox.
//!
//! Each case stores events the way the API function does (in the outbox)
//! without fanning them out, as when its inline fan-out failed, some
//! back-dated past the grace period; the sweeper fans them out to the
//! delivery queue, the delivery worker delivers them to real receivers on
//! 127.0.0.1, and what is left in the outbox and on the queue is read
//! back. On SQLite (a temporary directory), and (feature `aws`) on the moto
//! server of `scripts/moto.sh`, where the requests a pass sends are counted
//! against the template's IAM policy:
//!
//! ```text
//! scripts/moto.sh cargo test -p triggers-service --features aws,lambda --test it sweeper
//! ```

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use http::{HeaderMap, StatusCode};
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use serde_json::{Value, json};
use triggers_service::app::App;
use triggers_service::config::Config;
use triggers_service::core::dispatch::{SweepEnd, event_data};
use triggers_service::core::events::{Event, Ingested};
use triggers_service::core::time::now_micros;
use triggers_service::db::testing::new_event;
use triggers_service::lambda::sweeper::{SweepError, Sweeper, SweeperOptions};
use triggers_service::lambda::worker::{Outcome, Worker, WorkerOptions};
use triggers_sqlite::{Db, DbOptions};
use triggers_webhooks::backends::sqlite::SqliteDeliveryQueue;
use triggers_webhooks::engine::Processed;
use triggers_webhooks::queue::DeliveryQueue;
use triggers_webhooks::{EventFilter, WebhookSpec};
use uuid::Uuid;

use crate::lambda::RuntimeApi;

const FIXTURE_SCHEDULE: &str = include_str!("../fixtures/eventbridge-schedule.json");
const FIXTURE_SQS: &str = include_str!("../fixtures/sqs-event.json");
const ACCOUNT: &str = "acct_default";
/// How far back an event "whose inline fan-out failed" is dated: past the
/// default grace period (60 s).
const LONG_AGO_MICROS: i64 = 120 * 1_000_000;

// ---------------------------------------------------------------- helpers

/// A receiver on 127.0.0.1 answering 200; keeps what it got.
struct Receiver {
    url: String,
    log: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Log = Arc<Mutex<Vec<(HeaderMap, Bytes)>>>;

async fn receive(State(log): State<Log>, headers: HeaderMap, body: Bytes) -> StatusCode {
    log.lock().unwrap().push((headers, body));
    StatusCode::OK
}

impl Receiver {
    async fn start() -> Receiver {
        let log: Log = Arc::default();
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(log.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, log, task }
    }

    /// The envelope `id` (the event id) and `webhook-id` header of each
    /// request, in arrival order.
    fn deliveries(&self) -> Vec<(Uuid, String)> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .map(|(headers, body)| {
                let envelope: Value = serde_json::from_slice(body).unwrap();
                let id = Uuid::parse_str(envelope["id"].as_str().unwrap()).unwrap();
                let webhook_id = headers["webhook-id"].to_str().unwrap().to_owned();
                (id, webhook_id)
            })
            .collect()
    }
}

fn config(data_dir: &std::path::Path) -> Config {
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.to_path_buf(),
        ..Config::default()
    };
    config.webhooks.allow_private_destinations = true;
    config.webhooks.allow_http = true;
    config
}

/// A webhook of `ACCOUNT` for every event type, to `url`.
async fn webhook(app: &App, url: &str) -> Uuid {
    app.state
        .webhooks
        .create(WebhookSpec::new(ACCOUNT, url, EventFilter::all()))
        .await
        .unwrap()
        .webhook
        .webhook_id
}

/// An event stored as the API function stores it (in the outbox), received
/// at `received_at`, and not fanned out: its inline fan-out "failed".
async fn stored(app: &App, event_type: &str, received_at: i64) -> Event {
    let new = new_event(
        ACCOUNT,
        "shop",
        event_type,
        r#"{"order_id":7}"#,
        received_at,
    );
    let Ingested::Created(event) = app.state.events.ingest(new).await.unwrap() else {
        panic!("created");
    };
    event
}

/// The ids in the outbox, whatever their age.
async fn outbox(app: &App) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = app
        .state
        .events
        .undispatched(i64::MAX, 1000)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event_id)
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

/// The scheduled event of the fixture as the Lambda runtime hands it to
/// the function: the payload typed, the context with a deadline `left`
/// from now.
fn scheduled(left: Duration) -> LambdaEvent<EventBridgeEvent> {
    let payload: EventBridgeEvent =
        serde_json::from_str(FIXTURE_SCHEDULE).expect("an EventBridge scheduled event");
    assert_eq!(payload.detail_type, "Scheduled Event");
    assert_eq!(payload.source, "aws.events");
    let mut context = Context::default();
    context.request_id = "sweep-1".into();
    context.deadline = u64::try_from(
        (SystemTime::now() + left)
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    LambdaEvent::new(payload, context)
}

fn options(grace_secs: u64) -> SweeperOptions {
    SweeperOptions {
        grace: Duration::from_secs(grace_secs),
        ..SweeperOptions::default()
    }
}

/// The summary as the function answers it (JSON).
fn answered(summary: &triggers_service::lambda::sweeper::SweepSummary) -> Value {
    serde_json::to_value(summary).unwrap()
}

/// Hands every visible job of the SQLite queue to the Lambda worker as an
/// SQS batch (the fixture's record carrying each job); asserts each one
/// was delivered; returns how many.
async fn deliver_queued(app: &App, db_path: &std::path::Path) -> usize {
    let queue = SqliteDeliveryQueue::new(Db::open(db_path, DbOptions::default()).unwrap());
    let leased = queue.receive(10, Duration::from_secs(600)).await.unwrap();
    let fixture: Value = serde_json::from_str(FIXTURE_SQS).unwrap();
    let records: Vec<Value> = leased
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut r = fixture["Records"][0].clone();
            r["messageId"] = json!(format!("msg-{i}"));
            r["receiptHandle"] = json!(l.receipt.0);
            r["body"] = json!(l.job.to_message().unwrap());
            r["attributes"]["ApproximateReceiveCount"] = json!(l.receive_count.to_string());
            r
        })
        .collect();
    let event = serde_json::from_value(json!({ "Records": records })).unwrap();
    let worker = Worker::new(app.state.webhooks.clone(), WorkerOptions::default());
    let report = worker
        .handle(event, Some(SystemTime::now() + Duration::from_secs(30)))
        .await;
    assert_eq!(report.failures().count(), 0, "{report:?}");
    assert!(
        report
            .messages
            .iter()
            .all(|m| matches!(m.outcome, Outcome::Processed(Processed::Delivered))),
        "{report:?}"
    );
    report.messages.len()
}

fn queued_jobs(db: &std::path::Path) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.query_row("SELECT count(*) FROM webhook_queue", [], |r| r.get(0))
        .unwrap()
}

/// Runs SQL on the service's database from outside (a store failing).
fn sql(db: &std::path::Path, statement: &str) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c.execute_batch(statement).unwrap();
}

// ---------------------------------------------------------------- SQLite

/// An event whose inline fan-out failed is fanned out by a scheduled run,
/// delivered by the worker and taken out of the outbox; a second run finds
/// nothing; an event younger than the grace period is left alone until it
/// is old enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_run_fans_out_what_the_inline_fan_out_left() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("triggers.db");
    let app = App::open(config(dir.path())).await.unwrap();
    let receiver = Receiver::start().await;
    webhook(&app, &receiver.url).await;
    let old = stored(&app, "order.created", now_micros() - LONG_AGO_MICROS).await;
    let young = stored(&app, "order.paid", now_micros()).await;
    assert_eq!(
        outbox(&app).await,
        sorted(vec![old.event_id, young.event_id])
    );
    assert_eq!(queued_jobs(&db_path), 0, "nothing was fanned out");

    let sweeper = Sweeper::for_app(&app, options(60));
    let summary = sweeper
        .handle(scheduled(Duration::from_secs(30)))
        .await
        .unwrap();
    let answer = answered(&summary);
    assert_eq!(answer["swept"], json!(1), "{answer}");
    assert_eq!(answer["left"], json!(0), "{answer}");
    assert_eq!(answer["end"], json!("drained"), "{answer}");
    assert!(answer["received_before"].is_string(), "{answer}");
    assert_eq!(
        outbox(&app).await,
        vec![young.event_id],
        "the young one stays"
    );
    assert_eq!(queued_jobs(&db_path), 1, "one job: the old event's");

    // The worker delivers it.
    assert_eq!(deliver_queued(&app, &db_path).await, 1);
    let got = receiver.deliveries();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, old.event_id);
    assert_eq!(queued_jobs(&db_path), 0);

    // A second run: nothing old enough is left.
    let again = sweeper
        .handle(scheduled(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!((again.report.swept, again.report.left), (0, 0));
    assert_eq!(again.report.end, SweepEnd::Drained);
    assert_eq!(queued_jobs(&db_path), 0);
    assert_eq!(outbox(&app).await, vec![young.event_id]);

    // Only the grace period kept the young one: without it, it goes too.
    let no_grace = Sweeper::for_app(&app, options(0));
    let summary = no_grace
        .handle(scheduled(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!(summary.report.swept, 1);
    assert!(outbox(&app).await.is_empty());
    assert_eq!(deliver_queued(&app, &db_path).await, 1);
    let got = receiver.deliveries();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].0, young.event_id);
    app.close().await;
}

/// At least once: an event fanned out whose outbox mark was lost is fanned
/// out again by the sweeper under the same delivery id. Its receiver gets
/// it twice with the same `webhook-id`; the attempt log keeps one record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_fanned_out_but_not_marked_is_sent_again_under_the_same_ids() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("triggers.db");
    let app = App::open(config(dir.path())).await.unwrap();
    let receiver = Receiver::start().await;
    let webhook_id = webhook(&app, &receiver.url).await;
    let event = stored(&app, "order.created", now_micros() - LONG_AGO_MICROS).await;
    // The API function's fan-out went through, its mark did not.
    assert_eq!(
        app.state
            .webhooks
            .fan_out(event_data(event.clone()))
            .await
            .unwrap(),
        1
    );
    assert_eq!(outbox(&app).await, vec![event.event_id]);

    let summary = Sweeper::for_app(&app, SweeperOptions::default())
        .handle(scheduled(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!(summary.report.swept, 1);
    assert!(outbox(&app).await.is_empty());

    // Two jobs, one delivery id.
    let queue = SqliteDeliveryQueue::new(Db::open(&db_path, DbOptions::default()).unwrap());
    let jobs: Vec<_> = queue
        .receive(10, Duration::from_secs(600))
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.job)
        .collect();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    assert_eq!(jobs[0].delivery_id, jobs[1].delivery_id);
    assert_eq!(
        jobs[0].delivery_id,
        triggers_webhooks::engine::delivery_id(event.event_id, webhook_id)
    );
    assert_eq!((jobs[0].attempt, jobs[1].attempt), (1, 1));

    // Both are delivered (their inspection leases released): the same
    // event, the same webhook-id; one attempt recorded.
    assert_eq!(queue.release_leases().await.unwrap(), 2);
    assert_eq!(deliver_queued(&app, &db_path).await, 2);
    let got = receiver.deliveries();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], got[1]);
    assert_eq!(got[0].0, event.event_id);
    let attempts = app
        .state
        .webhooks
        .store()
        .list_attempts(ACCOUNT, webhook_id, None, 10)
        .await
        .unwrap()
        .attempts;
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    assert_eq!(attempts[0].attempt, 1);
    app.close().await;
}

/// A store failing: a run that cannot enqueue any job fails the invocation
/// (`NoProgress`, the events stay); a run that cannot read the outbox
/// fails with `OutboxUnreadable`; once the store is back, the next run
/// sweeps them. Typed errors, as the Lambda runtime reports them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_that_gets_nothing_done_fails_and_the_next_one_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("triggers.db");
    let app = App::open(config(dir.path())).await.unwrap();
    let receiver = Receiver::start().await;
    webhook(&app, &receiver.url).await;
    let event = stored(&app, "order.created", now_micros() - LONG_AGO_MICROS).await;
    let sweeper = Sweeper::for_app(&app, SweeperOptions::default());

    // The delivery queue is gone.
    sql(
        &db_path,
        "ALTER TABLE webhook_queue RENAME TO webhook_queue_away",
    );
    let e = sweeper
        .handle(scheduled(Duration::from_secs(30)))
        .await
        .unwrap_err();
    assert!(matches!(e, SweepError::NoProgress { left: 1, .. }), "{e:?}");
    assert_eq!(e.summary().report.swept, 0);
    let diagnostic = Diagnostic::from(e);
    assert_eq!(diagnostic.error_type, "Triggers.OutboxNoProgress");
    assert!(
        diagnostic.error_message.contains("1 event(s) are waiting"),
        "{}",
        diagnostic.error_message
    );
    assert_eq!(outbox(&app).await, vec![event.event_id], "still waiting");

    // The outbox is unreadable.
    sql(&db_path, "ALTER TABLE events RENAME TO events_away");
    let e = sweeper
        .handle(scheduled(Duration::from_secs(30)))
        .await
        .unwrap_err();
    assert!(matches!(e, SweepError::OutboxUnreadable { .. }), "{e:?}");
    assert_eq!(e.summary().report.end, SweepEnd::ReadFailed);
    assert_eq!(Diagnostic::from(e).error_type, "Triggers.OutboxUnreadable");

    // Back: the next run sweeps it, the worker delivers it.
    sql(
        &db_path,
        "ALTER TABLE events_away RENAME TO events; \
         ALTER TABLE webhook_queue_away RENAME TO webhook_queue;",
    );
    let summary = sweeper
        .handle(scheduled(Duration::from_secs(30)))
        .await
        .unwrap();
    assert_eq!((summary.report.swept, summary.report.left), (1, 0));
    assert!(outbox(&app).await.is_empty());
    assert_eq!(deliver_queued(&app, &db_path).await, 1);
    assert_eq!(receiver.deliveries()[0].0, event.event_id);
    app.close().await;
}

/// With the invocation's deadline within the margin already, nothing is
/// read or fanned out; the summary says why.
#[tokio::test]
async fn with_no_time_left_nothing_is_swept() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("triggers.db");
    let app = App::open(config(dir.path())).await.unwrap();
    let receiver = Receiver::start().await;
    webhook(&app, &receiver.url).await;
    let event = stored(&app, "order.created", now_micros() - LONG_AGO_MICROS).await;
    let summary = Sweeper::for_app(&app, SweeperOptions::default())
        .handle(scheduled(Duration::from_secs(1)))
        .await
        .unwrap();
    assert_eq!(answered(&summary)["end"], json!("deadline"), "{summary:?}");
    assert_eq!((summary.report.swept, summary.report.pages), (0, 0));
    assert_eq!(outbox(&app).await, vec![event.event_id]);
    assert_eq!(queued_jobs(&db_path), 0);
    app.close().await;
}

/// The bin against the Lambda Runtime API (as Lambda runs a custom
/// runtime), SQLite backend: the scheduled event is answered with the
/// summary; a payload that is not an EventBridge event is an invocation
/// error, nothing swept; a bad grace setting stops it at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweeper_bin_answers_scheduled_events() {
    const BIN: &str = env!("CARGO_BIN_EXE_triggers-lambda-sweeper");
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("triggers.db");
    let receiver = Receiver::start().await;
    let (old, young) = {
        let app = App::open(config(dir.path())).await.unwrap();
        webhook(&app, &receiver.url).await;
        let old = stored(&app, "order.created", now_micros() - LONG_AGO_MICROS).await;
        let young = stored(&app, "order.paid", now_micros()).await;
        app.close().await;
        (old, young)
    };
    let data_dir = dir.path().to_str().unwrap();
    let env = |grace: &'static str| {
        [
            ("TRIGGERS_BACKEND", "sqlite"),
            ("TRIGGERS_DATA_DIR", data_dir),
            ("TRIGGERS_SWEEPER_GRACE_SECS", grace),
        ]
    };

    // Not a scheduled event: refused by the runtime, nothing swept.
    let sqs: Value = serde_json::from_str(FIXTURE_SQS).unwrap();
    let runtime = RuntimeApi::start(sqs).await;
    let (path, answer, output) = runtime.invoke_env(BIN, &env("60")).await;
    assert_eq!(
        path, "/2018-06-01/runtime/invocation/req-1/error",
        "{answer}\n{output}"
    );
    assert!(answer["errorMessage"].is_string(), "{answer}");
    assert_eq!(queued_jobs(&db_path), 0);

    let schedule: Value = serde_json::from_str(FIXTURE_SCHEDULE).unwrap();
    let runtime = RuntimeApi::start(schedule).await;
    let (path, answer, output) = runtime.invoke_env(BIN, &env("60")).await;
    assert_eq!(
        path, "/2018-06-01/runtime/invocation/req-1/response",
        "{output}"
    );
    assert_eq!(answer["swept"], json!(1), "{answer}\n{output}");
    assert_eq!(answer["left"], json!(0), "{answer}");
    assert_eq!(answer["end"], json!("drained"), "{answer}");
    assert_eq!(queued_jobs(&db_path), 1);

    let app = App::open(config(dir.path())).await.unwrap();
    assert_eq!(outbox(&app).await, vec![young.event_id]);
    assert_eq!(deliver_queued(&app, &db_path).await, 1);
    assert_eq!(receiver.deliveries()[0].0, old.event_id);
    app.close().await;

    // A grace period that is not whole seconds: a clear error at start.
    let out = std::process::Command::new(BIN)
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .env("AWS_LAMBDA_FUNCTION_NAME", "triggers")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .envs(env("a minute"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("TRIGGERS_SWEEPER_GRACE_SECS must be whole seconds"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------- moto

#[cfg(feature = "aws")]
mod on_aws {
    use std::collections::BTreeMap;

    use crate::lambda_aws::receive_raw;
    use triggers_service::db::dynamodb::DynamoEventStore;
    use triggers_webhooks::backends::dynamodb::DynamoWebhookStore;
    use triggers_webhooks::backends::sqs::{QueueUrls, SqsDeliveryQueue};
    use triggers_webhooks::queue::Job;
    use triggers_webhooks::testing::aws::{self, RequestCounter};

    use super::*;
    use crate::backend::{TestBackend, sqs_counts};

    fn config(backend: &TestBackend) -> Config {
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Config::default()
        };
        backend.configure(&mut config);
        config.webhooks.allow_private_destinations = true;
        config.webhooks.allow_http = true;
        config
    }

    /// The SQS event the Lambda service builds from `messages`.
    fn sqs_event(messages: &[aws_sdk_sqs::types::Message]) -> Value {
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
                    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:webhook-delivery",
                    "awsRegion": "us-east-1",
                })
            })
            .collect();
        json!({ "Records": records })
    }

    fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    /// What the sweeper function's role allows (deploy/template.yaml,
    /// SweeperRole), as the requests the SDK sends are named.
    const ALLOWED: [&str; 4] = [
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:UpdateItem",
        "sqs:SendMessageBatch",
    ];

    /// On DynamoDB + SQS: a scheduled run fans the old event out to the SQS
    /// queue, the Lambda worker delivers it, it leaves the outbox; a second
    /// run finds nothing; the young event stays. Then the requests of a
    /// run, counted: only what the sweeper's IAM role allows, and an idle
    /// run is one `Query` per outbox shard.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_dynamodb_and_sqs_a_run_sweeps_with_only_what_its_role_allows() {
        let Some(backend) = TestBackend::aws(
            "sweeper::on_aws::on_dynamodb_and_sqs_a_run_sweeps_with_only_what_its_role_allows",
        ) else {
            return;
        };
        let TestBackend::Aws { url, prefix } = &backend else {
            unreachable!()
        };
        let config = config(&backend);
        let app = backend.open(config.clone()).await;
        let receiver = Receiver::start().await;
        webhook(&app, &receiver.url).await;
        let old = stored(&app, "order.created", now_micros() - LONG_AGO_MICROS).await;
        let young = stored(&app, "order.paid", now_micros()).await;
        let sqs = backend.sqs();
        let delivery = backend.queue_url("webhook-delivery").await;
        assert_eq!(sqs_counts(&sqs, &delivery).await, (0, 0, 0));

        // The function's path: the App the bin opens, the fixture's event.
        let sweeper = Sweeper::for_app(&app, SweeperOptions::default());
        let summary = sweeper
            .handle(scheduled(Duration::from_secs(30)))
            .await
            .unwrap();
        assert_eq!(
            (
                summary.report.swept,
                summary.report.left,
                summary.report.end
            ),
            (1, 0, SweepEnd::Drained)
        );
        assert_eq!(outbox(&app).await, vec![young.event_id]);

        // The Lambda worker delivers the job the sweeper enqueued.
        let messages = receive_raw(&sqs, &delivery, 1).await;
        let job = Job::from_message(messages[0].body().unwrap()).unwrap();
        assert_eq!(job.event_id, old.event_id);
        let worker = Worker::for_app(&app, WorkerOptions::default());
        let report = worker
            .handle(
                serde_json::from_value(sqs_event(&messages)).unwrap(),
                Some(SystemTime::now() + Duration::from_secs(30)),
            )
            .await;
        assert_eq!(report.failures().count(), 0, "{report:?}");
        let got = receiver.deliveries();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, old.event_id);
        assert_eq!(sqs_counts(&sqs, &delivery).await, (0, 0, 0), "acked");

        // Nothing old enough is left.
        let again = sweeper
            .handle(scheduled(Duration::from_secs(30)))
            .await
            .unwrap();
        assert_eq!((again.report.swept, again.report.left), (0, 0));
        assert_eq!(sqs_counts(&sqs, &delivery).await, (0, 0, 0));
        assert_eq!(outbox(&app).await, vec![young.event_id]);

        // The same pass over clients that count their requests.
        let counter = RequestCounter::new();
        let dynamo = aws::dynamodb_client(url, Some(&counter));
        let events: Arc<dyn triggers_service::core::events::EventStore> =
            Arc::new(DynamoEventStore::new(dynamo.clone(), prefix));
        let urls = QueueUrls {
            delivery: delivery.clone(),
            dead_letter: backend.queue_url("webhook-dlq").await,
        };
        let queue = SqsDeliveryQueue::with_urls(aws::sqs_client(url, Some(&counter)), &urls);
        let engine = triggers_service::app::webhook_engine(
            &config.webhooks,
            Arc::new(DynamoWebhookStore::new(dynamo, prefix)),
            Arc::new(queue),
            events.clone(),
            triggers_keys::MasterKey::generate(),
        )
        .unwrap();
        let counted = Sweeper::new(events, engine, SweeperOptions::default());
        let another = stored(&app, "order.shipped", now_micros() - LONG_AGO_MICROS).await;
        counter.take();
        let summary = counted.sweep(None).await;
        assert_eq!(summary.report.swept, 1);
        let busy = counter.take();
        assert!(
            busy.keys().all(|op| ALLOWED.contains(&op.as_str())),
            "a request the sweeper's role does not allow: {busy:?}"
        );
        // 4 outbox shards + the account's webhooks; the page; the jobs;
        // the mark.
        assert_eq!(
            busy,
            counts(&[
                ("dynamodb:Query", 5),
                ("dynamodb:BatchGetItem", 1),
                ("sqs:SendMessageBatch", 1),
                ("dynamodb:UpdateItem", 1),
            ])
        );
        let idle = counted.sweep(None).await;
        assert_eq!((idle.report.swept, idle.report.end), (0, SweepEnd::Drained));
        assert_eq!(
            counter.take(),
            counts(&[("dynamodb:Query", 4)]),
            "an idle run: one Query per outbox shard"
        );
        let messages = receive_raw(&sqs, &delivery, 1).await;
        assert_eq!(
            Job::from_message(messages[0].body().unwrap())
                .unwrap()
                .event_id,
            another.event_id
        );
        app.close().await;
    }

    /// The bin with the environment deploy/template.yaml gives the sweeper
    /// (TRIGGERS_BACKEND=aws, the table prefix, the queue URLs, the master
    /// key secret, TRIGGERS_SWEEPER_GRACE_SECS): it answers the scheduled
    /// event with its summary, the job is on the SQS queue, and nothing
    /// secret is printed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_sweeper_bin_runs_with_the_template_environment() {
        let Some(backend) =
            TestBackend::aws("sweeper::on_aws::the_sweeper_bin_runs_with_the_template_environment")
        else {
            return;
        };
        let hex = TestBackend::random_master_key_hex();
        let arn = backend.master_key_secret(&hex).await;
        let mut setup = config(&backend);
        setup.aws.master_key = None;
        setup.aws.master_key_secret_id = Some(arn.clone());
        let app = backend.open(setup).await;
        let receiver = Receiver::start().await;
        webhook(&app, &receiver.url).await;
        let old = stored(&app, "order.created", now_micros() - LONG_AGO_MICROS).await;
        let young = stored(&app, "order.paid", now_micros()).await;
        let delivery = backend.queue_url("webhook-delivery").await;
        let mut env = backend.function_env(&arn).await;
        env.push(("TRIGGERS_SWEEPER_GRACE_SECS".into(), "60".into()));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let schedule: Value = serde_json::from_str(FIXTURE_SCHEDULE).unwrap();
        let runtime = RuntimeApi::start(schedule).await;
        let (path, answer, output) = runtime
            .invoke_env(env!("CARGO_BIN_EXE_triggers-lambda-sweeper"), &env)
            .await;
        assert_eq!(
            path, "/2018-06-01/runtime/invocation/req-1/response",
            "{output}"
        );
        assert_eq!(
            (&answer["swept"], &answer["left"], &answer["end"]),
            (&json!(1), &json!(0), &json!("drained")),
            "{answer}\n{output}"
        );
        assert!(
            output.contains("fanned out events left in the outbox"),
            "{output}"
        );
        for secret in ["whsec_", hex.as_str()] {
            assert!(!output.contains(secret), "{secret} in the output: {output}");
        }
        let sqs = backend.sqs();
        let messages = receive_raw(&sqs, &delivery, 1).await;
        assert_eq!(
            Job::from_message(messages[0].body().unwrap())
                .unwrap()
                .event_id,
            old.event_id
        );
        assert_eq!(outbox(&app).await, vec![young.event_id]);
        app.close().await;
    }
}
