//! The analytics stream consumer (features `aws` and `lambda`), on the moto
//! server of `scripts/moto.sh`:
//!
//! ```text
//! scripts/moto.sh cargo test -p triggers-service --features aws,lambda --test it lambda_analytics
//! ```
//!
//! Every item comes from the real store code (the service's event store and
//! the webhook store on DynamoDB), and every stream record from moto's
//! DynamoDB Streams (`GetRecords` on the tables' NEW_IMAGE streams, with the
//! `eventSourceARN` Lambda adds): no hand-written item JSON that could
//! drift from what the stores write. The per-table mapping functions are
//! checked on the raw items read back (`Scan`), the handler and the
//! `triggers-lambda-analytics` bin on the stream batches, and what ends up in
//! the analytics table is compared with the in-process host's fold of the
//! same facts.
//!
//! Without TRIGGERS_TEST_MOTO_URL the moto tests skip loudly.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::Event;
use aws_sdk_dynamodb::primitives::Blob;
use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, StreamSpecification, StreamViewType};
use serde_json::{Value, json};
use triggers_analytics::backends::dynamodb::DynamoAnalyticsStore;
use triggers_analytics::store::{AnalyticsStore, covering, list_all};
use triggers_analytics::{
    Aggregates, DAY_US, DeadLetterReason as AnalyticsReason, FailureKind as AnalyticsFailure,
    Granularity, Outcome, Record, Summary, TimeRange, fold, summary,
};
use triggers_keys::backends::dynamodb::support::Item;
use triggers_service::core::analytics as host;
use triggers_service::core::events::{Event as StoredEvent, Ingested};
use triggers_service::db::dynamodb::{attempt_record, dead_letter_record, event_record};
use triggers_service::db::testing::new_event;
use triggers_service::lambda::analytics::{
    AnalyticsConsumer, BatchSummary, StreamTable, StreamTables, parse_event,
};
use triggers_webhooks::backends::dynamodb::EVENT_RECEIVED_AT;
use triggers_webhooks::{
    Attempt, AttemptOutcome, DeadLetter, DeadLetterReason, Delivery, DeliveryStatus, FailureKind,
};
use uuid::Uuid;

use crate::backend::TestBackend;
use crate::lambda::RuntimeApi;

const ACCOUNT: &str = "acct_stream";
/// A minute boundary (2026-09-21T…Z), Unix microseconds: the facts are
/// placed at fixed times after it.
const T0: i64 = 1_790_000_040_000_000;
const SEC: i64 = 1_000_000;

/// The DynamoDB Streams sample of the `aws_lambda_events` crate
/// (`src/fixtures/example-dynamodb-event.json`, AWS's documented example):
/// two INSERTs of a table this function does not fold.
const SAMPLE: &str = r#"{
  "Records": [
    {
      "eventID": "f07f8ca4b0b26cb9c4e5e77e69f274ee",
      "eventName": "INSERT",
      "eventVersion": "1.1",
      "eventSource": "aws:dynamodb",
      "awsRegion": "us-east-1",
      "userIdentity": { "type": "Service", "principalId": "dynamodb.amazonaws.com" },
      "dynamodb": {
        "ApproximateCreationDateTime": 1480642020,
        "Keys": { "val": { "S": "data" }, "key": { "S": "binary" } },
        "NewImage": {
          "val": { "S": "data" },
          "asdf1": { "B": "AAEqQQ==" },
          "asdf2": { "BS": ["AAEqQQ==", "QSoBAA=="] },
          "key": { "S": "binary" }
        },
        "SequenceNumber": "1405400000000002063282832",
        "SizeBytes": 54,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
      },
      "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/Example-Table/stream/2016-12-01T00:00:00.000"
    },
    {
      "eventID": "f07f8ca4b0b26cb9c4e5e77e42f274ee",
      "eventName": "INSERT",
      "eventVersion": "1.1",
      "eventSource": "aws:dynamodb",
      "awsRegion": "us-east-1",
      "dynamodb": {
        "ApproximateCreationDateTime": 1480642020,
        "Keys": { "val": { "S": "data" }, "key": { "S": "binary" } },
        "NewImage": {
          "val": { "S": "data" },
          "asdf1": { "B": "AAEqQQ==" },
          "b2": { "B": "test" },
          "asdf2": { "BS": ["AAEqQQ==", "QSoBAA==", "AAEqQQ=="] },
          "key": { "S": "binary" },
          "Binary": { "B": "AAEqQQ==" },
          "Boolean": { "BOOL": true },
          "BinarySet": { "BS": ["AAEqQQ==", "AAEqQQ=="] },
          "List": { "L": [{ "S": "Cookies" }, { "S": "Coffee" }, { "N": "3.14159" }] },
          "Map": { "M": { "Name": { "S": "Joe" }, "Age": { "N": "35" } } },
          "FloatNumber": { "N": "123.45" },
          "IntegerNumber": { "N": "123" },
          "NumberSet": { "NS": ["1234", "567.8"] },
          "Null": { "NULL": true },
          "String": { "S": "Hello" },
          "StringSet": { "SS": ["Giraffe", "Zebra"] },
          "EmptyStringSet": { "SS": [] }
        },
        "SequenceNumber": "1405400000000002063282832",
        "SizeBytes": 54,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
      },
      "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/Example-Table/stream/2016-12-01T00:00:00.000"
    }
  ]
}"#;

/// An analytics store on SQLite in a temporary directory (for tests that
/// must not reach a store).
async fn sqlite_store() -> (tempfile::TempDir, Arc<dyn AnalyticsStore>) {
    let dir = tempfile::tempdir().unwrap();
    let db = triggers_sqlite::Db::open(
        dir.path().join("a.db"),
        triggers_sqlite::DbOptions::default(),
    )
    .unwrap();
    let store = triggers_analytics::backends::sqlite::SqliteAnalyticsStore::new(db);
    store.migrate().await.unwrap();
    (dir, Arc::new(store))
}

#[tokio::test]
async fn the_sample_stream_payload_deserializes_and_foreign_tables_are_skipped() {
    let event: Event = serde_json::from_str(SAMPLE).unwrap();
    assert_eq!(event.records.len(), 2);
    assert_eq!(event.records[0].event_name, "INSERT");
    assert_eq!(event.records[1].change.new_image.len(), 17);

    let (_dir, store) = sqlite_store().await;
    let consumer = AnalyticsConsumer::new(store.clone(), StreamTables::new("triggers-api-"));
    let summary = consumer
        .handle_json(serde_json::from_str(SAMPLE).unwrap())
        .await
        .unwrap();
    assert_eq!(
        summary,
        BatchSummary {
            records: 2,
            skipped: 2,
            ..BatchSummary::default()
        }
    );
    // The same records as if they came from this deployment's events
    // table: read, and refused as items of another shape.
    let ours = SAMPLE.replace("table/Example-Table/", "table/triggers-api-events/");
    let summary = consumer
        .handle_json(serde_json::from_str(&ours).unwrap())
        .await
        .unwrap();
    assert_eq!((summary.records, summary.skipped, summary.facts), (2, 2, 0));
    let range = TimeRange::new(0, DAY_US * 30_000).unwrap();
    assert!(
        list_all(&*store, ACCOUNT, Granularity::Minute, range)
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------- pure parts

#[test]
fn tables_are_told_by_their_stream_arn() {
    let t = StreamTables::new("p-");
    let arn = |name: &str| {
        format!(
            "arn:aws:dynamodb:eu-west-1:123456789012:table/{name}/stream/2026-01-01T00:00:00.000"
        )
    };
    assert_eq!(t.table_of(&arn("p-events")), Some(StreamTable::Events));
    assert_eq!(t.table_of(&arn("p-attempts")), Some(StreamTable::Attempts));
    assert_eq!(
        t.table_of(&arn("p-dead-letters")),
        Some(StreamTable::DeadLetters)
    );
    for other in ["p-keys", "p-webhooks", "q-events", "events", "p-events2"] {
        assert_eq!(t.table_of(&arn(other)), None, "{other}");
    }
    assert_eq!(
        t.table_of("arn:aws:dynamodb:eu-west-1:123456789012:table/p-events"),
        Some(StreamTable::Events)
    );
    for bad in ["", "arn", "arn:aws:dynamodb:x:y:index/p-events", "p-events"] {
        assert_eq!(t.table_of(bad), None, "{bad}");
    }
}

#[test]
fn only_inserts_and_dead_letter_modifications_count() {
    use StreamTable::*;
    for table in [Events, Attempts, DeadLetters] {
        assert_eq!(table.counts("INSERT"), Some(true));
        assert_eq!(table.counts("REMOVE"), Some(false));
        assert_eq!(table.counts("insert"), None);
        assert_eq!(table.counts(""), None);
    }
    assert_eq!(Events.counts("MODIFY"), Some(false));
    assert_eq!(Attempts.counts("MODIFY"), Some(false));
    assert_eq!(DeadLetters.counts("MODIFY"), Some(true));
}

/// A stream image as the consumer reads it: parsed by serde_dynamo (as
/// `parse_event` does), then in the SDK's form.
fn item_of_image(image: &Value) -> Result<HashMap<String, AttributeValue>, String> {
    serde_json::from_value::<serde_dynamo::Item>(image.clone())
        .map(Into::into)
        .map_err(|e| e.to_string())
}

#[test]
fn images_convert_every_dynamodb_type() {
    let image = serde_json::json!({
        "s": {"S": "x"}, "n": {"N": "-1.5"}, "b": {"B": "AAEqQQ=="},
        "t": {"BOOL": true}, "z": {"NULL": true},
        "m": {"M": {"k": {"S": "v"}}}, "l": {"L": [{"N": "1"}, {"S": "a"}]},
        "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AQ==", "Ag=="]},
    });
    let item = item_of_image(&image).unwrap();
    assert_eq!(item["s"], AttributeValue::S("x".into()));
    assert_eq!(item["n"], AttributeValue::N("-1.5".into()));
    assert_eq!(item["b"], AttributeValue::B(Blob::new(vec![0, 1, 42, 65])));
    assert_eq!(item["t"], AttributeValue::Bool(true));
    assert_eq!(item["z"], AttributeValue::Null(true));
    assert_eq!(
        item["m"],
        AttributeValue::M([("k".to_owned(), AttributeValue::S("v".into()))].into())
    );
    assert_eq!(
        item["l"],
        AttributeValue::L(vec![
            AttributeValue::N("1".into()),
            AttributeValue::S("a".into())
        ])
    );
    assert_eq!(item["ss"], AttributeValue::Ss(vec!["a".into(), "b".into()]));
    assert_eq!(item["ns"], AttributeValue::Ns(vec!["1".into(), "2".into()]));
    assert_eq!(
        item["bs"],
        AttributeValue::Bs(vec![Blob::new(vec![1]), Blob::new(vec![2])])
    );
}

#[test]
fn malformed_images_are_skipped_records_not_failures() {
    for image in [
        serde_json::json!([]),
        serde_json::json!({"a": "secret"}),
        serde_json::json!({"a": {"S": "x", "N": "1"}}),
        serde_json::json!({"a": {"X": "secret"}}),
        serde_json::json!({"a": {"S": 1}}),
        serde_json::json!({"a": {"B": "secret!"}}),
        serde_json::json!({"a": {"M": {"b": {"BOOL": "secret"}}}}),
    ] {
        assert!(item_of_image(&image).is_err(), "{image}");
        let (event, skipped) = parse_event(serde_json::json!({"Records": [
            {"eventID": "1", "eventName": "INSERT", "awsRegion": "us-east-1",
             "dynamodb": {"SizeBytes": 1, "NewImage": image}},
        ]}));
        assert_eq!((event.records.len(), skipped), (0, 1), "{image}");
    }
}

#[test]
fn payloads_that_are_not_batches_are_skipped_not_fatal() {
    let (event, skipped) = parse_event(serde_json::json!({"detail-type": "x"}));
    assert_eq!((event.records.len(), skipped), (0, 1));
    let (event, skipped) = parse_event(serde_json::json!("x"));
    assert_eq!((event.records.len(), skipped), (0, 1));
    let (event, skipped) = parse_event(serde_json::json!({"Records": [
        {"eventID": "1", "eventName": "INSERT", "awsRegion": "us-east-1",
         "dynamodb": {"SizeBytes": 1, "NewImage": {"pk": {"S": "x"}}}},
        {"eventID": "2", "eventName": "INSERT"},
        {"eventID": "3", "eventName": "INSERT", "awsRegion": "us-east-1",
         "dynamodb": {"SizeBytes": 1, "NewImage": {"pk": {"Q": "x"}}}},
    ]}));
    assert_eq!(
        event
            .records
            .iter()
            .map(|r| r.event_id.as_str())
            .collect::<Vec<_>>(),
        ["1"]
    );
    assert_eq!(skipped, 2);
}

// ---------------------------------------------------------------- moto

/// DynamoDB Streams of the moto server, over its HTTP API (the JSON protocol
/// the AWS SDK speaks; moto routes on `X-Amz-Target` and the SigV4 scope,
/// and does not check signatures).
struct Streams {
    url: String,
    http: reqwest::Client,
}

impl Streams {
    fn new(url: &str) -> Self {
        triggers_webhooks::testing::aws::check_loopback(url);
        Streams {
            url: url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, operation: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/", self.url))
            .header(
                "x-amz-target",
                format!("DynamoDBStreams_20120810.{operation}"),
            )
            .header("content-type", "application/x-amz-json-1.0")
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, \
                 SignedHeaders=host, Signature=0",
            )
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{operation}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// Every record of the stream, oldest first, as Lambda hands them to a
    /// function (with `eventSourceARN`).
    async fn records(&self, stream_arn: &str) -> Vec<Value> {
        let described = self
            .call("DescribeStream", json!({ "StreamArn": stream_arn }))
            .await;
        let mut out = Vec::new();
        for shard in described["StreamDescription"]["Shards"].as_array().unwrap() {
            let mut iterator = self
                .call(
                    "GetShardIterator",
                    json!({
                        "StreamArn": stream_arn,
                        "ShardId": shard["ShardId"],
                        "ShardIteratorType": "TRIM_HORIZON",
                    }),
                )
                .await["ShardIterator"]
                .clone();
            loop {
                let got = self
                    .call("GetRecords", json!({ "ShardIterator": iterator }))
                    .await;
                let records = got["Records"].as_array().unwrap();
                if records.is_empty() {
                    break;
                }
                for r in records {
                    let mut r = r.clone();
                    r["eventSourceARN"] = json!(stream_arn);
                    out.push(r);
                }
                iterator = got["NextShardIterator"].clone();
                if iterator.is_null() {
                    break;
                }
            }
        }
        out
    }
}

/// A Lambda payload of stream records.
fn batch(records: &[Value]) -> Value {
    json!({ "Records": records })
}

fn event_of(records: &[Value]) -> Event {
    serde_json::from_value(batch(records)).unwrap()
}

/// The service opened on moto (every table, the analytics one included,
/// created by `create_tables`), with NEW_IMAGE streams enabled on the three
/// tables the template streams; returns the app, a DynamoDB client and
/// the stream ARNs (events, attempts, dead letters).
async fn open_with_streams(
    backend: &TestBackend,
) -> (
    triggers_service::app::App,
    aws_sdk_dynamodb::Client,
    [String; 3],
) {
    let TestBackend::Aws { url, prefix } = backend else {
        unreachable!()
    };
    let mut config = triggers_service::config::Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Default::default()
    };
    backend.configure(&mut config);
    let app = backend.open(config).await;
    let dynamo = triggers_webhooks::testing::aws::dynamodb_client(url, None);
    let mut arns = Vec::new();
    for table in ["events", "attempts", "dead-letters"] {
        let out = dynamo
            .update_table()
            .table_name(format!("{prefix}{table}"))
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewImage)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        arns.push(
            out.table_description()
                .and_then(|d| d.latest_stream_arn())
                .unwrap()
                .to_owned(),
        );
    }
    (app, dynamo, arns.try_into().unwrap())
}

async fn scan(dynamo: &aws_sdk_dynamodb::Client, table: &str) -> Vec<Item> {
    dynamo
        .scan()
        .table_name(table)
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .items()
        .to_vec()
}

async fn ingest(
    app: &triggers_service::app::App,
    event: triggers_service::core::events::NewEvent,
) -> StoredEvent {
    match app.state.events.ingest(event).await.unwrap() {
        Ingested::Created(e) => e,
        other => panic!("not created: {other:?}"),
    }
}

fn delivery(event: &StoredEvent, webhook_id: Uuid) -> Delivery {
    Delivery {
        delivery_id: Uuid::new_v4(),
        webhook_id,
        account_id: event.account_id.clone(),
        event_id: event.event_id,
        event_type: event.event_type.clone(),
        msg_id: triggers_webhooks::message_id(event.event_id),
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: Some(event.received_at),
        // What the engine sets: the event's received_at.
        created_at: event.received_at,
        updated_at: event.received_at,
    }
}

fn attempt(d: &Delivery, n: u32, outcome: AttemptOutcome, at: i64, latency_ms: u64) -> Attempt {
    Attempt::new(d.delivery_id, n, outcome, at).latency(Duration::from_millis(latency_ms))
}

fn dead_letter(d: &Delivery, attempts: u32, last: &Attempt, dead_at: i64) -> DeadLetter {
    let mut d = d.clone();
    d.attempts = attempts;
    DeadLetter::of(&d, Some(last), DeadLetterReason::RetriesExhausted, dead_at)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_items_map_to_the_records_of_their_facts() {
    let Some(backend) =
        TestBackend::aws("lambda_analytics::stored_items_map_to_the_records_of_their_facts")
    else {
        return;
    };
    let TestBackend::Aws { prefix, .. } = &backend else {
        unreachable!()
    };
    let (app, dynamo, _) = open_with_streams(&backend).await;
    let store = app.state.webhooks.store().clone();

    // Events: one plain, one with an idempotency key (its record is an
    // item of the same table, and no event).
    let plain = ingest(
        &app,
        new_event(ACCOUNT, "shop", "order.created", r#"{"n":1}"#, T0 + SEC),
    )
    .await;
    let mut keyed = new_event(
        ACCOUNT,
        "crm",
        "contact.created",
        r#"{"n":2}"#,
        T0 + 2 * SEC,
    );
    keyed.idempotency_key = Some("k-1".into());
    let keyed = ingest(&app, keyed).await;
    let mut events = Vec::new();
    let mut not_events = 0;
    for item in scan(&dynamo, &format!("{prefix}events")).await {
        match event_record(&item).unwrap() {
            Some(r) => events.push(r),
            None => not_events += 1,
        }
    }
    events.sort_by_key(Record::at);
    assert_eq!(not_events, 1, "the idempotency record");
    let want = |e: &StoredEvent| Record::EventIngested {
        account: ACCOUNT.into(),
        event_id: e.event_id.as_u128(),
        source: e.source.clone(),
        event_type: e.event_type.clone(),
        received_at: e.received_at,
        ingest_latency_us: None,
    };
    assert_eq!(events, [want(&plain), want(&keyed)]);
    // ... and the same as the in-process host's record of the stored event.
    assert_eq!(events[0], host::event_record(&plain, None));

    // Attempts: a 2xx carries ingest-to-delivery from the event's arrival
    // to the end of the attempt; a failure none.
    let webhook_id = Uuid::new_v4();
    let d = delivery(&plain, webhook_id);
    let failed = attempt(
        &d,
        1,
        AttemptOutcome::Failed(FailureKind::Timeout),
        T0 + 3 * SEC,
        15_000,
    );
    let ok = attempt(&d, 2, AttemptOutcome::Status(204), T0 + 20 * SEC, 40);
    store.record_attempt(&d, &failed).await.unwrap();
    store.record_attempt(&d, &ok).await.unwrap();
    let items = scan(&dynamo, &format!("{prefix}attempts")).await;
    let mut attempts: Vec<Record> = items.iter().map(|i| attempt_record(i).unwrap()).collect();
    attempts.sort_by_key(Record::at);
    let expected = [
        Record::DeliveryAttempt {
            account: ACCOUNT.into(),
            delivery_id: d.delivery_id.as_u128(),
            attempt: 1,
            webhook_id: webhook_id.as_u128(),
            outcome: Outcome::Failed(AnalyticsFailure::Timeout),
            at: T0 + 3 * SEC,
            ingest_to_delivery_us: None,
        },
        Record::DeliveryAttempt {
            account: ACCOUNT.into(),
            delivery_id: d.delivery_id.as_u128(),
            attempt: 2,
            webhook_id: webhook_id.as_u128(),
            outcome: Outcome::Status(204),
            at: T0 + 20 * SEC,
            // 20 s + 40 ms after T0, the event arrived at T0 + 1 s.
            ingest_to_delivery_us: Some(19_040_000),
        },
    ];
    assert_eq!(attempts, expected);
    assert_eq!(
        attempts[1],
        host::attempt_record(&d, &ok),
        "as the in-process host"
    );
    // An attempt item written before `event_received_at` existed: no
    // ingest-to-delivery time, the rest the same.
    let mut old = items
        .iter()
        .find(|i| i.get("attempt") == Some(&AttributeValue::N("2".into())))
        .unwrap()
        .clone();
    assert!(old.remove(EVENT_RECEIVED_AT).is_some());
    let Record::DeliveryAttempt {
        ingest_to_delivery_us,
        attempt: 2,
        ..
    } = attempt_record(&old).unwrap()
    else {
        panic!("attempt 2")
    };
    assert_eq!(ingest_to_delivery_us, None);

    // Dead letters: the first death, the replay mark (no new fact), the
    // death after the replay (a new fact: more attempts).
    let d2 = delivery(&keyed, webhook_id);
    let last = attempt(&d2, 3, AttemptOutcome::Status(500), T0 + 30 * SEC, 5);
    let first = dead_letter(&d2, 3, &last, T0 + 31 * SEC);
    store.put_dead_letter(&first).await.unwrap();
    let read = || async {
        let items = scan(&dynamo, &format!("{prefix}dead-letters")).await;
        assert_eq!(items.len(), 1);
        dead_letter_record(&items[0]).unwrap()
    };
    let died = |dl: &DeadLetter| Record::DeadLettered {
        account: ACCOUNT.into(),
        delivery_id: d2.delivery_id.as_u128(),
        webhook_id: webhook_id.as_u128(),
        attempts: dl.attempts,
        reason: AnalyticsReason::RetriesExhausted,
        at: dl.dead_at,
    };
    assert_eq!(read().await, Some(died(&first)));
    assert_eq!(read().await, Some(host::dead_letter_record(&first)));
    store
        .mark_replayed(ACCOUNT, d2.delivery_id, T0 + 40 * SEC)
        .await
        .unwrap();
    assert_eq!(read().await, None, "a replay mark is no new fact");
    let last = attempt(&d2, 4, AttemptOutcome::Status(500), T0 + 41 * SEC, 5);
    let again = dead_letter(&d2, 4, &last, T0 + 42 * SEC);
    store.put_dead_letter(&again).await.unwrap();
    assert_eq!(read().await, Some(died(&again)));

    // An item the functions cannot read: an error naming the attribute,
    // never a value.
    let mut item = scan(&dynamo, &format!("{prefix}events"))
        .await
        .into_iter()
        .find(|i| i.get("event_id") == Some(&AttributeValue::S(plain.event_id.to_string())))
        .unwrap();
    item.insert(
        "received_at".into(),
        AttributeValue::S("secret-value".into()),
    );
    let e = event_record(&item).unwrap_err().to_string();
    assert!(
        e.contains("received_at") && !e.contains("secret-value"),
        "{e}"
    );
    item.remove("received_at");
    let e = event_record(&item).unwrap_err().to_string();
    assert!(e.contains("received_at") && e.contains("missing"), "{e}");
    // An attempt item is not a dead letter, nor the other way round.
    let attempt_item = &scan(&dynamo, &format!("{prefix}attempts")).await[0];
    assert!(dead_letter_record(attempt_item).is_err());
    let dl_item = &scan(&dynamo, &format!("{prefix}dead-letters")).await[0];
    assert!(attempt_record(dl_item).is_err());
    assert!(event_record(dl_item).is_err());
    app.close().await;
}

/// The environment deploy/template.yaml gives the analytics function,
/// pointed at `backend`: the Globals (the master key secret named, but
/// never read: it does not exist) and what Lambda sets.
async fn function_env(backend: &TestBackend) -> Vec<(String, String)> {
    backend
        .function_env("arn:aws:secretsmanager:us-east-1:123456789012:secret:not-read-AbCdEf")
        .await
}

async fn invoke_bin(backend: &TestBackend, payload: Value) -> (String, Value, String) {
    let env = function_env(backend).await;
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let runtime = RuntimeApi::start(payload).await;
    runtime
        .invoke_env(env!("CARGO_BIN_EXE_triggers-lambda-analytics"), &env)
        .await
}

/// The counts of a summary, for comparing summaries read from different
/// buckets (minutes, or hour and day rollups).
fn counts(s: &Summary) -> Value {
    json!({
        "events": s.events.total,
        "api": s.api.requests,
        "attempts": s.deliveries.attempts,
        "first_attempts": s.deliveries.first_attempts,
        "retries": s.deliveries.retries,
        "succeeded": s.deliveries.succeeded,
        "failed": s.deliveries.failed,
        "dead_lettered": s.deliveries.dead_lettered,
        "by_outcome": s.deliveries.by_outcome,
        "dead_letters_by_reason": s.deliveries.dead_letters_by_reason,
        "ingest_to_delivery": s.deliveries.ingest_to_delivery.count,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_batches_count_each_fact_once_however_delivered() {
    let Some(backend) =
        TestBackend::aws("lambda_analytics::stream_batches_count_each_fact_once_however_delivered")
    else {
        return;
    };
    let TestBackend::Aws { url, prefix } = &backend else {
        unreachable!()
    };
    let (app, _dynamo, [events_arn, attempts_arn, dead_letters_arn]) =
        open_with_streams(&backend).await;
    let store = app.state.webhooks.store().clone();
    // The in-process host's records of the same facts: what the analytics
    // table must hold in the end.
    let mut facts: Vec<Record> = Vec::new();

    // Events: three created (one with an idempotency key), one acked, one
    // marked dispatched (MODIFYs: no new fact).
    let e1 = ingest(
        &app,
        new_event(ACCOUNT, "shop", "order.created", r#"{"n":1}"#, T0 + SEC),
    )
    .await;
    let mut e2 = new_event(ACCOUNT, "shop", "order.paid", r#"{"n":2}"#, T0 + 2 * SEC);
    e2.idempotency_key = Some("order-2".into());
    let e2 = ingest(&app, e2).await;
    let e3 = ingest(
        &app,
        new_event(
            ACCOUNT,
            "crm",
            "contact.created",
            r#"{"n":3}"#,
            T0 + 61 * SEC,
        ),
    )
    .await;
    app.state
        .events
        .ack(ACCOUNT, e1.event_id, T0 + 70 * SEC)
        .await
        .unwrap();
    app.state
        .events
        .mark_dispatched(&[e2.event_id])
        .await
        .unwrap();
    for e in [&e1, &e2, &e3] {
        facts.push(host::event_record(e, None));
    }

    // Attempts: e1's delivery fails then succeeds; e3's fails, dies,
    // is replayed, fails again and dies again.
    let webhook_id = Uuid::new_v4();
    let d1 = delivery(&e1, webhook_id);
    let d3 = delivery(&e3, webhook_id);
    let attempts = [
        (
            &d1,
            attempt(&d1, 1, AttemptOutcome::Status(503), T0 + 3 * SEC, 10),
        ),
        (
            &d1,
            attempt(&d1, 2, AttemptOutcome::Status(200), T0 + 5 * SEC, 40),
        ),
        (
            &d3,
            attempt(
                &d3,
                1,
                AttemptOutcome::Failed(FailureKind::Connect),
                T0 + 62 * SEC,
                1,
            ),
        ),
        (
            &d3,
            attempt(&d3, 2, AttemptOutcome::Status(410), T0 + 125 * SEC, 20),
        ),
    ];
    for (d, a) in &attempts[..3] {
        store.record_attempt(d, a).await.unwrap();
        facts.push(host::attempt_record(d, a));
    }
    let first_death = dead_letter(&d3, 1, &attempts[2].1, T0 + 63 * SEC);
    store.put_dead_letter(&first_death).await.unwrap();
    facts.push(host::dead_letter_record(&first_death));
    store
        .mark_replayed(ACCOUNT, d3.delivery_id, T0 + 120 * SEC)
        .await
        .unwrap();
    let (d, a) = &attempts[3];
    store.record_attempt(d, a).await.unwrap();
    facts.push(host::attempt_record(d, a));
    let second_death = dead_letter(&d3, 2, &attempts[3].1, T0 + 126 * SEC);
    store.put_dead_letter(&second_death).await.unwrap();
    facts.push(host::dead_letter_record(&second_death));

    let streams = Streams::new(url);
    let event_records = streams.records(&events_arn).await;
    let attempt_records = streams.records(&attempts_arn).await;
    let dead_letter_records = streams.records(&dead_letters_arn).await;
    let names = |rs: &[Value]| -> Vec<String> {
        rs.iter()
            .map(|r| r["eventName"].as_str().unwrap().to_owned())
            .collect()
    };
    // 3 events + 1 idempotency record inserted, 2 events modified.
    let mut got = names(&event_records);
    got.sort();
    assert_eq!(
        got,
        ["INSERT", "INSERT", "INSERT", "INSERT", "MODIFY", "MODIFY"]
    );
    assert_eq!(names(&attempt_records), ["INSERT"; 4]);
    assert_eq!(names(&dead_letter_records), ["INSERT", "MODIFY", "MODIFY"]);

    // The consumer's store on its own client, counting its requests: what
    // its role in the template allows (BatchGetItem, PutItem; a
    // TransactWriteItems of Puts is authorised as PutItem) and nothing
    // else. The API reads through the service's own store below.
    let counter = triggers_webhooks::testing::aws::RequestCounter::new();
    let consumer = AnalyticsConsumer::new(
        Arc::new(DynamoAnalyticsStore::new(
            triggers_webhooks::testing::aws::dynamodb_client(url, Some(&counter)),
            prefix,
        )),
        StreamTables::new(prefix),
    );

    // The events batch through the bin, as Lambda runs it (the template's
    // environment; it reads no secret and no queue).
    let (path, answer, output) = invoke_bin(&backend, batch(&event_records)).await;
    assert_eq!(
        path, "/2018-06-01/runtime/invocation/req-1/response",
        "{output}"
    );
    assert_eq!(
        answer,
        json!({ "records": 6, "facts": 3, "ignored": 3, "skipped": 0, "counted": 3,
                "duplicates": 0, "sealed": 0, "rejected": 0 }),
        "{output}"
    );
    // Attempts out of order (newest first), dead letters, through the
    // handler.
    let mut reversed = attempt_records.clone();
    reversed.reverse();
    let s = consumer.handle(&event_of(&reversed)).await.unwrap();
    assert_eq!((s.records, s.facts, s.counted, s.duplicates), (4, 4, 4, 0));
    let s = consumer
        .handle(&event_of(&dead_letter_records))
        .await
        .unwrap();
    assert_eq!(
        (s.records, s.facts, s.ignored, s.counted),
        (3, 2, 1, 2),
        "two deaths, one replay mark"
    );

    let day = T0 - T0 % DAY_US;
    let range = TimeRange::new(day, day + DAY_US).unwrap();
    let read = || async {
        let minutes = list_all(&*app.state.analytics, ACCOUNT, Granularity::Minute, range)
            .await
            .unwrap();
        let rollups = covering(&*app.state.analytics, ACCOUNT, range)
            .await
            .unwrap();
        (
            summary(ACCOUNT, range, &minutes).unwrap(),
            summary(ACCOUNT, range, &rollups).unwrap(),
            minutes.len(),
        )
    };
    let (by_minute, by_rollup, minutes) = read().await;
    // What the in-process host's fold makes of the same facts.
    let (state, report) = fold(Aggregates::new(Granularity::Minute), &facts);
    assert_eq!(report.counted, facts.len() as u64);
    let want = summary(ACCOUNT, range, state.buckets(ACCOUNT, range)).unwrap();
    assert_eq!(by_minute, want);
    assert_eq!(counts(&by_rollup), counts(&want), "hour and day rollups");
    assert_eq!(minutes, state.buckets(ACCOUNT, range).count());
    assert_eq!(minutes, 3, "facts in the minutes T0, T0 + 1 and T0 + 2");
    assert_eq!(by_minute.events.total, 3);
    assert_eq!(
        (
            by_minute.deliveries.attempts,
            by_minute.deliveries.retries,
            by_minute.deliveries.succeeded,
            by_minute.deliveries.dead_lettered
        ),
        (4, 2, 1, 2)
    );
    assert_eq!(by_minute.deliveries.ingest_to_delivery.count, 1);

    // Redelivered: every batch again (the attempts in stream order this
    // time, the events through the handler, the attempts through the bin):
    // nothing counts twice.
    let s = consumer.handle(&event_of(&event_records)).await.unwrap();
    assert_eq!((s.facts, s.counted, s.duplicates), (3, 0, 3));
    let (_, answer, output) = invoke_bin(&backend, batch(&attempt_records)).await;
    assert_eq!(
        (&answer["facts"], &answer["counted"], &answer["duplicates"]),
        (&json!(4), &json!(0), &json!(4)),
        "{output}"
    );
    let s = consumer
        .handle(&event_of(&dead_letter_records))
        .await
        .unwrap();
    assert_eq!((s.counted, s.duplicates), (0, 2));
    let again = read().await;
    assert_eq!(again.0, by_minute);
    assert_eq!(counts(&again.1), counts(&want));
    let sent = counter.snapshot();
    assert!(sent.contains_key("dynamodb:BatchGetItem"), "{sent:?}");
    for operation in sent.keys() {
        assert!(
            [
                "dynamodb:BatchGetItem",
                "dynamodb:PutItem",
                "dynamodb:TransactWriteItems"
            ]
            .contains(&operation.as_str()),
            "{operation} is not in the analytics role: {sent:?}"
        );
    }
    app.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_failure_fails_the_invocation_so_lambda_retries() {
    let Some(backend) = TestBackend::aws(
        "lambda_analytics::a_store_failure_fails_the_invocation_so_lambda_retries",
    ) else {
        return;
    };
    let TestBackend::Aws { url, prefix } = &backend else {
        unreachable!()
    };
    let (app, dynamo, [events_arn, _, _]) = open_with_streams(&backend).await;
    let e = ingest(
        &app,
        new_event(ACCOUNT, "shop", "order.created", r#"{"card":"4242"}"#, T0),
    )
    .await;
    let records = Streams::new(url).records(&events_arn).await;
    assert_eq!(records.len(), 1);
    // The analytics table is gone: every write fails.
    dynamo
        .delete_table()
        .table_name(format!("{prefix}analytics"))
        .send()
        .await
        .unwrap();

    let consumer = AnalyticsConsumer::new(app.state.analytics.clone(), StreamTables::new(prefix));
    let err = consumer.handle(&event_of(&records)).await.unwrap_err();
    assert_eq!((err.code, err.facts), ("backend", 1), "{err}");

    let (path, answer, output) = invoke_bin(&backend, batch(&records)).await;
    assert_eq!(
        path, "/2018-06-01/runtime/invocation/req-1/error",
        "{answer} {output}"
    );
    assert_eq!(
        answer["errorType"],
        json!("Triggers.AnalyticsStoreFailed"),
        "{answer}"
    );
    let message = answer["errorMessage"].as_str().unwrap();
    assert!(message.contains("retried"), "{message}");
    // Neither the answer nor the log holds the event's payload or id.
    for text in [message, output.as_str()] {
        assert!(!text.contains("4242"), "{text}");
        assert!(!text.contains(&e.event_id.to_string()), "{text}");
    }
    app.close().await;
}

#[tokio::test]
async fn records_that_cannot_be_mapped_are_skipped_and_the_rest_folded() {
    // No moto needed: the records are built from the sample's shape, with
    // this deployment's stream ARNs, and folded into SQLite.
    let (_dir, store) = sqlite_store().await;
    let consumer = AnalyticsConsumer::new(store.clone(), StreamTables::new("p-"));
    let arn = |table: &str| {
        format!(
            "arn:aws:dynamodb:us-east-1:123456789012:table/p-{table}/stream/2026-01-01T00:00:00.000"
        )
    };
    let record = |table: &str, name: &str, image: Value| {
        json!({
            "eventID": format!("{table}-{name}"), "eventName": name, "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "eventSourceARN": arn(table),
            "dynamodb": { "ApproximateCreationDateTime": 1480642020, "SizeBytes": 10,
                          "StreamViewType": "NEW_IMAGE", "NewImage": image },
        })
    };
    let payload = batch(&[
        // Not from a folded table.
        record("keys", "INSERT", json!({"pk": {"S": "x"}})),
        // An unknown operation.
        record("events", "UPSERT", json!({"pk": {"S": "EV#x"}})),
        // No NewImage (a KEYS_ONLY stream).
        record("attempts", "INSERT", json!({})),
        // Not an item of its table.
        record(
            "dead-letters",
            "INSERT",
            json!({"pk": {"S": "D#x"}, "sk": {"S": "A#1"}}),
        ),
        // Not a stream record at all.
        json!({"eventID": "broken", "eventName": "INSERT"}),
        // Ignored, not skipped.
        record("events", "REMOVE", json!({})),
        record("attempts", "MODIFY", json!({"pk": {"S": "D#x"}})),
    ]);
    let s = consumer.handle_json(payload).await.unwrap();
    assert_eq!(
        s,
        BatchSummary {
            records: 7,
            ignored: 2,
            skipped: 5,
            ..BatchSummary::default()
        }
    );
}

#[tokio::test]
async fn the_analytics_bin_refuses_to_start_outside_lambda_or_off_aws() {
    let bin = env!("CARGO_BIN_EXE_triggers-lambda-analytics");
    let out = std::process::Command::new(bin)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("AWS_LAMBDA_RUNTIME_API is not set"),
        "{stderr}"
    );

    // On Lambda, but configured for SQLite: there is no stream to fold.
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(bin)
        .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
        .env("AWS_LAMBDA_FUNCTION_NAME", "triggers")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("TRIGGERS_BACKEND", "sqlite")
        .env("TRIGGERS_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TRIGGERS_BACKEND=aws"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing opened"
    );
}
