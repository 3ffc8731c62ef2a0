//! The AWS backends of the service on a moto server:
//!
//! ```text
//! scripts/moto.sh cargo test -p triggers-service --features aws --test it aws -- --nocapture
//! ```
//!
//! - the DynamoDB event store through the shared `EventStore` suite (each
//!   check on its own tables);
//! - every table of a deployment created at once, idempotently;
//! - the AWS requests of the event pipeline, counted per operation
//!   (ingest, fan-out, one delivery attempt, ack) and asserted: the
//!   figures of the cost model.
//!
//! Without TRIGGERS_TEST_MOTO_URL the tests skip loudly.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use triggers_keys::MasterKey;
use triggers_service::core::dispatch::{StoreEvents, event_data};
use triggers_service::core::events::{EventStore, Ingested};
use triggers_service::db::dynamodb::{self, DynamoEventStore};
use triggers_service::db::testing;
use triggers_webhooks::backends::dynamodb::DynamoWebhookStore;
use triggers_webhooks::backends::sqs::{self, SqsDeliveryQueue};
use triggers_webhooks::client::DeliveryClient;
use triggers_webhooks::engine::{EngineConfig, Webhooks};
use triggers_webhooks::queue::DeliveryQueue;
use triggers_webhooks::store::WebhookStore;
use triggers_webhooks::testing::aws::{self, RequestCounter};
use triggers_webhooks::{EventFilter, UrlPolicy, WebhookSpec};

async fn fresh_store(url: &str) -> DynamoEventStore {
    let store = DynamoEventStore::new(aws::dynamodb_client(url, None), &aws::unique_prefix());
    store.create_tables().await.unwrap();
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_event_store_passes_the_whole_suite() {
    let Some(url) = aws::moto_url("dynamodb_event_store_passes_the_whole_suite") else {
        return;
    };
    let n = AtomicUsize::new(0);
    testing::run_all(|| {
        n.fetch_add(1, Ordering::SeqCst);
        fresh_store(&url)
    })
    .await;
    assert_eq!(
        n.load(Ordering::SeqCst),
        6,
        "every check ran on its own tables"
    );
}

macro_rules! checks {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(url) = aws::moto_url(concat!("aws::", stringify!($name))) else {
                return;
            };
            testing::$name(&fresh_store(&url).await).await;
        }
    )*};
}

checks!(
    ingest_and_get_round_trip,
    idempotency_key_returns_the_original_within_24h,
    concurrent_ingests_with_one_key_store_one_event,
    inbox_pages_oldest_first_with_filters,
    ack_is_idempotent_and_account_scoped,
    outbox_holds_new_events_until_dispatched,
);

/// One outbox partition or many: the same answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_works_on_one_shard_and_on_many() {
    let Some(url) = aws::moto_url("the_outbox_works_on_one_shard_and_on_many") else {
        return;
    };
    for shards in [1, 16] {
        let store = fresh_store(&url).await.with_outbox_shards(shards);
        testing::outbox_holds_new_events_until_dispatched(&store).await;
    }
}

/// Every table of a deployment, created twice: the second time changes
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_all_tables_is_idempotent() {
    let Some(url) = aws::moto_url("create_all_tables_is_idempotent") else {
        return;
    };
    let client = aws::dynamodb_client(&url, None);
    let prefix = aws::unique_prefix();
    dynamodb::create_all_tables(&client, &prefix).await.unwrap();
    dynamodb::create_all_tables(&client, &prefix).await.unwrap();
    let mut names: Vec<String> = client
        .list_tables()
        .send()
        .await
        .unwrap()
        .table_names()
        .iter()
        .filter(|n| n.starts_with(&prefix))
        .cloned()
        .collect();
    names.sort();
    let want: Vec<String> = [
        "analytics",
        "attempts",
        "dead-letters",
        "events",
        "keys",
        "webhooks",
    ]
    .iter()
    .map(|t| format!("{prefix}{t}"))
    .collect();
    assert_eq!(names, want);
    let ttl = client
        .describe_time_to_live()
        .table_name(format!("{prefix}events"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|d| d.attribute_name()),
        Some(dynamodb::TTL_ATTRIBUTE)
    );
}

/// A webhook receiver on 127.0.0.1 that answers 200 and counts the
/// requests.
async fn receiver() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), hits)
}

fn engine(
    store: Arc<dyn WebhookStore>,
    queue: Arc<dyn DeliveryQueue>,
    events: Arc<dyn EventStore>,
    master: MasterKey,
) -> Webhooks {
    let policy = UrlPolicy {
        allow_http: true,
        allow_private: true,
    };
    let config = EngineConfig {
        url_policy: policy,
        // Long enough for the whole test: the cached list of an account's
        // webhooks is reused (as between close events in production).
        cache_ttl: Duration::from_secs(600),
        ..EngineConfig::default()
    };
    let client = DeliveryClient::builder().policy(policy).build().unwrap();
    Webhooks::new(
        store,
        queue,
        Arc::new(StoreEvents(events)),
        client,
        master,
        config,
    )
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

fn show(what: &str, got: &BTreeMap<String, u64>) {
    let total: u64 = got.values().sum();
    eprintln!("AWS requests: {what:<48} {total:>2}  {got:?}");
}

/// The AWS requests of one event's way through the service, counted per
/// operation on the wire (an SDK interceptor) and asserted:
///
/// | step | requests |
/// |---|---|
/// | ingest, no idempotency key | 1 (`PutItem`) |
/// | ingest, with a key | 1 (`TransactWriteItems`) |
/// | ingest, a retry with the same key | 2 (`TransactWriteItems` refused, `GetItem` of the original) |
/// | fan-out to one webhook, the account's webhook list cached / not | 2 / 3 (`SendMessageBatch`, outbox `UpdateItem`, + `Query`) |
/// | one delivery attempt, same process as the fan-out / a fresh worker | 3 / 5 (`ReceiveMessage`, attempt `PutItem`, `DeleteMessage`, + webhooks `Query`, event `GetItem`) |
/// | ack | 1 (`UpdateItem`) |
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_per_operation() {
    let Some(url) = aws::moto_url("requests_per_operation") else {
        return;
    };
    let counter = RequestCounter::new();
    let prefix = aws::unique_prefix();
    let dynamo = aws::dynamodb_client(&url, Some(&counter));
    let sqs_client = aws::sqs_client(&url, Some(&counter));
    dynamodb::create_all_tables(&dynamo, &prefix).await.unwrap();
    let urls = sqs::create_queues(&sqs_client, &prefix, 5).await.unwrap();
    let events: Arc<dyn EventStore> = Arc::new(DynamoEventStore::new(dynamo.clone(), &prefix));
    let store: Arc<dyn WebhookStore> = Arc::new(DynamoWebhookStore::new(dynamo.clone(), &prefix));
    let queue: Arc<dyn DeliveryQueue> = Arc::new(SqsDeliveryQueue::with_urls(sqs_client, &urls));
    let master = MasterKey::generate();
    let webhooks = engine(store.clone(), queue.clone(), events.clone(), master.clone());
    let (hook_url, hits) = receiver().await;
    counter.take();

    let created = webhooks
        .create(WebhookSpec::new("acct_cost", &hook_url, EventFilter::all()))
        .await
        .unwrap();
    let got = counter.take();
    show("create a webhook", &got);
    assert_eq!(got, counts(&[("dynamodb:TransactWriteItems", 1)]));

    // Ingest.
    let new = |key: Option<&str>| {
        let mut e = testing::new_event(
            "acct_cost",
            "shop",
            "order.created",
            r#"{"order_id":42}"#,
            triggers_service::core::time::now_micros(),
        );
        e.idempotency_key = key.map(str::to_owned);
        e
    };
    let Ingested::Created(plain) = events.ingest(new(None)).await.unwrap() else {
        panic!("created");
    };
    let got = counter.take();
    show("ingest one event (no idempotency key)", &got);
    assert_eq!(got, counts(&[("dynamodb:PutItem", 1)]));

    let keyed = new(Some("order-42"));
    let Ingested::Created(event) = events.ingest(keyed.clone()).await.unwrap() else {
        panic!("created");
    };
    let got = counter.take();
    show("ingest one event (idempotency key)", &got);
    assert_eq!(got, counts(&[("dynamodb:TransactWriteItems", 1)]));

    let mut retry = keyed.clone();
    retry.event_id = uuid::Uuid::new_v4();
    assert!(matches!(
        events.ingest(retry).await.unwrap(),
        Ingested::Duplicate(_)
    ));
    let got = counter.take();
    show("ingest a retry (same key)", &got);
    assert_eq!(
        got,
        counts(&[("dynamodb:TransactWriteItems", 1), ("dynamodb:GetItem", 1)])
    );

    // One delivery attempt: received, the webhook and the event looked up,
    // POSTed, recorded, acked.
    let deliver = |worker: Webhooks, what: &'static str| {
        let queue = queue.clone();
        let hits = hits.clone();
        let counter = counter.clone();
        async move {
            let before = hits.load(Ordering::SeqCst);
            let mut leased = queue.receive(10, Duration::from_secs(30)).await.unwrap();
            assert_eq!(leased.len(), 1, "{what}: one job");
            worker.process(leased.remove(0)).await;
            assert_eq!(hits.load(Ordering::SeqCst), before + 1, "{what}: one POST");
            let got = counter.take();
            show(what, &got);
            got
        }
    };

    // Fan-out, as the dispatcher does it: enqueue, then leave the outbox.
    // `create` dropped the engine's list of the account's webhooks: it is
    // read again.
    assert_eq!(
        webhooks.fan_out(event_data(event.clone())).await.unwrap(),
        1
    );
    events.mark_dispatched(&[event.event_id]).await.unwrap();
    let got = counter.take();
    show("fan out one event to 1 webhook (list not cached)", &got);
    assert_eq!(
        got,
        counts(&[
            ("dynamodb:Query", 1),
            ("sqs:SendMessageBatch", 1),
            ("dynamodb:UpdateItem", 1)
        ])
    );
    // Delivered by the same engine: the webhook and the event are in memory.
    let got = deliver(
        webhooks.clone(),
        "deliver one attempt (same process as the fan-out)",
    )
    .await;
    assert_eq!(
        got,
        counts(&[
            ("sqs:ReceiveMessage", 1),
            ("dynamodb:PutItem", 1),
            ("sqs:DeleteMessage", 1)
        ])
    );

    // The next event of the account: its webhook list is cached now.
    assert_eq!(
        webhooks.fan_out(event_data(plain.clone())).await.unwrap(),
        1
    );
    events.mark_dispatched(&[plain.event_id]).await.unwrap();
    let got = counter.take();
    show("fan out one event to 1 webhook (list cached)", &got);
    assert_eq!(
        got,
        counts(&[("sqs:SendMessageBatch", 1), ("dynamodb:UpdateItem", 1)])
    );
    // Delivered by a fresh worker (a Lambda invocation): it reads the
    // account's webhooks and the event.
    let fresh = engine(store.clone(), queue.clone(), events.clone(), master.clone());
    let got = deliver(fresh, "deliver one attempt (fresh worker)").await;
    assert_eq!(
        got,
        counts(&[
            ("sqs:ReceiveMessage", 1),
            ("dynamodb:Query", 1),
            ("dynamodb:GetItem", 1),
            ("dynamodb:PutItem", 1),
            ("sqs:DeleteMessage", 1)
        ])
    );

    // Both attempts were recorded, and nothing is left to deliver.
    let attempts = store
        .list_attempts("acct_cost", created.webhook.webhook_id, None, 10)
        .await
        .unwrap();
    assert_eq!(attempts.attempts.len(), 2);
    assert!(
        queue
            .receive(10, Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    counter.take();

    // Ack.
    let acked = events
        .ack("acct_cost", event.event_id, event.received_at + 1)
        .await
        .unwrap();
    assert!(acked.is_some_and(|e| e.acked_at.is_some()));
    let got = counter.take();
    show("ack one event", &got);
    assert_eq!(got, counts(&[("dynamodb:UpdateItem", 1)]));

    // Reads, for completeness.
    events
        .get("acct_cost", plain.event_id)
        .await
        .unwrap()
        .unwrap();
    let got = counter.take();
    show("get one event", &got);
    assert_eq!(got, counts(&[("dynamodb:GetItem", 1)]));
    let page = events
        .inbox(
            "acct_cost",
            &triggers_service::core::events::InboxQuery {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.events.len(), 1);
    let got = counter.take();
    show("read the inbox (one page)", &got);
    assert_eq!(
        got,
        counts(&[("dynamodb:Query", 1), ("dynamodb:BatchGetItem", 1)])
    );
}

/// The production configuration path ([`dynamodb::load_sdk_config`]: the
/// environment's credentials and region, the rustls HTTPS client) reaches
/// DynamoDB. Runs in a child process of this test binary, with the AWS
/// variables set there (credentials `test`, region `us-east-1`, instance
/// metadata disabled, no profile files): nothing but the moto endpoint is
/// ever contacted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deployment_config_reaches_dynamodb() {
    const NAME: &str = "aws::the_deployment_config_reaches_dynamodb";
    let Some(url) = aws::moto_url(NAME) else {
        return;
    };
    if std::env::var_os("TRIGGERS_TEST_AWS_CHILD").is_none() {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--nocapture"])
            .env("TRIGGERS_TEST_AWS_CHILD", "1")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent/triggers-test")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/triggers-test")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
            .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
            .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
            .status()
            .unwrap();
        assert!(status.success(), "the child test failed: {status}");
        return;
    }
    let config = dynamodb::load_sdk_config(Some(&url)).await;
    assert_eq!(config.region().map(|r| r.as_ref()), Some("us-east-1"));
    let client = aws_sdk_dynamodb::Client::new(&config);
    let prefix = aws::unique_prefix();
    dynamodb::create_all_tables(&client, &prefix).await.unwrap();
    let store = DynamoEventStore::new(client, &prefix);
    testing::ack_is_idempotent_and_account_scoped(&store).await;
}
