//! Seeds the analytics store of a `triggers-service` data directory with
//! `--days` days of minute buckets (and their hour and day rollups) for one
//! account, the way the service's in-process host writes them
//! (`apply_batch_once`), for the summary endpoint benchmark
//! (benches/load/analytics.sh).
//!
//! ```text
//! analytics_seed --db DATA/triggers.db --account acct_default --days 30 --per-minute 60
//! ```
//!
//! Each minute gets `--per-minute` records split over events (4 sources ×
//! 5 types, ingest latencies), API requests (2% 4xx, 0.5% 5xx) and
//! delivery attempts to 3 webhooks (5% failures, retries, a dead letter now
//! and then), with ingest-to-delivery times.

use std::time::Instant;

use triggers_analytics::backends::sqlite::SqliteAnalyticsStore;
use triggers_analytics::store::apply_batch_once;
use triggers_analytics::{DeadLetterReason, Granularity, MINUTE_US, Outcome, Record};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn num(name: &str, default: i64) -> Result<i64, String> {
    arg(name).map_or(Ok(default), |v| {
        v.parse().map_err(|_| format!("{name}: not a number: {v}"))
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = arg("--db").ok_or("--db PATH is required")?;
    let account = arg("--account").unwrap_or_else(|| "acct_default".into());
    let days = num("--days", 30)?;
    let per_minute = num("--per-minute", 60)?.max(3);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_micros();
    let end = Granularity::Minute.start_of(i64::try_from(now)?);
    let start = end - days * 24 * 60 * MINUTE_US;
    let store = SqliteAnalyticsStore::new(triggers_sqlite::Db::open(&db, Default::default())?);
    store.migrate().await?;
    let sources = ["shop", "crm", "billing", "ads"];
    let types = [
        "order.created",
        "order.paid",
        "user.signup",
        "invoice.sent",
        "cart.abandoned",
    ];
    let t0 = Instant::now();
    let mut id: u128 = 1;
    let mut batch = Vec::new();
    let mut minute = start;
    let mut records = 0u64;
    while minute < end {
        for i in 0..per_minute {
            id += 1;
            let at = minute + i * (MINUTE_US / per_minute);
            let r = match i % 3 {
                0 => Record::EventIngested {
                    account: account.clone(),
                    event_id: id,
                    source: sources[(id % 4) as usize].into(),
                    event_type: types[(id % 5) as usize].into(),
                    received_at: at,
                    ingest_latency_us: Some(400 + (id % 97) as u64 * 20),
                },
                1 => Record::ApiRequest {
                    account: account.clone(),
                    request_id: id,
                    status: match id % 200 {
                        0 => 503,
                        1..=4 => 400,
                        _ => 201,
                    },
                    at,
                },
                _ => {
                    let ok = id % 20 != 0;
                    if id % 997 == 0 {
                        batch.push(Record::DeadLettered {
                            account: account.clone(),
                            delivery_id: id,
                            webhook_id: u128::from(id as u8 % 3),
                            attempts: 4,
                            reason: DeadLetterReason::RetriesExhausted,
                            at,
                        });
                    }
                    Record::DeliveryAttempt {
                        account: account.clone(),
                        delivery_id: id,
                        attempt: 1 + (id % 7 == 0) as u32,
                        webhook_id: u128::from(id as u8 % 3),
                        outcome: if ok {
                            Outcome::Status(200)
                        } else {
                            Outcome::Status(500)
                        },
                        at,
                        ingest_to_delivery_us: ok.then_some(5_000 + (id % 113) as u64 * 300),
                    }
                }
            };
            batch.push(r);
        }
        minute += MINUTE_US;
        if Granularity::Hour.is_aligned(minute) || minute >= end {
            records += batch.len() as u64;
            apply_batch_once(&store, Granularity::Minute, &batch).await?;
            batch.clear();
        }
    }
    store.db().close().await;
    println!(
        "SEEDED account={account} days={days} minutes={} records={records} seconds={:.1}",
        days * 24 * 60,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
