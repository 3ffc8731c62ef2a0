//! Events on DynamoDB (feature `aws`): [`DynamoEventStore`], the creation
//! of every table of an AWS deployment ([`create_all_tables`]), and the
//! analytics [`Record`]s of the items the tables' streams carry
//! ([`event_record`], [`attempt_record`], [`dead_letter_record`]; see
//! "Stream images" below).
//!
//! # Schema: table `<prefix>events` (default `triggers-api-events`)
//!
//! Key `pk` (S) + `sk` (S), on-demand capacity, TTL on `expires_at`.
//! `⟨t⟩` is a time (Unix microseconds) as 20 order-preserving digits.
//!
//! | item | `pk` | `sk` | attributes |
//! |---|---|---|---|
//! | event | `EV#<event_id>` | `EV` | `event_id`, `account_id`, `source`, `event_type`, `payload` (the JSON text, verbatim), `idempotency_key`?, `received_at`, `acked_at`?; inbox keys while unacknowledged, outbox keys while not dispatched |
//! | idempotency record | `IDEM#<len(account)>#<account_id>#<key>` | `IDEM` | `event_id`, `fingerprint` (B, SHA-256 of source, type, payload), `created_at`, `expires_at` (TTL: 25 h after `created_at`, Unix seconds) |
//!
//! Indexes (both sparse: an item leaves one by losing its keys):
//!
//! | index | partition | sort | projection | holds |
//! |---|---|---|---|---|
//! | `inbox` | `gsi1pk` = account id | `gsi1sk` = `⟨received_at⟩#<event_id>` | `source`, `event_type` | unacknowledged events |
//! | `outbox` | `gsi2pk` = `OUTBOX#<shard>` | `gsi2sk` = `⟨received_at⟩#<event_id>` | keys | events not yet fanned out |
//!
//! The outbox is spread over [`DEFAULT_OUTBOX_SHARDS`] partitions (by the
//! event id's first byte) so that one index partition does not cap the
//! ingest rate; reading it queries each shard.
//!
//! # Requests per operation
//!
//! | operation | requests |
//! |---|---|
//! | `ingest`, no key | one `PutItem` (condition: no such event) |
//! | `ingest`, with a key | one `TransactWriteItems`: the idempotency record (condition: absent or older than 24 h; the old one returned on failure) + the event. A failed condition then costs one `GetItem` of the original event (or `KeyReused`, no read) |
//! | `get` | one consistent `GetItem` |
//! | `inbox` | `Query` on `inbox` (`gsi1sk > cursor`, source/type as a filter, until limit + 1) + one consistent `BatchGetItem` of the page |
//! | `ack` | one `UpdateItem` (`acked_at = if_not_exists(…)`, inbox keys removed; condition: the account) returning the event |
//! | `undispatched` | one `Query` on `outbox` per shard + one consistent `BatchGetItem` |
//! | `mark_dispatched` | one `UpdateItem` per event (outbox keys removed), concurrently |
//!
//! # Stream images
//!
//! The events, attempts and dead-letters tables have a DynamoDB stream
//! (NEW_IMAGE) that `triggers-lambda-analytics` folds into the analytics
//! table (`crate::lambda::analytics`). One pure function per table turns
//! an item as stored (the stream's image, or a `GetItem`) into the
//! analytics [`Record`] of the fact it stores, reading it with the
//! decoder of the code that writes it (so the attribute names live in one
//! place: here for events, `triggers_webhooks::backends::dynamodb` for
//! attempts and dead letters), then converting with the in-process host's
//! functions (`crate::core::analytics`):
//!
//! | table | function | item → record |
//! |---|---|---|
//! | `events` | [`event_record`] | an event → `EventIngested` (account, event id, source, type, `received_at`; `ingest_latency_us` when the item carries [`INGEST_LATENCY_ATTRIBUTE`]); an idempotency record → `None` |
//! | `attempts` | [`attempt_record`] | an attempt → `DeliveryAttempt`; on a 2xx, ingest-to-delivery = `at` + latency − the event's `received_at` (`event_received_at`; `None` without it) |
//! | `dead-letters` | [`dead_letter_record`] | a dead letter → `DeadLettered` (attempts, reason, `dead_at`); a replay mark (`replayed_at` set) → `None` |
//!
//! An item the function cannot read is an error naming the attribute (never
//! a value): the consumer logs it and skips the item.
//!
//! Writes are billed by item size: an ack or a dispatch mark rewrites the
//! event item, payload included. The inbox filter runs after the index
//! read, so a rare source or type reads (and pays for) the entries it
//! skips. Index reads are eventually consistent on AWS: an event may reach
//! the inbox or the outbox a moment after its ingest returns.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use serde_json::value::RawValue;
use tokio::task::JoinSet;
use triggers_analytics::Record;
use triggers_keys::backends::dynamodb::support::{
    self, DynamoError, Failure, GSI1PK, GSI1SK, GSI2PK, GSI2SK, IndexProjection, IndexSpec, Item,
    Reader, TableSpec, b, classify, classify_transaction, n, ordered_i64, s,
};
use triggers_webhooks::backends::dynamodb::{attempt_from_image, dead_letter_from_image};
use uuid::Uuid;

use crate::core::analytics;
use crate::core::events::{
    Cursor, Event, EventPage, EventStore, IDEMPOTENCY_WINDOW_MICROS, InboxQuery, Ingested,
    NewEvent, StoreError,
};

/// The events table's name after the prefix.
pub const EVENTS_TABLE: &str = "events";
/// The index of unacknowledged events by account.
pub const INBOX_INDEX: &str = "inbox";
/// The index of events not yet fanned out.
pub const OUTBOX_INDEX: &str = "outbox";
/// Outbox partitions by default.
pub const DEFAULT_OUTBOX_SHARDS: u8 = 4;
/// The TTL attribute of idempotency records.
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// The optional attribute of an event item holding the ingest latency
/// (microseconds from the request's arrival to the durable write) for the
/// analytics stream consumer. The store does not write it yet (the time is
/// measured after the write): events on AWS have no ingest latency, and
/// [`event_record`] reads it when present.
pub const INGEST_LATENCY_ATTRIBUTE: &str = "ingest_latency_us";

/// Dispatch marks in flight at once.
const PARALLEL_UPDATES: usize = 16;
/// Attempts at an ingest whose idempotency record is being written by
/// someone else at the same time.
const INGEST_ATTEMPTS: usize = 5;

/// The events table of a deployment with this table name prefix.
pub fn table_spec(prefix: &str) -> TableSpec {
    TableSpec {
        name: format!("{prefix}{EVENTS_TABLE}"),
        indexes: vec![
            IndexSpec {
                name: INBOX_INDEX,
                hash: GSI1PK,
                range: GSI1SK,
                projection: IndexProjection::Include(vec!["source", "event_type"]),
            },
            IndexSpec {
                name: OUTBOX_INDEX,
                hash: GSI2PK,
                range: GSI2SK,
                projection: IndexProjection::KeysOnly,
            },
        ],
        ttl_attribute: Some(TTL_ATTRIBUTE),
    }
}

/// Every table of an AWS deployment with this prefix: API keys
/// (`triggers-keys`), webhooks, attempts and dead letters
/// (`triggers-webhooks`), events, analytics buckets
/// (`triggers-analytics`).
pub fn all_table_specs(prefix: &str) -> Vec<TableSpec> {
    let mut specs = vec![triggers_keys::backends::dynamodb::table_spec(prefix)];
    specs.extend(triggers_webhooks::backends::dynamodb::table_specs(prefix));
    specs.push(table_spec(prefix));
    specs.push(triggers_analytics::backends::dynamodb::table_spec(prefix));
    specs
}

/// The analytics record of an item of the events table (see "Stream
/// images" in the module docs): `EventIngested` for an event item, `None`
/// for an idempotency record. Pure: the item as the stream's NEW_IMAGE (or
/// a `GetItem`) holds it, read by the same decoder as the store's reads.
///
/// An item of another shape, or a malformed attribute, is
/// [`DynamoError::Corrupt`] naming the attribute (never its value).
pub fn event_record(item: &Item) -> Result<Option<Record>, DynamoError> {
    let r = Reader::new(item, "event");
    let pk = r.s(support::PK)?;
    if pk.starts_with("IDEM#") {
        return Ok(None);
    }
    if !(pk.starts_with("EV#") && r.s(support::SK)? == "EV") {
        return Err(DynamoError::Corrupt(
            "not an item of the events table (its keys are neither EV#<id>, EV nor IDEM#…)".into(),
        ));
    }
    let event = decode_event(item)?;
    // A negative latency (a clock step) is no latency.
    let latency = r
        .opt_i64(INGEST_LATENCY_ATTRIBUTE)?
        .and_then(|us| u64::try_from(us).ok());
    Ok(Some(analytics::event_record(&event, latency)))
}

/// The analytics record of an item of the attempts table (see "Stream
/// images" in the module docs): `DeliveryAttempt`, with the
/// ingest-to-delivery time on a 2xx when the item carries the event's
/// `received_at`. Pure, read by `triggers_webhooks`' own decoder
/// ([`attempt_from_image`]).
///
/// An item of another shape, or a malformed attribute, is
/// [`DynamoError::Corrupt`] naming the attribute (never its value).
pub fn attempt_record(item: &Item) -> Result<Record, DynamoError> {
    let image = attempt_from_image(item)?;
    Ok(analytics::attempt_record_of(
        &image.account_id,
        image.webhook_id.as_u128(),
        image.event_received_at,
        &image.attempt,
    ))
}

/// The analytics record of an item of the dead-letters table (see "Stream
/// images" in the module docs): `DeadLettered` for a dead letter as
/// `put_dead_letter` wrote it (the first time, or again when a replayed
/// delivery died again, with more attempts), `None` for the image of a
/// replay mark (`replayed_at` set: no new death). Pure, read by
/// `triggers_webhooks`' own decoder ([`dead_letter_from_image`]).
///
/// An item of another shape, or a malformed attribute, is
/// [`DynamoError::Corrupt`] naming the attribute (never its value).
pub fn dead_letter_record(item: &Item) -> Result<Option<Record>, DynamoError> {
    let stored = dead_letter_from_image(item)?;
    if stored.replayed_at.is_some() {
        return Ok(None);
    }
    Ok(Some(analytics::dead_letter_record(&stored.dead_letter)))
}

/// Creates every table of [`all_table_specs`] that does not exist
/// (idempotent), with its indexes and TTL.
pub async fn create_all_tables(client: &Client, prefix: &str) -> Result<(), DynamoError> {
    for spec in all_table_specs(prefix) {
        support::create_table(client, &spec).await?;
    }
    Ok(())
}

/// The HTTPS client of the AWS SDKs in this service: hyper with rustls on
/// *ring* (the crypto the webhook client already uses; the SDKs' default
/// client would build aws-lc from C sources), root certificates from the
/// operating system.
pub fn https_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The AWS configuration of a deployment: region and credentials from the
/// environment (variables, profile, web identity, container or instance
/// metadata; Lambda sets the variables), over [`https_client`]; `endpoint`
/// replaces AWS's own endpoints when given (a local emulator). Build the
/// clients with `aws_sdk_dynamodb::Client::new(&config)` and
/// `aws_sdk_sqs::Client::new(&config)`.
pub async fn load_sdk_config(endpoint: Option<&str>) -> aws_config::SdkConfig {
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(https_client());
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url);
    }
    loader.load().await
}

/// An [`EventStore`] in a DynamoDB table (see the module docs).
#[derive(Debug, Clone)]
pub struct DynamoEventStore {
    client: Client,
    prefix: String,
    table: String,
    shards: u8,
}

fn backend(e: DynamoError) -> StoreError {
    StoreError::backend(e)
}

fn failed(operation: &'static str) -> impl FnOnce(Failure) -> StoreError {
    move |f| backend(f.into_error(operation))
}

fn event_key(id: Uuid) -> Item {
    support::key(format!("EV#{}", id.hyphenated()), "EV")
}

fn idempotency_key(account_id: &str, key: &str) -> Item {
    // The account's length makes the key unambiguous whatever the two hold.
    support::key(
        format!("IDEM#{}#{account_id}#{key}", account_id.len()),
        "IDEM",
    )
}

fn order(received_at: i64, id: Uuid) -> String {
    format!("{}#{}", ordered_i64(received_at), id.hyphenated())
}

fn event_item(e: &NewEvent, shard: u8) -> Item {
    let position = order(e.received_at, e.event_id);
    let mut item = event_key(e.event_id);
    item.extend([
        (
            "event_id".to_owned(),
            s(e.event_id.hyphenated().to_string()),
        ),
        ("account_id".to_owned(), s(&e.account_id)),
        ("source".to_owned(), s(&e.source)),
        ("event_type".to_owned(), s(&e.event_type)),
        ("payload".to_owned(), s(e.payload.get())),
        ("received_at".to_owned(), n(e.received_at)),
        (GSI1PK.to_owned(), s(&e.account_id)),
        (GSI1SK.to_owned(), s(position.clone())),
        (GSI2PK.to_owned(), s(format!("OUTBOX#{shard}"))),
        (GSI2SK.to_owned(), s(position)),
    ]);
    support::put_opt(
        &mut item,
        "idempotency_key",
        e.idempotency_key.as_deref().map(s),
    );
    item
}

fn decode_event(item: &Item) -> Result<Event, DynamoError> {
    let r = Reader::new(item, "event");
    Ok(Event {
        event_id: Uuid::parse_str(r.s("event_id")?)
            .map_err(|_| DynamoError::Corrupt("malformed event_id".into()))?,
        account_id: r.s("account_id")?.to_owned(),
        source: r.s("source")?.to_owned(),
        event_type: r.s("event_type")?.to_owned(),
        payload: RawValue::from_string(r.s("payload")?.to_owned())
            .map_err(|_| DynamoError::Corrupt("payload is not JSON".into()))?,
        idempotency_key: r.opt_s("idempotency_key")?.map(str::to_owned),
        received_at: r.i64("received_at")?,
        acked_at: r.opt_i64("acked_at")?,
    })
}

fn owned_by(item: &Item, account_id: &str) -> bool {
    Reader::new(item, "event")
        .opt_s("account_id")
        .ok()
        .flatten()
        == Some(account_id)
}

/// The idempotency record of a key that was used already.
struct Prior {
    event_id: Uuid,
    fingerprint: Vec<u8>,
    created_at: i64,
}

fn decode_prior(item: &Item) -> Result<Prior, DynamoError> {
    let r = Reader::new(item, "idempotency record");
    Ok(Prior {
        event_id: Uuid::parse_str(r.s("event_id")?)
            .map_err(|_| DynamoError::Corrupt("malformed event_id".into()))?,
        fingerprint: r.bytes("fingerprint")?.to_vec(),
        created_at: r.i64("created_at")?,
    })
}

impl DynamoEventStore {
    /// A store over the table `<prefix>events` (e.g. prefix
    /// `triggers-api-`), with [`DEFAULT_OUTBOX_SHARDS`] outbox partitions.
    pub fn new(client: Client, prefix: &str) -> Self {
        DynamoEventStore {
            client,
            prefix: prefix.to_owned(),
            table: format!("{prefix}{EVENTS_TABLE}"),
            shards: DEFAULT_OUTBOX_SHARDS,
        }
    }

    /// Spreads the outbox over `shards` partitions (1 to 64; clamped). Every
    /// process of a deployment must use the same number, or events of the
    /// other shards are swept late (only at the next fan-out of their own).
    pub fn with_outbox_shards(mut self, shards: u8) -> Self {
        self.shards = shards.clamp(1, 64);
        self
    }

    /// Creates the events table unless it exists (idempotent).
    pub async fn create_tables(&self) -> Result<(), DynamoError> {
        support::create_table(&self.client, &table_spec(&self.prefix)).await
    }

    fn shard(&self, id: Uuid) -> u8 {
        id.as_bytes()[0] % self.shards
    }

    async fn get_item(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let got = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| failed("GetItem")(classify("GetItem", e)))?;
        Ok(got.item)
    }

    /// The events of `keys` (table keys from an index), in the keys' order,
    /// skipping any that `keep` refuses (changed since the index read).
    async fn events_of(
        &self,
        keys: Vec<Item>,
        keep: impl Fn(&Item) -> bool,
    ) -> Result<Vec<Event>, StoreError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let position: HashMap<String, usize> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, k)| {
                Reader::new(k, "key")
                    .s(support::PK)
                    .ok()
                    .map(|pk| (pk.to_owned(), i))
            })
            .collect();
        let items = support::batch_get(&self.client, &self.table, keys, true)
            .await
            .map_err(backend)?;
        let mut found = Vec::with_capacity(items.len());
        for item in &items {
            if !keep(item) {
                continue;
            }
            let at = Reader::new(item, "event")
                .s(support::PK)
                .ok()
                .and_then(|pk| position.get(pk).copied())
                .unwrap_or(usize::MAX);
            found.push((at, decode_event(item).map_err(backend)?));
        }
        found.sort_by_key(|(at, _)| *at);
        Ok(found.into_iter().map(|(_, e)| e).collect())
    }

    /// One try at an ingest with an idempotency key; `Ok(None)` when
    /// another writer holds the record right now (try again).
    async fn ingest_keyed(
        &self,
        event: &NewEvent,
        key: &str,
        fingerprint: &[u8; 32],
        overwrite: Option<Uuid>,
    ) -> Result<Option<Ingested>, StoreError> {
        let record_key = idempotency_key(&event.account_id, key);
        let mut record = record_key.clone();
        record.extend([
            (
                "event_id".to_owned(),
                s(event.event_id.hyphenated().to_string()),
            ),
            ("fingerprint".to_owned(), b(fingerprint.to_vec())),
            ("created_at".to_owned(), n(event.received_at)),
            (
                TTL_ATTRIBUTE.to_owned(),
                n(event
                    .received_at
                    .saturating_add(IDEMPOTENCY_WINDOW_MICROS)
                    .saturating_div(1_000_000)
                    .saturating_add(3600)),
            ),
        ]);
        let mut put_record = Put::builder()
            .table_name(&self.table)
            .set_item(Some(record))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        put_record = match overwrite {
            // The record names an event that no longer exists: replace it
            // unless someone else did.
            Some(prior) => put_record
                .condition_expression("event_id = :prior")
                .expression_attribute_values(":prior", s(prior.hyphenated().to_string())),
            None => put_record
                .condition_expression("attribute_not_exists(pk) OR created_at <= :expired")
                .expression_attribute_values(
                    ":expired",
                    n(event.received_at.saturating_sub(IDEMPOTENCY_WINDOW_MICROS)),
                ),
        };
        let put_event = Put::builder()
            .table_name(&self.table)
            .set_item(Some(event_item(event, self.shard(event.event_id))))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| backend(e.into()))?;
        let items = vec![
            TransactWriteItem::builder()
                .put(put_record.build().map_err(|e| backend(e.into()))?)
                .build(),
            TransactWriteItem::builder().put(put_event).build(),
        ];
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let returned = match result {
            Ok(_) => return Ok(Some(Ingested::Created(event.to_event()))),
            Err(e) => match classify_transaction(e) {
                Failure::ConditionFailed(item) => item,
                Failure::Conflict => return Ok(None),
                f => return Err(failed("TransactWriteItems")(f)),
            },
        };
        // The key was used: by whom?
        let prior = match returned {
            Some(item) if !item.is_empty() => Some(item),
            _ => self.get_item(record_key).await?,
        };
        let Some(prior) = prior else {
            // Gone again (TTL) or a failed event condition: try again.
            return Ok(None);
        };
        let prior = decode_prior(&prior).map_err(backend)?;
        if prior.created_at <= event.received_at.saturating_sub(IDEMPOTENCY_WINDOW_MICROS) {
            // Expired meanwhile: try again.
            return Ok(None);
        }
        if prior.fingerprint.as_slice() != fingerprint.as_slice() {
            return Ok(Some(Ingested::KeyReused));
        }
        match self.get(&event.account_id, prior.event_id).await? {
            Some(original) => Ok(Some(Ingested::Duplicate(original))),
            // The record names an event that is gone: take the key over.
            None if overwrite.is_none() => {
                Box::pin(self.ingest_keyed(event, key, fingerprint, Some(prior.event_id))).await
            }
            None => Ok(None),
        }
    }
}

#[async_trait]
impl EventStore for DynamoEventStore {
    async fn ingest(&self, event: NewEvent) -> Result<Ingested, StoreError> {
        let Some(key) = event.idempotency_key.clone() else {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(event_item(&event, self.shard(event.event_id))))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await
                .map_err(|e| failed("PutItem")(classify("PutItem", e)))?;
            return Ok(Ingested::Created(event.to_event()));
        };
        let fingerprint = event.fingerprint();
        for attempt in 0..INGEST_ATTEMPTS {
            if let Some(done) = self.ingest_keyed(&event, &key, &fingerprint, None).await? {
                return Ok(done);
            }
            // Another ingest of this key is in flight: let it land.
            tokio::time::sleep(std::time::Duration::from_millis(20 << attempt)).await;
        }
        Err(backend(DynamoError::Service {
            operation: "TransactWriteItems",
            code: "TransactionConflict".into(),
            message: "the idempotency key stayed contended; retry".into(),
        }))
    }

    async fn get(&self, account_id: &str, event_id: Uuid) -> Result<Option<Event>, StoreError> {
        match self.get_item(event_key(event_id)).await? {
            Some(item) if owned_by(&item, account_id) => {
                decode_event(&item).map(Some).map_err(backend)
            }
            _ => Ok(None),
        }
    }

    async fn inbox(&self, account_id: &str, query: &InboxQuery) -> Result<EventPage, StoreError> {
        let limit = query.limit.clamp(1, 500);
        let want = limit + 1;
        let mut filters = Vec::new();
        if query.source.is_some() {
            filters.push("#source = :source");
        }
        if query.event_type.is_some() {
            filters.push("#type = :type");
        }
        let mut entries: Vec<Item> = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(INBOX_INDEX)
                .expression_attribute_names("#pk", GSI1PK)
                .expression_attribute_values(":a", s(account_id))
                .limit(i32::try_from(want - entries.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take());
            q = match query.after {
                Some(c) => q
                    .key_condition_expression("#pk = :a AND #sk > :after")
                    .expression_attribute_names("#sk", GSI1SK)
                    .expression_attribute_values(":after", s(order(c.received_at, c.event_id))),
                None => q.key_condition_expression("#pk = :a"),
            };
            if let Some(source) = &query.source {
                q = q
                    .expression_attribute_names("#source", "source")
                    .expression_attribute_values(":source", s(source));
            }
            if let Some(event_type) = &query.event_type {
                q = q
                    .expression_attribute_names("#type", "event_type")
                    .expression_attribute_values(":type", s(event_type));
            }
            if !filters.is_empty() {
                q = q.filter_expression(filters.join(" AND "));
            }
            let page = q
                .send()
                .await
                .map_err(|e| failed("Query")(classify("Query", e)))?;
            entries.extend(page.items().iter().cloned());
            match page.last_evaluated_key() {
                Some(k) if entries.len() < want => start = Some(k.clone()),
                _ => break,
            }
        }
        let more = entries.len() > limit;
        entries.truncate(limit);
        // The next page starts after the last index entry of this one,
        // whatever happened to its event since.
        let next = if more {
            entries
                .last()
                .map(|e| {
                    let r = Reader::new(e, "inbox entry");
                    let position = r.s(GSI1SK)?;
                    let (t, id) = position
                        .split_once('#')
                        .ok_or_else(|| DynamoError::Corrupt("malformed inbox position".into()))?;
                    Ok::<_, DynamoError>(Cursor {
                        received_at: support::parse_ordered_i64(t).ok_or_else(|| {
                            DynamoError::Corrupt("malformed inbox position".into())
                        })?,
                        event_id: Uuid::parse_str(id)
                            .map_err(|_| DynamoError::Corrupt("malformed inbox position".into()))?,
                    })
                })
                .transpose()
                .map_err(backend)?
        } else {
            None
        };
        let keys = entries
            .iter()
            .map(|e| {
                let r = Reader::new(e, "inbox entry");
                Ok(support::key(r.s(support::PK)?, r.s(support::SK)?))
            })
            .collect::<Result<Vec<_>, DynamoError>>()
            .map_err(backend)?;
        // Acknowledged since the index read: not in the inbox any more.
        let events = self
            .events_of(keys, |item| {
                owned_by(item, account_id) && Reader::new(item, "event").get("acked_at").is_none()
            })
            .await?;
        Ok(EventPage { events, next })
    }

    async fn ack(
        &self,
        account_id: &str,
        event_id: Uuid,
        at: i64,
    ) -> Result<Option<Event>, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(event_key(event_id)))
            .update_expression("SET acked_at = if_not_exists(acked_at, :at) REMOVE #ipk, #isk")
            .condition_expression("account_id = :a")
            .expression_attribute_names("#ipk", GSI1PK)
            .expression_attribute_names("#isk", GSI1SK)
            .expression_attribute_values(":at", n(at))
            .expression_attribute_values(":a", s(account_id))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => out
                .attributes()
                .map(decode_event)
                .transpose()
                .map_err(backend),
            Err(e) => match classify("UpdateItem", e) {
                // No such event in this account.
                Failure::ConditionFailed(_) => Ok(None),
                f => Err(failed("UpdateItem")(f)),
            },
        }
    }

    async fn undispatched(
        &self,
        received_before: i64,
        limit: usize,
    ) -> Result<Vec<Event>, StoreError> {
        let limit = limit.max(1);
        let before = ordered_i64(received_before);
        let mut entries: Vec<(String, Item)> = Vec::new();
        for shard in 0..self.shards {
            let mut got = 0;
            let mut start: Option<Item> = None;
            loop {
                let page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .index_name(OUTBOX_INDEX)
                    .key_condition_expression("#pk = :shard AND #sk < :before")
                    .expression_attribute_names("#pk", GSI2PK)
                    .expression_attribute_names("#sk", GSI2SK)
                    .expression_attribute_values(":shard", s(format!("OUTBOX#{shard}")))
                    .expression_attribute_values(":before", s(before.clone()))
                    .limit(i32::try_from(limit - got).unwrap_or(i32::MAX))
                    .set_exclusive_start_key(start.take())
                    .send()
                    .await
                    .map_err(|e| failed("Query")(classify("Query", e)))?;
                for item in page.items() {
                    let r = Reader::new(item, "outbox entry");
                    let position = r.s(GSI2SK).map_err(backend)?.to_owned();
                    let key = support::key(
                        r.s(support::PK).map_err(backend)?,
                        r.s(support::SK).map_err(backend)?,
                    );
                    entries.push((position, key));
                    got += 1;
                }
                match page.last_evaluated_key() {
                    Some(k) if got < limit => start = Some(k.clone()),
                    _ => break,
                }
            }
        }
        // Oldest first over every shard.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.truncate(limit);
        let keys = entries.into_iter().map(|(_, k)| k).collect();
        // Dispatched since the index read: no longer in the outbox.
        self.events_of(keys, |item| {
            Reader::new(item, "event").get(GSI2PK).is_some()
        })
        .await
    }

    async fn mark_dispatched(&self, event_ids: &[Uuid]) -> Result<(), StoreError> {
        let mut tasks = JoinSet::new();
        let mut first_error = None;
        for id in event_ids {
            if tasks.len() >= PARALLEL_UPDATES {
                if let Some(done) = tasks.join_next().await {
                    note(&mut first_error, done);
                }
            }
            let request = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(event_key(*id)))
                .update_expression("REMOVE #opk, #osk")
                // Never creates an item for an unknown id.
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_names("#opk", GSI2PK)
                .expression_attribute_names("#osk", GSI2SK);
            tasks.spawn(async move {
                match request.send().await {
                    Ok(_) => Ok(()),
                    Err(e) => match classify("UpdateItem", e) {
                        Failure::ConditionFailed(_) => Ok(()),
                        f => Err(failed("UpdateItem")(f)),
                    },
                }
            });
        }
        while let Some(done) = tasks.join_next().await {
            note(&mut first_error, done);
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

fn note(
    first: &mut Option<StoreError>,
    done: Result<Result<(), StoreError>, tokio::task::JoinError>,
) {
    let err = match done {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e,
        Err(e) => backend(DynamoError::Unavailable {
            operation: "UpdateItem",
            message: format!("update task failed: {e}"),
        }),
    };
    first.get_or_insert(err);
}
