//! DynamoDB helpers shared by the DynamoDB backends of the triggers crates
//! (this crate's [`DynamoKeyStore`](super::DynamoKeyStore), the webhook store
//! of `triggers-webhooks` and the event store of `triggers-service`): table
//! specifications and their idempotent creation, error classification,
//! attribute encoding and decoding, order-preserving sort-key parts, and
//! batched reads.
//!
//! Every table has the same primary key shape: a string partition key `pk`
//! and a string sort key `sk`; secondary indexes use the string attributes
//! `gsi1pk`/`gsi1sk` and `gsi2pk`/`gsi2sk`. An item that is not in an index
//! simply lacks its attributes (sparse indexes).

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, CancellationReason, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, KeysAndAttributes, Projection, ProjectionType, ScalarAttributeType,
    TableStatus, TimeToLiveSpecification,
};

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The partition key attribute of every table.
pub const PK: &str = "pk";
/// The sort key attribute of every table.
pub const SK: &str = "sk";
/// The partition key attribute of a table's first index.
pub const GSI1PK: &str = "gsi1pk";
/// The sort key attribute of a table's first index.
pub const GSI1SK: &str = "gsi1sk";
/// The partition key attribute of a table's second index.
pub const GSI2PK: &str = "gsi2pk";
/// The sort key attribute of a table's second index.
pub const GSI2SK: &str = "gsi2sk";

/// The default table name prefix: tables are `triggers-api-<thing>`.
pub const DEFAULT_PREFIX: &str = "triggers-api-";

// ---------------------------------------------------------------- errors

/// A DynamoDB failure, as the stores' `Backend` errors carry it. Never holds
/// item contents (they may be secrets).
#[derive(Debug)]
#[non_exhaustive]
pub enum DynamoError {
    /// DynamoDB refused the request for lack of throughput, after the SDK's
    /// own retries (`ProvisionedThroughputExceededException`,
    /// `ThrottlingException`, `RequestLimitExceeded`, a transaction
    /// cancelled for throttling). Retry later.
    Throttled {
        /// The operation (`PutItem`, …).
        operation: &'static str,
        /// The error code.
        code: String,
    },
    /// DynamoDB answered with another error (missing table, validation, …).
    Service {
        /// The operation.
        operation: &'static str,
        /// The error code.
        code: String,
        /// The error message.
        message: String,
    },
    /// The request did not complete: connection, timeout, unreadable
    /// response. The service may be unreachable.
    Unavailable {
        /// The operation.
        operation: &'static str,
        /// What happened.
        message: String,
    },
    /// A stored item does not decode (written by hand or by another
    /// version).
    Corrupt(String),
    /// The caller passed records that contradict each other (a bug), or a
    /// request could not be built.
    Invalid(String),
}

impl fmt::Display for DynamoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DynamoError::Throttled { operation, code } => {
                write!(f, "DynamoDB {operation} throttled ({code})")
            }
            DynamoError::Service {
                operation,
                code,
                message,
            } => write!(f, "DynamoDB {operation} failed: {code}: {message}"),
            DynamoError::Unavailable { operation, message } => {
                write!(f, "DynamoDB {operation} did not complete: {message}")
            }
            DynamoError::Corrupt(what) => write!(f, "corrupt DynamoDB item: {what}"),
            DynamoError::Invalid(what) => write!(f, "invalid DynamoDB request: {what}"),
        }
    }
}

impl std::error::Error for DynamoError {}

impl DynamoError {
    /// True for [`DynamoError::Throttled`] and [`DynamoError::Unavailable`]:
    /// the request may succeed later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            DynamoError::Throttled { .. } | DynamoError::Unavailable { .. }
        )
    }
}

impl From<aws_sdk_dynamodb::error::BuildError> for DynamoError {
    fn from(e: aws_sdk_dynamodb::error::BuildError) -> Self {
        DynamoError::Invalid(e.to_string())
    }
}

/// Error codes that mean "not enough throughput".
const THROTTLING_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
];

/// True when `code` is a throttling error code.
pub fn is_throttling(code: &str) -> bool {
    THROTTLING_CODES.contains(&code)
}

/// What a failed request means to a store.
#[derive(Debug)]
pub enum Failure {
    /// The request's condition did not hold
    /// (`ConditionalCheckFailedException`, or a transaction cancelled by
    /// one of its conditions). Holds the item as it was, when the request
    /// asked for it (`ReturnValuesOnConditionCheckFailure`) and DynamoDB
    /// returned it.
    ConditionFailed(Option<Item>),
    /// Another request wrote the same item at the same time
    /// (`TransactionConflictException`, a transaction cancelled with
    /// `TransactionConflict`).
    Conflict,
    /// Anything else.
    Other(DynamoError),
}

/// Classifies a failed request (any operation).
pub fn classify<E, R>(operation: &'static str, e: SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match &e {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or("Unknown").to_owned();
            match code.as_str() {
                "ConditionalCheckFailedException" => Failure::ConditionFailed(None),
                "TransactionConflictException" => Failure::Conflict,
                c if is_throttling(c) => Failure::Other(DynamoError::Throttled { operation, code }),
                _ => Failure::Other(DynamoError::Service {
                    operation,
                    message: err.message().unwrap_or_default().to_owned(),
                    code,
                }),
            }
        }
        SdkError::ConstructionFailure(_) => Failure::Other(DynamoError::Invalid(format!(
            "{operation}: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(&e)
        ))),
        _ => Failure::Other(DynamoError::Unavailable {
            operation,
            message: aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string(),
        }),
    }
}

/// Classifies the cancellation reasons of a `TransactWriteItems`: a failed
/// condition wins (with the item of the first one that failed, if
/// returned), then a conflict, then throttling.
pub fn classify_cancellation(reasons: &[CancellationReason]) -> Failure {
    let code = |r: &CancellationReason| r.code().unwrap_or("None").to_owned();
    if let Some(r) = reasons
        .iter()
        .find(|r| r.code() == Some("ConditionalCheckFailed"))
    {
        return Failure::ConditionFailed(r.item().cloned());
    }
    if reasons
        .iter()
        .any(|r| r.code() == Some("TransactionConflict"))
    {
        return Failure::Conflict;
    }
    if let Some(r) = reasons.iter().find(|r| r.code().is_some_and(is_throttling)) {
        return Failure::Other(DynamoError::Throttled {
            operation: "TransactWriteItems",
            code: code(r),
        });
    }
    let codes: Vec<String> = reasons.iter().map(code).collect();
    Failure::Other(DynamoError::Service {
        operation: "TransactWriteItems",
        code: "TransactionCanceledException".into(),
        message: format!("cancellation reasons {codes:?}"),
    })
}

/// Classifies a failed `TransactWriteItems`, reading its cancellation
/// reasons.
pub fn classify_transaction<R: fmt::Debug>(
    e: SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> Failure {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    if let SdkError::ServiceError(service) = &e {
        if let TransactWriteItemsError::TransactionCanceledException(c) = service.err() {
            return classify_cancellation(c.cancellation_reasons());
        }
    }
    classify("TransactWriteItems", e)
}

impl Failure {
    /// The failure as an error, whatever it is (for requests whose
    /// condition failing is itself unexpected).
    pub fn into_error(self, operation: &'static str) -> DynamoError {
        match self {
            Failure::ConditionFailed(_) => DynamoError::Service {
                operation,
                code: "ConditionalCheckFailedException".into(),
                message: "unexpected condition failure".into(),
            },
            Failure::Conflict => DynamoError::Service {
                operation,
                code: "TransactionConflictException".into(),
                message: "concurrent transaction on the same item".into(),
            },
            Failure::Other(e) => e,
        }
    }
}

// ---------------------------------------------------------------- values

/// A string attribute.
pub fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// A number attribute.
pub fn n(v: impl fmt::Display) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// A binary attribute.
pub fn b(v: impl Into<Vec<u8>>) -> AttributeValue {
    AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(v))
}

/// A boolean attribute.
pub fn bool(v: bool) -> AttributeValue {
    AttributeValue::Bool(v)
}

/// Puts `name = value` into `item` when `value` is set.
pub fn put_opt(item: &mut Item, name: &str, value: Option<AttributeValue>) {
    if let Some(v) = value {
        item.insert(name.to_owned(), v);
    }
}

/// An order-preserving fixed-width string of a signed integer: byte order
/// of the strings is numeric order (the sign bit flipped, 20 decimal
/// digits). For sort keys.
pub fn ordered_i64(v: i64) -> String {
    // Flipping the sign bit maps i64 order onto u64 order.
    let u = (v as u64) ^ (1 << 63);
    format!("{u:020}")
}

/// The inverse of [`ordered_i64`].
pub fn parse_ordered_i64(s: &str) -> Option<i64> {
    if s.len() != 20 {
        return None;
    }
    let u: u64 = s.parse().ok()?;
    Some((u ^ (1 << 63)) as i64)
}

/// A fixed-width string of an unsigned integer (10 digits): byte order is
/// numeric order.
pub fn ordered_u32(v: u32) -> String {
    format!("{v:010}")
}

/// Reads the attributes of one item, naming the item in errors.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    item: &'a Item,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader of `item`, an item of kind `what` (for error messages).
    pub fn new(item: &'a Item, what: &'static str) -> Self {
        Reader { item, what }
    }

    fn corrupt(&self, name: &str, why: &str) -> DynamoError {
        DynamoError::Corrupt(format!("{} attribute {name}: {why}", self.what))
    }

    /// The raw attribute, if present (a `NULL` counts as absent).
    pub fn get(&self, name: &str) -> Option<&'a AttributeValue> {
        match self.item.get(name) {
            None | Some(AttributeValue::Null(_)) => None,
            Some(v) => Some(v),
        }
    }

    /// A required string.
    pub fn s(&self, name: &str) -> Result<&'a str, DynamoError> {
        self.opt_s(name)?
            .ok_or_else(|| self.corrupt(name, "missing"))
    }

    /// An optional string.
    pub fn opt_s(&self, name: &str) -> Result<Option<&'a str>, DynamoError> {
        match self.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(v)) => Ok(Some(v)),
            Some(_) => Err(self.corrupt(name, "not a string")),
        }
    }

    /// A required integer.
    pub fn i64(&self, name: &str) -> Result<i64, DynamoError> {
        self.opt_i64(name)?
            .ok_or_else(|| self.corrupt(name, "missing"))
    }

    /// An optional integer.
    pub fn opt_i64(&self, name: &str) -> Result<Option<i64>, DynamoError> {
        match self.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(v)) => v
                .parse()
                .map(Some)
                .map_err(|_| self.corrupt(name, "not an integer")),
            Some(_) => Err(self.corrupt(name, "not a number")),
        }
    }

    /// A required `u32`.
    pub fn u32(&self, name: &str) -> Result<u32, DynamoError> {
        self.opt_u32(name)?
            .ok_or_else(|| self.corrupt(name, "missing"))
    }

    /// An optional `u32`.
    pub fn opt_u32(&self, name: &str) -> Result<Option<u32>, DynamoError> {
        self.opt_i64(name)?
            .map(|v| u32::try_from(v).map_err(|_| self.corrupt(name, "out of range")))
            .transpose()
    }

    /// A required `u64`.
    pub fn u64(&self, name: &str) -> Result<u64, DynamoError> {
        match self.get(name) {
            None => Err(self.corrupt(name, "missing")),
            Some(AttributeValue::N(v)) => v
                .parse()
                .map_err(|_| self.corrupt(name, "not an unsigned integer")),
            Some(_) => Err(self.corrupt(name, "not a number")),
        }
    }

    /// A required boolean.
    pub fn bool(&self, name: &str) -> Result<bool, DynamoError> {
        match self.get(name) {
            None => Err(self.corrupt(name, "missing")),
            Some(AttributeValue::Bool(v)) => Ok(*v),
            Some(_) => Err(self.corrupt(name, "not a boolean")),
        }
    }

    /// A required binary value.
    pub fn bytes(&self, name: &str) -> Result<&'a [u8], DynamoError> {
        self.opt_bytes(name)?
            .ok_or_else(|| self.corrupt(name, "missing"))
    }

    /// An optional binary value.
    pub fn opt_bytes(&self, name: &str) -> Result<Option<&'a [u8]>, DynamoError> {
        match self.get(name) {
            None => Ok(None),
            Some(AttributeValue::B(v)) => Ok(Some(v.as_ref())),
            Some(_) => Err(self.corrupt(name, "not binary")),
        }
    }

    /// A required map.
    pub fn map(&self, name: &str) -> Result<&'a Item, DynamoError> {
        match self.get(name) {
            None => Err(self.corrupt(name, "missing")),
            Some(AttributeValue::M(v)) => Ok(v),
            Some(_) => Err(self.corrupt(name, "not a map")),
        }
    }

    /// A required UUID (stored as its hyphenated string).
    pub fn uuid_str(&self, name: &str) -> Result<&'a str, DynamoError> {
        let v = self.s(name)?;
        if v.len() == 36 {
            Ok(v)
        } else {
            Err(self.corrupt(name, "not a hyphenated UUID"))
        }
    }
}

// ---------------------------------------------------------------- tables

/// How much of an item an index holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexProjection {
    /// Only the table's and the index's keys.
    KeysOnly,
    /// The keys and these attributes.
    Include(Vec<&'static str>),
    /// Every attribute.
    All,
}

/// A global secondary index: partition key `hash`, sort key `range` (both
/// strings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSpec {
    /// The index name.
    pub name: &'static str,
    /// Its partition key attribute.
    pub hash: &'static str,
    /// Its sort key attribute.
    pub range: &'static str,
    /// What it holds.
    pub projection: IndexProjection,
}

/// A table: the `pk`/`sk` string key, its indexes and its TTL attribute.
/// [`create_table`] creates it; a deployment template declares the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    /// The full table name (prefix included).
    pub name: String,
    /// Its global secondary indexes.
    pub indexes: Vec<IndexSpec>,
    /// The attribute DynamoDB's TTL expires items by (Unix seconds), if any.
    pub ttl_attribute: Option<&'static str>,
}

fn key_element(name: &str, key_type: KeyType) -> Result<KeySchemaElement, DynamoError> {
    Ok(KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()?)
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, DynamoError> {
    Ok(AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()?)
}

impl IndexSpec {
    fn to_sdk(&self) -> Result<GlobalSecondaryIndex, DynamoError> {
        let projection = match &self.projection {
            IndexProjection::KeysOnly => Projection::builder()
                .projection_type(ProjectionType::KeysOnly)
                .build(),
            IndexProjection::All => Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
            IndexProjection::Include(attrs) => Projection::builder()
                .projection_type(ProjectionType::Include)
                .set_non_key_attributes(Some(attrs.iter().map(|a| (*a).to_owned()).collect()))
                .build(),
        };
        Ok(GlobalSecondaryIndex::builder()
            .index_name(self.name)
            .key_schema(key_element(self.hash, KeyType::Hash)?)
            .key_schema(key_element(self.range, KeyType::Range)?)
            .projection(projection)
            .build()?)
    }
}

/// Creates the table of `spec` unless it exists (idempotent), waits until
/// it is active, and enables its TTL. On-demand capacity. A table that
/// exists with another key schema or without one of the indexes is an
/// error (this function never changes an existing table's keys).
pub async fn create_table(client: &Client, spec: &TableSpec) -> Result<(), DynamoError> {
    if !describe_and_check(client, spec).await? {
        let mut attributes = vec![string_attribute(PK)?, string_attribute(SK)?];
        for index in &spec.indexes {
            for a in [index.hash, index.range] {
                if !attributes.iter().any(|d| d.attribute_name() == a) {
                    attributes.push(string_attribute(a)?);
                }
            }
        }
        let indexes = spec
            .indexes
            .iter()
            .map(IndexSpec::to_sdk)
            .collect::<Result<Vec<_>, _>>()?;
        let created = client
            .create_table()
            .table_name(&spec.name)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key_element(PK, KeyType::Hash)?)
            .key_schema(key_element(SK, KeyType::Range)?)
            .set_attribute_definitions(Some(attributes))
            .set_global_secondary_indexes((!indexes.is_empty()).then_some(indexes))
            .send()
            .await;
        if let Err(e) = created {
            match classify("CreateTable", e) {
                // Created concurrently by someone else: check it below.
                Failure::Other(DynamoError::Service { code, .. })
                    if code == "ResourceInUseException" => {}
                f => return Err(f.into_error("CreateTable")),
            }
        }
        wait_active(client, &spec.name).await?;
        describe_and_check(client, spec).await?;
    }
    if let Some(attribute) = spec.ttl_attribute {
        enable_ttl(client, &spec.name, attribute).await?;
    }
    Ok(())
}

/// False when the table does not exist; true when it exists with the key
/// schema and indexes of `spec`; an error otherwise.
async fn describe_and_check(client: &Client, spec: &TableSpec) -> Result<bool, DynamoError> {
    let described = match client.describe_table().table_name(&spec.name).send().await {
        Ok(d) => d,
        Err(e) => {
            return match classify("DescribeTable", e) {
                Failure::Other(DynamoError::Service { code, .. })
                    if code == "ResourceNotFoundException" =>
                {
                    Ok(false)
                }
                f => Err(f.into_error("DescribeTable")),
            };
        }
    };
    let Some(table) = described.table() else {
        return Ok(false);
    };
    let keys: Vec<(&str, &KeyType)> = table
        .key_schema()
        .iter()
        .map(|k| (k.attribute_name(), k.key_type()))
        .collect();
    if keys != [(PK, &KeyType::Hash), (SK, &KeyType::Range)] {
        return Err(DynamoError::Invalid(format!(
            "table {} exists with another key schema ({keys:?}); expected pk (hash), sk (range)",
            spec.name
        )));
    }
    for index in &spec.indexes {
        let found = table.global_secondary_indexes().iter().any(|g| {
            g.index_name() == Some(index.name)
                && g.key_schema()
                    .iter()
                    .map(|k| (k.attribute_name(), k.key_type()))
                    .eq([(index.hash, &KeyType::Hash), (index.range, &KeyType::Range)])
        });
        if !found {
            return Err(DynamoError::Invalid(format!(
                "table {} has no index {} on ({}, {})",
                spec.name, index.name, index.hash, index.range
            )));
        }
    }
    Ok(true)
}

async fn wait_active(client: &Client, table: &str) -> Result<(), DynamoError> {
    let mut delay = Duration::from_millis(50);
    for _ in 0..60 {
        let described = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| classify("DescribeTable", e).into_error("DescribeTable"))?;
        let active = described.table().is_some_and(|t| {
            t.table_status() == Some(&TableStatus::Active)
                && t.global_secondary_indexes().iter().all(|g| {
                    g.index_status()
                        .is_none_or(|s| *s == aws_sdk_dynamodb::types::IndexStatus::Active)
                })
        });
        if active {
            return Ok(());
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
    Err(DynamoError::Unavailable {
        operation: "DescribeTable",
        message: format!("table {table} did not become active"),
    })
}

async fn enable_ttl(client: &Client, table: &str, attribute: &str) -> Result<(), DynamoError> {
    let current = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| classify("DescribeTimeToLive", e).into_error("DescribeTimeToLive"))?;
    if let Some(d) = current.time_to_live_description() {
        if d.attribute_name() == Some(attribute)
            && matches!(
                d.time_to_live_status(),
                Some(
                    aws_sdk_dynamodb::types::TimeToLiveStatus::Enabled
                        | aws_sdk_dynamodb::types::TimeToLiveStatus::Enabling
                )
            )
        {
            return Ok(());
        }
    }
    let spec = TimeToLiveSpecification::builder()
        .attribute_name(attribute)
        .enabled(true)
        .build()?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(spec)
        .send()
        .await
        .map_err(|e| classify("UpdateTimeToLive", e).into_error("UpdateTimeToLive"))?;
    Ok(())
}

/// Deletes a table (tests clean up with it). A missing table is fine.
pub async fn delete_table(client: &Client, table: &str) -> Result<(), DynamoError> {
    match client.delete_table().table_name(table).send().await {
        Ok(_) => Ok(()),
        Err(e) => match classify("DeleteTable", e) {
            Failure::Other(DynamoError::Service { code, .. })
                if code == "ResourceNotFoundException" =>
            {
                Ok(())
            }
            f => Err(f.into_error("DeleteTable")),
        },
    }
}

// ---------------------------------------------------------------- batches

/// The most keys one `BatchGetItem` reads.
pub const BATCH_GET_MAX: usize = 100;

/// Reads the items of `keys` from `table` with `BatchGetItem` (chunks of
/// 100, unprocessed keys retried with backoff), in no particular order.
/// Missing items are absent from the result. `consistent`: strongly
/// consistent reads.
pub async fn batch_get(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
    consistent: bool,
) -> Result<Vec<Item>, DynamoError> {
    let mut out = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(BATCH_GET_MAX) {
        let mut pending = KeysAndAttributes::builder()
            .set_keys(Some(chunk.to_vec()))
            .consistent_read(consistent)
            .build()?;
        let mut delay = Duration::from_millis(25);
        for round in 0.. {
            let got = client
                .batch_get_item()
                .request_items(table, pending.clone())
                .send()
                .await
                .map_err(|e| classify("BatchGetItem", e).into_error("BatchGetItem"))?;
            if let Some(items) = got.responses().and_then(|r| r.get(table)) {
                out.extend(items.iter().cloned());
            }
            match got.unprocessed_keys().and_then(|u| u.get(table)) {
                Some(rest) if !rest.keys().is_empty() => {
                    if round >= 8 {
                        return Err(DynamoError::Throttled {
                            operation: "BatchGetItem",
                            code: "UnprocessedKeys".into(),
                        });
                    }
                    pending = rest.clone();
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
                _ => break,
            }
        }
    }
    Ok(out)
}

/// The `pk`/`sk` key of an item.
pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_integers_sort_as_numbers() {
        let values = [
            i64::MIN,
            -5_000_000,
            -1,
            0,
            1,
            42,
            1_700_000_000_000_000,
            i64::MAX,
        ];
        let encoded: Vec<String> = values.iter().map(|v| ordered_i64(*v)).collect();
        let mut sorted = encoded.clone();
        sorted.sort();
        assert_eq!(sorted, encoded);
        for (v, e) in values.iter().zip(&encoded) {
            assert_eq!(e.len(), 20);
            assert_eq!(parse_ordered_i64(e), Some(*v));
        }
        assert_eq!(parse_ordered_i64("12"), None);
        assert_eq!(parse_ordered_i64("abcdefghijklmnopqrst"), None);
        assert!(ordered_u32(9) < ordered_u32(10));
    }

    fn service_error(
        code: &str,
    ) -> SdkError<aws_sdk_dynamodb::operation::put_item::PutItemError, ()> {
        let meta = aws_sdk_dynamodb::error::ErrorMetadata::builder()
            .code(code)
            .message("m")
            .build();
        SdkError::service_error(
            aws_sdk_dynamodb::operation::put_item::PutItemError::generic(meta),
            (),
        )
    }

    #[test]
    fn errors_are_classified_by_code() {
        assert!(matches!(
            classify("PutItem", service_error("ConditionalCheckFailedException")),
            Failure::ConditionFailed(None)
        ));
        assert!(matches!(
            classify("PutItem", service_error("TransactionConflictException")),
            Failure::Conflict
        ));
        for code in [
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
            "RequestLimitExceeded",
        ] {
            match classify("PutItem", service_error(code)) {
                Failure::Other(e @ DynamoError::Throttled { .. }) => {
                    assert!(e.is_transient());
                    assert!(e.to_string().contains(code), "{e}");
                }
                other => panic!("{code}: {other:?}"),
            }
        }
        match classify("PutItem", service_error("ResourceNotFoundException")) {
            Failure::Other(e @ DynamoError::Service { .. }) => {
                assert!(!e.is_transient());
                assert_eq!(
                    e.to_string(),
                    "DynamoDB PutItem failed: ResourceNotFoundException: m"
                );
            }
            other => panic!("{other:?}"),
        }
        let timeout: SdkError<aws_sdk_dynamodb::operation::put_item::PutItemError, ()> =
            SdkError::timeout_error("slow");
        assert!(matches!(
            classify("PutItem", timeout),
            Failure::Other(DynamoError::Unavailable { .. })
        ));
    }

    #[test]
    fn cancelled_transactions_are_classified_by_their_reasons() {
        let reason = |code: &str| CancellationReason::builder().code(code).build();
        let old: Item = HashMap::from([("pk".to_owned(), s("x"))]);
        let with_item = CancellationReason::builder()
            .code("ConditionalCheckFailed")
            .set_item(Some(old.clone()))
            .build();
        match classify_cancellation(&[reason("None"), with_item]) {
            Failure::ConditionFailed(Some(item)) => assert_eq!(item, old),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            classify_cancellation(&[reason("TransactionConflict"), reason("None")]),
            Failure::Conflict
        ));
        assert!(matches!(
            classify_cancellation(&[reason("ThrottlingError")]),
            Failure::Other(DynamoError::Throttled { .. })
        ));
        assert!(matches!(
            classify_cancellation(&[reason("ValidationError")]),
            Failure::Other(DynamoError::Service { .. })
        ));
    }

    #[test]
    fn reader_names_what_is_wrong() {
        let item: Item = HashMap::from([
            ("a".to_owned(), s("x")),
            ("n".to_owned(), n(7)),
            ("big".to_owned(), n(u64::MAX)),
            ("null".to_owned(), AttributeValue::Null(true)),
        ]);
        let r = Reader::new(&item, "thing");
        assert_eq!(r.s("a").ok(), Some("x"));
        assert_eq!(r.i64("n").ok(), Some(7));
        assert_eq!(r.opt_s("null").ok(), Some(None));
        assert!(r.u32("big").is_err());
        let e = r.i64("a").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("thing attribute a"), "{e}");
        assert!(r.s("missing").is_err());
    }
}
