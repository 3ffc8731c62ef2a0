//! The whole service on the AWS backend (`backend = "aws"`: DynamoDB and
//! SQS on the moto server of `scripts/moto.sh`), through the same path as
//! `serve` (`App::open` → `app::serve`, the dispatcher and the SQS delivery
//! worker), with real receivers on 127.0.0.1:
//!
//! ```text
//! scripts/moto.sh cargo test -p triggers-service --features aws --test it on_aws
//! ```
//!
//! - the webhook end-to-end tests of `webhooks.rs`, run again on AWS:
//!   delivery, retries with backoff, dead letter after the last retry and
//!   replay, 410 Gone;
//! - the API tests that depend on the stores (`events.rs`, `api_keys.rs`):
//!   ingest with idempotency, inbox paging and ack, key creation and
//!   rotation;
//! - the master key from Secrets Manager, and the start refused with a
//!   clear error without one;
//! - `triggers-service keys create` against the AWS backend (how the first
//!   admin key of a deployment is made, docs/DEPLOY.md), its key then
//!   accepted by a server on the same tables.
//!
//! Without TRIGGERS_TEST_MOTO_URL the tests skip loudly.

use std::process::Command;

use triggers_service::app::{App, StartError};
use triggers_service::config::{Backend, Config, DevMasterKey};

use crate::support::{Server, TestBackend, token};

/// Runs `$module::$name_on` on a fresh AWS backend.
macro_rules! on_aws {
    ($($module:ident :: $run:ident => $name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(backend) = TestBackend::aws(concat!("on_aws::", stringify!($name))) else {
                return;
            };
            crate::$module::$run(backend).await;
        }
    )*};
}

on_aws!(
    webhooks::matching_events_arrive_signed_in_the_envelope_on => webhooks_arrive_signed_in_the_envelope,
    webhooks::failures_are_retried_with_backoff_until_success_on => webhooks_are_retried_with_backoff_until_success,
    webhooks::exhausted_retries_dead_letter_and_replay_once_on => webhooks_dead_letter_and_replay_once,
    webhooks::gone_deactivates_the_webhook_on => webhooks_gone_deactivates_the_webhook,
    events::create_get_and_ack_an_event_on => events_create_get_and_ack,
    events::the_same_idempotency_key_returns_the_original_event_on => events_idempotency_key_returns_the_original,
    events::inbox_pages_oldest_first_with_filters_and_cursor_on => events_inbox_pages_with_filters_and_cursor,
    api_keys::create_shows_secrets_once_and_list_pages_on => api_keys_create_and_list,
    api_keys::rotation_keeps_the_old_key_during_the_transition_on => api_keys_rotation_with_a_transition,
    api_keys::immediate_rotation_expires_the_old_key_and_revoke_refuses_all_on => api_keys_immediate_rotation_and_revoke,
);

/// A configuration of the AWS backend `backend`, with its master key from
/// the secret `secret_id` (no development key).
fn config_with_secret(backend: &TestBackend, secret_id: Option<&str>) -> Config {
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    };
    backend.configure(&mut config);
    config.aws.master_key = None;
    config.aws.master_key_secret_id = secret_id.map(str::to_owned);
    config
}

async fn open(backend: &TestBackend, config: Config) -> Result<App, StartError> {
    let TestBackend::Aws { url, .. } = backend else {
        unreachable!()
    };
    App::open_with_sdk_config(config, &TestBackend::sdk_config(url)).await
}

/// The key read from Secrets Manager seals and opens: a key created by one
/// start verifies on the next, and a start with another key cannot open
/// its signing secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_master_key_comes_from_secrets_manager() {
    let Some(backend) = TestBackend::aws("on_aws::the_master_key_comes_from_secrets_manager")
    else {
        return;
    };
    let hex = TestBackend::random_master_key_hex();
    let arn = backend.master_key_secret(&format!("{hex}\n")).await;

    let app = open(&backend, config_with_secret(&backend, Some(&arn)))
        .await
        .unwrap();
    assert!(app.sqs_queue().is_some(), "the SQS queue on aws");
    let new = app
        .state
        .keys
        .create(triggers_keys::KeySpec {
            account_id: "acct_default".into(),
            name: "sealed".into(),
            role: triggers_keys::KeyRole::Admin,
            require_signature: true,
        })
        .await
        .unwrap();
    let key_id = new.key.key_id.clone();
    app.close().await;

    // The same secret again: the signing secret opens.
    let app = open(&backend, config_with_secret(&backend, Some(&arn)))
        .await
        .unwrap();
    let opened = app.state.keys.signing_secrets(&key_id).await;
    assert!(opened.is_ok_and(|s| s.len() == 1), "the secret opens");
    app.close().await;

    // Another key (the development variable): the sealed secret does not.
    let mut other = config_with_secret(&backend, None);
    other.aws.master_key = Some(DevMasterKey(triggers_keys::MasterKey::generate()));
    let app = open(&backend, other).await.unwrap();
    assert!(matches!(
        app.state.keys.signing_secrets(&key_id).await,
        Err(triggers_keys::KeyError::Crypto)
    ));
    app.close().await;
}

/// No key, both keys, a missing secret, a secret that is not 64 hex
/// digits: the start is refused, saying what to do, never echoing a value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_usable_master_key_the_aws_backend_refuses_to_start() {
    let Some(backend) =
        TestBackend::aws("on_aws::without_a_usable_master_key_the_aws_backend_refuses_to_start")
    else {
        return;
    };
    let message = |r: Result<App, StartError>| match r {
        Ok(_) => panic!("the start must be refused"),
        Err(e) => e.to_string(),
    };

    let none = message(open(&backend, config_with_secret(&backend, None)).await);
    assert!(
        none.contains("TRIGGERS_MASTER_KEY_SECRET_ID") && none.contains("TRIGGERS_MASTER_KEY"),
        "{none}"
    );

    let mut both = config_with_secret(&backend, Some("some-secret"));
    both.aws.master_key = Some(DevMasterKey(triggers_keys::MasterKey::generate()));
    let both = message(open(&backend, both).await);
    assert!(both.contains("both"), "{both}");

    let missing = message(
        open(
            &backend,
            config_with_secret(&backend, Some("no-such-secret-here")),
        )
        .await,
    );
    assert!(
        missing.contains("no-such-secret-here") && missing.contains("ResourceNotFound"),
        "{missing}"
    );

    let short = "0123456789abcdef-not-a-key";
    let arn = backend.master_key_secret(short).await;
    let bad = message(open(&backend, config_with_secret(&backend, Some(&arn))).await);
    assert!(bad.contains("64 hex digits"), "{bad}");
    assert!(!bad.contains(short), "the value is never shown: {bad}");
}

/// Queues found by name (no URLs configured) and the `migrate` command,
/// which has nothing to do on AWS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queues_are_found_by_name_when_no_url_is_given() {
    let Some(backend) = TestBackend::aws("on_aws::queues_are_found_by_name_when_no_url_is_given")
    else {
        return;
    };
    // Create the tables and queues once, then open without URLs and
    // without creating anything.
    let mut config = config_with_secret(&backend, None);
    config.aws.master_key = Some(DevMasterKey(triggers_keys::MasterKey::generate()));
    open(&backend, config.clone()).await.unwrap().close().await;
    config.aws.create_tables = false;
    let app = open(&backend, config.clone()).await.unwrap();
    let url = backend.queue_url("webhook-delivery").await;
    assert_eq!(app.sqs_queue().unwrap().queue_url(), url);
    let report = app.migrate_legacy_keys(true).await.unwrap();
    assert!(!report.legacy_table && report.scanned == 0);
    app.close().await;

    // Another prefix, nothing created: the missing queue is named.
    config.aws.table_prefix = format!("{}-absent-", config.aws.table_prefix);
    let err = open(&backend, config).await.expect_err("no queue");
    let text = err.to_string();
    assert!(
        text.contains("webhook-delivery") && text.contains("TRIGGERS_AWS_DELIVERY_QUEUE_URL"),
        "{text}"
    );
}

/// docs/DEPLOY.md step 4: `keys create` run with the deployment's
/// variables (the names deploy/template.yaml gives the functions) makes an
/// admin key in DynamoDB, sealed with the master key from Secrets Manager;
/// a server on the same tables and secret accepts it. The CLI runs as a
/// child process with dummy AWS credentials and no profile or instance
/// metadata: only moto is contacted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_create_makes_the_first_admin_key_of_a_deployment() {
    let Some(backend) =
        TestBackend::aws("on_aws::keys_create_makes_the_first_admin_key_of_a_deployment")
    else {
        return;
    };
    let TestBackend::Aws { url, prefix } = &backend else {
        unreachable!()
    };
    let arn = backend
        .master_key_secret(&TestBackend::random_master_key_hex())
        .await;
    // The stack's tables and queues.
    let mut setup = config_with_secret(&backend, Some(&arn));
    setup.aws.create_tables = true;
    open(&backend, setup).await.unwrap().close().await;
    let delivery = backend.queue_url("webhook-delivery").await;
    let dead_letter = backend.queue_url("webhook-dlq").await;

    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_triggers-service"))
            .args(args)
            .env("TRIGGERS_BACKEND", "aws")
            .env("TRIGGERS_AWS_ENDPOINT_URL", url)
            .env("TRIGGERS_AWS_TABLE_PREFIX", prefix)
            .env("TRIGGERS_AWS_DELIVERY_QUEUE_URL", &delivery)
            .env("TRIGGERS_AWS_DEAD_LETTER_QUEUE_URL", &dead_letter)
            .env("TRIGGERS_MASTER_KEY_SECRET_ID", &arn)
            .env_remove("TRIGGERS_MASTER_KEY")
            .env_remove("TRIGGERS_AWS_CREATE_TABLES")
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent/triggers-test")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/triggers-test")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
            .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
            .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{args:?}: {stdout}\n{stderr}");
        (stdout, stderr)
    };
    let (created, log) = cli(&["keys", "create", "--name", "ops", "--admin"]);
    let api_key = token(&created, "trgk_").expect("an API key printed once");
    let key_id = created
        .lines()
        .find_map(|l| l.strip_prefix("key_id:"))
        .map(|id| id.trim().to_owned())
        .expect("the key id");
    assert!(key_id.starts_with("key_"), "{created}");
    assert!(token(&created, "trgs_").is_some(), "{created}");
    assert!(!log.contains("trgk_") && !log.contains("trgs_"), "{log}");
    let (listed, _) = cli(&["keys", "list"]);
    assert!(
        listed.contains(&key_id) && listed.contains("admin"),
        "{listed}"
    );
    assert!(
        !listed.contains("trgk_"),
        "listing shows no secret: {listed}"
    );

    // A server on the deployment: the key works, and no first key is made.
    let s = Server::start_on(backend.clone(), |c| {
        c.aws.master_key = None;
        c.aws.master_key_secret_id = Some(arn.clone());
        c.aws.create_tables = false;
        c.aws.delivery_queue_url = Some(delivery.clone());
    })
    .await;
    assert_eq!(s.state.config.backend, Backend::Aws);
    let res = s.get("/v1/api-keys", &api_key).await;
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.unwrap();
    let ids: Vec<&str> = v["api_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["key_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&key_id.as_str()), "{v}");
    s.stop().await;
}

/// The `serve` binary on the AWS backend, configured by environment only
/// (the README's local run against moto): the first start prints an admin
/// key, an event reaches a webhook receiver through the SQS queue, and a
/// restart prints no key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_serve_binary_runs_on_aws() {
    use crate::support::{Process, free_port};
    let Some(backend) = TestBackend::aws("on_aws::the_serve_binary_runs_on_aws") else {
        return;
    };
    let TestBackend::Aws { url, prefix } = &backend else {
        unreachable!()
    };
    let hex = TestBackend::random_master_key_hex();
    let env = [
        ("TRIGGERS_BACKEND", "aws"),
        ("TRIGGERS_AWS_ENDPOINT_URL", url.as_str()),
        ("TRIGGERS_AWS_TABLE_PREFIX", prefix.as_str()),
        ("TRIGGERS_AWS_CREATE_TABLES", "true"),
        ("TRIGGERS_MASTER_KEY", hex.as_str()),
        ("TRIGGERS_WEBHOOKS_ALLOW_LOCAL", "true"),
        ("TRIGGERS_WEBHOOKS_RETRY_BASE_MS", "50"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/triggers-test"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/triggers-test"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let p = Process::start_with(dir.path(), free_port(), &env).await;
    let printed = p.stdout(Some("trgk_")).await;
    let key = token(&printed, "trgk_").expect("the first admin key");
    assert!(!p.stderr_tail().contains(&hex), "the key is never logged");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is written to the data directory on aws"
    );

    let (hits_tx, mut hits) = tokio::sync::mpsc::unbounded_channel::<serde_json::Value>();
    let app = axum::Router::new().fallback(move |body: axum::body::Bytes| {
        let hits_tx = hits_tx.clone();
        async move {
            let _ = hits_tx.send(serde_json::from_slice(&body).unwrap_or_default());
            "ok"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let receiver = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{}/v1/webhooks", p.base))
        .bearer_auth(&key)
        .json(&serde_json::json!({ "url": hook }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = client
        .post(format!("{}/v1/events", p.base))
        .bearer_auth(&key)
        .json(&crate::support::event("shop", "order.created", 7))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let event: serde_json::Value = res.json().await.unwrap();
    let delivered = tokio::time::timeout(std::time::Duration::from_secs(20), hits.recv())
        .await
        .expect("delivered within 20 s")
        .unwrap();
    assert_eq!(delivered["id"], event["event_id"]);
    assert_eq!(delivered["data"], serde_json::json!({ "n": 7 }));

    p.sigterm();
    drop(p);
    let again = Process::start_with(dir.path(), free_port(), &env).await;
    let res = client
        .get(format!("{}/v1/inbox", again.base))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the key is in DynamoDB");
    let inbox: serde_json::Value = res.json().await.unwrap();
    assert_eq!(inbox["events"][0]["event_id"], event["event_id"]);
    assert!(
        !again.stdout(None).await.contains("trgk_"),
        "no second first key"
    );
    receiver.abort();
}
