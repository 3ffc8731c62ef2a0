//! The conformance suites every [`WebhookStore`] and [`DeliveryQueue`]
//! backend runs (feature `testing`).
//!
//! Each check is a `pub async fn` taking a fresh, empty, migrated backend
//! and panicking (like `assert!`) on the first violation;
//! [`run_store_suite`] and [`run_queue_suite`] run them all, asking their
//! factory for a new backend before each one. Queue checks also take a
//! [`SuiteClock`]: the [`TestClock`] the queue was built on (time moves
//! instead of passing; the SQLite queue), or a [`RealClock`] for a backend
//! that keeps its own time (SQS), with shorter leases and delays and a
//! margin past each boundary ([`Timing`]). Both run the same checks.
//!
//! ```ignore
//! #[tokio::test]
//! async fn conformance() {
//!     triggers_webhooks::testing::run_store_suite(|| async { MyStore::fresh().await }).await;
//! }
//! ```

#[cfg(all(feature = "dynamodb", feature = "sqs"))]
pub mod aws;

use core::future::Future;
use core::pin::pin;
use core::task::Poll;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use triggers_keys::MasterKey;
use uuid::Uuid;

use crate::queue::{DeliveryQueue, Job, QueueError};
use crate::store::{DeadLetterQuery, StoreError, WebhookStore};
use crate::{
    Attempt, AttemptOutcome, DeadLetter, DeadLetterReason, Delivery, EventFilter, FailureKind,
    MAX_QUEUE_DELAY, UrlPolicy, Webhook, WebhookSpec,
};

/// The start time of every check, Unix microseconds.
pub const T0: i64 = 1_700_000_000_000_000;

const SECOND: i64 = 1_000_000;

/// A settable clock (Unix microseconds) to build a queue on.
#[derive(Debug, Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    /// A clock at `t`.
    pub fn new(t: i64) -> Self {
        TestClock(Arc::new(AtomicI64::new(t)))
    }
    /// The time.
    pub fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    /// Moves the clock forward (or back) by `d` microseconds.
    pub fn advance(&self, d: i64) {
        self.0.fetch_add(d, Ordering::SeqCst);
    }
    /// The clock as a function, for a backend's `with_clock`.
    pub fn as_fn(&self) -> Arc<dyn Fn() -> i64 + Send + Sync> {
        let c = self.0.clone();
        Arc::new(move || c.load(Ordering::SeqCst))
    }
}

impl Default for TestClock {
    fn default() -> Self {
        TestClock::new(T0)
    }
}

/// Polls two futures together on the current task.
async fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = pin!(a);
    let mut b = pin!(b);
    let (mut ra, mut rb) = (None, None);
    core::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        if ra.is_some() && rb.is_some() {
            match (ra.take(), rb.take()) {
                (Some(x), Some(y)) => Poll::Ready((x, y)),
                _ => Poll::Pending,
            }
        } else {
            Poll::Pending
        }
    })
    .await
}

// ---------------------------------------------------------------- store

/// Every store check, in order, each on a fresh store from `make`.
pub async fn run_store_suite<S, F, Fut>(make: F)
where
    S: WebhookStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    webhook_round_trip_and_account_isolation(&make().await).await;
    list_webhooks_paginates_per_account(&make().await).await;
    update_detects_lost_updates(&make().await).await;
    delete_is_account_scoped(&make().await).await;
    attempts_are_listed_newest_first(&make().await).await;
    record_attempts_batches_and_skips_duplicates(&make().await).await;
    dead_letters_are_listed_and_replayed_once(&make().await).await;
}

/// `record_attempts` stores a batch; an attempt recorded already is skipped.
pub async fn record_attempts_batches_and_skips_duplicates(store: &impl WebhookStore) {
    let master = MasterKey::generate();
    let w = inserted(store, &master, "acct_a").await;
    let d = Delivery::new(&w, Uuid::new_v4(), "order.created", T0);
    let first = Attempt::new(d.delivery_id, 1, AttemptOutcome::Status(200), T0);
    store.record_attempt(&d, &first).await.expect("record");
    let batch: Vec<(Delivery, Attempt)> = (1..=3)
        .map(|n| {
            let at = T0 + i64::from(n) * SECOND;
            (
                d.clone(),
                Attempt::new(d.delivery_id, n, AttemptOutcome::Status(500), at),
            )
        })
        .collect();
    store.record_attempts(&batch).await.expect("batch");
    let page = store
        .list_attempts("acct_a", w.webhook_id, None, 10)
        .await
        .expect("list");
    let numbers: Vec<u32> = page.attempts.iter().map(|a| a.attempt).collect();
    assert_eq!(numbers, vec![3, 2, 1]);
    // The duplicate was skipped: attempt 1 is still the one recorded first.
    assert_eq!(page.attempts[2], first);
    let wrong = vec![(
        d.clone(),
        Attempt::new(Uuid::new_v4(), 1, AttemptOutcome::Status(200), T0),
    )];
    assert!(matches!(
        store.record_attempts(&wrong).await,
        Err(StoreError::Invalid(_))
    ));
}

fn webhook(master: &MasterKey, account: &str) -> Webhook {
    let spec = WebhookSpec::new(account, "https://hooks.example.com/in", EventFilter::all());
    Webhook::create(spec, &UrlPolicy::default(), master, T0)
        .expect("a valid spec")
        .webhook
}

async fn inserted(store: &impl WebhookStore, master: &MasterKey, account: &str) -> Webhook {
    let w = webhook(master, account);
    store.insert_webhook(&w).await.expect("insert a webhook");
    w
}

/// A webhook reads back equal, only in its own account; a duplicate insert
/// conflicts; a rotated secret (with its previous one) round-trips.
pub async fn webhook_round_trip_and_account_isolation(store: &impl WebhookStore) {
    let master = MasterKey::generate();
    let w = inserted(store, &master, "acct_a").await;
    let got = store
        .get_webhook("acct_a", w.webhook_id)
        .await
        .expect("get");
    assert_eq!(got.as_ref(), Some(&w));
    assert_eq!(
        store
            .get_webhook("acct_b", w.webhook_id)
            .await
            .expect("get"),
        None,
        "another account's webhook is invisible"
    );
    assert_eq!(
        store
            .get_webhook("acct_a", Uuid::new_v4())
            .await
            .expect("get"),
        None
    );
    assert!(matches!(
        store.insert_webhook(&w).await,
        Err(StoreError::Conflict)
    ));

    let (mut rotated, _) = w
        .rotate_secret(&master, None, Duration::from_secs(60), T0 + 1)
        .expect("rotate");
    rotated.description = "rotated".into();
    rotated.max_retries = Some(3);
    rotated.events = EventFilter::parse(["order.*"]).expect("filter");
    store
        .update_webhook(&rotated, w.updated_at)
        .await
        .expect("update");
    let got = store
        .get_webhook("acct_a", w.webhook_id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(got, rotated);
    assert_eq!(
        got.signing_secrets(&master, T0 + 2).expect("opens").len(),
        2
    );
}

/// Listing pages by ascending webhook id, never shows another account's.
pub async fn list_webhooks_paginates_per_account(store: &impl WebhookStore) {
    let master = MasterKey::generate();
    let mut mine = Vec::new();
    for _ in 0..5 {
        mine.push(inserted(store, &master, "acct_a").await.webhook_id);
        inserted(store, &master, "acct_b").await;
    }
    mine.sort();
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = store.list_webhooks("acct_a", after, 2).await.expect("list");
        assert!(page.webhooks.len() <= 2);
        assert!(page.webhooks.iter().all(|w| w.account_id == "acct_a"));
        seen.extend(page.webhooks.iter().map(|w| w.webhook_id));
        pages += 1;
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
        assert!(pages < 10, "pagination terminates");
    }
    assert_eq!(seen, mine);
    assert_eq!(pages, 3);
    let empty = store.list_webhooks("acct_c", None, 10).await.expect("list");
    assert!(empty.webhooks.is_empty() && empty.next.is_none());
    let one = store.list_webhooks("acct_a", None, 0).await.expect("list");
    assert_eq!(one.webhooks.len(), 1, "a limit of 0 counts as 1");
}

/// Of two updates from the same read exactly one lands; updates of a
/// missing webhook or from another account are `NotFound`.
pub async fn update_detects_lost_updates(store: &impl WebhookStore) {
    let master = MasterKey::generate();
    let w = inserted(store, &master, "acct_a").await;
    let mut a = w.clone();
    a.description = "a".into();
    a.updated_at = T0 + 1;
    let mut b = w.clone();
    b.description = "b".into();
    b.updated_at = T0 + 2;
    let (ra, rb) = join2(
        store.update_webhook(&a, w.updated_at),
        store.update_webhook(&b, w.updated_at),
    )
    .await;
    let wins = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "exactly one update lands: {ra:?} {rb:?}");
    assert!(
        matches!(ra, Err(StoreError::Conflict)) || matches!(rb, Err(StoreError::Conflict)),
        "the loser conflicts"
    );
    let got = store
        .get_webhook("acct_a", w.webhook_id)
        .await
        .expect("get")
        .expect("exists");
    let winner = if ra.is_ok() { &a } else { &b };
    assert_eq!(&got, winner);

    // A stale read conflicts even later.
    let mut stale = w.clone();
    stale.updated_at = T0 + 10;
    assert!(matches!(
        store.update_webhook(&stale, w.updated_at).await,
        Err(StoreError::Conflict)
    ));
    // updated_at must move forward.
    assert!(matches!(
        store.update_webhook(&got, got.updated_at).await,
        Err(StoreError::Invalid(_))
    ));
    // Another account cannot update it.
    let mut foreign = got.clone();
    foreign.account_id = "acct_b".into();
    foreign.updated_at = got.updated_at + 1;
    assert!(matches!(
        store.update_webhook(&foreign, got.updated_at).await,
        Err(StoreError::NotFound)
    ));
    let mut missing = webhook(&master, "acct_a");
    missing.updated_at = T0 + 1;
    assert!(matches!(
        store.update_webhook(&missing, T0).await,
        Err(StoreError::NotFound)
    ));
}

/// Deleting is scoped to the account and reports whether it existed.
pub async fn delete_is_account_scoped(store: &impl WebhookStore) {
    let master = MasterKey::generate();
    let w = inserted(store, &master, "acct_a").await;
    assert!(
        !store
            .delete_webhook("acct_b", w.webhook_id)
            .await
            .expect("delete")
    );
    assert!(
        store
            .get_webhook("acct_a", w.webhook_id)
            .await
            .expect("get")
            .is_some()
    );
    assert!(
        store
            .delete_webhook("acct_a", w.webhook_id)
            .await
            .expect("delete")
    );
    assert!(
        store
            .get_webhook("acct_a", w.webhook_id)
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        !store
            .delete_webhook("acct_a", w.webhook_id)
            .await
            .expect("delete")
    );
}

/// Attempts list newest first with a cursor, per webhook and account;
/// recording the same attempt twice conflicts.
pub async fn attempts_are_listed_newest_first(store: &impl WebhookStore) {
    let master = MasterKey::generate();
    let w = inserted(store, &master, "acct_a").await;
    let other = inserted(store, &master, "acct_a").await;
    let d1 = Delivery::new(&w, Uuid::new_v4(), "order.created", T0);
    let d2 = Delivery::new(&w, Uuid::new_v4(), "order.created", T0);
    let mut want = Vec::new();
    for (i, d) in [&d1, &d2, &d1, &d2, &d1].into_iter().enumerate() {
        let n = u32::try_from(i / 2 + 1).expect("small");
        let at = T0 + i64::try_from(i).expect("small") * SECOND;
        let a = Attempt::new(d.delivery_id, n, AttemptOutcome::Status(503), at)
            .latency(Duration::from_millis(12))
            .error("server error")
            .response_body(b"busy");
        store.record_attempt(d, &a).await.expect("record");
        want.push(a);
    }
    // Two at the same instant: ordered by delivery id, then number.
    let same = Attempt::new(
        d2.delivery_id,
        9,
        AttemptOutcome::Failed(FailureKind::Timeout),
        T0 + 4 * SECOND,
    );
    store.record_attempt(&d2, &same).await.expect("record");
    want.push(same.clone());
    want.sort_by_key(|a| core::cmp::Reverse((a.at, a.delivery_id, a.attempt)));
    let od = Delivery::new(&other, Uuid::new_v4(), "x", T0);
    store
        .record_attempt(
            &od,
            &Attempt::new(od.delivery_id, 1, AttemptOutcome::Status(200), T0),
        )
        .await
        .expect("record");

    assert!(matches!(
        store.record_attempt(&d2, &same).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        store.record_attempt(&d1, &same).await,
        Err(StoreError::Invalid(_))
    ));

    let mut seen = Vec::new();
    let mut after = None;
    for _ in 0..10 {
        let page = store
            .list_attempts("acct_a", w.webhook_id, after, 4)
            .await
            .expect("list");
        seen.extend(page.attempts);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, want);
    let foreign = store
        .list_attempts("acct_b", w.webhook_id, None, 10)
        .await
        .expect("list");
    assert!(foreign.attempts.is_empty(), "another account sees none");
}

/// Dead letters list newest first per account, filtered by webhook and
/// time range, paginated; a replay is marked once.
pub async fn dead_letters_are_listed_and_replayed_once(store: &impl WebhookStore) {
    let master = MasterKey::generate();
    let w1 = inserted(store, &master, "acct_a").await;
    let w2 = inserted(store, &master, "acct_a").await;
    let wb = inserted(store, &master, "acct_b").await;
    let mut all = Vec::new();
    for i in 0..6i64 {
        let w = if i % 2 == 0 { &w1 } else { &w2 };
        let mut d = Delivery::new(w, Uuid::new_v4(), "order.created", T0);
        d.attempts = 3;
        let last = Attempt::new(d.delivery_id, 3, AttemptOutcome::Status(500), T0);
        let dl = DeadLetter::of(
            &d,
            (i != 5).then_some(&last),
            DeadLetterReason::RetriesExhausted,
            T0 + i * SECOND,
        );
        store.put_dead_letter(&dl).await.expect("put");
        all.push(dl);
    }
    let db = Delivery::new(&wb, Uuid::new_v4(), "x", T0);
    let foreign = DeadLetter::of(&db, None, DeadLetterReason::Gone, T0);
    store.put_dead_letter(&foreign).await.expect("put");
    assert!(matches!(
        store.put_dead_letter(&foreign).await,
        Err(StoreError::Conflict)
    ));
    all.reverse(); // newest first

    let list = |query: DeadLetterQuery| async move {
        let mut out = Vec::new();
        let mut after = None;
        for _ in 0..20 {
            let page = store
                .list_dead_letters("acct_a", &query, after, 2)
                .await
                .expect("list");
            out.extend(page.dead_letters);
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        out
    };
    let got = list(DeadLetterQuery::default()).await;
    assert_eq!(
        got.iter()
            .map(|s| s.dead_letter.clone())
            .collect::<Vec<_>>(),
        all
    );
    assert!(got.iter().all(|s| s.replayed_at.is_none()));

    let by_w2 = list(DeadLetterQuery {
        webhook_id: Some(w2.webhook_id),
        ..Default::default()
    })
    .await;
    assert_eq!(by_w2.len(), 3);
    assert!(
        by_w2
            .iter()
            .all(|s| s.dead_letter.webhook_id == w2.webhook_id)
    );

    let ranged = list(DeadLetterQuery {
        since: Some(T0 + SECOND),
        until: Some(T0 + 4 * SECOND),
        ..Default::default()
    })
    .await;
    assert_eq!(
        ranged
            .iter()
            .map(|s| s.dead_letter.dead_at)
            .collect::<Vec<_>>(),
        vec![T0 + 3 * SECOND, T0 + 2 * SECOND, T0 + SECOND]
    );

    let target = all[0].delivery_id;
    assert!(matches!(
        store.mark_replayed("acct_b", target, T0 + 99).await,
        Err(StoreError::NotFound)
    ));
    store
        .mark_replayed("acct_a", target, T0 + 99)
        .await
        .expect("mark");
    assert!(matches!(
        store.mark_replayed("acct_a", target, T0 + 100).await,
        Err(StoreError::Conflict)
    ));
    let got = store
        .get_dead_letter("acct_a", target)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(got.replayed_at, Some(T0 + 99));
    assert_eq!(got.dead_letter, all[0]);
    assert_eq!(
        store.get_dead_letter("acct_b", target).await.expect("get"),
        None
    );

    // The replayed delivery dies again: the new record replaces the old one
    // and can be replayed again.
    let again = DeadLetter {
        attempts: all[0].attempts + 4,
        dead_at: T0 + 200,
        ..all[0].clone()
    };
    store.put_dead_letter(&again).await.expect("dead again");
    let got = store
        .get_dead_letter("acct_a", target)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(got.replayed_at, None);
    assert_eq!(got.dead_letter, again);
    assert!(matches!(
        store.put_dead_letter(&again).await,
        Err(StoreError::Conflict)
    ));
    store
        .mark_replayed("acct_a", target, T0 + 300)
        .await
        .expect("replayed again");
}

// ---------------------------------------------------------------- queue

/// The durations the queue checks use, scaled to a clock: a virtual clock
/// jumps, a real one waits (SQS cannot be given a clock).
///
/// A check that a job is not visible yet looks `step` before the
/// boundary (a delay's or a lease's end); a check that it is visible now
/// looks `settle` after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The lease of every receive. Must exceed `2 * step` (the extension
    /// check looks past the first lease and before the extended one).
    pub visibility: Duration,
    /// The delay of the delay check.
    pub delay: Duration,
    /// The delay of the retry check.
    pub retry_delay: Duration,
    /// How far before a boundary "not yet" is checked.
    pub step: Duration,
    /// How far past a boundary "now" is checked: zero on a virtual clock
    /// (exact), a margin on a real one (request latency, whole-second
    /// backends).
    pub settle: Duration,
    /// A wait long after everything (checks that an acked job stays gone).
    pub long_wait: Duration,
    /// Whether the clock can wait out [`MAX_QUEUE_DELAY`] (15 minutes): a
    /// real clock checks that such a delay is accepted and applied, not
    /// that it ends.
    pub waits_max_delay: bool,
}

impl Timing {
    /// The durations on a virtual clock ([`TestClock`]): a 30 s lease,
    /// 60 s and 300 s delays, checked 1 s before and exactly at each
    /// boundary.
    pub const VIRTUAL: Timing = Timing {
        visibility: Duration::from_secs(30),
        delay: Duration::from_secs(60),
        retry_delay: Duration::from_secs(300),
        step: Duration::from_secs(1),
        settle: Duration::ZERO,
        long_wait: Duration::from_secs(3600),
        waits_max_delay: true,
    };

    /// The durations in real time for a backend that counts in whole
    /// seconds (SQS): 3 s leases and delays, checked 1 s before and 1 s
    /// after each boundary. A check takes a few seconds.
    pub const REAL_WHOLE_SECONDS: Timing = Timing {
        visibility: Duration::from_secs(3),
        delay: Duration::from_secs(3),
        retry_delay: Duration::from_secs(3),
        step: Duration::from_secs(1),
        settle: Duration::from_secs(1),
        long_wait: Duration::from_secs(4),
        waits_max_delay: false,
    };
}

/// The time the queue checks run on: [`TestClock`] (virtual, the queue is
/// built on it) or [`RealClock`] (the wall clock, for backends that keep
/// their own time).
pub trait SuiteClock: Send + Sync {
    /// The durations to check with.
    fn timing(&self) -> Timing;
    /// Lets `d` pass: moves a virtual clock, sleeps on a real one.
    fn pass(&self, d: Duration) -> impl Future<Output = ()> + Send;
}

impl SuiteClock for TestClock {
    fn timing(&self) -> Timing {
        Timing::VIRTUAL
    }

    fn pass(&self, d: Duration) -> impl Future<Output = ()> + Send {
        self.advance(i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        core::future::ready(())
    }
}

/// The wall clock: [`SuiteClock::pass`] sleeps. For backends whose time
/// cannot be moved (SQS).
#[derive(Debug, Clone, Copy)]
pub struct RealClock {
    timing: Timing,
}

impl RealClock {
    /// A real clock checking with `timing`.
    pub fn new(timing: Timing) -> Self {
        RealClock { timing }
    }

    /// A real clock for a backend that counts delays and leases in whole
    /// seconds ([`Timing::REAL_WHOLE_SECONDS`]).
    pub fn whole_seconds() -> Self {
        RealClock::new(Timing::REAL_WHOLE_SECONDS)
    }
}

impl SuiteClock for RealClock {
    fn timing(&self) -> Timing {
        self.timing
    }

    fn pass(&self, d: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(d)
    }
}

/// Every queue check, in order, each on a fresh queue from `make`, which is
/// given the clock (at [`T0`]) to build the queue on.
pub async fn run_queue_suite<Q, F, Fut>(make: F)
where
    Q: DeliveryQueue,
    F: Fn(TestClock) -> Fut,
    Fut: Future<Output = Q>,
{
    run_queue_suite_on(TestClock::default, make).await;
}

/// Every queue check, in order, each on a fresh clock from `clock` and a
/// fresh queue from `make` (given that clock). For a backend on real time:
/// `run_queue_suite_on(RealClock::whole_seconds, |_| fresh_queue())`.
pub async fn run_queue_suite_on<C, Q, NewClock, F, Fut>(clock: NewClock, make: F)
where
    C: SuiteClock + Clone,
    Q: DeliveryQueue,
    NewClock: Fn() -> C,
    F: Fn(C) -> Fut,
    Fut: Future<Output = Q>,
{
    macro_rules! run {
        ($($check:ident),*) => {$({
            let clock = clock();
            let queue = make(clock.clone()).await;
            $check(&queue, &clock).await;
        })*};
    }
    run!(
        enqueue_receive_ack,
        delay_is_respected,
        lease_expiry_redelivers,
        stale_receipt_cannot_ack,
        concurrent_receivers_never_share_a_job,
        retry_puts_back_with_delay,
        delays_over_the_queue_limit_are_refused,
        ack_batch_skips_stale_receipts
    );
}

/// `ack_batch` deletes every current lease and skips stale ones.
pub async fn ack_batch_skips_stale_receipts(queue: &impl DeliveryQueue, clock: &impl SuiteClock) {
    let t = clock.timing();
    let jobs: Vec<Job> = (0..5).map(|_| job(1)).collect();
    queue
        .enqueue_batch(&jobs, Duration::ZERO)
        .await
        .expect("enqueue");
    let first = queue.receive(5, t.visibility).await.expect("receive");
    assert_eq!(first.len(), 5);
    // One lease expires and is received again: its first receipt is stale.
    clock.pass(t.visibility + t.step).await;
    let again = queue.receive(5, t.visibility).await.expect("receive");
    assert_eq!(again.len(), 5, "all five leases expired");
    let mut receipts: Vec<_> = again.iter().take(4).map(|l| l.receipt.clone()).collect();
    receipts.push(first[0].receipt.clone());
    assert_eq!(queue.ack_batch(&receipts).await.expect("ack batch"), 4);
    assert_eq!(queue.ack_batch(&[]).await.expect("empty batch"), 0);
    // The fifth (not acked with its current receipt) comes back.
    clock.pass(t.visibility + t.step).await;
    let left = queue.receive(5, t.visibility).await.expect("receive");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].job, again[4].job);
}

/// A job for `account`.
pub fn job(attempt: u32) -> Job {
    Job {
        delivery_id: Uuid::new_v4(),
        webhook_id: Uuid::new_v4(),
        account_id: "acct_a".into(),
        event_id: Uuid::new_v4(),
        attempt,
        first_attempt: 1,
        not_before: None,
    }
}

/// A job enqueued is received once with count 1, is invisible while
/// leased, and is gone once acked.
pub async fn enqueue_receive_ack(queue: &impl DeliveryQueue, clock: &impl SuiteClock) {
    let t = clock.timing();
    let mut j = job(1);
    j.not_before = Some(T0 + 3600 * SECOND);
    queue.enqueue(&j, Duration::ZERO).await.expect("enqueue");
    assert!(
        queue
            .receive(0, t.visibility)
            .await
            .expect("receive")
            .is_empty()
    );
    let got = queue.receive(10, t.visibility).await.expect("receive");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].job, j);
    assert_eq!(got[0].receive_count, 1);
    assert!(
        queue
            .receive(10, t.visibility)
            .await
            .expect("receive")
            .is_empty(),
        "leased jobs are invisible"
    );
    queue.ack(&got[0].receipt).await.expect("ack");
    clock.pass(t.long_wait).await;
    assert!(
        queue
            .receive(10, t.visibility)
            .await
            .expect("receive")
            .is_empty(),
        "acked jobs are gone"
    );
}

/// A delayed job is invisible until its delay has passed.
pub async fn delay_is_respected(queue: &impl DeliveryQueue, clock: &impl SuiteClock) {
    let t = clock.timing();
    let j = job(1);
    queue.enqueue(&j, t.delay).await.expect("enqueue");
    assert!(
        queue
            .receive(10, t.visibility)
            .await
            .expect("receive")
            .is_empty()
    );
    clock.pass(t.delay - t.step).await;
    assert!(
        queue
            .receive(10, t.visibility)
            .await
            .expect("receive")
            .is_empty()
    );
    clock.pass(t.step + t.settle).await;
    let got = queue.receive(10, t.visibility).await.expect("receive");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].job, j);
}

/// A lease that expires without an ack is received again, count 2; an
/// extended lease is not.
pub async fn lease_expiry_redelivers(queue: &impl DeliveryQueue, clock: &impl SuiteClock) {
    let t = clock.timing();
    let j = job(1);
    queue.enqueue(&j, Duration::ZERO).await.expect("enqueue");
    let first = queue.receive(10, t.visibility).await.expect("receive");
    assert_eq!(first.len(), 1);
    clock.pass(t.visibility - t.step).await;
    queue
        .extend(&first[0].receipt, t.visibility)
        .await
        .expect("extend a held lease");
    // Past the first lease, before the end of the extended one.
    clock.pass(t.visibility - t.step).await;
    assert!(
        queue
            .receive(10, t.visibility)
            .await
            .expect("receive")
            .is_empty(),
        "the extended lease still holds"
    );
    clock.pass(t.step + t.settle).await;
    let second = queue.receive(10, t.visibility).await.expect("receive");
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].job, j);
    assert_eq!(second[0].receive_count, 2);
    assert_ne!(second[0].receipt, first[0].receipt);
    queue.ack(&second[0].receipt).await.expect("ack");
}

/// After a redelivery the old receipt cannot ack, retry or extend; the
/// current one can. Garbage receipts are stale too.
pub async fn stale_receipt_cannot_ack(queue: &impl DeliveryQueue, clock: &impl SuiteClock) {
    let t = clock.timing();
    let j = job(1);
    queue.enqueue(&j, Duration::ZERO).await.expect("enqueue");
    let first = queue.receive(1, t.visibility).await.expect("receive");
    assert_eq!(first.len(), 1);
    clock.pass(t.visibility + t.step).await;
    let second = queue.receive(1, t.visibility).await.expect("receive");
    assert_eq!(second.len(), 1);
    let stale = &first[0].receipt;
    assert!(matches!(
        queue.ack(stale).await,
        Err(QueueError::StaleReceipt)
    ));
    assert!(matches!(
        queue.retry(stale, &j, Duration::ZERO).await,
        Err(QueueError::StaleReceipt)
    ));
    assert!(matches!(
        queue.extend(stale, t.visibility).await,
        Err(QueueError::StaleReceipt)
    ));
    let garbage = crate::queue::Receipt("not a receipt".into());
    assert!(matches!(
        queue.ack(&garbage).await,
        Err(QueueError::StaleReceipt)
    ));
    queue
        .ack(&second[0].receipt)
        .await
        .expect("current receipt acks");
    assert!(matches!(
        queue.ack(&second[0].receipt).await,
        Err(QueueError::StaleReceipt)
    ));
}

/// Two receivers polled together get disjoint jobs, and all of them.
pub async fn concurrent_receivers_never_share_a_job(
    queue: &impl DeliveryQueue,
    clock: &impl SuiteClock,
) {
    let t = clock.timing();
    let mut ids = HashSet::new();
    for _ in 0..20 {
        let j = job(1);
        ids.insert(j.delivery_id);
        queue.enqueue(&j, Duration::ZERO).await.expect("enqueue");
    }
    let (a, b) = join2(
        queue.receive(15, t.visibility),
        queue.receive(15, t.visibility),
    )
    .await;
    let (a, b) = (a.expect("receive"), b.expect("receive"));
    let a_ids: HashSet<Uuid> = a.iter().map(|l| l.job.delivery_id).collect();
    let b_ids: HashSet<Uuid> = b.iter().map(|l| l.job.delivery_id).collect();
    assert_eq!(a_ids.len(), a.len());
    assert_eq!(b_ids.len(), b.len());
    assert!(a_ids.is_disjoint(&b_ids), "a job leased twice at once");
    assert_eq!(a.len() + b.len(), 20);
    let (a2, b2) = join2(
        queue.receive(15, t.visibility),
        queue.receive(15, t.visibility),
    )
    .await;
    assert!(a2.expect("receive").is_empty() && b2.expect("receive").is_empty());
    clock.pass(t.visibility + t.settle).await;
    let again = queue.receive(30, t.visibility).await.expect("receive");
    let again_ids: HashSet<Uuid> = again.iter().map(|l| l.job.delivery_id).collect();
    assert_eq!(again_ids, ids, "expired leases come back, each once");
    assert!(again.iter().all(|l| l.receive_count == 2));
}

/// `retry` puts the job back as the next attempt after the delay, with a
/// fresh receive count.
pub async fn retry_puts_back_with_delay(queue: &impl DeliveryQueue, clock: &impl SuiteClock) {
    let t = clock.timing();
    let j = job(1);
    queue.enqueue(&j, Duration::ZERO).await.expect("enqueue");
    let got = queue.receive(1, t.visibility).await.expect("receive");
    assert_eq!(got.len(), 1);
    let next = Job {
        attempt: 2,
        ..j.clone()
    };
    queue
        .retry(&got[0].receipt, &next, t.retry_delay)
        .await
        .expect("retry");
    assert!(matches!(
        queue.ack(&got[0].receipt).await,
        Err(QueueError::StaleReceipt)
    ));
    clock.pass(t.retry_delay - t.step).await;
    assert!(
        queue
            .receive(1, t.visibility)
            .await
            .expect("receive")
            .is_empty()
    );
    clock.pass(t.step + t.settle).await;
    let back = queue.receive(1, t.visibility).await.expect("receive");
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].job, next);
    assert_eq!(back[0].receive_count, 1);
    queue.ack(&back[0].receipt).await.expect("ack");
}

/// Delays over [`MAX_QUEUE_DELAY`] are refused (split them with
/// [`split_delay`](crate::split_delay)); exactly 15 minutes is fine (on a
/// virtual clock the job is received once they have passed; on a real
/// one, it is checked to be delayed, and another job gives the lease the
/// rest of the check needs).
pub async fn delays_over_the_queue_limit_are_refused(
    queue: &impl DeliveryQueue,
    clock: &impl SuiteClock,
) {
    let t = clock.timing();
    let j = job(1);
    let over = MAX_QUEUE_DELAY + Duration::from_micros(1);
    assert!(matches!(
        queue.enqueue(&j, over).await,
        Err(QueueError::DelayTooLong { .. })
    ));
    queue.enqueue(&j, MAX_QUEUE_DELAY).await.expect("enqueue");
    let got = if t.waits_max_delay {
        clock.pass(MAX_QUEUE_DELAY).await;
        let got = queue.receive(1, t.visibility).await.expect("receive");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].job, j);
        got
    } else {
        assert!(
            queue
                .receive(10, t.visibility)
                .await
                .expect("receive")
                .is_empty(),
            "a job delayed by 15 minutes is not visible yet"
        );
        let other = job(1);
        queue
            .enqueue(&other, Duration::ZERO)
            .await
            .expect("enqueue");
        let got = queue.receive(1, t.visibility).await.expect("receive");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].job, other);
        got
    };
    assert!(matches!(
        queue.retry(&got[0].receipt, &j, over).await,
        Err(QueueError::DelayTooLong { .. })
    ));
    assert!(matches!(
        queue.receive(1, Duration::from_secs(13 * 3600)).await,
        Err(QueueError::VisibilityTooLong { .. })
    ));
    queue
        .ack(&got[0].receipt)
        .await
        .expect("the lease still holds");
}
