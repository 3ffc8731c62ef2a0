//! The DynamoDB backend (feature `dynamodb`): [`DynamoKeyStore`], over a
//! caller-built `aws_sdk_dynamodb::Client`, and the helpers every DynamoDB
//! backend of the triggers crates shares ([`support`]).
//!
//! # Schema: table `<prefix>keys` (default `triggers-api-keys`)
//!
//! Key `pk` (S, partition) + `sk` (S, sort); on-demand capacity. Three
//! kinds of items:
//!
//! | item | `pk` | `sk` | other attributes |
//! |---|---|---|---|
//! | key | `KEY#<key_id>` | `KEY` | `key_id`, `account_id`, `name`, `role`, `require_signature` (BOOL), `created_at`, `revoked_at`?, `current_version` (N), `versions` (M: `"<n>"` → version map), `gsi1pk` = account id, `gsi1sk` = key id |
//! | hash | `HASH#<hex sha-256 of the key>` | `KEY#<key_id>` | `key_id` |
//! | admin marker | `ADMIN` | `ADMIN` | (none): present once any admin key was inserted |
//!
//! A version map holds `version`, `previous_version`?, `created_at`,
//! `rotated_at`?, `expires_at`?, `status`, `key_hash` (B), `sealed` (B).
//! Keeping a key's versions inside its item makes every authentication one
//! `GetItem` and every rotation one conditional update.
//!
//! Index `by-account` (`gsi1pk`, `gsi1sk`; projection: the key's scalar
//! attributes, not its versions).
//!
//! | operation | requests |
//! |---|---|
//! | `insert` | one `TransactWriteItems`: the key (condition: no such key), its first hash item, the admin marker for an admin key |
//! | `get` | one strongly consistent `GetItem` |
//! | `list` | `Query` on `by-account`, `gsi1sk > after`, `Limit` = limit + 1 (more only when DynamoDB's 1 MB page ends first) |
//! | `apply_rotation` | one `TransactWriteItems`: update of the key (condition: `current_version` as read, not revoked, the changed versions present, the new one absent) + the new version's hash item |
//! | `revoke` | one `UpdateItem` (`revoked_at = if_not_exists(revoked_at, :now)`, the versions; condition: the key exists) |
//! | `has_admin` | one `GetItem` of the admin marker |
//! | `find_by_hash` | one `Query` on `HASH#…`, `Limit` 1 (the smallest key id) |
//!
//! Listings read an index, so they are eventually consistent on AWS (a key
//! created a moment ago may be missing from a list for a fraction of a
//! second); every other read is strongly consistent.
//!
//! ```no_run
//! # async fn demo(client: aws_sdk_dynamodb::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use triggers_keys::backends::dynamodb::DynamoKeyStore;
//! use triggers_keys::{KeyService, MasterKey};
//!
//! let store = DynamoKeyStore::new(client, "triggers-api-");
//! store.create_tables().await?; // idempotent; tests and deployments share the schema
//! let keys = KeyService::new(store, MasterKey::generate());
//! # Ok(()) }
//! ```

pub mod support;

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

use self::support::{
    DynamoError, Failure, GSI1PK, GSI1SK, IndexProjection, IndexSpec, Item, PK, Reader, TableSpec,
    b, classify, classify_transaction, key, n, s,
};
use crate::{
    ApiKey, KeyHash, KeyId, KeyPage, KeyRole, KeyStore, KeyVersion, Rotation, StoreError,
    StoredKey, VersionStatus,
};

/// The table's name after the prefix.
pub const KEYS_TABLE: &str = "keys";
/// The index of keys by account.
pub const BY_ACCOUNT_INDEX: &str = "by-account";

const ADMIN: &str = "ADMIN";

/// The `keys` table of a deployment with this table name prefix.
pub fn table_spec(prefix: &str) -> TableSpec {
    TableSpec {
        name: format!("{prefix}{KEYS_TABLE}"),
        indexes: vec![IndexSpec {
            name: BY_ACCOUNT_INDEX,
            hash: GSI1PK,
            range: GSI1SK,
            projection: IndexProjection::Include(vec![
                "key_id",
                "account_id",
                "name",
                "role",
                "require_signature",
                "created_at",
                "revoked_at",
                "current_version",
            ]),
        }],
        ttl_attribute: None,
    }
}

/// A [`KeyStore`] in a DynamoDB table (see the module docs for the schema).
#[derive(Debug, Clone)]
pub struct DynamoKeyStore {
    client: Client,
    table: String,
    prefix: String,
}

fn backend(e: DynamoError) -> StoreError {
    StoreError::backend(e)
}

fn key_pk(id: &KeyId) -> String {
    format!("KEY#{}", id.as_str())
}

fn hash_pk(hash: &KeyHash) -> String {
    let mut out = String::with_capacity(5 + 64);
    out.push_str("HASH#");
    for byte in hash.as_bytes() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

fn status_of(s: &str) -> Result<VersionStatus, DynamoError> {
    VersionStatus::parse(s)
        .ok_or_else(|| DynamoError::Corrupt(format!("unknown version status {s:?}")))
}

fn version_value(v: &KeyVersion) -> AttributeValue {
    let mut m: Item = HashMap::from([
        ("version".to_owned(), n(v.version)),
        ("created_at".to_owned(), n(v.created_at)),
        ("status".to_owned(), s(v.status.as_str())),
        ("key_hash".to_owned(), b(v.key_hash.as_bytes().to_vec())),
        ("sealed".to_owned(), b(v.sealed_signing_secret.clone())),
    ]);
    support::put_opt(&mut m, "previous_version", v.previous_version.map(n));
    support::put_opt(&mut m, "rotated_at", v.rotated_at.map(n));
    support::put_opt(&mut m, "expires_at", v.expires_at.map(n));
    AttributeValue::M(m)
}

fn key_item(key: &ApiKey, versions: &[KeyVersion]) -> Item {
    let mut item = support::key(key_pk(&key.key_id), "KEY");
    item.extend([
        ("key_id".to_owned(), s(key.key_id.as_str())),
        ("account_id".to_owned(), s(&key.account_id)),
        ("name".to_owned(), s(&key.name)),
        ("role".to_owned(), s(key.role.as_str())),
        (
            "require_signature".to_owned(),
            support::bool(key.require_signature),
        ),
        ("created_at".to_owned(), n(key.created_at)),
        ("current_version".to_owned(), n(key.current_version)),
        (
            "versions".to_owned(),
            AttributeValue::M(
                versions
                    .iter()
                    .map(|v| (v.version.to_string(), version_value(v)))
                    .collect(),
            ),
        ),
        (GSI1PK.to_owned(), s(&key.account_id)),
        (GSI1SK.to_owned(), s(key.key_id.as_str())),
    ]);
    support::put_opt(&mut item, "revoked_at", key.revoked_at.map(n));
    item
}

fn hash_item(v: &KeyVersion) -> Item {
    let mut item = support::key(hash_pk(&v.key_hash), key_pk(&v.key_id));
    item.insert("key_id".to_owned(), s(v.key_id.as_str()));
    item
}

fn key_id_of(raw: &str) -> Result<KeyId, DynamoError> {
    KeyId::legacy(raw.to_owned()).map_err(|_| DynamoError::Corrupt("malformed key_id".into()))
}

fn decode_key(item: &Item) -> Result<ApiKey, DynamoError> {
    let r = Reader::new(item, "key");
    let role = r.s("role")?;
    Ok(ApiKey {
        key_id: key_id_of(r.s("key_id")?)?,
        account_id: r.s("account_id")?.to_owned(),
        name: r.s("name")?.to_owned(),
        role: KeyRole::parse(role)
            .ok_or_else(|| DynamoError::Corrupt(format!("unknown role {role:?}")))?,
        require_signature: r.bool("require_signature")?,
        created_at: r.i64("created_at")?,
        revoked_at: r.opt_i64("revoked_at")?,
        current_version: r.u32("current_version")?,
    })
}

fn decode_version(key_id: &KeyId, item: &Item) -> Result<KeyVersion, DynamoError> {
    let r = Reader::new(item, "key version");
    let hash: [u8; 32] = r
        .bytes("key_hash")?
        .try_into()
        .map_err(|_| DynamoError::Corrupt("key_hash is not 32 bytes".into()))?;
    let sealed = r.bytes("sealed")?;
    if sealed.is_empty() {
        return Err(DynamoError::Corrupt("empty sealed signing secret".into()));
    }
    Ok(KeyVersion {
        key_id: key_id.clone(),
        version: r.u32("version")?,
        previous_version: r.opt_u32("previous_version")?,
        created_at: r.i64("created_at")?,
        rotated_at: r.opt_i64("rotated_at")?,
        expires_at: r.opt_i64("expires_at")?,
        status: status_of(r.s("status")?)?,
        key_hash: KeyHash::from_bytes(hash),
        sealed_signing_secret: sealed.to_vec(),
    })
}

fn decode_stored(item: &Item) -> Result<StoredKey, DynamoError> {
    let key = decode_key(item)?;
    let mut versions = Reader::new(item, "key")
        .map("versions")?
        .values()
        .map(|v| match v {
            AttributeValue::M(m) => decode_version(&key.key_id, m),
            _ => Err(DynamoError::Corrupt("a key version is not a map".into())),
        })
        .collect::<Result<Vec<_>, _>>()?;
    versions.sort_by_key(|v| v.version);
    Ok(StoredKey { key, versions })
}

fn check(ok: bool, what: &'static str) -> Result<(), StoreError> {
    if ok {
        Ok(())
    } else {
        Err(backend(DynamoError::Invalid(format!(
            "inconsistent key records: {what}"
        ))))
    }
}

/// Maps a failure whose condition means "someone else won" to `Conflict`.
fn conflict_or_backend(f: Failure, operation: &'static str) -> StoreError {
    match f {
        Failure::ConditionFailed(_) | Failure::Conflict => StoreError::Conflict,
        f => backend(f.into_error(operation)),
    }
}

impl DynamoKeyStore {
    /// A store over the table `<prefix>keys` (e.g. prefix `triggers-api-`,
    /// [`support::DEFAULT_PREFIX`]). Call
    /// [`create_tables`](Self::create_tables) once per deployment (or
    /// declare [`table_spec`] in its template).
    pub fn new(client: Client, prefix: &str) -> Self {
        DynamoKeyStore {
            client,
            table: format!("{prefix}{KEYS_TABLE}"),
            prefix: prefix.to_owned(),
        }
    }

    /// Creates the table and its index unless they exist (idempotent).
    pub async fn create_tables(&self) -> Result<(), StoreError> {
        support::create_table(&self.client, &table_spec(&self.prefix))
            .await
            .map_err(backend)
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn put(&self, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_owned))
            .build()
            .map_err(|e| backend(e.into()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

#[async_trait]
impl KeyStore for DynamoKeyStore {
    async fn insert(&self, key: &ApiKey, first: &KeyVersion) -> Result<(), StoreError> {
        check(
            first.key_id == key.key_id,
            "the version belongs to another key",
        )?;
        let mut items = vec![
            self.put(
                key_item(key, std::slice::from_ref(first)),
                Some("attribute_not_exists(pk)"),
            )?,
            self.put(hash_item(first), None)?,
        ];
        if key.role == KeyRole::Admin {
            items.push(self.put(support::key(ADMIN, ADMIN), None)?);
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| conflict_or_backend(classify_transaction(e), "TransactWriteItems"))?;
        Ok(())
    }

    async fn get(&self, key_id: &KeyId) -> Result<Option<StoredKey>, StoreError> {
        let got = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(key_pk(key_id), "KEY")))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend(classify("GetItem", e).into_error("GetItem")))?;
        got.item().map(decode_stored).transpose().map_err(backend)
    }

    async fn list(
        &self,
        account_id: &str,
        after: Option<&KeyId>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        let limit = limit.max(1);
        // One more than asked tells whether another page follows.
        let want = limit.saturating_add(1);
        let mut keys = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page_limit = i32::try_from(want - keys.len()).unwrap_or(i32::MAX);
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_ACCOUNT_INDEX)
                .expression_attribute_names("#pk", GSI1PK)
                .expression_attribute_values(":a", s(account_id))
                .limit(page_limit)
                .set_exclusive_start_key(start.take());
            q = match after {
                Some(after) => q
                    .key_condition_expression("#pk = :a AND #sk > :after")
                    .expression_attribute_names("#sk", GSI1SK)
                    .expression_attribute_values(":after", s(after.as_str())),
                None => q.key_condition_expression("#pk = :a"),
            };
            let page = q
                .send()
                .await
                .map_err(|e| backend(classify("Query", e).into_error("Query")))?;
            for item in page.items() {
                keys.push(decode_key(item).map_err(backend)?);
            }
            match page.last_evaluated_key() {
                Some(k) if keys.len() < want => start = Some(k.clone()),
                _ => break,
            }
        }
        let next = if keys.len() > limit {
            keys.truncate(limit);
            keys.last().map(|k| k.key_id.clone())
        } else {
            None
        };
        Ok(KeyPage { keys, next })
    }

    async fn apply_rotation(&self, rotation: &Rotation) -> Result<(), StoreError> {
        let key_id = &rotation.key.key_id;
        check(
            rotation.new_version.key_id == *key_id
                && rotation.changed.iter().all(|v| v.key_id == *key_id),
            "a version belongs to another key",
        )?;
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(key_pk(key_id), "KEY")))
            .expression_attribute_values(":cur", n(rotation.key.current_version))
            .expression_attribute_values(":exp", n(rotation.expected_current_version))
            .expression_attribute_names("#new", rotation.new_version.version.to_string())
            .expression_attribute_values(":new", version_value(&rotation.new_version));
        let mut set = vec![
            "current_version = :cur".to_owned(),
            "versions.#new = :new".to_owned(),
        ];
        // The condition of the whole rotation: nobody rotated or revoked the
        // key since it was read; the versions it changes are there, the one
        // it adds is not.
        let mut condition = vec![
            "current_version = :exp".to_owned(),
            "attribute_not_exists(revoked_at)".to_owned(),
            "attribute_not_exists(versions.#new)".to_owned(),
        ];
        for (i, v) in rotation.changed.iter().enumerate() {
            update = update
                .expression_attribute_names(format!("#c{i}"), v.version.to_string())
                .expression_attribute_values(format!(":c{i}"), version_value(v));
            set.push(format!("versions.#c{i} = :c{i}"));
            condition.push(format!("attribute_exists(versions.#c{i})"));
        }
        let update = update
            .update_expression(format!("SET {}", set.join(", ")))
            .condition_expression(condition.join(" AND "))
            .build()
            .map_err(|e| backend(e.into()))?;
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            self.put(hash_item(&rotation.new_version), None)?,
        ];
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| conflict_or_backend(classify_transaction(e), "TransactWriteItems"))?;
        Ok(())
    }

    async fn revoke(&self, key: &ApiKey, versions: &[KeyVersion]) -> Result<(), StoreError> {
        let revoked_at = key.revoked_at.ok_or_else(|| {
            backend(DynamoError::Invalid(
                "inconsistent key records: the key is not revoked".into(),
            ))
        })?;
        check(
            versions.iter().all(|v| v.key_id == key.key_id),
            "a version belongs to another key",
        )?;
        // The first revocation time stays.
        let mut set = vec!["revoked_at = if_not_exists(revoked_at, :r)".to_owned()];
        let mut condition = vec!["attribute_exists(pk)".to_owned()];
        let mut req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(support::key(key_pk(&key.key_id), "KEY")))
            .expression_attribute_values(":r", n(revoked_at));
        for (i, v) in versions.iter().enumerate() {
            req = req
                .expression_attribute_names(format!("#v{i}"), v.version.to_string())
                .expression_attribute_values(format!(":v{i}"), version_value(v));
            set.push(format!("versions.#v{i} = :v{i}"));
            condition.push(format!("attribute_exists(versions.#v{i})"));
        }
        req.update_expression(format!("SET {}", set.join(", ")))
            .condition_expression(condition.join(" AND "))
            .send()
            .await
            .map_err(|e| match classify("UpdateItem", e) {
                Failure::ConditionFailed(_) => StoreError::NotFound,
                Failure::Conflict => StoreError::Conflict,
                f => backend(f.into_error("UpdateItem")),
            })?;
        Ok(())
    }

    async fn has_admin(&self) -> Result<bool, StoreError> {
        let got = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(ADMIN, ADMIN)))
            .consistent_read(true)
            .projection_expression(PK)
            .send()
            .await
            .map_err(|e| backend(classify("GetItem", e).into_error("GetItem")))?;
        Ok(got.item().is_some())
    }

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<KeyId>, StoreError> {
        let got = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :h")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":h", s(hash_pk(hash)))
            .consistent_read(true)
            .limit(1)
            .send()
            .await
            .map_err(|e| backend(classify("Query", e).into_error("Query")))?;
        got.items()
            .first()
            .map(|item| {
                let r = Reader::new(item, "key hash");
                key_id_of(r.s("key_id")?)
            })
            .transpose()
            .map_err(backend)
    }
}
