//! The DynamoDB backend (feature `dynamodb`): [`DynamoAnalyticsStore`],
//! over a caller-built `aws_sdk_dynamodb::Client`. Shared helpers (errors,
//! table creation, batch reads) come from
//! `triggers_keys::backends::dynamodb::support`.
//!
//! # Schema
//!
//! One table **`<prefix>analytics`** (`<prefix>` defaults to
//! `triggers-api-`), keyed `pk` (S) + `sk` (S), on-demand capacity, no
//! index:
//!
//! | item | `pk` | `sk` | attributes |
//! |---|---|---|---|
//! | bucket | `<granularity>#<account>` | `⟨start⟩` (20 order-preserving digits) | `account`, `granularity`, `start` (N), `version` (N), `blob` (B: the bucket's JSON) |
//!
//! An account's buckets of one granularity share a partition, in time
//! order: a range listing is one strongly consistent `Query`. (The
//! granularity comes first because it never contains `#`, so the key reads
//! one way whatever the account id.)
//!
//! # Requests per operation
//!
//! | operation | requests |
//! |---|---|
//! | `load` | `BatchGetItem`, strongly consistent, 100 keys per request |
//! | `write_all` of one bucket | one `PutItem`, condition `attribute_not_exists(pk)` (new) or `version = :expected` |
//! | `write_all` of several (a minute and its hour and day rollups) | one `TransactWriteItems` of conditional `Put`s (at most 100 items, 4 MB) |
//! | `list` | `Query`, consistent, `sk BETWEEN`, `Limit` = limit + 1, continued from `LastEvaluatedKey` until filled |
//!
//! # Item size
//!
//! A DynamoDB item holds at most 400 KB. An unsealed bucket carries the
//! identities of every record it counted (its dedup set): in JSON about
//! 35 bytes per record (measured by the `busy_minute_sizes` test: 9,000
//! records of one minute, events from 100 sources, requests and attempts,
//! serialise to 317 KB unsealed and 5 KB sealed), so a single **minute**
//! bucket reaches the limit at roughly 11,000 records in that minute
//! (≈ 180 records/s for one account; 13,000 API requests measured over).
//! `write` measures the serialised bucket and refuses one
//! over [`MAX_BLOB_BYTES`] with [`StoreError::TooLarge`] before sending it
//! (nothing is written; [`apply_batch`](crate::store::apply_batch) stops
//! with that error, and buckets it already wrote stay written). A
//! sealed bucket (no dedup set) is a few KB. Lifting the limit (a binary
//! or compressed blob, or splitting the dedup set over several items) is
//! left to a later change.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use triggers_keys::backends::dynamodb::support::{
    self, DynamoError, Failure, Item, Reader, TableSpec, b, classify, n, ordered_i64, s,
};

use super::codec;
use crate::store::{
    AnalyticsStore, BucketPage, StoreError, StoredBucket, check_write_all, next_version,
};
use crate::{Bucket, BucketKey, Granularity, TimeRange};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

/// The table's name after the prefix.
pub const ANALYTICS_TABLE: &str = "analytics";

/// The largest `blob` attribute [`DynamoAnalyticsStore`] writes: DynamoDB's
/// 400 KB item limit (400 × 1024 bytes, names and values) less 4 KB for the
/// keys and the other attributes.
pub const MAX_BLOB_BYTES: usize = 396 * 1024;

/// The table of a deployment with this table name prefix.
pub fn table_spec(prefix: &str) -> TableSpec {
    TableSpec {
        name: format!("{prefix}{ANALYTICS_TABLE}"),
        indexes: vec![],
        ttl_attribute: None,
    }
}

/// Creates the table of `prefix` unless it exists (idempotent) and waits
/// until it is active.
pub async fn create_analytics_tables(client: &Client, prefix: &str) -> Result<(), StoreError> {
    support::create_table(client, &table_spec(prefix))
        .await
        .map_err(backend)
}

/// An [`AnalyticsStore`] in one DynamoDB table (see the module docs).
#[derive(Debug, Clone)]
pub struct DynamoAnalyticsStore {
    client: Client,
    table: String,
}

fn backend(e: DynamoError) -> StoreError {
    StoreError::backend(e)
}

fn pk(account: &str, granularity: Granularity) -> String {
    format!("{}#{account}", granularity.as_str())
}

fn item_key(key: &BucketKey) -> Item {
    support::key(pk(&key.account, key.granularity), ordered_i64(key.start))
}

fn decode(item: &Item) -> Result<StoredBucket, StoreError> {
    let r = Reader::new(item, "analytics bucket");
    let corrupt = |e: DynamoError| StoreError::Corrupt(e.to_string());
    let granularity = r.s("granularity").map_err(corrupt)?;
    let key = BucketKey {
        account: r.s("account").map_err(corrupt)?.to_owned(),
        granularity: Granularity::parse(granularity)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown granularity {granularity:?}")))?,
        start: r.i64("start").map_err(corrupt)?,
    };
    Ok(StoredBucket {
        bucket: codec::decode(r.bytes("blob").map_err(corrupt)?, &key)?,
        version: r.u64("version").map_err(corrupt)?,
    })
}

/// The item of a bucket written over `expected`, and its new version;
/// [`StoreError::TooLarge`] over [`MAX_BLOB_BYTES`].
fn bucket_item(bucket: &Bucket, expected: Option<u64>) -> Result<(Item, u64), StoreError> {
    let key = bucket.key();
    let blob = codec::encode(bucket)?;
    if blob.len() > MAX_BLOB_BYTES {
        return Err(StoreError::TooLarge {
            key: key.clone(),
            bytes: blob.len(),
            limit: MAX_BLOB_BYTES,
        });
    }
    let new = next_version(expected)?;
    let mut item = item_key(key);
    item.insert("account".into(), s(key.account.clone()));
    item.insert("granularity".into(), s(key.granularity.as_str()));
    item.insert("start".into(), n(key.start));
    item.insert("version".into(), n(new));
    item.insert("blob".into(), b(blob));
    Ok((item, new))
}

impl DynamoAnalyticsStore {
    /// A store on the table `<prefix>analytics`
    /// ([`create_tables`](Self::create_tables) creates it).
    pub fn new(client: Client, prefix: &str) -> Self {
        DynamoAnalyticsStore {
            client,
            table: table_spec(prefix).name,
        }
    }

    /// Creates the table unless it exists (idempotent).
    pub async fn create_tables(&self) -> Result<(), StoreError> {
        support::create_table(
            &self.client,
            &TableSpec {
                name: self.table.clone(),
                indexes: vec![],
                ttl_attribute: None,
            },
        )
        .await
        .map_err(backend)
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

#[async_trait]
impl AnalyticsStore for DynamoAnalyticsStore {
    async fn load(&self, keys: &[BucketKey]) -> Result<Vec<StoredBucket>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut unique: Vec<&BucketKey> = keys.iter().collect();
        unique.sort();
        unique.dedup();
        let items = support::batch_get(
            &self.client,
            &self.table,
            unique.into_iter().map(item_key).collect(),
            true,
        )
        .await
        .map_err(backend)?;
        items.iter().map(decode).collect()
    }

    async fn write_all(&self, writes: &[(&Bucket, Option<u64>)]) -> Result<Vec<u64>, StoreError> {
        check_write_all(writes)?;
        let mut puts = Vec::with_capacity(writes.len());
        let mut versions = Vec::with_capacity(writes.len());
        for (bucket, expected) in writes {
            let (item, new) = bucket_item(bucket, *expected)?;
            puts.push((item, *expected));
            versions.push(new);
        }
        let first_key = || writes[0].0.key().clone();
        if let [(item, expected)] = puts.as_slice() {
            let req = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item.clone()));
            let req = match expected {
                None => req.condition_expression("attribute_not_exists(pk)"),
                Some(v) => req
                    .condition_expression("version = :expected")
                    .expression_attribute_values(":expected", n(v)),
            };
            return match req.send().await {
                Ok(_) => Ok(versions),
                Err(e) => match classify("PutItem", e) {
                    Failure::ConditionFailed(_) | Failure::Conflict => {
                        Err(StoreError::Conflict { key: first_key() })
                    }
                    f => Err(backend(f.into_error("PutItem"))),
                },
            };
        }
        let mut req = self.client.transact_write_items();
        for (item, expected) in puts {
            let put = Put::builder().table_name(&self.table).set_item(Some(item));
            let put = match expected {
                None => put.condition_expression("attribute_not_exists(pk)"),
                Some(v) => put
                    .condition_expression("version = :expected")
                    .expression_attribute_values(":expected", n(v)),
            };
            let put = put
                .build()
                .map_err(|e| StoreError::Invalid(format!("cannot build a Put: {e}")))?;
            req = req.transact_items(TransactWriteItem::builder().put(put).build());
        }
        match req.send().await {
            Ok(_) => Ok(versions),
            Err(e) => match support::classify_transaction(e) {
                Failure::ConditionFailed(_) | Failure::Conflict => {
                    Err(StoreError::Conflict { key: first_key() })
                }
                f => Err(backend(f.into_error("TransactWriteItems"))),
            },
        }
    }

    async fn list(
        &self,
        account: &str,
        granularity: Granularity,
        range: TimeRange,
        after: Option<i64>,
        limit: usize,
    ) -> Result<BucketPage, StoreError> {
        let limit = limit.max(1);
        let from = match after {
            Some(a) => range.from.max(a.saturating_add(1)),
            None => range.from,
        };
        if from >= range.to {
            return Ok(BucketPage {
                buckets: Vec::new(),
                next: None,
            });
        }
        let mut items: Vec<Item> = Vec::new();
        let mut start_key: Option<Item> = None;
        loop {
            let want = limit + 1 - items.len();
            let got = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("pk = :pk AND sk BETWEEN :lo AND :hi")
                .expression_attribute_values(":pk", s(pk(account, granularity)))
                .expression_attribute_values(":lo", s(ordered_i64(from)))
                .expression_attribute_values(":hi", s(ordered_i64(range.to - 1)))
                .limit(i32::try_from(want).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start_key.take())
                .send()
                .await
                .map_err(|e| backend(classify("Query", e).into_error("Query")))?;
            items.extend(got.items().iter().cloned());
            match got.last_evaluated_key() {
                Some(k) if !k.is_empty() && items.len() <= limit => {
                    start_key = Some(k.clone());
                }
                _ => break,
            }
        }
        let mut buckets = items.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        let mut next = None;
        if buckets.len() > limit {
            buckets.truncate(limit);
            next = buckets.last().map(|b| b.bucket.start());
        }
        Ok(BucketPage { buckets, next })
    }
}
