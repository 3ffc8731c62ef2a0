//! The SQLite delivery queue through the shared conformance suite.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tempfile::TempDir;
use triggers_sqlite::{Db, DbOptions};
use triggers_webhooks::backends::sqlite::SqliteDeliveryQueue;
use triggers_webhooks::queue::DeliveryQueue;
use triggers_webhooks::testing::{self, TestClock};

/// A migrated queue on `clock` in a fresh database (keep the dir alive).
async fn fresh_queue(clock: &TestClock) -> (TempDir, SqliteDeliveryQueue) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("queue.db"), DbOptions::default()).unwrap();
    let queue = SqliteDeliveryQueue::new(db).with_clock(clock.as_fn());
    queue.migrate().await.unwrap();
    queue.migrate().await.unwrap(); // idempotent
    (dir, queue)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_queue_passes_the_whole_suite() {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    testing::run_queue_suite(|clock: TestClock| {
        let path = dir
            .path()
            .join(format!("{}.db", n.fetch_add(1, Ordering::SeqCst)));
        async move {
            let db = Db::open(path, DbOptions::default()).unwrap();
            let queue = SqliteDeliveryQueue::new(db).with_clock(clock.as_fn());
            queue.migrate().await.unwrap();
            queue
        }
    })
    .await;
    assert_eq!(
        n.load(Ordering::SeqCst),
        8,
        "every check ran on its own queue"
    );
}

macro_rules! checks {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let clock = TestClock::default();
            let (_dir, queue) = fresh_queue(&clock).await;
            testing::$name(&queue, &clock).await;
        }
    )*};
}

checks!(
    enqueue_receive_ack,
    delay_is_respected,
    lease_expiry_redelivers,
    stale_receipt_cannot_ack,
    concurrent_receivers_never_share_a_job,
    retry_puts_back_with_delay,
    delays_over_the_queue_limit_are_refused,
    ack_batch_skips_stale_receipts,
);

/// Receivers on separate tasks never hold the same job at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivers_on_separate_tasks_share_nothing() {
    let clock = TestClock::default();
    let (_dir, queue) = fresh_queue(&clock).await;
    let queue: Arc<dyn DeliveryQueue> = Arc::new(queue);
    for i in 0..50 {
        queue
            .enqueue(&testing::job(i), Duration::ZERO)
            .await
            .unwrap();
    }
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let q = queue.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let batch = q.receive(3, Duration::from_secs(60)).await.unwrap();
                if batch.is_empty() {
                    return got;
                }
                got.extend(batch.into_iter().map(|l| l.job.delivery_id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 50);
    assert_eq!(unique.len(), 50);
}

/// A job is serde-serialisable, `not_before` omitted when unset.
#[test]
fn job_json_round_trips() {
    let mut job = testing::job(3);
    let s = serde_json::to_string(&job).unwrap();
    assert!(!s.contains("not_before"));
    assert_eq!(
        serde_json::from_str::<triggers_webhooks::queue::Job>(&s).unwrap(),
        job
    );
    job.not_before = Some(5);
    let s = serde_json::to_string(&job).unwrap();
    assert_eq!(
        serde_json::from_str::<triggers_webhooks::queue::Job>(&s).unwrap(),
        job
    );
}

/// A row that is not a job is parked, not returned, and does not block the
/// jobs behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_rows_are_parked() {
    let clock = TestClock::default();
    let (_dir, queue) = fresh_queue(&clock).await;
    queue
        .db()
        .write(|c| {
            c.execute(
                "INSERT INTO webhook_queue (job, visible_at) VALUES ('{not a job', 0)",
                [],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let job = testing::job(1);
    queue.enqueue(&job, Duration::ZERO).await.unwrap();
    let got = queue.receive(10, Duration::from_secs(30)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].job, job);
    clock.advance(3_600_000_000);
    queue.ack(&got[0].receipt).await.unwrap();
    assert!(
        queue
            .receive(10, Duration::from_secs(30))
            .await
            .unwrap()
            .is_empty()
    );
    let parked: i64 = queue
        .db()
        .read(|c| {
            Ok(c.query_row(
                "SELECT COUNT(*) FROM webhook_queue WHERE receipt = 'corrupt'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(parked, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_leases_makes_a_crashed_runs_jobs_visible_at_once() {
    let clock = TestClock::default();
    let (_dir, queue) = fresh_queue(&clock).await;
    let (a, b) = (testing::job(1), testing::job(1));
    queue.enqueue(&a, Duration::ZERO).await.unwrap();
    queue.enqueue(&b, Duration::from_secs(60)).await.unwrap();
    let leased = queue.receive(10, Duration::from_secs(600)).await.unwrap();
    assert_eq!(leased.len(), 1, "only the visible job is leased");
    assert!(
        queue
            .receive(10, Duration::from_secs(600))
            .await
            .unwrap()
            .is_empty()
    );

    // The process restarts: the lease is released, the delayed job stays delayed.
    assert_eq!(queue.release_leases().await.unwrap(), 1);
    let again = queue.receive(10, Duration::from_secs(600)).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].job, a);
    // The old receipt is stale; the new one works.
    assert!(queue.ack(&leased[0].receipt).await.is_err());
    queue.ack(&again[0].receipt).await.unwrap();
    assert_eq!(queue.release_leases().await.unwrap(), 0);
}
