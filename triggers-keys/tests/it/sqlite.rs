//! SQLite-specific behaviour: corrupt rows, all-or-nothing rotations,
//! idempotent schema migration.

use triggers_keys::{
    KeyHash, KeyId, KeyRole, KeySpec, KeyStore, MasterKey, StoreError, create, rotate,
};
use triggers_sqlite::rusqlite::params;

use crate::{T0, fresh_store};

fn spec(account: &str) -> KeySpec {
    KeySpec {
        account_id: account.into(),
        name: "k".into(),
        role: KeyRole::Standard,
        require_signature: false,
    }
}

async fn exec(
    store: &triggers_keys::backends::sqlite::SqliteKeyStore,
    sql: &'static str,
    id: KeyId,
) {
    store
        .db()
        .write(move |c| {
            c.execute(sql, [id.as_str()])?;
            Ok(())
        })
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_is_idempotent() {
    let (_dir, store) = fresh_store().await;
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    assert!(!store.has_admin().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_rows_are_backend_errors_not_panics() {
    let cases: &[(&str, &str)] = &[
        (
            "unknown version status",
            "UPDATE api_key_versions SET status = 'zombie' WHERE key_id = ?1",
        ),
        (
            "short key hash",
            "UPDATE api_key_versions SET key_hash = x'0011' WHERE key_id = ?1",
        ),
        (
            "key hash as text",
            "UPDATE api_key_versions SET key_hash = 'abc' WHERE key_id = ?1",
        ),
        (
            "empty sealed secret",
            "UPDATE api_key_versions SET sealed_signing_secret = x'' WHERE key_id = ?1",
        ),
        (
            "negative version",
            "UPDATE api_key_versions SET version = -1 WHERE key_id = ?1",
        ),
        (
            "unknown role",
            "UPDATE api_keys SET role = 'root' WHERE key_id = ?1",
        ),
        (
            "require_signature 7",
            "UPDATE api_keys SET require_signature = 7 WHERE key_id = ?1",
        ),
        (
            "current version too large",
            "UPDATE api_keys SET current_version = 99999999999 WHERE key_id = ?1",
        ),
        (
            "name as a blob",
            "UPDATE api_keys SET name = x'00ff' WHERE key_id = ?1",
        ),
    ];
    for (what, sql) in cases {
        let (_dir, store) = fresh_store().await;
        let master = MasterKey::generate();
        let new = create(&master, spec("acct"), T0).unwrap();
        store.insert(&new.key, &new.version).await.unwrap();
        exec(&store, sql, new.key.key_id.clone()).await;
        let got = store.get(&new.key.key_id).await;
        assert!(
            matches!(got, Err(StoreError::Backend(_))),
            "{what}: get gave {got:?}"
        );
        if sql.starts_with("UPDATE api_keys") {
            let listed = store.list("acct", None, 10).await;
            assert!(
                matches!(listed, Err(StoreError::Backend(_))),
                "{what}: list gave {listed:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_stored_key_id_is_a_backend_error() {
    let (_dir, store) = fresh_store().await;
    let master = MasterKey::generate();
    let new = create(&master, spec("acct"), T0).unwrap();
    store.insert(&new.key, &new.version).await.unwrap();
    let hash = KeyHash::of(new.issued.api_key.expose());
    // Foreign keys are on: rename both rows together.
    store
        .db()
        .write(|c| {
            c.execute_batch(
                "PRAGMA defer_foreign_keys = ON;
                 UPDATE api_keys SET key_id = 'has space';
                 UPDATE api_key_versions SET key_id = 'has space';",
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let found = store.find_by_hash(&hash).await;
    assert!(matches!(found, Err(StoreError::Backend(_))), "{found:?}");
    let listed = store.list("acct", None, 10).await;
    assert!(matches!(listed, Err(StoreError::Backend(_))), "{listed:?}");
}

/// A rotation whose last statement fails leaves no trace of its first ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rotation_is_rolled_back_whole() {
    let (_dir, store) = fresh_store().await;
    let master = MasterKey::generate();
    let new = create(&master, spec("acct"), T0).unwrap();
    store.insert(&new.key, &new.version).await.unwrap();
    let stored = store.get(&new.key.key_id).await.unwrap().unwrap();
    let r = rotate(&master, &stored.key, &stored.versions, 3600, T0 + 1).unwrap();

    // A stray version 2 row makes the final insert fail after the key and
    // version 1 were updated.
    let sealed = r.new_version.sealed_signing_secret.clone();
    let id = new.key.key_id.clone();
    store
        .db()
        .write(move |c| {
            c.execute(
                "INSERT INTO api_key_versions (key_id, version, created_at, status, key_hash, \
                 sealed_signing_secret) VALUES (?1, 2, 0, 'expired', ?2, ?3)",
                params![id.as_str(), &[7u8; 32][..], sealed],
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let applied = store.apply_rotation(&r).await;
    assert!(matches!(applied, Err(StoreError::Conflict)), "{applied:?}");

    let after = store.get(&new.key.key_id).await.unwrap().unwrap();
    assert_eq!(after.key, stored.key, "current_version unchanged");
    assert_eq!(after.versions[0], stored.versions[0], "version 1 unchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_errors_do_not_leak_sql_through_the_trait() {
    let (_dir, store) = fresh_store().await;
    let master = MasterKey::generate();
    let new = create(&master, spec("acct"), T0).unwrap();
    store.insert(&new.key, &new.version).await.unwrap();
    let dup = store.insert(&new.key, &new.version).await.unwrap_err();
    assert!(matches!(dup, StoreError::Conflict));
    assert_eq!(dup.to_string(), "conflicting concurrent update");
}
