//! Invalid records get a typed error and are reported by `fold`, never
//! counted, never a panic.

use triggers_analytics::*;

use crate::support::*;

fn event(account: &str, source: &str, event_type: &str, at: i64) -> Record {
    Record::EventIngested {
        account: account.into(),
        event_id: 1,
        source: source.into(),
        event_type: event_type.into(),
        received_at: at,
        ingest_latency_us: None,
    }
}

fn attempt(n: u32, outcome: Outcome, i2d: Option<u64>) -> Record {
    Record::DeliveryAttempt {
        account: "acct_1".into(),
        delivery_id: 1,
        attempt: n,
        webhook_id: 2,
        outcome,
        at: T0,
        ingest_to_delivery_us: i2d,
    }
}

#[test]
fn invalid_records_are_typed_errors() {
    let long = "x".repeat(MAX_NAME_LEN + 1);
    let cases = [
        (event("", "s", "t", T0), RecordError::InvalidAccount),
        (event(&long, "s", "t", T0), RecordError::InvalidAccount),
        (event("a\u{0}", "s", "t", T0), RecordError::InvalidAccount),
        (
            event("a", "", "t", T0),
            RecordError::InvalidName { field: "source" },
        ),
        (
            event("a", "s\n", "t", T0),
            RecordError::InvalidName { field: "source" },
        ),
        (
            event("a", "s", &long, T0),
            RecordError::InvalidName {
                field: "event_type",
            },
        ),
        (
            event("a", "s", "t\u{85}", T0),
            RecordError::InvalidName {
                field: "event_type",
            },
        ),
        (event("a", "s", "t", -1), RecordError::TimeOutOfRange(-1)),
        (
            event("a", "s", "t", MAX_TIME + 1),
            RecordError::TimeOutOfRange(MAX_TIME + 1),
        ),
        (
            Record::ApiRequest {
                account: "a".into(),
                request_id: 1,
                status: 99,
                at: T0,
            },
            RecordError::InvalidStatus(99),
        ),
        (
            Record::ApiRequest {
                account: "a".into(),
                request_id: 1,
                status: 600,
                at: T0,
            },
            RecordError::InvalidStatus(600),
        ),
        (
            attempt(0, Outcome::Status(200), None),
            RecordError::InvalidAttempt,
        ),
        (
            attempt(1, Outcome::Status(1000), None),
            RecordError::InvalidStatus(1000),
        ),
        (
            attempt(1, Outcome::Status(503), Some(5)),
            RecordError::LatencyOnFailedAttempt,
        ),
        (
            attempt(1, Outcome::Failed(FailureKind::Timeout), Some(5)),
            RecordError::LatencyOnFailedAttempt,
        ),
    ];
    for (record, error) in &cases {
        assert_eq!(record.validate().as_ref(), Err(error), "{record:?}");
        assert!(!error.to_string().is_empty());
        let key = BucketKey::for_time("a", Granularity::Minute, T0).expect("key");
        let mut b = Bucket::new(key);
        assert_eq!(b.apply(record), Err(ApplyError::Invalid(error.clone())));
        assert!(b.is_empty());
    }
    // Unicode names without control characters are fine.
    assert!(
        event("compte_é", "boutique 🛒", "commande.créée", T0)
            .validate()
            .is_ok()
    );
    assert!(attempt(1, Outcome::Status(999), None).validate().is_ok());
    assert!(attempt(1, Outcome::Status(204), Some(0)).validate().is_ok());

    // A batch with bad records: the good ones count, the bad ones are
    // reported with their index.
    let mut batch: Vec<Record> = cases.iter().map(|(r, _)| r.clone()).collect();
    batch.insert(3, event("acct_1", "s", "t", T0));
    let (state, report) = fold(Aggregates::new(Granularity::Minute), &batch);
    assert_eq!(report.counted, 1);
    assert_eq!(report.rejected.len(), cases.len());
    assert_eq!(report.rejected[3].index, 4);
    assert_eq!(report.rejected[3].error, cases[3].1);
    assert_eq!(state.len(), 1);
}

#[test]
fn records_land_in_their_own_bucket_only() {
    let key = BucketKey::for_time("acct_1", Granularity::Minute, T0).expect("key");
    assert_eq!(key.start, T0);
    let mut b = Bucket::new(key.clone());
    assert_eq!(
        b.apply(&event("acct_1", "s", "t", T0 + MINUTE - 1)),
        Ok(Applied::Counted)
    );
    let next = event("acct_1", "s", "t", T0 + MINUTE);
    assert_eq!(
        b.apply(&next),
        Err(ApplyError::WrongBucket {
            expected: BucketKey {
                start: T0 + MINUTE,
                ..key.clone()
            }
        })
    );
    assert!(BucketKey::for_time("", Granularity::Day, T0).is_err());
    assert!(BucketKey::for_time("a", Granularity::Day, -5).is_err());
    assert_eq!(
        BucketKey::for_time("a", Granularity::Day, T0 + DAY - 1)
            .expect("key")
            .start,
        T0
    );
}
