//! The conformance suite every [`EventStore`] backend runs (feature
//! `testing`).
//!
//! Each check is a `pub async fn` taking a fresh, empty store and
//! panicking (like `assert!`) on the first violation; [`run_all`] runs them
//! all, asking its factory for a new store before each one. Times are
//! explicit (`received_at`, `at`): no check waits.
//!
//! ```ignore
//! #[tokio::test]
//! async fn conformance() {
//!     triggers_service::db::testing::run_all(|| async { MyEventStore::fresh().await }).await;
//! }
//! ```

use core::future::Future;
use core::pin::pin;
use core::task::Poll;

use serde_json::value::RawValue;
use uuid::Uuid;

use crate::core::events::{
    Cursor, Event, EventStore, IDEMPOTENCY_WINDOW_MICROS, InboxQuery, Ingested, NewEvent,
};

/// The start time of every check, Unix microseconds.
pub const T0: i64 = 1_700_000_000_000_000;

const SECOND: i64 = 1_000_000;
const HOUR: i64 = 3600 * SECOND;

/// Every check, in order, each on a fresh store from `make`.
pub async fn run_all<S, F, Fut>(make: F)
where
    S: EventStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    ingest_and_get_round_trip(&make().await).await;
    idempotency_key_returns_the_original_within_24h(&make().await).await;
    concurrent_ingests_with_one_key_store_one_event(&make().await).await;
    inbox_pages_oldest_first_with_filters(&make().await).await;
    ack_is_idempotent_and_account_scoped(&make().await).await;
    outbox_holds_new_events_until_dispatched(&make().await).await;
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
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (ra, rb) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}

/// A new event of `account` at `received_at`, with this payload (JSON).
pub fn new_event(
    account: &str,
    source: &str,
    event_type: &str,
    payload: &str,
    received_at: i64,
) -> NewEvent {
    NewEvent {
        event_id: Uuid::new_v4(),
        account_id: account.into(),
        source: source.into(),
        event_type: event_type.into(),
        payload: RawValue::from_string(payload.into()).expect("a JSON payload"),
        idempotency_key: None,
        received_at,
    }
}

fn with_key(mut e: NewEvent, key: &str) -> NewEvent {
    e.idempotency_key = Some(key.into());
    e
}

/// Field by field (the payload byte for byte: stores keep it verbatim).
#[track_caller]
fn assert_event_eq(got: &Event, want: &Event) {
    assert_eq!(got.event_id, want.event_id, "event_id");
    assert_eq!(got.account_id, want.account_id, "account_id");
    assert_eq!(got.source, want.source, "source");
    assert_eq!(got.event_type, want.event_type, "event_type");
    assert_eq!(got.payload.get(), want.payload.get(), "payload");
    assert_eq!(got.idempotency_key, want.idempotency_key, "idempotency_key");
    assert_eq!(got.received_at, want.received_at, "received_at");
    assert_eq!(got.acked_at, want.acked_at, "acked_at");
}

async fn created(store: &impl EventStore, e: NewEvent) -> Event {
    match store.ingest(e).await.expect("ingest") {
        Ingested::Created(event) => event,
        other => panic!("expected a new event, got {other:?}"),
    }
}

async fn must_get(store: &impl EventStore, account: &str, id: Uuid) -> Event {
    store
        .get(account, id)
        .await
        .expect("get")
        .expect("the event exists")
}

/// All unacknowledged events of `account` matching `query`'s filters, page
/// by page (`limit` each), checking each page on the way.
async fn all_pages(store: &impl EventStore, account: &str, query: InboxQuery) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    let mut after = query.after;
    for _ in 0..100 {
        let q = InboxQuery {
            after,
            ..query.clone()
        };
        let page = store.inbox(account, &q).await.expect("inbox");
        assert!(
            page.events.len() <= q.limit.max(1),
            "page larger than the limit"
        );
        assert!(
            page.events.iter().all(|e| e.account_id == account),
            "another account's event was listed"
        );
        let again = store.inbox(account, &q).await.expect("inbox");
        assert_eq!(
            again.events.iter().map(|e| e.event_id).collect::<Vec<_>>(),
            page.events.iter().map(|e| e.event_id).collect::<Vec<_>>(),
            "the same cursor gave another page"
        );
        out.extend(page.events);
        match page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
    panic!("inbox pagination does not end");
}

fn ids(events: &[Event]) -> Vec<Uuid> {
    events.iter().map(|e| e.event_id).collect()
}

/// An event reads back as ingested (payload verbatim, up to a large one);
/// only in its own account; an unknown id is `None`.
pub async fn ingest_and_get_round_trip(store: &impl EventStore) {
    let payload =
        r#"{"b": 1,  "a":[1, 2.50, "é\u00e9", {"nested": null}], "big": 12345678901234567890}"#;
    let new = new_event("acct_a", "shop", "order.created", payload, T0);
    let want = new.to_event();
    let got = created(store, new).await;
    assert_event_eq(&got, &want);
    assert_event_eq(&must_get(store, "acct_a", want.event_id).await, &want);
    assert!(
        store
            .get("acct_b", want.event_id)
            .await
            .expect("get")
            .is_none(),
        "another account's event is invisible"
    );
    assert!(
        store
            .get("acct_a", Uuid::new_v4())
            .await
            .expect("get")
            .is_none()
    );

    // With a key, and a payload close to the API's limit (256 KiB).
    let big = format!(r#"{{"blob":"{}"}}"#, "x".repeat(250 * 1024));
    let new = with_key(
        new_event("acct_a", "crm", "contact.updated", &big, T0 + 1),
        "k-big",
    );
    let want = new.to_event();
    created(store, new).await;
    assert_event_eq(&must_get(store, "acct_a", want.event_id).await, &want);
}

/// The same key and content within 24 h gives back the original; other
/// content is `KeyReused`; other accounts have their own keys; after 24 h
/// the key starts afresh.
pub async fn idempotency_key_returns_the_original_within_24h(store: &impl EventStore) {
    let first = with_key(
        new_event("acct_a", "shop", "order.created", r#"{"n":1}"#, T0),
        "order-1",
    );
    let original = created(store, first.clone()).await;

    let mut again = first.clone();
    again.event_id = Uuid::new_v4();
    again.received_at = T0 + HOUR;
    match store.ingest(again.clone()).await.expect("ingest") {
        Ingested::Duplicate(e) => assert_event_eq(&e, &original),
        other => panic!("expected the original, got {other:?}"),
    }
    let mut changed = again.clone();
    changed.event_id = Uuid::new_v4();
    changed.payload = RawValue::from_string(r#"{"n":2}"#.into()).expect("json");
    assert!(matches!(
        store.ingest(changed).await.expect("ingest"),
        Ingested::KeyReused
    ));
    let mut other_type = again.clone();
    other_type.event_id = Uuid::new_v4();
    other_type.event_type = "order.updated".into();
    assert!(
        matches!(
            store.ingest(other_type).await.expect("ingest"),
            Ingested::KeyReused
        ),
        "the type is part of what the key promises"
    );

    // Another account's key of the same name is its own.
    let mut foreign = first.clone();
    foreign.event_id = Uuid::new_v4();
    foreign.account_id = "acct_b".into();
    let foreign = created(store, foreign).await;
    assert_ne!(foreign.event_id, original.event_id);

    // Just inside the window: still the original.
    let mut late = first.clone();
    late.event_id = Uuid::new_v4();
    late.received_at = T0 + IDEMPOTENCY_WINDOW_MICROS - 1;
    match store.ingest(late).await.expect("ingest") {
        Ingested::Duplicate(e) => assert_eq!(e.event_id, original.event_id),
        other => panic!("expected the original, got {other:?}"),
    }
    // 24 h later: a new event, and the key now names it.
    let mut next_day = first.clone();
    next_day.event_id = Uuid::new_v4();
    next_day.received_at = T0 + IDEMPOTENCY_WINDOW_MICROS;
    next_day.payload = RawValue::from_string(r#"{"n":3}"#.into()).expect("json");
    let renewed = created(store, next_day.clone()).await;
    let mut retry = next_day.clone();
    retry.event_id = Uuid::new_v4();
    retry.received_at += SECOND;
    match store.ingest(retry).await.expect("ingest") {
        Ingested::Duplicate(e) => assert_event_eq(&e, &renewed),
        other => panic!("expected the renewed event, got {other:?}"),
    }

    let inbox = all_pages(
        store,
        "acct_a",
        InboxQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&inbox), vec![original.event_id, renewed.event_id]);
    let b = all_pages(
        store,
        "acct_b",
        InboxQuery {
            limit: 10,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(ids(&b), vec![foreign.event_id]);
}

/// Two ingests with one key at the same time store one event: one is
/// created, the other gets it back (or `KeyReused` if its content
/// differs).
pub async fn concurrent_ingests_with_one_key_store_one_event(store: &impl EventStore) {
    for round in 0..3 {
        let key = format!("race-{round}");
        let a = with_key(
            new_event("acct_a", "shop", "order.created", r#"{"x":1}"#, T0 + round),
            &key,
        );
        let mut b = a.clone();
        b.event_id = Uuid::new_v4();
        let (ra, rb) = join2(store.ingest(a.clone()), store.ingest(b.clone())).await;
        let (ra, rb) = (ra.expect("ingest"), rb.expect("ingest"));
        let winner = match (&ra, &rb) {
            (Ingested::Created(w), Ingested::Duplicate(d))
            | (Ingested::Duplicate(d), Ingested::Created(w)) => {
                assert_event_eq(d, w);
                w.clone()
            }
            _ => panic!("exactly one ingest must create the event: {ra:?} / {rb:?}"),
        };
        assert!(winner.event_id == a.event_id || winner.event_id == b.event_id);
        let loser = if winner.event_id == a.event_id {
            &b
        } else {
            &a
        };
        assert!(
            store
                .get("acct_a", loser.event_id)
                .await
                .expect("get")
                .is_none(),
            "the losing ingest stored nothing"
        );

        let mut c = a.clone();
        c.event_id = Uuid::new_v4();
        c.idempotency_key = Some(format!("race-other-{round}"));
        let mut d = c.clone();
        d.event_id = Uuid::new_v4();
        d.payload = RawValue::from_string(r#"{"x":2}"#.into()).expect("json");
        let (rc, rd) = join2(store.ingest(c), store.ingest(d)).await;
        let (rc, rd) = (rc.expect("ingest"), rd.expect("ingest"));
        assert!(
            matches!(
                (&rc, &rd),
                (Ingested::Created(_), Ingested::KeyReused)
                    | (Ingested::KeyReused, Ingested::Created(_))
            ),
            "different content under one key: {rc:?} / {rd:?}"
        );
    }
    let inbox = all_pages(
        store,
        "acct_a",
        InboxQuery {
            limit: 100,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(inbox.len(), 6, "one event per key");
}

/// The inbox lists an account's unacknowledged events oldest first (ties
/// by event id), page by page, filtered by source and type; other
/// accounts' and acknowledged events never appear.
pub async fn inbox_pages_oldest_first_with_filters(store: &impl EventStore) {
    let mut mine = Vec::new();
    let specs = [
        ("shop", "order.created", 5),
        ("crm", "contact.created", 1),
        ("shop", "order.updated", 3),
        ("shop", "order.created", 3), // a tie on received_at
        ("crm", "order.created", 9),
        ("shop", "order.created", 3), // another
        ("shop", "order.created", 0),
    ];
    for (source, event_type, t) in specs {
        let e = created(
            store,
            new_event("acct_a", source, event_type, "{}", T0 + t * SECOND),
        )
        .await;
        mine.push(e);
        // Interleaved noise: other accounts, one whose name extends it.
        created(
            store,
            new_event("acct_b", source, event_type, "{}", T0 + t * SECOND),
        )
        .await;
    }
    created(
        store,
        new_event("acct_a2", "shop", "order.created", "{}", T0),
    )
    .await;
    mine.sort_by_key(|e| (e.received_at, e.event_id));

    let all = all_pages(
        store,
        "acct_a",
        InboxQuery {
            limit: 3,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        ids(&all),
        ids(&mine),
        "oldest first, ties by event id, each once"
    );
    for (got, want) in all.iter().zip(&mine) {
        assert_event_eq(got, want);
    }
    let first = store
        .inbox(
            "acct_a",
            &InboxQuery {
                limit: 3,
                ..Default::default()
            },
        )
        .await
        .expect("inbox");
    assert_eq!(first.events.len(), 3);
    assert_eq!(
        first.next,
        Some(Cursor {
            received_at: mine[2].received_at,
            event_id: mine[2].event_id
        }),
        "the cursor is the last event of the page"
    );
    let whole = store
        .inbox(
            "acct_a",
            &InboxQuery {
                limit: 7,
                ..Default::default()
            },
        )
        .await
        .expect("inbox");
    assert_eq!(whole.events.len(), 7);
    assert!(whole.next.is_none(), "no next page after the last event");
    let one = store
        .inbox(
            "acct_a",
            &InboxQuery {
                limit: 0,
                ..Default::default()
            },
        )
        .await
        .expect("inbox");
    assert_eq!(
        ids(&one.events),
        vec![mine[0].event_id],
        "a limit of 0 counts as 1"
    );

    let by = |source: Option<&str>, event_type: Option<&str>| InboxQuery {
        source: source.map(str::to_owned),
        event_type: event_type.map(str::to_owned),
        after: None,
        limit: 1,
    };
    let want = |f: &dyn Fn(&Event) -> bool| -> Vec<Uuid> {
        mine.iter().filter(|e| f(e)).map(|e| e.event_id).collect()
    };
    let shop = all_pages(store, "acct_a", by(Some("shop"), None)).await;
    assert_eq!(ids(&shop), want(&|e| e.source == "shop"));
    let created_ = all_pages(store, "acct_a", by(None, Some("order.created"))).await;
    assert_eq!(ids(&created_), want(&|e| e.event_type == "order.created"));
    let both = all_pages(store, "acct_a", by(Some("crm"), Some("order.created"))).await;
    assert_eq!(
        ids(&both),
        want(&|e| e.source == "crm" && e.event_type == "order.created")
    );
    let none = all_pages(store, "acct_a", by(Some("nowhere"), None)).await;
    assert!(none.is_empty());

    // Acknowledged events leave the inbox; the rest keeps its order.
    store
        .ack("acct_a", mine[1].event_id, T0 + HOUR)
        .await
        .expect("ack")
        .expect("exists");
    let after_ack = all_pages(
        store,
        "acct_a",
        InboxQuery {
            limit: 2,
            ..Default::default()
        },
    )
    .await;
    let mut rest = ids(&mine);
    rest.remove(1);
    assert_eq!(ids(&after_ack), rest);

    let b = all_pages(
        store,
        "acct_b",
        InboxQuery {
            limit: 100,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(b.len(), 7);
    let nobody = store
        .inbox(
            "acct_nobody",
            &InboxQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("inbox");
    assert!(nobody.events.is_empty() && nobody.next.is_none());
}

/// Acknowledging sets `acked_at` once (a second ack keeps the first time),
/// only in the event's account; an unknown event is `None`.
pub async fn ack_is_idempotent_and_account_scoped(store: &impl EventStore) {
    let e = created(
        store,
        new_event("acct_a", "shop", "order.created", r#"{"k":"v"}"#, T0),
    )
    .await;
    assert!(
        store
            .ack("acct_b", e.event_id, T0 + 1)
            .await
            .expect("ack")
            .is_none(),
        "another account cannot ack it"
    );
    assert_eq!(must_get(store, "acct_a", e.event_id).await.acked_at, None);

    let acked = store
        .ack("acct_a", e.event_id, T0 + 10)
        .await
        .expect("ack")
        .expect("exists");
    let mut want = e.clone();
    want.acked_at = Some(T0 + 10);
    assert_event_eq(&acked, &want);
    let again = store
        .ack("acct_a", e.event_id, T0 + 99)
        .await
        .expect("ack")
        .expect("exists");
    assert_eq!(again.acked_at, Some(T0 + 10), "the first ack time stays");
    assert_event_eq(&must_get(store, "acct_a", e.event_id).await, &want);
    assert!(
        store
            .ack("acct_a", Uuid::new_v4(), T0)
            .await
            .expect("ack")
            .is_none()
    );
    let inbox = store
        .inbox(
            "acct_a",
            &InboxQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("inbox");
    assert!(
        inbox.events.is_empty(),
        "acknowledged events leave the inbox"
    );
}

/// Every new event is in the outbox until marked dispatched, whatever its
/// account or ack; the outbox lists oldest first, before a time, at most
/// `limit`; a duplicate ingest adds nothing; marking is idempotent.
pub async fn outbox_holds_new_events_until_dispatched(store: &impl EventStore) {
    assert!(
        store
            .undispatched(i64::MAX, 10)
            .await
            .expect("outbox")
            .is_empty()
    );
    let mut events = Vec::new();
    for i in 0..6 {
        let account = if i % 2 == 0 { "acct_a" } else { "acct_b" };
        let new = with_key(
            new_event(
                account,
                "shop",
                "order.created",
                &format!(r#"{{"i":{i}}}"#),
                T0 + i * SECOND,
            ),
            &format!("k{i}"),
        );
        events.push(created(store, new.clone()).await);
        // A retry of the same request: the original, no second outbox entry.
        let mut retry = new;
        retry.event_id = Uuid::new_v4();
        assert!(matches!(
            store.ingest(retry).await.expect("ingest"),
            Ingested::Duplicate(_)
        ));
    }
    let outbox = store
        .undispatched(T0 + 100 * SECOND, 100)
        .await
        .expect("outbox");
    assert_eq!(ids(&outbox), ids(&events), "every new event, oldest first");
    for (got, want) in outbox.iter().zip(&events) {
        assert_event_eq(got, want);
    }
    let before = store
        .undispatched(T0 + 3 * SECOND, 100)
        .await
        .expect("outbox");
    assert_eq!(
        ids(&before),
        ids(&events[..3]),
        "received before the time only"
    );
    let two = store
        .undispatched(T0 + 100 * SECOND, 2)
        .await
        .expect("outbox");
    assert_eq!(
        ids(&two),
        ids(&events[..2]),
        "at most the limit, oldest first"
    );

    // Acknowledging does not take an event out of the outbox.
    store
        .ack("acct_a", events[0].event_id, T0 + HOUR)
        .await
        .expect("ack")
        .expect("exists");
    store
        .mark_dispatched(&[events[0].event_id, events[3].event_id, Uuid::new_v4()])
        .await
        .expect("mark");
    store.mark_dispatched(&[]).await.expect("mark nothing");
    store
        .mark_dispatched(&[events[0].event_id])
        .await
        .expect("mark again");
    let left = store.undispatched(i64::MAX, 100).await.expect("outbox");
    let mut want = ids(&events);
    want.retain(|id| *id != events[0].event_id && *id != events[3].event_id);
    assert_eq!(ids(&left), want);
    // Marking leaves the event itself alone.
    assert_event_eq(
        &must_get(store, "acct_b", events[3].event_id).await,
        &events[3],
    );
    let rest: Vec<Uuid> = left.iter().map(|e| e.event_id).collect();
    store.mark_dispatched(&rest).await.expect("mark");
    assert!(
        store
            .undispatched(i64::MAX, 100)
            .await
            .expect("outbox")
            .is_empty()
    );
}
