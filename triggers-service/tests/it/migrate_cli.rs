//! `triggers-service keys migrate` on a data directory holding keys of the
//! pre-rotation schema: dry run, real run, idempotence, and the legacy key
//! still authenticating through the served API.

use std::process::Command;

use reqwest::Client;
use sha2::{Digest, Sha256};

use crate::support::{Process, free_port};

const LEGACY_KEY: &str = "tk_live_legacy0123456789abcdefABCDEF";
const LEGACY_SECRET: &str = "legacy-signing-secret";

fn cli(data_dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_triggers-service"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn legacy_rows(db: &std::path::Path) -> Vec<(String, Option<String>)> {
    let c = rusqlite::Connection::open(db).unwrap();
    let mut stmt = c
        .prepare("SELECT id, signing_secret FROM api_key ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_converts_legacy_keys_and_they_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("triggers.db");
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE api_key (id TEXT PRIMARY KEY, account_id TEXT NOT NULL,
                 name TEXT NOT NULL, key_hash TEXT NOT NULL, signing_secret TEXT,
                 created_at TEXT NOT NULL, is_active INTEGER NOT NULL)",
        )
        .unwrap();
        let hash: String = Sha256::digest(LEGACY_KEY.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        c.execute(
            "INSERT INTO api_key VALUES ('legacy-1', 'acct_legacy', 'old', ?1, ?2, '2024-01-02T03:04:05Z', 1)",
            [&hash, LEGACY_SECRET],
        )
        .unwrap();
        c.execute(
            "INSERT INTO api_key VALUES ('legacy-2', 'acct_legacy', 'off', ?1, NULL, '2024-01-02T03:04:05Z', 0)",
            [&"ab".repeat(32)],
        )
        .unwrap();
    }

    let dry = cli(dir.path(), &["keys", "migrate", "--dry-run"]);
    assert!(dry.contains("would migrate 2"), "{dry}");
    assert_eq!(
        legacy_rows(&db)[0].1.as_deref(),
        Some(LEGACY_SECRET),
        "a dry run changes nothing"
    );

    let real = cli(dir.path(), &["keys", "migrate"]);
    assert!(real.contains("migrated 2"), "{real}");
    assert!(
        !real.contains(LEGACY_SECRET),
        "the report never shows a secret"
    );
    assert!(
        legacy_rows(&db)
            .iter()
            .all(|(_, s)| s.as_deref().unwrap_or("").is_empty()),
        "no plaintext secret remains in the legacy table"
    );
    let again = cli(dir.path(), &["keys", "migrate"]);
    assert!(again.contains("migrated 0"), "idempotent: {again}");

    // The service accepts the legacy key, and refuses the inactive one's account data.
    let mut p = Process::start(dir.path(), free_port()).await;
    let res = Client::new()
        .get(format!("{}/v1/inbox", p.base))
        .bearer_auth(LEGACY_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Its signing secret is the legacy one, now sealed.
    let body = br#"{"source":"s","event_type":"t","payload":{}}"#;
    let signed = triggers_signing::sign(
        &triggers_signing::Secret::new(LEGACY_SECRET).unwrap(),
        "POST",
        "/v1/events",
        triggers_signing::unix_now(),
        body,
    )
    .unwrap();
    let mut req = Client::new()
        .post(format!("{}/v1/events", p.base))
        .bearer_auth(LEGACY_KEY)
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (name, value) in signed.iter() {
        req = req.header(name, value);
    }
    assert_eq!(req.send().await.unwrap().status(), 201);
    p.sigkill();
}
