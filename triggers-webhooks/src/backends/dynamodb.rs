//! The DynamoDB backend of [`WebhookStore`] (feature `dynamodb`):
//! [`DynamoWebhookStore`], over a caller-built `aws_sdk_dynamodb::Client`.
//! Shared helpers (errors, table creation, codecs) come from
//! `triggers_keys::backends::dynamodb::support`.
//!
//! # Schema
//!
//! Three tables, each keyed `pk` (S, partition) + `sk` (S, sort), on-demand
//! capacity; `<prefix>` defaults to `triggers-api-`. Times are Unix
//! microseconds; `⟨t⟩` is a time as 20 order-preserving digits
//! ([`ordered_i64`]), `⟨n⟩` an attempt number as 10 digits.
//!
//! **`<prefix>webhooks`**
//!
//! | item | `pk` | `sk` | attributes |
//! |---|---|---|---|
//! | webhook | `ACCT#<account_id>` | `WH#<webhook_id>` | `webhook_id`, `account_id`, `url`, `events` (JSON), `is_active`, `description`, `created_at`, `updated_at`, `max_retries`?, `secret_version`, `secret_sealed` (B), `prev_version`?, `prev_sealed`?, `prev_expires_at`? |
//! | id guard | `WHID#<webhook_id>` | `WHID` | (none): makes ids unique across accounts; kept after a delete, so an id is never reused |
//!
//! An account's webhooks share a partition: listing is a strongly
//! consistent `Query` in key order (= webhook id order), no index.
//!
//! **`<prefix>attempts`** — index `by-webhook` (`gsi1pk`, `gsi1sk`,
//! projection all)
//!
//! | item | `pk` | `sk` | `gsi1pk` | `gsi1sk` |
//! |---|---|---|---|---|
//! | attempt | `D#<delivery_id>` | `A#⟨n⟩` | `<webhook_id>#<account_id>` | `⟨at⟩#<delivery_id>#⟨n⟩` |
//!
//! with `delivery_id`, `attempt`, `webhook_id`, `account_id`, `outcome`
//! (JSON), `latency_ms`, `error`?, `response_excerpt`?, `at`,
//! `event_received_at`? (the delivered event's `received_at`, which is the
//! [`Delivery`]'s `created_at`; absent on attempts written before it was
//! added). The primary key makes `(delivery, attempt)` unique; the index
//! lists a webhook's attempts newest first (eventually consistent on AWS).
//!
//! **`<prefix>dead-letters`** — indexes `by-account` (`gsi1pk`, `gsi1sk`)
//! and `by-webhook` (`gsi2pk`, `gsi2sk`), projection all
//!
//! | item | `pk` | `sk` | `gsi1pk` | `gsi2pk` | `gsi1sk` = `gsi2sk` |
//! |---|---|---|---|---|---|
//! | dead letter | `D#<delivery_id>` | `DL` | `<account_id>` | `<webhook_id>#<account_id>` | `⟨dead_at⟩#<delivery_id>` |
//!
//! with the [`DeadLetter`] fields and `replayed_at`?.
//!
//! (A webhook id is a fixed-length UUID, so `<webhook_id>#<account_id>`
//! never reads two ways.)
//!
//! # Requests per operation
//!
//! | operation | requests |
//! |---|---|
//! | `insert_webhook` | one `TransactWriteItems`: webhook + id guard, both conditional on absence |
//! | `get_webhook` | one consistent `GetItem` |
//! | `list_webhooks` | one consistent `Query` (`Limit` = limit + 1) |
//! | `update_webhook` | one `UpdateItem`, condition `updated_at = :expected` (the lost-update guard); on failure the old item (`ReturnValuesOnConditionCheckFailure`) tells `Conflict` from `NotFound` |
//! | `delete_webhook` | one `DeleteItem` (`ReturnValues` tells whether it existed) |
//! | `record_attempt` | one `PutItem`, condition: no such attempt |
//! | `record_attempts` | one conditional `PutItem` per attempt, concurrently (a batch write cannot be conditional, and one failed condition would cancel a whole transaction) |
//! | `list_attempts` | `Query` on `by-webhook`, descending, `gsi1sk < cursor` |
//! | `put_dead_letter` | one `PutItem`, condition: absent, or replayed in the same account |
//! | `get_dead_letter` | one consistent `GetItem` |
//! | `list_dead_letters` | `Query` on `by-account` or `by-webhook`, descending, the time range and cursor as one key condition |
//! | `mark_replayed` | one `UpdateItem`, condition: same account, not replayed |
//!
//! # Stream images
//!
//! The tables' DynamoDB Streams (NEW_IMAGE) carry these items as written;
//! [`attempt_from_image`] and [`dead_letter_from_image`] read a stream
//! image back into the model (the analytics consumer of the service maps
//! them to its records), so the attribute names stay in this module. An
//! attempt is only ever inserted (`record_attempt` refuses to overwrite); a
//! dead letter is inserted, marked replayed (`replayed_at` set: a `MODIFY`
//! whose image has it), and replaced when a replayed delivery dies again (a
//! `MODIFY` whose image has no `replayed_at`).
//!
//! Listings that read an index are eventually consistent on AWS; every
//! other read is strongly consistent. Query pages stop at `limit + 1`
//! items (the extra one tells whether a next page exists) or DynamoDB's
//! 1 MB page, then continue from `LastEvaluatedKey` until filled.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use tokio::task::JoinSet;
use triggers_keys::backends::dynamodb::support::{
    self, DynamoError, Failure, GSI1PK, GSI1SK, GSI2PK, GSI2SK, IndexProjection, IndexSpec, Item,
    Reader, TableSpec, b, classify, classify_transaction, n, ordered_i64, ordered_u32, s,
};
use uuid::Uuid;

use crate::store::{
    AttemptCursor, AttemptPage, DeadLetterCursor, DeadLetterPage, DeadLetterQuery, StoreError,
    StoredDeadLetter, WebhookPage, WebhookStore,
};
use crate::{
    Attempt, AttemptOutcome, DeadLetter, DeadLetterReason, Delivery, EventFilter, PreviousSecret,
    SealedSecret, Webhook,
};

/// The webhooks table's name after the prefix.
pub const WEBHOOKS_TABLE: &str = "webhooks";
/// The attempts table's name after the prefix.
pub const ATTEMPTS_TABLE: &str = "attempts";
/// The dead letters table's name after the prefix.
pub const DEAD_LETTERS_TABLE: &str = "dead-letters";
/// The index of attempts (and dead letters) by webhook.
pub const BY_WEBHOOK_INDEX: &str = "by-webhook";
/// The index of dead letters by account.
pub const BY_ACCOUNT_INDEX: &str = "by-account";

/// The attribute of an attempt item holding the delivered event's
/// `received_at` ([`Delivery`]'s `created_at`).
pub const EVENT_RECEIVED_AT: &str = "event_received_at";

/// Conditional attempt writes in flight at once in `record_attempts`.
const PARALLEL_PUTS: usize = 16;

/// The tables of a deployment with this table name prefix: webhooks,
/// attempts, dead letters.
pub fn table_specs(prefix: &str) -> Vec<TableSpec> {
    vec![
        TableSpec {
            name: format!("{prefix}{WEBHOOKS_TABLE}"),
            indexes: vec![],
            ttl_attribute: None,
        },
        TableSpec {
            name: format!("{prefix}{ATTEMPTS_TABLE}"),
            indexes: vec![IndexSpec {
                name: BY_WEBHOOK_INDEX,
                hash: GSI1PK,
                range: GSI1SK,
                projection: IndexProjection::All,
            }],
            ttl_attribute: None,
        },
        TableSpec {
            name: format!("{prefix}{DEAD_LETTERS_TABLE}"),
            indexes: vec![
                IndexSpec {
                    name: BY_ACCOUNT_INDEX,
                    hash: GSI1PK,
                    range: GSI1SK,
                    projection: IndexProjection::All,
                },
                IndexSpec {
                    name: BY_WEBHOOK_INDEX,
                    hash: GSI2PK,
                    range: GSI2SK,
                    projection: IndexProjection::All,
                },
            ],
            ttl_attribute: None,
        },
    ]
}

/// A [`WebhookStore`] in three DynamoDB tables (see the module docs).
#[derive(Debug, Clone)]
pub struct DynamoWebhookStore {
    client: Client,
    prefix: String,
    webhooks: String,
    attempts: String,
    dead_letters: String,
}

fn backend(e: DynamoError) -> StoreError {
    StoreError::backend(e)
}

fn failed(operation: &'static str) -> impl FnOnce(Failure) -> StoreError {
    move |f| backend(f.into_error(operation))
}

fn hyphenated(id: Uuid) -> String {
    id.hyphenated().to_string()
}

fn account_pk(account_id: &str) -> String {
    format!("ACCT#{account_id}")
}

fn webhook_sk(id: Uuid) -> String {
    format!("WH#{}", hyphenated(id))
}

fn delivery_pk(id: Uuid) -> String {
    format!("D#{}", hyphenated(id))
}

fn webhook_account(webhook_id: Uuid, account_id: &str) -> String {
    format!("{}#{account_id}", hyphenated(webhook_id))
}

fn attempt_order(at: i64, delivery_id: Uuid, attempt: u32) -> String {
    format!(
        "{}#{}#{}",
        ordered_i64(at),
        hyphenated(delivery_id),
        ordered_u32(attempt)
    )
}

fn dead_letter_order(dead_at: i64, delivery_id: Uuid) -> String {
    format!("{}#{}", ordered_i64(dead_at), hyphenated(delivery_id))
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v)
        .map_err(|e| backend(DynamoError::Invalid(format!("cannot encode: {e}"))))
}

fn from_json<T: serde::de::DeserializeOwned>(v: &str, what: &str) -> Result<T, DynamoError> {
    serde_json::from_str(v).map_err(|e| DynamoError::Corrupt(format!("malformed {what}: {e}")))
}

fn uuid_of(r: &Reader<'_>, name: &str) -> Result<Uuid, DynamoError> {
    Uuid::parse_str(r.s(name)?).map_err(|_| DynamoError::Corrupt(format!("malformed {name}")))
}

/// The mutable attributes of a webhook (everything but its keys, id,
/// account and `created_at`), `None` for those to remove.
fn webhook_values(w: &Webhook) -> Result<Vec<(&'static str, Option<AttributeValue>)>, StoreError> {
    let prev = w.previous_secret.as_ref();
    Ok(vec![
        ("url", Some(s(&w.url))),
        ("events", Some(s(json(&w.events)?))),
        ("is_active", Some(support::bool(w.is_active))),
        ("description", Some(s(&w.description))),
        ("updated_at", Some(n(w.updated_at))),
        ("max_retries", w.max_retries.map(n)),
        ("secret_version", Some(n(w.secret.version))),
        ("secret_sealed", Some(b(w.secret.sealed.clone()))),
        ("prev_version", prev.map(|p| n(p.secret.version))),
        ("prev_sealed", prev.map(|p| b(p.secret.sealed.clone()))),
        ("prev_expires_at", prev.map(|p| n(p.expires_at))),
    ])
}

fn webhook_item(w: &Webhook) -> Result<Item, StoreError> {
    let mut item = support::key(account_pk(&w.account_id), webhook_sk(w.webhook_id));
    item.insert("webhook_id".into(), s(hyphenated(w.webhook_id)));
    item.insert("account_id".into(), s(&w.account_id));
    item.insert("created_at".into(), n(w.created_at));
    for (name, value) in webhook_values(w)? {
        support::put_opt(&mut item, name, value);
    }
    Ok(item)
}

fn decode_webhook(item: &Item) -> Result<Webhook, DynamoError> {
    let r = Reader::new(item, "webhook");
    let previous_secret = match (
        r.opt_u32("prev_version")?,
        r.opt_bytes("prev_sealed")?,
        r.opt_i64("prev_expires_at")?,
    ) {
        (Some(version), Some(sealed), Some(expires_at)) => Some(PreviousSecret {
            secret: SealedSecret {
                version,
                sealed: sealed.to_vec(),
            },
            expires_at,
        }),
        (None, None, None) => None,
        _ => return Err(DynamoError::Corrupt("partial previous secret".into())),
    };
    let events: EventFilter = from_json(r.s("events")?, "events")?;
    Ok(Webhook {
        webhook_id: uuid_of(&r, "webhook_id")?,
        account_id: r.s("account_id")?.to_owned(),
        url: r.s("url")?.to_owned(),
        events,
        is_active: r.bool("is_active")?,
        description: r.s("description")?.to_owned(),
        created_at: r.i64("created_at")?,
        updated_at: r.i64("updated_at")?,
        max_retries: r.opt_u32("max_retries")?,
        secret: SealedSecret {
            version: r.u32("secret_version")?,
            sealed: r.bytes("secret_sealed")?.to_vec(),
        },
        previous_secret,
    })
}

fn attempt_item(delivery: &Delivery, a: &Attempt) -> Result<Item, StoreError> {
    if a.delivery_id != delivery.delivery_id {
        return Err(StoreError::Invalid("the attempt is of another delivery"));
    }
    let mut item = support::key(
        delivery_pk(a.delivery_id),
        format!("A#{}", ordered_u32(a.attempt)),
    );
    item.extend([
        ("delivery_id".to_owned(), s(hyphenated(a.delivery_id))),
        ("attempt".to_owned(), n(a.attempt)),
        ("webhook_id".to_owned(), s(hyphenated(delivery.webhook_id))),
        ("account_id".to_owned(), s(&delivery.account_id)),
        ("outcome".to_owned(), s(json(&a.outcome)?)),
        ("latency_ms".to_owned(), n(a.latency_ms)),
        ("at".to_owned(), n(a.at)),
        // The delivered event's `received_at` (the engine sets the
        // delivery's `created_at` to it), for a stream consumer's
        // ingest-to-delivery latency.
        (EVENT_RECEIVED_AT.to_owned(), n(delivery.created_at)),
        (
            GSI1PK.to_owned(),
            s(webhook_account(delivery.webhook_id, &delivery.account_id)),
        ),
        (
            GSI1SK.to_owned(),
            s(attempt_order(a.at, a.delivery_id, a.attempt)),
        ),
    ]);
    support::put_opt(&mut item, "error", a.error.as_deref().map(s));
    support::put_opt(
        &mut item,
        "response_excerpt",
        a.response_excerpt.as_deref().map(s),
    );
    Ok(item)
}

fn decode_attempt(item: &Item) -> Result<Attempt, DynamoError> {
    let r = Reader::new(item, "attempt");
    let outcome: AttemptOutcome = from_json(r.s("outcome")?, "outcome")?;
    Ok(Attempt {
        delivery_id: uuid_of(&r, "delivery_id")?,
        attempt: r.u32("attempt")?,
        outcome,
        latency_ms: r.u64("latency_ms")?,
        error: r.opt_s("error")?.map(str::to_owned),
        response_excerpt: r.opt_s("response_excerpt")?.map(str::to_owned),
        at: r.i64("at")?,
    })
}

/// An attempt as the attempts table stores it: the [`Attempt`] and what
/// its item carries of the [`Delivery`] (see [`attempt_from_image`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptImage {
    /// The attempt.
    pub attempt: Attempt,
    /// The delivery's webhook.
    pub webhook_id: Uuid,
    /// The delivery's account.
    pub account_id: String,
    /// The delivered event's `received_at` (Unix microseconds): the
    /// delivery's `created_at`. `None` on items written before the
    /// attribute existed.
    pub event_received_at: Option<i64>,
}

/// Reads an item of the attempts table (as a stream's NEW_IMAGE or a
/// `GetItem` returns it) back into an [`AttemptImage`]: the one reader of
/// the attribute names [`record_attempt`](WebhookStore::record_attempt)
/// writes. An item that is not an attempt (other keys, a missing or
/// malformed attribute) is [`DynamoError::Corrupt`], naming the attribute,
/// never its value.
pub fn attempt_from_image(item: &Item) -> Result<AttemptImage, DynamoError> {
    let r = Reader::new(item, "attempt");
    if !(r.s(support::PK)?.starts_with("D#") && r.s(support::SK)?.starts_with("A#")) {
        return Err(DynamoError::Corrupt(
            "not an attempt item (its keys are not D#<delivery>, A#<n>)".into(),
        ));
    }
    Ok(AttemptImage {
        attempt: decode_attempt(item)?,
        webhook_id: uuid_of(&r, "webhook_id")?,
        account_id: r.s("account_id")?.to_owned(),
        event_received_at: r.opt_i64(EVENT_RECEIVED_AT)?,
    })
}

/// Reads an item of the dead-letters table (as a stream's NEW_IMAGE or a
/// `GetItem` returns it) back into a [`StoredDeadLetter`]: the one reader
/// of the attribute names `put_dead_letter` and `mark_replayed` write.
/// `replayed_at` is set on the image of a replay mark, absent on a dead
/// letter as `put_dead_letter` wrote it (first, or again after a replay).
/// An item that is not a dead letter is [`DynamoError::Corrupt`], naming
/// the attribute, never its value.
pub fn dead_letter_from_image(item: &Item) -> Result<StoredDeadLetter, DynamoError> {
    let r = Reader::new(item, "dead letter");
    if !(r.s(support::PK)?.starts_with("D#") && r.s(support::SK)? == "DL") {
        return Err(DynamoError::Corrupt(
            "not a dead letter item (its keys are not D#<delivery>, DL)".into(),
        ));
    }
    decode_dead_letter(item)
}

fn dead_letter_item(d: &DeadLetter) -> Result<Item, StoreError> {
    let order = dead_letter_order(d.dead_at, d.delivery_id);
    let mut item = support::key(delivery_pk(d.delivery_id), "DL");
    item.extend([
        ("delivery_id".to_owned(), s(hyphenated(d.delivery_id))),
        ("webhook_id".to_owned(), s(hyphenated(d.webhook_id))),
        ("account_id".to_owned(), s(&d.account_id)),
        ("event_id".to_owned(), s(hyphenated(d.event_id))),
        ("event_type".to_owned(), s(&d.event_type)),
        ("msg_id".to_owned(), s(&d.msg_id)),
        ("attempts".to_owned(), n(d.attempts)),
        ("reason".to_owned(), s(d.reason.as_str())),
        ("dead_at".to_owned(), n(d.dead_at)),
        (GSI1PK.to_owned(), s(&d.account_id)),
        (GSI1SK.to_owned(), s(order.clone())),
        (
            GSI2PK.to_owned(),
            s(webhook_account(d.webhook_id, &d.account_id)),
        ),
        (GSI2SK.to_owned(), s(order)),
    ]);
    let last = d.last_outcome.as_ref().map(json).transpose()?;
    support::put_opt(&mut item, "last_outcome", last.map(s));
    Ok(item)
}

fn decode_dead_letter(item: &Item) -> Result<StoredDeadLetter, DynamoError> {
    let r = Reader::new(item, "dead letter");
    let reason = r.s("reason")?;
    let last_outcome = r
        .opt_s("last_outcome")?
        .map(|o| from_json::<AttemptOutcome>(o, "last_outcome"))
        .transpose()?;
    Ok(StoredDeadLetter {
        dead_letter: DeadLetter {
            delivery_id: uuid_of(&r, "delivery_id")?,
            webhook_id: uuid_of(&r, "webhook_id")?,
            account_id: r.s("account_id")?.to_owned(),
            event_id: uuid_of(&r, "event_id")?,
            event_type: r.s("event_type")?.to_owned(),
            msg_id: r.s("msg_id")?.to_owned(),
            attempts: r.u32("attempts")?,
            last_outcome,
            reason: DeadLetterReason::parse(reason)
                .ok_or_else(|| DynamoError::Corrupt(format!("unknown reason {reason:?}")))?,
            dead_at: r.i64("dead_at")?,
        },
        replayed_at: r.opt_i64("replayed_at")?,
    })
}

/// Whether a record read back after a failed condition belongs to
/// `account_id`.
fn owned_by(item: &Item, account_id: &str) -> bool {
    Reader::new(item, "record")
        .opt_s("account_id")
        .ok()
        .flatten()
        == Some(account_id)
}

/// Splits `items` (fetched as limit + 1) into a page and whether more
/// follow.
fn split_page<T>(mut items: Vec<T>, limit: usize) -> (Vec<T>, bool) {
    let more = items.len() > limit;
    items.truncate(limit);
    (items, more)
}

impl DynamoWebhookStore {
    /// A store over the tables `<prefix>webhooks`, `<prefix>attempts` and
    /// `<prefix>dead-letters` (e.g. prefix `triggers-api-`). Call
    /// [`create_tables`](Self::create_tables) once per deployment (or
    /// declare [`table_specs`] in its template).
    pub fn new(client: Client, prefix: &str) -> Self {
        DynamoWebhookStore {
            client,
            prefix: prefix.to_owned(),
            webhooks: format!("{prefix}{WEBHOOKS_TABLE}"),
            attempts: format!("{prefix}{ATTEMPTS_TABLE}"),
            dead_letters: format!("{prefix}{DEAD_LETTERS_TABLE}"),
        }
    }

    /// Creates the three tables and their indexes unless they exist
    /// (idempotent).
    pub async fn create_tables(&self) -> Result<(), StoreError> {
        for spec in table_specs(&self.prefix) {
            support::create_table(&self.client, &spec)
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    async fn get_item(&self, table: &str, key: Item) -> Result<Option<Item>, StoreError> {
        let got = self
            .client
            .get_item()
            .table_name(table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| failed("GetItem")(classify("GetItem", e)))?;
        Ok(got.item)
    }

    /// The item a failed condition saw: returned with the failure, or read
    /// again when DynamoDB did not return it.
    async fn item_after_failure(
        &self,
        table: &str,
        key: Item,
        returned: Option<Item>,
    ) -> Result<Option<Item>, StoreError> {
        match returned {
            Some(item) if !item.is_empty() => Ok(Some(item)),
            _ => self.get_item(table, key).await,
        }
    }

    /// Runs a descending query on `index` of the dead-letter or attempts
    /// table until `want` items (after dropping any whose index sort key
    /// equals `skip`) or the end.
    #[allow(clippy::too_many_arguments)]
    async fn query_desc(
        &self,
        table: &str,
        index: &'static str,
        hash_attr: &'static str,
        range_attr: &'static str,
        hash: String,
        range: RangeCondition,
        want: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let need = want - out.len() + usize::from(range.skip.is_some());
            let mut q = self
                .client
                .query()
                .table_name(table)
                .index_name(index)
                .scan_index_forward(false)
                .expression_attribute_names("#h", hash_attr)
                .expression_attribute_values(":h", s(hash.clone()))
                .limit(i32::try_from(need).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take());
            let condition = match (&range.lower, &range.upper) {
                (Some(lo), Some(hi)) => {
                    q = q
                        .expression_attribute_values(":lo", s(lo.clone()))
                        .expression_attribute_values(":hi", s(hi.clone()));
                    // `BETWEEN` is inclusive: an item at the upper bound
                    // itself is dropped below (`skip`).
                    "#h = :h AND #r BETWEEN :lo AND :hi"
                }
                (Some(lo), None) => {
                    q = q.expression_attribute_values(":lo", s(lo.clone()));
                    "#h = :h AND #r >= :lo"
                }
                (None, Some(hi)) => {
                    q = q.expression_attribute_values(":hi", s(hi.clone()));
                    "#h = :h AND #r < :hi"
                }
                (None, None) => "#h = :h",
            };
            if range.lower.is_some() || range.upper.is_some() {
                q = q.expression_attribute_names("#r", range_attr);
            }
            let page = q
                .key_condition_expression(condition)
                .send()
                .await
                .map_err(|e| failed("Query")(classify("Query", e)))?;
            for item in page.items() {
                let at_bound = range.skip.as_deref().is_some_and(|skip| {
                    Reader::new(item, "index entry")
                        .opt_s(range_attr)
                        .ok()
                        .flatten()
                        == Some(skip)
                });
                if !at_bound {
                    out.push(item.clone());
                }
            }
            match page.last_evaluated_key() {
                Some(k) if out.len() < want => start = Some(k.clone()),
                _ => break,
            }
        }
        out.truncate(want);
        Ok(out)
    }
}

/// A key condition on an index sort key: `lower <= key < upper` (an
/// exclusive upper bound is expressed with `BETWEEN` and `skip` when there
/// is a lower bound too).
#[derive(Debug, Default)]
struct RangeCondition {
    lower: Option<String>,
    upper: Option<String>,
    skip: Option<String>,
}

impl RangeCondition {
    /// `lower <= key < upper`; `None` when nothing can match.
    fn new(lower: Option<String>, upper: Option<String>) -> Option<Self> {
        match (lower, upper) {
            (Some(lo), Some(hi)) => {
                if lo >= hi {
                    return None;
                }
                Some(RangeCondition {
                    lower: Some(lo),
                    skip: Some(hi.clone()),
                    upper: Some(hi),
                })
            }
            (lower, upper) => Some(RangeCondition {
                lower,
                upper,
                skip: None,
            }),
        }
    }
}

#[async_trait]
impl WebhookStore for DynamoWebhookStore {
    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        let put = |table: &str, item: Item| -> Result<TransactWriteItem, StoreError> {
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(|e| backend(e.into()))?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        let guard = support::key(format!("WHID#{}", hyphenated(webhook.webhook_id)), "WHID");
        let items = vec![
            put(&self.webhooks, webhook_item(webhook)?)?,
            put(&self.webhooks, guard)?,
        ];
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| match classify_transaction(e) {
                Failure::ConditionFailed(_) | Failure::Conflict => StoreError::Conflict,
                f => failed("TransactWriteItems")(f),
            })?;
        Ok(())
    }

    async fn get_webhook(
        &self,
        account_id: &str,
        webhook_id: Uuid,
    ) -> Result<Option<Webhook>, StoreError> {
        let key = support::key(account_pk(account_id), webhook_sk(webhook_id));
        self.get_item(&self.webhooks, key)
            .await?
            .as_ref()
            .map(decode_webhook)
            .transpose()
            .map_err(backend)
    }

    async fn list_webhooks(
        &self,
        account_id: &str,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<WebhookPage, StoreError> {
        let limit = limit.max(1);
        let want = limit.saturating_add(1);
        let lower = match after {
            Some(id) => webhook_sk(id),
            // Every webhook sort key is above this.
            None => "WH#".to_owned(),
        };
        let mut webhooks = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.webhooks)
                .key_condition_expression("pk = :pk AND sk > :after")
                .expression_attribute_values(":pk", s(account_pk(account_id)))
                .expression_attribute_values(":after", s(lower.clone()))
                .consistent_read(true)
                .limit(i32::try_from(want - webhooks.len()).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| failed("Query")(classify("Query", e)))?;
            for item in page.items() {
                webhooks.push(decode_webhook(item).map_err(backend)?);
            }
            match page.last_evaluated_key() {
                Some(k) if webhooks.len() < want => start = Some(k.clone()),
                _ => break,
            }
        }
        let (webhooks, more) = split_page(webhooks, limit);
        let next = if more {
            webhooks.last().map(|w| w.webhook_id)
        } else {
            None
        };
        Ok(WebhookPage { webhooks, next })
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: i64,
    ) -> Result<(), StoreError> {
        if webhook.updated_at <= expected_updated_at {
            return Err(StoreError::Invalid(
                "updated_at must be greater than expected_updated_at",
            ));
        }
        let key = support::key(
            account_pk(&webhook.account_id),
            webhook_sk(webhook.webhook_id),
        );
        let mut set = Vec::new();
        let mut remove = Vec::new();
        let mut req = self
            .client
            .update_item()
            .table_name(&self.webhooks)
            .set_key(Some(key.clone()))
            .expression_attribute_values(":expected", n(expected_updated_at))
            .condition_expression("attribute_exists(pk) AND updated_at = :expected")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        for (i, (name, value)) in webhook_values(webhook)?.into_iter().enumerate() {
            req = req.expression_attribute_names(format!("#a{i}"), name);
            match value {
                Some(v) => {
                    req = req.expression_attribute_values(format!(":v{i}"), v);
                    set.push(format!("#a{i} = :v{i}"));
                }
                None => remove.push(format!("#a{i}")),
            }
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let result = req.update_expression(expression).send().await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let returned = match e.as_service_error() {
                    Some(
                        aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c),
                    ) => c.item().cloned(),
                    _ => None,
                };
                match classify("UpdateItem", e) {
                    Failure::ConditionFailed(_) => {
                        // Either the webhook is gone (or another account's)
                        // or another update landed first.
                        let old = self
                            .item_after_failure(&self.webhooks, key, returned)
                            .await?;
                        Err(if old.is_some() {
                            StoreError::Conflict
                        } else {
                            StoreError::NotFound
                        })
                    }
                    Failure::Conflict => Err(StoreError::Conflict),
                    f => Err(failed("UpdateItem")(f)),
                }
            }
        }
    }

    async fn delete_webhook(&self, account_id: &str, webhook_id: Uuid) -> Result<bool, StoreError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.webhooks)
            .set_key(Some(support::key(
                account_pk(account_id),
                webhook_sk(webhook_id),
            )))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| failed("DeleteItem")(classify("DeleteItem", e)))?;
        Ok(deleted.attributes().is_some_and(|a| !a.is_empty()))
    }

    async fn record_attempt(
        &self,
        delivery: &Delivery,
        attempt: &Attempt,
    ) -> Result<(), StoreError> {
        let item = attempt_item(delivery, attempt)?;
        put_attempt(self.client.clone(), self.attempts.clone(), item).await
    }

    async fn record_attempts(&self, batch: &[(Delivery, Attempt)]) -> Result<(), StoreError> {
        // Every record is checked before any is written.
        let items = batch
            .iter()
            .map(|(d, a)| attempt_item(d, a))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tasks = JoinSet::new();
        let mut first_error = None;
        for item in items {
            if tasks.len() >= PARALLEL_PUTS {
                if let Some(done) = tasks.join_next().await {
                    note(&mut first_error, done);
                }
            }
            tasks.spawn(put_attempt(
                self.client.clone(),
                self.attempts.clone(),
                item,
            ));
        }
        while let Some(done) = tasks.join_next().await {
            note(&mut first_error, done);
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    async fn list_attempts(
        &self,
        account_id: &str,
        webhook_id: Uuid,
        after: Option<AttemptCursor>,
        limit: usize,
    ) -> Result<AttemptPage, StoreError> {
        let limit = limit.max(1);
        let upper = after.map(|c| attempt_order(c.at, c.delivery_id, c.attempt));
        let range = RangeCondition::new(None, upper).unwrap_or_default();
        let items = self
            .query_desc(
                &self.attempts,
                BY_WEBHOOK_INDEX,
                GSI1PK,
                GSI1SK,
                webhook_account(webhook_id, account_id),
                range,
                limit.saturating_add(1),
            )
            .await?;
        let attempts = items
            .iter()
            .map(decode_attempt)
            .collect::<Result<Vec<_>, _>>()
            .map_err(backend)?;
        let (attempts, more) = split_page(attempts, limit);
        let next = if more {
            attempts.last().map(|a| AttemptCursor {
                at: a.at,
                delivery_id: a.delivery_id,
                attempt: a.attempt,
            })
        } else {
            None
        };
        Ok(AttemptPage { attempts, next })
    }

    async fn put_dead_letter(&self, dead_letter: &DeadLetter) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.dead_letters)
            .set_item(Some(dead_letter_item(dead_letter)?))
            // New, or a replayed one of the same account that died again.
            .condition_expression(
                "attribute_not_exists(pk) OR (attribute_exists(replayed_at) AND account_id = :a)",
            )
            .expression_attribute_values(":a", s(&dead_letter.account_id))
            .send()
            .await
            .map_err(|e| match classify("PutItem", e) {
                Failure::ConditionFailed(_) | Failure::Conflict => StoreError::Conflict,
                f => failed("PutItem")(f),
            })?;
        Ok(())
    }

    async fn get_dead_letter(
        &self,
        account_id: &str,
        delivery_id: Uuid,
    ) -> Result<Option<StoredDeadLetter>, StoreError> {
        let key = support::key(delivery_pk(delivery_id), "DL");
        match self.get_item(&self.dead_letters, key).await? {
            Some(item) if owned_by(&item, account_id) => {
                decode_dead_letter(&item).map(Some).map_err(backend)
            }
            _ => Ok(None),
        }
    }

    async fn list_dead_letters(
        &self,
        account_id: &str,
        query: &DeadLetterQuery,
        after: Option<DeadLetterCursor>,
        limit: usize,
    ) -> Result<DeadLetterPage, StoreError> {
        let limit = limit.max(1);
        // dead_at >= since: every key of that time or later is at or above
        // the bare time prefix.
        let lower = query.since.map(ordered_i64);
        // dead_at < until, and (dead_at, delivery_id) < cursor: both are
        // exclusive upper bounds on the key; the lower of the two applies.
        let until = query.until.map(ordered_i64);
        let cursor = after.map(|c| dead_letter_order(c.dead_at, c.delivery_id));
        let upper = match (until, cursor) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let Some(range) = RangeCondition::new(lower, upper) else {
            return Ok(DeadLetterPage {
                dead_letters: Vec::new(),
                next: None,
            });
        };
        let (index, hash_attr, range_attr, hash) = match query.webhook_id {
            Some(w) => (
                BY_WEBHOOK_INDEX,
                GSI2PK,
                GSI2SK,
                webhook_account(w, account_id),
            ),
            None => (BY_ACCOUNT_INDEX, GSI1PK, GSI1SK, account_id.to_owned()),
        };
        let items = self
            .query_desc(
                &self.dead_letters,
                index,
                hash_attr,
                range_attr,
                hash,
                range,
                limit.saturating_add(1),
            )
            .await?;
        let dead_letters = items
            .iter()
            .map(decode_dead_letter)
            .collect::<Result<Vec<_>, _>>()
            .map_err(backend)?;
        let (dead_letters, more) = split_page(dead_letters, limit);
        let next = if more {
            dead_letters.last().map(|d| DeadLetterCursor {
                dead_at: d.dead_letter.dead_at,
                delivery_id: d.dead_letter.delivery_id,
            })
        } else {
            None
        };
        Ok(DeadLetterPage { dead_letters, next })
    }

    async fn mark_replayed(
        &self,
        account_id: &str,
        delivery_id: Uuid,
        now: i64,
    ) -> Result<(), StoreError> {
        let key = support::key(delivery_pk(delivery_id), "DL");
        let result = self
            .client
            .update_item()
            .table_name(&self.dead_letters)
            .set_key(Some(key.clone()))
            .update_expression("SET replayed_at = :now")
            .condition_expression("account_id = :a AND attribute_not_exists(replayed_at)")
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":a", s(account_id))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let returned = match e.as_service_error() {
                    Some(
                        aws_sdk_dynamodb::operation::update_item::UpdateItemError::ConditionalCheckFailedException(c),
                    ) => c.item().cloned(),
                    _ => None,
                };
                match classify("UpdateItem", e) {
                    Failure::ConditionFailed(_) => {
                        let old = self
                            .item_after_failure(&self.dead_letters, key, returned)
                            .await?;
                        Err(match old {
                            Some(item) if owned_by(&item, account_id) => StoreError::Conflict,
                            _ => StoreError::NotFound,
                        })
                    }
                    Failure::Conflict => Err(StoreError::Conflict),
                    f => Err(failed("UpdateItem")(f)),
                }
            }
        }
    }
}

/// One conditional attempt write: a duplicate is `Conflict`.
async fn put_attempt(client: Client, table: String, item: Item) -> Result<(), StoreError> {
    client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await
        .map_err(|e| match classify("PutItem", e) {
            Failure::ConditionFailed(_) | Failure::Conflict => StoreError::Conflict,
            f => failed("PutItem")(f),
        })?;
    Ok(())
}

/// Keeps the first real error of a batch; a recorded-already attempt is
/// skipped.
fn note(
    first: &mut Option<StoreError>,
    done: Result<Result<(), StoreError>, tokio::task::JoinError>,
) {
    let err = match done {
        Ok(Ok(()) | Err(StoreError::Conflict)) => return,
        Ok(Err(e)) => e,
        Err(e) => backend(DynamoError::Unavailable {
            operation: "PutItem",
            message: format!("write task failed: {e}"),
        }),
    };
    first.get_or_insert(err);
}
