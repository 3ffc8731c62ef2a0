//! Migration of keys from before versioning (feature `sqlite`).
//!
//! The legacy schema is one flat table:
//!
//! ```sql
//! CREATE TABLE api_key (
//!     id             TEXT PRIMARY KEY,
//!     account_id     TEXT NOT NULL,
//!     name           TEXT NOT NULL,
//!     key_hash       TEXT NOT NULL,    -- lower-case hex SHA-256 of the key string
//!     signing_secret TEXT,             -- plaintext, nullable
//!     created_at     TEXT NOT NULL,    -- RFC 3339
//!     is_active      INTEGER NOT NULL
//! );
//! ```
//!
//! [`migrate_legacy`] gives every legacy row a versioned record in the same
//! database: an `api_keys` row (same id, role `standard`, no signature
//! requirement, revoked at migration time if the row was inactive) and its
//! version 1 (the legacy key hash, so the legacy key string keeps working;
//! the signing secret sealed under the master key, or a fresh one if there
//! was none). In the same write it blanks the plaintext `signing_secret` of
//! the legacy row and stamps its `migrated_at` column (added if missing).
//!
//! Each row is migrated in its own all-or-nothing write, conditioned on the
//! row not having changed since it was read, so a run can be interrupted and
//! run again. A second run changes nothing. Malformed rows are reported and
//! left alone (their plaintext secret too: fix the row, then run again).

use core::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use triggers_sqlite::rusqlite::types::Value;
use triggers_sqlite::rusqlite::{self, Connection, params};
use triggers_sqlite::{Db, DbError};
use zeroize::Zeroizing;

use crate::backends::sqlite::{Abort, abort, insert_key, migrate_schema, read_key_in, store_error};
use crate::model::seal_context;
use crate::service::system_clock;
use crate::{
    ApiKey, KeyError, KeyHash, KeyId, KeyRole, KeyVersion, MasterKey, StoreError, StoredKey,
    VersionStatus, generate_signing_secret,
};

/// What [`migrate_legacy`] did, or would do in a dry run. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MigrationReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// The legacy table `api_key` exists (without it there is nothing to do).
    pub legacy_table: bool,
    /// Legacy rows read.
    pub scanned: usize,
    /// Rows given a versioned record (in a dry run: that would be).
    pub migrated: usize,
    /// Of those, rows without a signing secret, given a freshly generated
    /// one (sealed; nobody has seen it: rotate the key to issue one).
    pub generated_secrets: usize,
    /// Rows that had a versioned record already, whose plaintext secret was
    /// blanked and which were marked migrated.
    pub scrubbed: usize,
    /// Rows migrated by an earlier run.
    pub already_migrated: usize,
    /// Rows left alone (see [`SkipReason`]).
    pub skipped: usize,
    /// One entry per migrated, scrubbed or skipped row, in legacy-id order.
    pub actions: Vec<MigrationAction>,
}

impl MigrationReport {
    /// Rows changed (or that a dry run would change).
    pub fn changes(&self) -> usize {
        self.migrated + self.scrubbed
    }

    /// Nothing to change (skipped rows may remain: see `actions`).
    pub fn is_noop(&self) -> bool {
        self.changes() == 0
    }
}

/// What happened to one legacy row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationAction {
    /// The legacy `id` (at most 128 characters of it, for a malformed one).
    pub legacy_id: String,
    /// The outcome.
    pub outcome: MigrationOutcome,
}

/// The outcome for one legacy row.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MigrationOutcome {
    /// Given a versioned record; plaintext secret blanked.
    Migrated {
        /// The legacy row was active (else the key is stored revoked).
        active: bool,
        /// It had no signing secret: a fresh one was generated and sealed.
        generated_signing_secret: bool,
    },
    /// A versioned record existed already: plaintext secret blanked, row
    /// marked migrated.
    Scrubbed,
    /// Left alone.
    Skipped(SkipReason),
}

/// Why a legacy row was left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// `id` is not 1 to 128 visible ASCII characters.
    MalformedId,
    /// `account_id` is empty or not text.
    MalformedAccount,
    /// `name` is not text.
    MalformedName,
    /// `key_hash` is not 64 hex digits.
    MalformedHash,
    /// `created_at` is not an RFC 3339 date.
    MalformedDate,
    /// `is_active` is not 0 or 1.
    MalformedActive,
    /// `signing_secret` is neither text nor NULL.
    MalformedSigningSecret,
    /// A versioned key with this id exists and is another key (its hashes
    /// differ).
    IdInUse,
    /// A versioned record exists, but its sealed secret is not the
    /// plaintext one of the row (or cannot be opened with this master key).
    SecretMismatch,
    /// Marked migrated, but the versioned record is missing.
    RecordMissing,
    /// The row changed while the migration ran: run it again.
    ChangedConcurrently,
}

impl SkipReason {
    /// A stable machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::MalformedId => "malformed_id",
            SkipReason::MalformedAccount => "malformed_account_id",
            SkipReason::MalformedName => "malformed_name",
            SkipReason::MalformedHash => "malformed_key_hash",
            SkipReason::MalformedDate => "malformed_created_at",
            SkipReason::MalformedActive => "malformed_is_active",
            SkipReason::MalformedSigningSecret => "malformed_signing_secret",
            SkipReason::IdInUse => "id_in_use",
            SkipReason::SecretMismatch => "secret_mismatch",
            SkipReason::RecordMissing => "record_missing",
            SkipReason::ChangedConcurrently => "changed_concurrently",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A legacy row that parsed. Holds the plaintext secret: no `Debug`.
struct Parsed {
    key_id: KeyId,
    account_id: String,
    name: String,
    /// As stored, for the write's condition.
    raw_hash: String,
    key_hash: KeyHash,
    /// As stored (NULL, empty or a secret), for the write's condition.
    raw_secret: Option<Zeroizing<String>>,
    created_at: i64,
    active: bool,
}

impl Parsed {
    /// The secret to keep: a non-empty stored one.
    fn secret(&self) -> Option<&str> {
        self.raw_secret
            .as_deref()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// One legacy row as read, with the versioned record of its id if any.
struct Scanned {
    label: String,
    parsed: Result<Parsed, SkipReason>,
    migrated: bool,
    has_plaintext: bool,
    existing: Option<StoredKey>,
}

enum Plan {
    Done,
    Skip(SkipReason),
    Migrate(Parsed),
    Scrub(Parsed),
}

fn label_of(v: &Value) -> String {
    match v {
        Value::Text(s) => s.chars().take(crate::LEGACY_ID_MAX_LEN).collect(),
        Value::Integer(n) => n.to_string(),
        Value::Real(x) => x.to_string(),
        Value::Null => "<null>".into(),
        Value::Blob(_) => "<blob>".into(),
    }
}

fn text(v: Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

fn hex_32(s: &str) -> Option<[u8; 32]> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *slot = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// The columns of one legacy row, as stored.
struct Raw {
    id: Value,
    account_id: Value,
    name: Value,
    key_hash: Value,
    signing_secret: Value,
    created_at: Value,
    is_active: Value,
    migrated_at: Value,
}

fn parse(raw: Raw) -> Result<Parsed, SkipReason> {
    let key_id = text(raw.id)
        .and_then(|id| KeyId::legacy(id).ok())
        .ok_or(SkipReason::MalformedId)?;
    let account_id = text(raw.account_id)
        .filter(|a| !a.is_empty())
        .ok_or(SkipReason::MalformedAccount)?;
    let name = text(raw.name).ok_or(SkipReason::MalformedName)?;
    let raw_hash = text(raw.key_hash).ok_or(SkipReason::MalformedHash)?;
    let key_hash = hex_32(&raw_hash)
        .map(KeyHash::from_bytes)
        .ok_or(SkipReason::MalformedHash)?;
    let raw_secret = match raw.signing_secret {
        Value::Null => None,
        Value::Text(s) => Some(Zeroizing::new(s)),
        _ => return Err(SkipReason::MalformedSigningSecret),
    };
    let created_at = text(raw.created_at)
        .and_then(|s| OffsetDateTime::parse(&s, &Rfc3339).ok())
        .map(OffsetDateTime::unix_timestamp)
        .ok_or(SkipReason::MalformedDate)?;
    let active = match raw.is_active {
        Value::Integer(0) => false,
        Value::Integer(1) => true,
        _ => return Err(SkipReason::MalformedActive),
    };
    Ok(Parsed {
        key_id,
        account_id,
        name,
        raw_hash,
        key_hash,
        raw_secret,
        created_at,
        active,
    })
}

fn exists(c: &Connection, sql: &str) -> Result<bool, DbError> {
    Ok(c.query_row(sql, [], |r| r.get(0))?)
}

fn legacy_table_exists(c: &Connection) -> Result<bool, DbError> {
    exists(
        c,
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_key')",
    )
}

fn has_migrated_at(c: &Connection) -> Result<bool, DbError> {
    exists(
        c,
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('api_key') WHERE name = 'migrated_at')",
    )
}

/// Reads every legacy row and the versioned record of its id. `None`
/// without a legacy table.
fn scan(c: &Connection) -> Result<Option<Vec<Scanned>>, DbError> {
    let tx = c.unchecked_transaction()?;
    if !legacy_table_exists(&tx)? {
        return Ok(None);
    }
    let migrated_col = if has_migrated_at(&tx)? {
        "migrated_at"
    } else {
        "NULL"
    };
    let versioned = exists(
        &tx,
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'api_keys')",
    )?;
    let mut stmt = tx.prepare(&format!(
        "SELECT id, account_id, name, key_hash, signing_secret, created_at, is_active, \
         {migrated_col} FROM api_key ORDER BY id"
    ))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Raw {
                id: r.get(0)?,
                account_id: r.get(1)?,
                name: r.get(2)?,
                key_hash: r.get(3)?,
                signing_secret: r.get(4)?,
                created_at: r.get(5)?,
                is_active: r.get(6)?,
                migrated_at: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, rusqlite::Error>>()?;
    drop(stmt);
    let mut out = Vec::with_capacity(rows.len());
    for raw in rows {
        let label = label_of(&raw.id);
        let migrated = !matches!(raw.migrated_at, Value::Null);
        let has_plaintext = !matches!(raw.signing_secret, Value::Null);
        let existing = match (&raw.id, versioned) {
            (Value::Text(id), true) => read_key_in(&tx, id)?,
            _ => None,
        };
        out.push(Scanned {
            label,
            parsed: parse(raw),
            migrated,
            has_plaintext,
            existing,
        });
    }
    tx.finish()?;
    Ok(Some(out))
}

/// The sealed secret of the existing version holding the row's hash opens to
/// the row's plaintext secret (or the row has none).
fn secret_matches(master: &MasterKey, existing: &KeyVersion, row: &Parsed) -> bool {
    match row.raw_secret.as_deref() {
        None => true,
        Some(plain) => master
            .open(&existing.sealed_signing_secret, &existing.seal_context())
            .is_ok_and(|opened| plain.is_empty() || opened.as_slice() == plain.as_bytes()),
    }
}

fn plan(master: &MasterKey, s: Scanned) -> Plan {
    if s.migrated && !s.has_plaintext {
        return match s.existing {
            Some(_) => Plan::Done,
            None => Plan::Skip(SkipReason::RecordMissing),
        };
    }
    let row = match s.parsed {
        Ok(row) => row,
        Err(reason) => return Plan::Skip(reason),
    };
    match &s.existing {
        Some(existing) => match existing
            .versions
            .iter()
            .find(|v| v.key_hash == row.key_hash)
        {
            Some(v) if secret_matches(master, v, &row) => Plan::Scrub(row),
            Some(_) => Plan::Skip(SkipReason::SecretMismatch),
            None => Plan::Skip(SkipReason::IdInUse),
        },
        None if s.migrated => Plan::Skip(SkipReason::RecordMissing),
        None => Plan::Migrate(row),
    }
}

/// Migrates every legacy row that has no versioned record yet (see the
/// [module documentation](self)). With `dry_run`, writes nothing (not even
/// the schema) and reports what a real run would do.
///
/// Fails only when the database does (or a secret cannot be sealed); a
/// malformed row is reported as skipped.
pub async fn migrate_legacy(
    db: &Db,
    master: &MasterKey,
    dry_run: bool,
) -> Result<MigrationReport, KeyError> {
    let db_err = |e: DbError| KeyError::from(store_error(e));
    if !dry_run {
        migrate_schema(db).await?;
        db.write(|c| {
            if legacy_table_exists(c)? && !has_migrated_at(c)? {
                c.execute_batch("ALTER TABLE api_key ADD COLUMN migrated_at INTEGER")?;
            }
            Ok(())
        })
        .await
        .map_err(db_err)?;
    }
    let mut report = MigrationReport {
        dry_run,
        ..MigrationReport::default()
    };
    let Some(rows) = db.read(scan).await.map_err(db_err)? else {
        return Ok(report);
    };
    report.legacy_table = true;
    report.scanned = rows.len();
    for scanned in rows {
        let legacy_id = scanned.label.clone();
        let outcome = match plan(master, scanned) {
            Plan::Done => {
                report.already_migrated += 1;
                continue;
            }
            Plan::Skip(reason) => MigrationOutcome::Skipped(reason),
            Plan::Migrate(row) => {
                let outcome = MigrationOutcome::Migrated {
                    active: row.active,
                    generated_signing_secret: row.secret().is_none(),
                };
                if dry_run {
                    outcome
                } else {
                    match migrate_row(db, master, row).await {
                        Ok(()) => outcome,
                        Err(StoreError::Conflict) => {
                            MigrationOutcome::Skipped(SkipReason::ChangedConcurrently)
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Plan::Scrub(row) => {
                if dry_run {
                    MigrationOutcome::Scrubbed
                } else {
                    match scrub_row(db, row).await {
                        Ok(()) => MigrationOutcome::Scrubbed,
                        Err(StoreError::Conflict) => {
                            MigrationOutcome::Skipped(SkipReason::ChangedConcurrently)
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        };
        match &outcome {
            MigrationOutcome::Migrated {
                generated_signing_secret,
                ..
            } => {
                report.migrated += 1;
                report.generated_secrets += usize::from(*generated_signing_secret);
            }
            MigrationOutcome::Scrubbed => report.scrubbed += 1,
            MigrationOutcome::Skipped(_) => report.skipped += 1,
        }
        report.actions.push(MigrationAction { legacy_id, outcome });
    }
    Ok(report)
}

/// Creates the versioned record of one row and blanks its plaintext, in one
/// write, if the row is unchanged since it was read.
async fn migrate_row(db: &Db, master: &MasterKey, row: Parsed) -> Result<(), StoreError> {
    let secret = match row.secret() {
        Some(s) => Zeroizing::new(s.to_owned()),
        None => generate_signing_secret(),
    };
    let sealed = master
        .seal(secret.as_bytes(), &seal_context(&row.key_id, 1))
        .map_err(StoreError::backend)?;
    drop(secret);
    let now = system_clock();
    let key = ApiKey {
        key_id: row.key_id.clone(),
        account_id: row.account_id.clone(),
        name: row.name.clone(),
        role: KeyRole::Standard,
        require_signature: false,
        created_at: row.created_at,
        revoked_at: if row.active { None } else { Some(now) },
        current_version: 1,
    };
    let version = KeyVersion {
        key_id: row.key_id.clone(),
        version: 1,
        previous_version: None,
        created_at: row.created_at,
        rotated_at: None,
        expires_at: None,
        status: if row.active {
            VersionStatus::Active
        } else {
            VersionStatus::Revoked
        },
        key_hash: row.key_hash,
        sealed_signing_secret: sealed,
    };
    db.write(move |c| {
        let n = c.execute(
            "UPDATE api_key SET signing_secret = NULL, migrated_at = ?1 \
             WHERE id = ?2 AND migrated_at IS NULL AND key_hash = ?3 AND signing_secret IS ?4",
            params![
                now,
                row.key_id.as_str(),
                row.raw_hash,
                row.raw_secret.as_deref().map(String::as_str)
            ],
        )?;
        if n != 1 {
            return Err(abort(Abort::Conflict));
        }
        insert_key(c, &key, &version)
    })
    .await
    .map_err(store_error)
}

/// Blanks the plaintext of a row that has its versioned record already, and
/// marks it migrated, if the row is unchanged since it was read.
async fn scrub_row(db: &Db, row: Parsed) -> Result<(), StoreError> {
    let now = system_clock();
    db.write(move |c| {
        let n = c.execute(
            "UPDATE api_key SET signing_secret = NULL, migrated_at = COALESCE(migrated_at, ?1) \
             WHERE id = ?2 AND key_hash = ?3 AND signing_secret IS ?4",
            params![
                now,
                row.key_id.as_str(),
                row.raw_hash,
                row.raw_secret.as_deref().map(String::as_str)
            ],
        )?;
        if n != 1 {
            return Err(abort(Abort::Conflict));
        }
        Ok(())
    })
    .await
    .map_err(store_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_decoding() {
        let h = KeyHash::of("x");
        let lower: String = h.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex_32(&lower), Some(*h.as_bytes()));
        assert_eq!(hex_32(&lower.to_uppercase()), Some(*h.as_bytes()));
        assert_eq!(hex_32(&lower[1..]), None);
        assert_eq!(hex_32(&format!("{}g", &lower[1..])), None);
        assert_eq!(hex_32(&format!("{}é", &lower[2..])), None);
        assert_eq!(hex_32(""), None);
    }
}
