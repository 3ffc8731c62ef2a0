//! The DynamoDB webhook store and the SQS delivery queue through the shared
//! conformance suites, on a moto server:
//!
//! ```text
//! scripts/moto.sh cargo test -p triggers-webhooks --features dynamodb,sqs --test it aws
//! ```
//!
//! Every check runs on its own tables and queues (a unique name prefix).
//! The queue checks run on real time ([`RealClock`]): SQS keeps its own.
//! Without TRIGGERS_TEST_MOTO_URL the tests skip loudly.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use triggers_webhooks::backends::dynamodb::DynamoWebhookStore;
use triggers_webhooks::backends::sqs::{self, QueueUrls, SqsDeliveryQueue};
use triggers_webhooks::queue::{DeliveryQueue, QueueError};
use triggers_webhooks::testing::aws::{self, RequestCounter};
use triggers_webhooks::testing::{self, RealClock};

async fn fresh_store(url: &str) -> DynamoWebhookStore {
    let store = DynamoWebhookStore::new(aws::dynamodb_client(url, None), &aws::unique_prefix());
    store.create_tables().await.unwrap();
    store
}

async fn fresh_queue(url: &str, counter: Option<&RequestCounter>) -> (SqsDeliveryQueue, QueueUrls) {
    let client = aws::sqs_client(url, counter);
    let urls = sqs::create_queues(&client, &aws::unique_prefix(), 5)
        .await
        .unwrap();
    (SqsDeliveryQueue::with_urls(client, &urls), urls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_store_passes_the_whole_suite() {
    let Some(url) = aws::moto_url("dynamodb_store_passes_the_whole_suite") else {
        return;
    };
    let n = AtomicUsize::new(0);
    testing::run_store_suite(|| {
        n.fetch_add(1, Ordering::SeqCst);
        fresh_store(&url)
    })
    .await;
    assert_eq!(
        n.load(Ordering::SeqCst),
        7,
        "every check ran on its own tables"
    );
}

macro_rules! store_checks {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(url) = aws::moto_url(concat!("aws::", stringify!($name))) else {
                return;
            };
            let store = fresh_store(&url).await;
            testing::$name(&store).await;
        }
    )*};
}

store_checks!(
    webhook_round_trip_and_account_isolation,
    list_webhooks_paginates_per_account,
    update_detects_lost_updates,
    delete_is_account_scoped,
    attempts_are_listed_newest_first,
    record_attempts_batches_and_skips_duplicates,
    dead_letters_are_listed_and_replayed_once,
);

// The queue checks, one test each: they wait in real time (a few seconds
// each), so they run in parallel rather than as one `run_queue_suite_on`
// (about 35 s in a row; the runner itself is exercised by the SQLite tests).
macro_rules! queue_checks {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(url) = aws::moto_url(concat!("aws::", stringify!($name))) else {
                return;
            };
            let (queue, _) = fresh_queue(&url, None).await;
            testing::$name(&queue, &RealClock::whole_seconds()).await;
        }
    )*};
}

mod sqs_queue {
    use super::*;

    queue_checks!(
        enqueue_receive_ack,
        delay_is_respected,
        lease_expiry_redelivers,
        stale_receipt_cannot_ack,
        concurrent_receivers_never_share_a_job,
        retry_puts_back_with_delay,
        delays_over_the_queue_limit_are_refused,
        ack_batch_skips_stale_receipts,
    );
}

/// Creating the queues again keeps them (same URLs) and their messages;
/// the delivery queue redrives to the dead-letter queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_queues_is_idempotent_with_a_redrive_policy() {
    let Some(url) = aws::moto_url("create_queues_is_idempotent_with_a_redrive_policy") else {
        return;
    };
    let client = aws::sqs_client(&url, None);
    let prefix = aws::unique_prefix();
    let urls = sqs::create_queues(&client, &prefix, 3).await.unwrap();
    assert!(
        urls.delivery
            .ends_with(&format!("{prefix}webhook-delivery"))
    );
    assert!(urls.dead_letter.ends_with(&format!("{prefix}webhook-dlq")));
    let queue = SqsDeliveryQueue::with_urls(client.clone(), &urls);
    queue
        .enqueue(&testing::job(1), Duration::ZERO)
        .await
        .unwrap();
    let again = sqs::create_queues(&client, &prefix, 3).await.unwrap();
    assert_eq!(again, urls);
    let attributes = client
        .get_queue_attributes()
        .queue_url(&urls.delivery)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let attributes = attributes.attributes().unwrap();
    let redrive: serde_json::Value =
        serde_json::from_str(&attributes[&aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy])
            .unwrap();
    assert!(
        redrive["deadLetterTargetArn"]
            .as_str()
            .unwrap()
            .ends_with(&format!("{prefix}webhook-dlq"))
    );
    assert_eq!(redrive["maxReceiveCount"].as_u64(), Some(3));
    assert_eq!(
        queue
            .receive(10, Duration::from_secs(30))
            .await
            .unwrap()
            .len(),
        1,
        "the job survived"
    );
}

/// A message that is not a job is moved to the dead-letter queue, and the
/// jobs next to it are delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_that_are_not_jobs_are_parked_in_the_dead_letter_queue() {
    let Some(url) = aws::moto_url("messages_that_are_not_jobs_are_parked") else {
        return;
    };
    let (queue, urls) = fresh_queue(&url, None).await;
    let client = aws::sqs_client(&url, None);
    client
        .send_message()
        .queue_url(&urls.delivery)
        .message_body("{not a job")
        .send()
        .await
        .unwrap();
    let job = testing::job(1);
    queue.enqueue(&job, Duration::ZERO).await.unwrap();
    let got = queue.receive(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].job, job);
    let parked = client
        .receive_message()
        .queue_url(&urls.dead_letter)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let bodies: Vec<&str> = parked.messages().iter().filter_map(|m| m.body()).collect();
    assert_eq!(bodies, ["{not a job"]);
}

/// Batches go out ten at a time: 25 jobs are 3 `SendMessageBatch` calls,
/// receiving 25 is 3 `ReceiveMessage` calls, acking them 3
/// `DeleteMessageBatch` calls. A receive of an empty queue is one call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_ten_per_request() {
    let Some(url) = aws::moto_url("batches_are_ten_per_request") else {
        return;
    };
    let counter = RequestCounter::new();
    let (queue, _) = fresh_queue(&url, Some(&counter)).await;
    counter.take();
    let jobs: Vec<_> = (0..25).map(|_| testing::job(1)).collect();
    queue.enqueue_batch(&jobs, Duration::ZERO).await.unwrap();
    assert_eq!(counter.take().get("sqs:SendMessageBatch"), Some(&3));
    let mut leased = Vec::new();
    leased.extend(queue.receive(25, Duration::from_secs(30)).await.unwrap());
    assert_eq!(leased.len(), 25);
    assert_eq!(counter.take().get("sqs:ReceiveMessage"), Some(&3));
    let receipts: Vec<_> = leased.iter().map(|l| l.receipt.clone()).collect();
    assert_eq!(queue.ack_batch(&receipts).await.unwrap(), 25);
    assert_eq!(counter.take().get("sqs:DeleteMessageBatch"), Some(&3));
    assert!(
        queue
            .receive(25, Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(counter.take().get("sqs:ReceiveMessage"), Some(&1));
    // Acking them again: every receipt is stale, nothing is sent.
    assert_eq!(queue.ack_batch(&receipts).await.unwrap(), 0);
    assert_eq!(counter.total(), 0);
}

/// A queue URL that does not exist is a backend error, not a stale receipt
/// or a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_queue_is_a_backend_error() {
    let Some(url) = aws::moto_url("a_missing_queue_is_a_backend_error") else {
        return;
    };
    let client = aws::sqs_client(&url, None);
    let queue = SqsDeliveryQueue::new(
        client,
        format!("{url}/123456789012/{}nothing", aws::unique_prefix()),
    );
    match queue.enqueue(&testing::job(1), Duration::ZERO).await {
        Err(QueueError::Backend(e)) => {
            let e = e.downcast::<sqs::SqsError>().unwrap();
            assert!(matches!(*e, sqs::SqsError::Service { .. }), "{e}");
        }
        other => panic!("expected a backend error, got {other:?}"),
    }
}
