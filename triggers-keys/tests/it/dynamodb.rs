//! The DynamoDB backend through the shared conformance suite, on a moto
//! server (`scripts/moto.sh cargo test -p triggers-keys --features dynamodb
//! --test it dynamodb`). Every check runs on its own tables (a unique name
//! prefix). Without TRIGGERS_TEST_MOTO_URL the tests skip loudly.

use std::sync::atomic::{AtomicUsize, Ordering};

use triggers_keys::backends::dynamodb::support::{self, DynamoError};
use triggers_keys::backends::dynamodb::{DynamoKeyStore, table_spec};
use triggers_keys::testing::{self, aws};
use triggers_keys::{KeyStore, StoreError};

/// A store on fresh tables of the moto server at `url`.
async fn fresh_store(url: &str) -> DynamoKeyStore {
    let store = DynamoKeyStore::new(aws::dynamodb_client(url), &aws::unique_prefix());
    store.create_tables().await.unwrap();
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_passes_the_whole_suite() {
    let Some(url) = aws::moto_url("dynamodb_passes_the_whole_suite") else {
        return;
    };
    let n = AtomicUsize::new(0);
    testing::run_all(|| {
        n.fetch_add(1, Ordering::SeqCst);
        fresh_store(&url)
    })
    .await;
    assert_eq!(
        n.load(Ordering::SeqCst),
        9,
        "every check ran on its own tables"
    );
}

// One test per check too, so a failure names its check.
macro_rules! checks {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let Some(url) = aws::moto_url(concat!("dynamodb::", stringify!($name))) else {
                return;
            };
            let store = fresh_store(&url).await;
            testing::$name(&store).await;
        }
    )*};
}

checks!(
    insert_get_round_trip,
    duplicate_insert_conflicts,
    list_paginates_per_account,
    rotation_is_applied_and_visible,
    stale_rotation_conflicts,
    concurrent_rotations_exactly_one_wins,
    revoke_is_stored,
    has_admin_tracks_admin_keys,
    find_by_hash_finds_every_version,
);

/// Creating the tables again changes nothing and fails nothing; a table
/// with the name but another schema is refused, not used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_tables_is_idempotent_and_checks_the_schema() {
    let Some(url) = aws::moto_url("create_tables_is_idempotent_and_checks_the_schema") else {
        return;
    };
    let client = aws::dynamodb_client(&url);
    let prefix = aws::unique_prefix();
    let store = DynamoKeyStore::new(client.clone(), &prefix);
    store.create_tables().await.unwrap();
    testing::has_admin_tracks_admin_keys(&store).await;
    store.create_tables().await.unwrap();
    assert!(store.has_admin().await.unwrap(), "the data survived");
    assert_eq!(store.table(), format!("{prefix}keys"));

    // Same name, no index: refused with a message naming the index.
    let other = aws::unique_prefix();
    let mut spec = table_spec(&other);
    spec.indexes.clear();
    support::create_table(&client, &spec).await.unwrap();
    let err = DynamoKeyStore::new(client.clone(), &other)
        .create_tables()
        .await
        .unwrap_err();
    match err {
        StoreError::Backend(e) => {
            let e = e.downcast::<DynamoError>().unwrap();
            assert!(matches!(*e, DynamoError::Invalid(_)), "{e}");
            assert!(e.to_string().contains("by-account"), "{e}");
        }
        e => panic!("expected a backend error, got {e:?}"),
    }
}

/// A missing table is a backend error that names the operation, not a
/// panic or a silent `None`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_table_is_a_backend_error() {
    let Some(url) = aws::moto_url("a_missing_table_is_a_backend_error") else {
        return;
    };
    let store = DynamoKeyStore::new(aws::dynamodb_client(&url), &aws::unique_prefix());
    let err = store.has_admin().await.unwrap_err();
    match err {
        StoreError::Backend(e) => {
            let e = e.downcast::<DynamoError>().unwrap();
            match *e {
                DynamoError::Service {
                    operation,
                    ref code,
                    ..
                } => {
                    assert_eq!(operation, "GetItem");
                    assert_eq!(code, "ResourceNotFoundException");
                }
                ref other => panic!("unexpected {other:?}"),
            }
            assert!(!e.is_transient());
        }
        e => panic!("expected a backend error, got {e:?}"),
    }
}
