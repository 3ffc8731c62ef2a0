//! Integration tests of the group-committing SQLite executor.
#![allow(clippy::unwrap_used)]

use triggers_sqlite::{Db, DbError, DbOptions};

const SCHEMA: &[&str] = &["CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)"];

async fn open(dir: &tempfile::TempDir) -> Db {
    let db = Db::open(dir.path().join("sub/dir/t.db"), DbOptions::default()).unwrap();
    db.migrate("test", SCHEMA).await.unwrap();
    db
}

async fn count(db: &Db) -> i64 {
    db.read(|c| Ok(c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_all_commit_and_are_visible_to_readers() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir).await;
    let mut tasks = Vec::new();
    for i in 0..500 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.write(move |c| {
                c.execute("INSERT INTO t (v) VALUES (?1)", [format!("v{i}")])?;
                Ok(())
            })
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(count(&db).await, 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_rolls_back_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir).await;
    let mut tasks = Vec::new();
    for i in 0..100 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.write(move |c| {
                c.execute("INSERT INTO t (v) VALUES (?1)", [format!("ok{i}")])?;
                if i % 10 == 0 {
                    // Second insert of the same value: UNIQUE violation.
                    c.execute("INSERT INTO t (v) VALUES (?1)", [format!("ok{i}")])?;
                }
                Ok(())
            })
            .await
        }));
    }
    let mut failed = 0;
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            assert!(e.is_unique_violation(), "{e}");
            failed += 1;
        }
    }
    assert_eq!(failed, 10);
    // The failing writes left nothing behind, the others all committed.
    assert_eq!(count(&db).await, 90);
}

#[tokio::test]
async fn a_panicking_write_is_reported_and_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir).await;
    let r: Result<(), DbError> = db
        .write(|c| {
            c.execute("INSERT INTO t (v) VALUES ('x')", [])?;
            panic!("boom");
        })
        .await;
    assert!(matches!(r, Err(DbError::Panicked)));
    assert_eq!(count(&db).await, 0);
    // The writer survives.
    db.write(|c| Ok(c.execute("INSERT INTO t (v) VALUES ('y')", [])?))
        .await
        .unwrap();
    assert_eq!(count(&db).await, 1);
}

#[tokio::test]
async fn migrations_run_once_and_data_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir).await;
    db.write(|c| Ok(c.execute("INSERT INTO t (v) VALUES ('kept')", [])?))
        .await
        .unwrap();
    db.close().await;
    let db = open(&dir).await; // migrate again: must not fail or re-run
    assert_eq!(count(&db).await, 1);
    let mode: String = db
        .read(|c| Ok(c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?))
        .await
        .unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn writes_after_close_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = open(&dir).await;
    db.close().await;
    db.close().await; // idempotent
    let r = db.write(|_| Ok(())).await;
    assert!(matches!(r, Err(DbError::Closed)));
}
