//! Legacy migration: old flat `api_key` table → versioned records.

use sha2::{Digest, Sha256};
use triggers_keys::backends::sqlite::SqliteKeyStore;
use triggers_keys::migrate::{MigrationOutcome, SkipReason, migrate_legacy};
use triggers_keys::{KeyError, KeyId, KeyService, MasterKey, VersionStatus};
use triggers_sqlite::rusqlite::{self, params};
use triggers_sqlite::{Db, DbOptions};

use crate::{T0, TestClock, accepts};

const LEGACY_SCHEMA: &str = "CREATE TABLE api_key (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    signing_secret TEXT,
    created_at TEXT NOT NULL,
    is_active INTEGER NOT NULL
)";

struct Legacy {
    id: &'static str,
    key: &'static str,
    secret: Option<&'static str>,
    created_at: &'static str,
    active: bool,
    hash_override: Option<&'static str>,
}

const ROWS: &[Legacy] = &[
    Legacy {
        id: "ak_1001",
        key: "sk_live_4f9a1c2e7b",
        secret: Some("whsec_legacy_active_secret"),
        created_at: "2023-05-01T12:00:00Z",
        active: true,
        hash_override: None,
    },
    Legacy {
        id: "ak_1002",
        key: "sk_live_inactive_77",
        secret: Some("whsec_legacy_inactive_secret"),
        created_at: "2023-06-01T08:30:00+02:00",
        active: false,
        hash_override: None,
    },
    Legacy {
        id: "ak_1003",
        key: "sk_live_no_secret_00",
        secret: None,
        created_at: "2024-01-15T00:00:00.5Z",
        active: true,
        hash_override: None,
    },
    Legacy {
        id: "ak_bad_hex",
        key: "sk_live_bad_hex",
        secret: Some("whsec_bad_hex_secret"),
        created_at: "2023-05-01T12:00:00Z",
        active: true,
        hash_override: Some("not-hex-at-all"),
    },
    Legacy {
        id: "ak_bad_date",
        key: "sk_live_bad_date",
        secret: Some("whsec_bad_date_secret"),
        created_at: "yesterday",
        active: true,
        hash_override: None,
    },
];

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn legacy_db(dir: &tempfile::TempDir) -> Db {
    let db = Db::open(dir.path().join("legacy.db"), DbOptions::default()).unwrap();
    db.write(|c| {
        c.execute_batch(LEGACY_SCHEMA)?;
        for r in ROWS {
            let hash = r
                .hash_override
                .map_or_else(|| sha256_hex(r.key), str::to_owned);
            c.execute(
                "INSERT INTO api_key (id, account_id, name, key_hash, signing_secret, created_at, \
                 is_active) VALUES (?1, 'acct_legacy', ?2, ?3, ?4, ?5, ?6)",
                params![
                    r.id,
                    format!("key {}", r.id),
                    hash,
                    r.secret,
                    r.created_at,
                    r.active
                ],
            )?;
        }
        Ok(())
    })
    .await
    .unwrap();
    db
}

/// Everything in the database except `schema_migrations`, as text.
async fn snapshot(db: &Db) -> Vec<String> {
    db.read(|c| {
        let mut out = Vec::new();
        let mut tables = c.prepare("SELECT name, sql FROM sqlite_master ORDER BY name")?;
        let objects: Vec<(String, Option<String>)> = tables
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (name, sql) in objects {
            out.push(format!("{name}: {sql:?}"));
        }
        let mut rows = c.prepare("SELECT * FROM api_key ORDER BY id")?;
        let n = rows.column_count();
        let dumped: Vec<String> = rows
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|cols| cols.join("|"))
            })?
            .collect::<Result<_, _>>()?;
        out.extend(dumped);
        Ok(out)
    })
    .await
    .unwrap()
}

fn outcomes(report: &triggers_keys::migrate::MigrationReport) -> Vec<(String, MigrationOutcome)> {
    report
        .actions
        .iter()
        .map(|a| (a.legacy_id.clone(), a.outcome.clone()))
        .collect()
}

fn expected_outcomes() -> Vec<(String, MigrationOutcome)> {
    vec![
        (
            "ak_1001".into(),
            MigrationOutcome::Migrated {
                active: true,
                generated_signing_secret: false,
            },
        ),
        (
            "ak_1002".into(),
            MigrationOutcome::Migrated {
                active: false,
                generated_signing_secret: false,
            },
        ),
        (
            "ak_1003".into(),
            MigrationOutcome::Migrated {
                active: true,
                generated_signing_secret: true,
            },
        ),
        (
            "ak_bad_date".into(),
            MigrationOutcome::Skipped(SkipReason::MalformedDate),
        ),
        (
            "ak_bad_hex".into(),
            MigrationOutcome::Skipped(SkipReason::MalformedHash),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_keys_migrate_and_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let db = legacy_db(&dir).await;
    let master = MasterKey::generate();

    // Dry run: reports, changes nothing (not even the schema).
    let before = snapshot(&db).await;
    let dry = migrate_legacy(&db, &master, true).await.unwrap();
    assert!(dry.dry_run && dry.legacy_table);
    assert_eq!(
        (
            dry.scanned,
            dry.migrated,
            dry.generated_secrets,
            dry.skipped
        ),
        (5, 3, 1, 2)
    );
    assert_eq!(outcomes(&dry), expected_outcomes());
    assert_eq!(
        snapshot(&db).await,
        before,
        "a dry run changed the database"
    );

    // The report holds no secret.
    let printed = format!("{dry:?}");
    for r in ROWS {
        assert!(!printed.contains(r.key));
        if let Some(s) = r.secret {
            assert!(!printed.contains(s));
        }
    }

    // For real.
    let report = migrate_legacy(&db, &master, false).await.unwrap();
    assert!(!report.dry_run);
    assert_eq!(
        (
            report.scanned,
            report.migrated,
            report.generated_secrets,
            report.skipped,
            report.already_migrated
        ),
        (5, 3, 1, 2, 0)
    );
    assert_eq!(outcomes(&report), expected_outcomes());

    // No plaintext secret left for migrated rows; malformed rows untouched.
    let legacy: Vec<(String, Option<String>, Option<i64>)> = db
        .read(|c| {
            let mut s =
                c.prepare("SELECT id, signing_secret, migrated_at FROM api_key ORDER BY id")?;
            let rows = s
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
        .unwrap();
    for (id, secret, migrated_at) in &legacy {
        if id.starts_with("ak_bad") {
            assert!(secret.is_some() && migrated_at.is_none(), "{id}");
        } else {
            assert!(secret.is_none(), "{id} still holds its plaintext secret");
            assert!(migrated_at.is_some(), "{id} not marked migrated");
        }
    }

    // The original legacy key strings authenticate through the service.
    let store = SqliteKeyStore::new(db.clone());
    let clock = TestClock::new(T0);
    let c = clock.clone();
    let keys = KeyService::new(store, master.clone()).with_clock(move || c.get());
    let auth = keys.authenticate(ROWS[0].key).await.unwrap();
    assert_eq!(auth.key.key_id.as_str(), "ak_1001");
    assert_eq!(auth.key.account_id, "acct_legacy");
    assert_eq!(auth.key.name, "key ak_1001");
    assert_eq!(auth.key.created_at, 1_682_942_400); // 2023-05-01T12:00:00Z
    assert_eq!(auth.version, 1);
    assert_eq!(
        keys.authenticate(ROWS[1].key).await.unwrap_err(),
        KeyError::Revoked
    );
    assert!(keys.authenticate(ROWS[2].key).await.is_ok());
    for bad in &ROWS[3..] {
        assert_eq!(
            keys.authenticate(bad.key).await.unwrap_err(),
            KeyError::InvalidKey
        );
    }
    let ak2 = keys
        .get("acct_legacy", &KeyId::legacy("ak_1002".into()).unwrap())
        .await
        .unwrap()
        .key;
    assert_eq!(ak2.created_at, 1_685_601_000); // 2023-06-01T06:30:00Z

    // The original signing secret, opened from its sealed form.
    let secrets = keys.signing_secrets_by_id("ak_1001").await.unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(accepts(&secrets, ROWS[0].secret.unwrap()), Some(0));
    // A generated one for the row that had none; none for the revoked key.
    assert_eq!(
        keys.signing_secrets_by_id("ak_1003").await.unwrap().len(),
        1
    );
    assert!(
        keys.signing_secrets_by_id("ak_1002")
            .await
            .unwrap()
            .is_empty()
    );

    // A second run has nothing to do.
    let again = migrate_legacy(&db, &master, false).await.unwrap();
    assert!(again.is_noop());
    assert_eq!(
        (again.migrated, again.already_migrated, again.skipped),
        (0, 3, 2)
    );
    let dry_again = migrate_legacy(&db, &master, true).await.unwrap();
    assert!(dry_again.is_noop());

    // A migrated legacy key rotates into the trgk_ format.
    let id = KeyId::legacy("ak_1001".into()).unwrap();
    let r = keys.rotate("acct_legacy", &id, Some(3600)).await.unwrap();
    assert!(r.issued.api_key.expose().starts_with("trgk_"));
    let auth = keys.authenticate(r.issued.api_key.expose()).await.unwrap();
    assert_eq!((auth.key.key_id.as_str(), auth.version), ("ak_1001", 2));
    assert_eq!(keys.authenticate(ROWS[0].key).await.unwrap().version, 1);
    let secrets = keys.signing_secrets(&id).await.unwrap();
    assert_eq!(accepts(&secrets, &r.issued.signing_secret), Some(0));
    assert_eq!(accepts(&secrets, ROWS[0].secret.unwrap()), Some(1));
    clock.advance(3600);
    assert_eq!(
        keys.authenticate(ROWS[0].key).await.unwrap_err(),
        KeyError::Expired
    );
    assert!(keys.authenticate(r.issued.api_key.expose()).await.is_ok());
    let versions = keys.versions("acct_legacy", &id).await.unwrap();
    assert_eq!(versions[0].status, VersionStatus::Rotating);
    assert!(migrate_legacy(&db, &master, false).await.unwrap().is_noop());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_that_reappears_is_scrubbed_only_if_it_matches() {
    let dir = tempfile::tempdir().unwrap();
    let db = legacy_db(&dir).await;
    let master = MasterKey::generate();
    migrate_legacy(&db, &master, false).await.unwrap();

    // Someone writes secrets back in the clear: the same one, and another.
    db.write(|c| {
        c.execute(
            "UPDATE api_key SET signing_secret = ?1 WHERE id = 'ak_1001'",
            [ROWS[0].secret.unwrap()],
        )?;
        c.execute(
            "UPDATE api_key SET signing_secret = 'something else', migrated_at = NULL \
             WHERE id = 'ak_1002'",
            [],
        )?;
        Ok(())
    })
    .await
    .unwrap();
    let report = migrate_legacy(&db, &master, false).await.unwrap();
    let got = outcomes(&report);
    assert!(got.contains(&("ak_1001".into(), MigrationOutcome::Scrubbed)));
    assert!(got.contains(&(
        "ak_1002".into(),
        MigrationOutcome::Skipped(SkipReason::SecretMismatch)
    )));
    assert_eq!((report.scrubbed, report.migrated), (1, 0));
    let s: Option<String> = db
        .read(|c| {
            Ok(c.query_row(
                "SELECT signing_secret FROM api_key WHERE id = 'ak_1001'",
                [],
                |r| r.get(0),
            )?)
        })
        .await
        .unwrap();
    assert!(s.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_rows_and_missing_tables() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path().join("empty.db"), DbOptions::default()).unwrap();
    let master = MasterKey::generate();
    let none = migrate_legacy(&db, &master, true).await.unwrap();
    assert!(!none.legacy_table && none.is_noop() && none.actions.is_empty());
    let none = migrate_legacy(&db, &master, false).await.unwrap();
    assert!(!none.legacy_table && none.is_noop());

    // Dynamic typing lets anything into a legacy row.
    db.write(|c| {
        c.execute_batch(LEGACY_SCHEMA)?;
        let hash = sha256_hex("k");
        for (id, account, created, active, secret) in [
            (
                rusqlite::types::Value::Text("has space".into()),
                "a",
                "2023-01-01T00:00:00Z",
                rusqlite::types::Value::Integer(1),
                rusqlite::types::Value::Null,
            ),
            (
                rusqlite::types::Value::Text("empty_account".into()),
                "",
                "2023-01-01T00:00:00Z",
                rusqlite::types::Value::Integer(1),
                rusqlite::types::Value::Null,
            ),
            (
                rusqlite::types::Value::Text("active_2".into()),
                "a",
                "2023-01-01T00:00:00Z",
                rusqlite::types::Value::Integer(2),
                rusqlite::types::Value::Null,
            ),
            (
                rusqlite::types::Value::Text("blob_secret".into()),
                "a",
                "2023-01-01T00:00:00Z",
                rusqlite::types::Value::Integer(1),
                rusqlite::types::Value::Blob(vec![1, 2]),
            ),
            (
                rusqlite::types::Value::Blob(vec![0xff]),
                "a",
                "2023-01-01T00:00:00Z",
                rusqlite::types::Value::Integer(1),
                rusqlite::types::Value::Null,
            ),
            (
                rusqlite::types::Value::Text("empty_secret".into()),
                "a",
                "2023-01-01T00:00:00Z",
                rusqlite::types::Value::Integer(0),
                rusqlite::types::Value::Text(String::new()),
            ),
        ] {
            c.execute(
                "INSERT INTO api_key VALUES (?1, ?2, 'n', ?3, ?4, ?5, ?6)",
                params![id, account, hash, secret, created, active],
            )?;
        }
        Ok(())
    })
    .await
    .unwrap();
    let report = migrate_legacy(&db, &master, false).await.unwrap();
    let got = outcomes(&report);
    let expect = [
        ("<blob>", MigrationOutcome::Skipped(SkipReason::MalformedId)),
        (
            "active_2",
            MigrationOutcome::Skipped(SkipReason::MalformedActive),
        ),
        (
            "blob_secret",
            MigrationOutcome::Skipped(SkipReason::MalformedSigningSecret),
        ),
        (
            "empty_account",
            MigrationOutcome::Skipped(SkipReason::MalformedAccount),
        ),
        (
            "empty_secret",
            MigrationOutcome::Migrated {
                active: false,
                generated_signing_secret: true,
            },
        ),
        (
            "has space",
            MigrationOutcome::Skipped(SkipReason::MalformedId),
        ),
    ];
    for (id, outcome) in expect {
        assert!(
            got.contains(&(id.to_owned(), outcome.clone())),
            "{id}: {outcome:?} not in {got:?}"
        );
    }
    assert_eq!((report.migrated, report.skipped), (1, 5));
    assert!(migrate_legacy(&db, &master, false).await.unwrap().is_noop());
}
