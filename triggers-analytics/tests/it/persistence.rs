//! Serde round trips, and what a store hands back after a restart: the
//! dedup set survives, a tampered blob is refused with an error, never a
//! panic.

use proptest::prelude::*;
use serde_json::Value as Json;
use triggers_analytics::*;

use crate::support::*;

fn buckets(seed: u64) -> (Vec<Record>, Vec<Bucket>) {
    let records = generate(seed, &Shape::small(&["acct_1", "acct_2"]));
    let (state, _) = fold(Aggregates::new(Granularity::Minute), &records);
    (records, state.into_buckets())
}

#[test]
fn buckets_round_trip_through_json() {
    let (_, all) = buckets(41);
    assert!(all.len() > 10);
    for b in &all {
        let json = serde_json::to_string(b).expect("serializes");
        let back: Bucket = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(&back, b);
        // And again: the serialized form is canonical.
        assert_eq!(serde_json::to_string(&back).expect("serializes"), json);
        let mut sealed = b.clone();
        sealed.seal();
        let json = serde_json::to_string(&sealed).expect("serializes");
        assert!(!json.contains("\"seen\""));
        let back: Bucket = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, sealed);
        assert!(back.is_sealed());
    }
    // The percentiles survive too.
    let b = all
        .iter()
        .max_by_key(|b| b.events().ingest_latency.count())
        .expect("buckets");
    let back: Bucket =
        serde_json::from_str(&serde_json::to_string(b).expect("json")).expect("bucket");
    for q in [0.0, 0.01, 0.5, 0.9, 0.99, 1.0] {
        assert_eq!(
            back.events().ingest_latency.quantile(q),
            b.events().ingest_latency.quantile(q)
        );
    }
}

#[test]
fn a_reloaded_state_still_deduplicates() {
    let (records, stored) = buckets(42);
    let blobs: Vec<String> = stored
        .iter()
        .map(|b| serde_json::to_string(b).expect("json"))
        .collect();
    // "Restart": load the rows, re-read the whole stream plus new records.
    let loaded: Vec<Bucket> = blobs
        .iter()
        .map(|s| serde_json::from_str(s).expect("bucket"))
        .collect();
    let state = Aggregates::from_buckets(Granularity::Minute, loaded).expect("load");
    let more = generate(43, &Shape::small(&["acct_1"]));
    let stream = redeliver(7, &[records.clone(), more.clone()].concat(), 0.2);
    let (state, report) = fold(state, &stream);
    assert_eq!(report.counted, more.len() as u64);
    let (direct, _) = fold(
        Aggregates::new(Granularity::Minute),
        &[records, more].concat(),
    );
    assert_eq!(state.into_buckets(), direct.into_buckets());
}

#[test]
fn records_round_trip_with_uuid_strings() {
    let records = generate(44, &Shape::small(&["acct_1"]));
    let json = serde_json::to_string(&records).expect("json");
    let back: Vec<Record> = serde_json::from_str(&json).expect("records");
    assert_eq!(back, records);
    let one: Json = serde_json::to_value(&records[0]).expect("json");
    assert_eq!(one["kind"], "event_ingested");
    let id = one["event_id"].as_str().expect("a string id");
    assert_eq!(id.len(), 36);
    assert_eq!(
        parse_id(id),
        Some(records[0].id()).and_then(|i| match i {
            RecordId::Event(e) => Some(e),
            _ => None,
        })
    );
    assert!(
        serde_json::from_str::<Record>(
            r#"{"kind":"api_request","account":"a","request_id":"nope","status":200,"at":0}"#
        )
        .is_err()
    );
}

/// Applies `edit` to the JSON of a bucket and expects a refusal.
fn refused(b: &Bucket, what: &str, edit: impl FnOnce(&mut Json)) {
    let mut v = serde_json::to_value(b).expect("json");
    edit(&mut v);
    let r = serde_json::from_value::<Bucket>(v);
    assert!(r.is_err(), "{what} was accepted");
}

#[test]
fn tampered_blobs_are_refused() {
    let (_, all) = buckets(45);
    let b = all
        .iter()
        .find(|b| {
            b.events().total > 3
                && b.deliveries().attempts > 1
                && b.events().ingest_latency.count() > 1
        })
        .expect("a busy bucket");
    // Sanity: the untouched value loads.
    assert!(serde_json::from_value::<Bucket>(serde_json::to_value(b).expect("json")).is_ok());
    refused(b, "another version", |v| v["version"] = 2.into());
    refused(b, "an unknown field", |v| v["extra"] = 1.into());
    refused(b, "a wrong total", |v| {
        v["events"]["total"] = (b.events().total + 1).into()
    });
    refused(b, "an unaligned start", |v| {
        v["start"] = (b.start() + 1).into()
    });
    refused(b, "a negative start", |v| {
        v["start"] = (-60_000_000i64).into()
    });
    refused(b, "an empty account", |v| v["account"] = "".into());
    refused(b, "sealed with a dedup set", |v| v["sealed"] = true.into());
    refused(b, "unsealed without one", |v| {
        v.as_object_mut().expect("object").remove("seen");
    });
    refused(b, "a dedup set that disagrees", |v| {
        v["seen"]["events"] = "".into()
    });
    refused(b, "odd hex", |v| v["seen"]["events"] = "abc".into());
    refused(b, "a sketch count that disagrees", |v| {
        let c = v["events"]["ingest_latency"]["count"]
            .as_u64()
            .expect("count");
        v["events"]["ingest_latency"]["count"] = (c + 1).into();
    });
    refused(b, "a sketch bin out of range", |v| {
        v["events"]["ingest_latency"]["bins"][0][0] = 5_000.into()
    });
    refused(b, "retries above attempts", |v| {
        v["deliveries"]["retries"] = (b.deliveries().attempts + 1).into()
    });
    refused(b, "an outcome count that disagrees", |v| {
        v["deliveries"]["attempts"] = (b.deliveries().attempts + 1).into()
    });
    refused(b, "an invalid webhook id", |v| {
        v["deliveries"]["by_webhook"]["entries"][0][0] = "x".into()
    });
    refused(b, "a status out of range", |v| {
        v["api"]["by_status"] = serde_json::json!({"700": b.api().total});
    });
    refused(b, "an over-full capped map", |v| {
        v["events"]["by_source"]["cap"] = 0.into()
    });
    refused(b, "a pair key without separator", |v| {
        v["events"]["by_source_type"]["entries"][0][0] = "nosep".into()
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Corrupting any byte of a blob gives an error or a valid bucket,
    /// never a panic.
    #[test]
    fn corrupted_blobs_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let key = BucketKey::for_time("acct_1", Granularity::Minute, T0).expect("key");
        let mut b = Bucket::new(key);
        for r in generate(46, &Shape::small(&["acct_1"])).iter().filter(|r| r.at() >= T0 && r.at() < T0 + MINUTE) {
            b.apply(r).expect("valid");
        }
        let mut json = serde_json::to_vec(&b).expect("json");
        let i = pos.index(json.len());
        json[i] = byte;
        if let Ok(back) = serde_json::from_slice::<Bucket>(&json) {
            // Whatever loads is self-consistent and usable.
            let range = TimeRange::new(back.start(), back.end()).expect("range");
            summary(back.account(), range, [&back]).expect("summary");
        }
    }
}
