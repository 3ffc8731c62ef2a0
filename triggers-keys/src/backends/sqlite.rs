//! The SQLite backend (feature `sqlite`), on the group-committing executor
//! of `triggers-sqlite`.
//!
//! Two tables in the `keys` migration namespace: `api_keys` (one row per key)
//! and `api_key_versions` (one row per version, indexed by key hash). A
//! rotation is one write: a conditional update of the key's
//! `current_version`, the changed versions and the new one, all in the
//! write's savepoint, so it lands entirely or not at all.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use triggers_keys::backends::sqlite::SqliteKeyStore;
//! use triggers_keys::{KeyService, KeyRole, KeySpec, MasterKey};
//!
//! let dir = tempfile::tempdir()?;
//! let db = triggers_sqlite::Db::open(dir.path().join("keys.db"), Default::default())?;
//! let store = SqliteKeyStore::new(db);
//! store.migrate().await?;
//!
//! let keys = KeyService::new(store, MasterKey::generate());
//! let spec = KeySpec { account_id: "acct_1".into(), name: "ci".into(), role: KeyRole::Standard, require_signature: false };
//! let new = keys.create(spec).await?;
//! let auth = keys.authenticate(new.issued.api_key.expose()).await?;
//! assert_eq!((auth.key.account_id.as_str(), auth.version), ("acct_1", 1));
//! # Ok(()) }
//! ```

use core::fmt;

use async_trait::async_trait;
use triggers_sqlite::rusqlite::{self, Connection, OptionalExtension, Row, params};
use triggers_sqlite::{Db, DbError};

use crate::{
    ApiKey, KeyHash, KeyId, KeyPage, KeyRole, KeyStore, KeyVersion, Rotation, StoreError,
    StoredKey, VersionStatus,
};

/// The migration namespace of this schema in `schema_migrations`.
pub const MIGRATION_NAMESPACE: &str = "keys";

/// The schema, one migration per entry (append only).
const MIGRATIONS: &[&str] = &["
CREATE TABLE api_keys (
    key_id            TEXT    NOT NULL PRIMARY KEY,
    account_id        TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    role              TEXT    NOT NULL,
    require_signature INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    revoked_at        INTEGER,
    current_version   INTEGER NOT NULL
);
CREATE INDEX api_keys_account ON api_keys (account_id, key_id);
CREATE TABLE api_key_versions (
    key_id                TEXT    NOT NULL REFERENCES api_keys (key_id),
    version               INTEGER NOT NULL,
    previous_version      INTEGER,
    created_at            INTEGER NOT NULL,
    rotated_at            INTEGER,
    expires_at            INTEGER,
    status                TEXT    NOT NULL,
    key_hash              BLOB    NOT NULL,
    sealed_signing_secret BLOB    NOT NULL,
    PRIMARY KEY (key_id, version)
);
CREATE INDEX api_key_versions_hash ON api_key_versions (key_hash);
"];

const KEY_COLUMNS: &str = "key_id, account_id, name, role, require_signature, created_at, \
                           revoked_at, current_version";
const VERSION_COLUMNS: &str = "key_id, version, previous_version, created_at, rotated_at, \
                               expires_at, status, key_hash, sealed_signing_secret";

/// A [`KeyStore`] in a SQLite database.
#[derive(Debug, Clone)]
pub struct SqliteKeyStore {
    db: Db,
}

impl SqliteKeyStore {
    /// A store over `db`. Call [`SqliteKeyStore::migrate`] once before use.
    pub fn new(db: Db) -> Self {
        SqliteKeyStore { db }
    }

    /// Creates or upgrades the `keys` schema (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        migrate_schema(&self.db).await
    }

    /// The database.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

pub(crate) async fn migrate_schema(db: &Db) -> Result<(), StoreError> {
    db.migrate(MIGRATION_NAMESPACE, MIGRATIONS)
        .await
        .map_err(store_error)
}

/// Why a write closure gave up: returned as its error, so its savepoint rolls
/// back, and recognised in [`store_error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Abort {
    Conflict,
    NotFound,
}

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Abort::Conflict => "conditional write lost",
            Abort::NotFound => "record not found",
        })
    }
}

impl std::error::Error for Abort {}

pub(crate) fn abort(a: Abort) -> DbError {
    DbError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(a)))
}

pub(crate) fn store_error(e: DbError) -> StoreError {
    if e.is_unique_violation() {
        return StoreError::Conflict;
    }
    if let DbError::Sqlite(rusqlite::Error::ToSqlConversionFailure(inner)) = &e {
        match inner.downcast_ref::<Abort>() {
            Some(Abort::Conflict) => return StoreError::Conflict,
            Some(Abort::NotFound) => return StoreError::NotFound,
            None => {}
        }
    }
    StoreError::backend(e)
}

fn corrupt(what: impl fmt::Display) -> DbError {
    DbError::Corrupt(what.to_string())
}

fn to_i64(n: u32) -> i64 {
    i64::from(n)
}

fn to_u32(n: i64, column: &str) -> Result<u32, DbError> {
    u32::try_from(n).map_err(|_| corrupt(format_args!("{column} out of range: {n}")))
}

fn key_id_of(raw: String) -> Result<KeyId, DbError> {
    KeyId::legacy(raw).map_err(|_| corrupt("malformed key_id"))
}

/// A key row as stored, before validation.
struct KeyRow {
    key_id: String,
    account_id: String,
    name: String,
    role: String,
    require_signature: i64,
    created_at: i64,
    revoked_at: Option<i64>,
    current_version: i64,
}

impl KeyRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(KeyRow {
            key_id: r.get(0)?,
            account_id: r.get(1)?,
            name: r.get(2)?,
            role: r.get(3)?,
            require_signature: r.get(4)?,
            created_at: r.get(5)?,
            revoked_at: r.get(6)?,
            current_version: r.get(7)?,
        })
    }

    fn decode(self) -> Result<ApiKey, DbError> {
        let role = KeyRole::parse(&self.role)
            .ok_or_else(|| corrupt(format_args!("unknown role {:?}", self.role)))?;
        let require_signature = match self.require_signature {
            0 => false,
            1 => true,
            n => return Err(corrupt(format_args!("require_signature is {n}"))),
        };
        Ok(ApiKey {
            key_id: key_id_of(self.key_id)?,
            account_id: self.account_id,
            name: self.name,
            role,
            require_signature,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
            current_version: to_u32(self.current_version, "current_version")?,
        })
    }
}

/// A version row as stored, before validation.
struct VersionRow {
    key_id: String,
    version: i64,
    previous_version: Option<i64>,
    created_at: i64,
    rotated_at: Option<i64>,
    expires_at: Option<i64>,
    status: String,
    key_hash: Vec<u8>,
    sealed_signing_secret: Vec<u8>,
}

impl VersionRow {
    fn read(r: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(VersionRow {
            key_id: r.get(0)?,
            version: r.get(1)?,
            previous_version: r.get(2)?,
            created_at: r.get(3)?,
            rotated_at: r.get(4)?,
            expires_at: r.get(5)?,
            status: r.get(6)?,
            key_hash: r.get(7)?,
            sealed_signing_secret: r.get(8)?,
        })
    }

    fn decode(self) -> Result<KeyVersion, DbError> {
        let status = VersionStatus::parse(&self.status)
            .ok_or_else(|| corrupt(format_args!("unknown version status {:?}", self.status)))?;
        let hash: [u8; 32] = self.key_hash.as_slice().try_into().map_err(|_| {
            corrupt(format_args!(
                "key_hash is {} bytes, expected 32",
                self.key_hash.len()
            ))
        })?;
        if self.sealed_signing_secret.is_empty() {
            return Err(corrupt("empty sealed_signing_secret"));
        }
        Ok(KeyVersion {
            key_id: key_id_of(self.key_id)?,
            version: to_u32(self.version, "version")?,
            previous_version: self
                .previous_version
                .map(|v| to_u32(v, "previous_version"))
                .transpose()?,
            created_at: self.created_at,
            rotated_at: self.rotated_at,
            expires_at: self.expires_at,
            status,
            key_hash: KeyHash::from_bytes(hash),
            sealed_signing_secret: self.sealed_signing_secret,
        })
    }
}

/// Reads a key and its versions in one read transaction.
fn read_key(conn: &Connection, key_id: &str) -> Result<Option<StoredKey>, DbError> {
    let tx = conn.unchecked_transaction()?;
    let stored = read_key_in(&tx, key_id)?;
    tx.finish()?;
    Ok(stored)
}

/// Reads a key and its versions, in the caller's transaction.
pub(crate) fn read_key_in(tx: &Connection, key_id: &str) -> Result<Option<StoredKey>, DbError> {
    let row = tx
        .query_row(
            &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE key_id = ?1"),
            [key_id],
            KeyRow::read,
        )
        .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    let key = row.decode()?;
    let mut stmt = tx.prepare(&format!(
        "SELECT {VERSION_COLUMNS} FROM api_key_versions WHERE key_id = ?1 ORDER BY version"
    ))?;
    let versions = stmt
        .query_map([key_id], VersionRow::read)?
        .map(|row| row.map_err(DbError::from).and_then(VersionRow::decode))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(StoredKey { key, versions }))
}

/// Inserts a key and its first version (in the caller's write).
pub(crate) fn insert_key(
    conn: &Connection,
    key: &ApiKey,
    first: &KeyVersion,
) -> Result<(), DbError> {
    conn.execute(
        &format!("INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
        params![
            key.key_id.as_str(),
            key.account_id,
            key.name,
            key.role.as_str(),
            key.require_signature,
            key.created_at,
            key.revoked_at,
            to_i64(key.current_version),
        ],
    )?;
    insert_version(conn, first)
}

fn insert_version(conn: &Connection, v: &KeyVersion) -> Result<(), DbError> {
    conn.execute(
        &format!("INSERT INTO api_key_versions ({VERSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![
            v.key_id.as_str(),
            to_i64(v.version),
            v.previous_version.map(to_i64),
            v.created_at,
            v.rotated_at,
            v.expires_at,
            v.status.as_str(),
            &v.key_hash.as_bytes()[..],
            &v.sealed_signing_secret,
        ],
    )?;
    Ok(())
}

/// Writes the mutable fields of an existing version; a missing one aborts.
fn update_version(conn: &Connection, v: &KeyVersion, missing: Abort) -> Result<(), DbError> {
    let n = conn.execute(
        "UPDATE api_key_versions SET rotated_at = ?1, expires_at = ?2, status = ?3 \
         WHERE key_id = ?4 AND version = ?5",
        params![
            v.rotated_at,
            v.expires_at,
            v.status.as_str(),
            v.key_id.as_str(),
            to_i64(v.version),
        ],
    )?;
    if n == 1 { Ok(()) } else { Err(abort(missing)) }
}

/// A record handed to the store that is inconsistent in itself (a caller bug).
#[derive(Debug)]
struct Inconsistent(&'static str);

impl fmt::Display for Inconsistent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "inconsistent key records: {}", self.0)
    }
}

impl std::error::Error for Inconsistent {}

fn check(ok: bool, what: &'static str) -> Result<(), StoreError> {
    if ok {
        Ok(())
    } else {
        Err(StoreError::backend(Inconsistent(what)))
    }
}

#[async_trait]
impl KeyStore for SqliteKeyStore {
    async fn insert(&self, key: &ApiKey, first: &KeyVersion) -> Result<(), StoreError> {
        check(
            first.key_id == key.key_id,
            "the version belongs to another key",
        )?;
        let key = key.clone();
        let first = first.clone();
        self.db
            .write(move |c| insert_key(c, &key, &first))
            .await
            .map_err(store_error)
    }

    async fn get(&self, key_id: &KeyId) -> Result<Option<StoredKey>, StoreError> {
        let id = key_id.as_str().to_owned();
        self.db
            .read(move |c| read_key(c, &id))
            .await
            .map_err(store_error)
    }

    async fn list(
        &self,
        account_id: &str,
        after: Option<&KeyId>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        let limit = limit.max(1);
        // One more than asked tells whether another page follows.
        let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
        let account = account_id.to_owned();
        let after = after.map(|a| a.as_str().to_owned());
        let keys = self
            .db
            .read(move |c| {
                let rows = match &after {
                    Some(after) => {
                        let mut stmt = c.prepare_cached(&format!(
                            "SELECT {KEY_COLUMNS} FROM api_keys \
                             WHERE account_id = ?1 AND key_id > ?2 ORDER BY key_id LIMIT ?3"
                        ))?;
                        stmt.query_map(params![account, after, fetch], KeyRow::read)?
                            .collect::<Result<Vec<_>, _>>()?
                    }
                    None => {
                        let mut stmt = c.prepare_cached(&format!(
                            "SELECT {KEY_COLUMNS} FROM api_keys \
                             WHERE account_id = ?1 ORDER BY key_id LIMIT ?2"
                        ))?;
                        stmt.query_map(params![account, fetch], KeyRow::read)?
                            .collect::<Result<Vec<_>, _>>()?
                    }
                };
                rows.into_iter()
                    .map(KeyRow::decode)
                    .collect::<Result<Vec<_>, _>>()
            })
            .await
            .map_err(store_error)?;
        let (keys, next) = triggers_sqlite::page(keys, limit, |k| k.key_id.clone());
        Ok(KeyPage { keys, next })
    }

    async fn apply_rotation(&self, rotation: &Rotation) -> Result<(), StoreError> {
        let key_id = &rotation.key.key_id;
        check(
            rotation.new_version.key_id == *key_id
                && rotation.changed.iter().all(|v| v.key_id == *key_id),
            "a version belongs to another key",
        )?;
        let key_id = key_id.as_str().to_owned();
        let expected = to_i64(rotation.expected_current_version);
        let current = to_i64(rotation.key.current_version);
        let changed = rotation.changed.clone();
        let new_version = rotation.new_version.clone();
        self.db
            .write(move |c| {
                // The condition of the whole rotation: nobody rotated or
                // revoked the key since it was read.
                let n = c.execute(
                    "UPDATE api_keys SET current_version = ?1 \
                     WHERE key_id = ?2 AND current_version = ?3 AND revoked_at IS NULL",
                    params![current, key_id, expected],
                )?;
                if n != 1 {
                    return Err(abort(Abort::Conflict));
                }
                for v in &changed {
                    update_version(c, v, Abort::Conflict)?;
                }
                insert_version(c, &new_version)
            })
            .await
            .map_err(store_error)
    }

    async fn revoke(&self, key: &ApiKey, versions: &[KeyVersion]) -> Result<(), StoreError> {
        let revoked_at = key
            .revoked_at
            .ok_or_else(|| StoreError::backend(Inconsistent("the key is not revoked")))?;
        check(
            versions.iter().all(|v| v.key_id == key.key_id),
            "a version belongs to another key",
        )?;
        let key_id = key.key_id.as_str().to_owned();
        let versions = versions.to_vec();
        self.db
            .write(move |c| {
                // The first revocation time stays.
                let n = c.execute(
                    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?1) WHERE key_id = ?2",
                    params![revoked_at, key_id],
                )?;
                if n != 1 {
                    return Err(abort(Abort::NotFound));
                }
                for v in &versions {
                    update_version(c, v, Abort::NotFound)?;
                }
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    async fn has_admin(&self) -> Result<bool, StoreError> {
        self.db
            .read(|c| {
                Ok(c.query_row(
                    "SELECT EXISTS (SELECT 1 FROM api_keys WHERE role = 'admin')",
                    [],
                    |r| r.get(0),
                )?)
            })
            .await
            .map_err(store_error)
    }

    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<KeyId>, StoreError> {
        let hash = *hash.as_bytes();
        self.db
            .read(move |c| {
                let id: Option<String> = c
                    .query_row(
                        "SELECT key_id FROM api_key_versions WHERE key_hash = ?1 \
                         ORDER BY key_id, version LIMIT 1",
                        [&hash[..]],
                        |r| r.get(0),
                    )
                    .optional()?;
                id.map(key_id_of).transpose()
            })
            .await
            .map_err(store_error)
    }
}
