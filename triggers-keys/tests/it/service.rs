//! The key service over the SQLite store.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use triggers_keys::backends::sqlite::SqliteKeyStore;
use triggers_keys::service::MAX_PAGE_SIZE;
use triggers_keys::{
    ApiKey, ApiKeyToken, DEFAULT_TRANSITION_SECS, KeyError, KeyHash, KeyId, KeyPage, KeyRole,
    KeyService, KeySpec, KeyStore, KeyVersion, MAX_TRANSITION_SECS, MasterKey, Rotation,
    StoreError, StoredKey, VersionStatus, rotate,
};

use crate::{T0, TestClock, accepts, fresh_service, fresh_store};

fn spec(account: &str, role: KeyRole) -> KeySpec {
    KeySpec {
        account_id: account.into(),
        name: "ci".into(),
        role,
        require_signature: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_then_authenticate_and_read_back() {
    let (_dir, keys, _clock) = fresh_service().await;
    let new = keys.create(spec("acct_1", KeyRole::Admin)).await.unwrap();
    assert!(new.issued.api_key.expose().starts_with("trgk_"));
    assert!(new.issued.signing_secret.starts_with("trgs_"));

    let auth = keys
        .authenticate(new.issued.api_key.expose())
        .await
        .unwrap();
    assert_eq!(auth.key, new.key);
    assert_eq!(auth.version, 1);
    let stored = keys.get("acct_1", &new.key.key_id).await.unwrap();
    assert_eq!(
        (stored.key, stored.versions),
        (new.key.clone(), vec![new.version.clone()])
    );
    assert_eq!(
        keys.versions("acct_1", &new.key.key_id).await.unwrap(),
        vec![new.version.clone()]
    );
    let secrets = keys.signing_secrets(&new.key.key_id).await.unwrap();
    assert_eq!(accepts(&secrets, &new.issued.signing_secret), Some(0));
    assert!(keys.has_admin().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_key_is_not_found_everywhere() {
    let (_dir, keys, _clock) = fresh_service().await;
    let new = keys.create(spec("acct_1", KeyRole::Admin)).await.unwrap();
    let id = &new.key.key_id;
    let unknown = KeyId::generate();
    for probe in [id, &unknown] {
        assert_eq!(keys.get("acct_2", probe).await, Err(KeyError::NotFound));
        assert_eq!(
            keys.signing_secrets(probe).await.map(|s| s.len()),
            if probe == id {
                Ok(1)
            } else {
                Err(KeyError::NotFound)
            }
        );
        assert_eq!(
            keys.versions("acct_2", probe).await.unwrap_err(),
            KeyError::NotFound
        );
        assert_eq!(
            keys.rotate("acct_2", probe, None).await.unwrap_err(),
            KeyError::NotFound
        );
        assert_eq!(
            keys.revoke("acct_2", probe).await.unwrap_err(),
            KeyError::NotFound
        );
    }
    // Nothing changed.
    assert_eq!(keys.get("acct_1", id).await.unwrap().key, new.key);
    assert!(keys.list("acct_2", None, 10).await.unwrap().keys.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_timeline_with_the_default_transition() {
    let (_dir, keys, clock) = fresh_service().await;
    let new = keys
        .create(spec("acct_1", KeyRole::Standard))
        .await
        .unwrap();
    let v1 = new.issued.api_key.expose().to_owned();
    let v1_secret = new.issued.signing_secret.to_string();

    clock.advance(100);
    let r = keys.rotate("acct_1", &new.key.key_id, None).await.unwrap();
    let rotated_at = clock.get();
    assert_eq!(r.key.current_version, 2);
    assert_eq!(r.version.version, 2);
    assert_eq!(r.changed.len(), 1);
    assert_eq!(r.changed[0].status, VersionStatus::Rotating);
    let transition = i64::try_from(DEFAULT_TRANSITION_SECS).unwrap();
    assert_eq!(r.changed[0].expires_at, Some(rotated_at + transition));
    let v2 = r.issued.api_key.expose().to_owned();

    // During the transition: both keys, both signing secrets (new first).
    assert_eq!(keys.authenticate(&v1).await.unwrap().version, 1);
    assert_eq!(keys.authenticate(&v2).await.unwrap().version, 2);
    let secrets = keys.signing_secrets(&new.key.key_id).await.unwrap();
    assert_eq!(secrets.len(), 2);
    assert_eq!(accepts(&secrets, &r.issued.signing_secret), Some(0));
    assert_eq!(accepts(&secrets, &v1_secret), Some(1));

    // Expiry is decided at authentication time: no job ran.
    clock.set(rotated_at + transition - 1);
    assert!(keys.authenticate(&v1).await.is_ok());
    clock.set(rotated_at + transition);
    let e = keys.authenticate(&v1).await.unwrap_err();
    assert_eq!((e.clone(), e.code()), (KeyError::Expired, "key_expired"));
    assert!(keys.authenticate(&v2).await.is_ok());
    let secrets = keys.signing_secrets(&new.key.key_id).await.unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(accepts(&secrets, &v1_secret), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transition_bounds() {
    let (_dir, keys, _clock) = fresh_service().await;
    let new = keys
        .create(spec("acct_1", KeyRole::Standard))
        .await
        .unwrap();
    let e = keys
        .rotate("acct_1", &new.key.key_id, Some(MAX_TRANSITION_SECS + 1))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "invalid_transition");
    // Zero: the old key stops working at once.
    let r = keys
        .rotate("acct_1", &new.key.key_id, Some(0))
        .await
        .unwrap();
    assert_eq!(
        keys.authenticate(new.issued.api_key.expose())
            .await
            .unwrap_err(),
        KeyError::Expired
    );
    assert!(keys.authenticate(r.issued.api_key.expose()).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_refuses_every_version_and_is_idempotent() {
    let (_dir, keys, clock) = fresh_service().await;
    let new = keys
        .create(spec("acct_1", KeyRole::Standard))
        .await
        .unwrap();
    let r = keys.rotate("acct_1", &new.key.key_id, None).await.unwrap();
    clock.advance(5);
    let revoked = keys.revoke("acct_1", &new.key.key_id).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(clock.get()));
    for key in [new.issued.api_key.expose(), r.issued.api_key.expose()] {
        let e = keys.authenticate(key).await.unwrap_err();
        assert_eq!((e.clone(), e.code()), (KeyError::Revoked, "key_revoked"));
    }
    assert!(
        keys.signing_secrets(&new.key.key_id)
            .await
            .unwrap()
            .is_empty()
    );
    clock.advance(5);
    let again = keys.revoke("acct_1", &new.key.key_id).await.unwrap();
    assert_eq!(again.revoked_at, revoked.revoked_at);
    assert_eq!(
        keys.rotate("acct_1", &new.key.key_id, None)
            .await
            .unwrap_err(),
        KeyError::Revoked
    );
}

/// Counts store calls.
struct Counting<S> {
    inner: S,
    calls: AtomicUsize,
}

impl<S> Counting<S> {
    fn tick(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait]
impl<S: KeyStore> KeyStore for Counting<S> {
    async fn insert(&self, key: &ApiKey, first: &KeyVersion) -> Result<(), StoreError> {
        self.tick();
        self.inner.insert(key, first).await
    }
    async fn get(&self, key_id: &KeyId) -> Result<Option<StoredKey>, StoreError> {
        self.tick();
        self.inner.get(key_id).await
    }
    async fn list(
        &self,
        account_id: &str,
        after: Option<&KeyId>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        self.tick();
        self.inner.list(account_id, after, limit).await
    }
    async fn apply_rotation(&self, rotation: &Rotation) -> Result<(), StoreError> {
        self.tick();
        self.inner.apply_rotation(rotation).await
    }
    async fn revoke(&self, key: &ApiKey, versions: &[KeyVersion]) -> Result<(), StoreError> {
        self.tick();
        self.inner.revoke(key, versions).await
    }
    async fn has_admin(&self) -> Result<bool, StoreError> {
        self.tick();
        self.inner.has_admin().await
    }
    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<KeyId>, StoreError> {
        self.tick();
        self.inner.find_by_hash(hash).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typos_and_malformed_keys_never_reach_the_store() {
    let (_dir, store) = fresh_store().await;
    let keys = KeyService::new(
        Counting {
            inner: store,
            calls: AtomicUsize::new(0),
        },
        MasterKey::generate(),
    );
    let new = keys
        .create(spec("acct_1", KeyRole::Standard))
        .await
        .unwrap();
    let good = new.issued.api_key.expose().to_owned();
    let before = keys.store().calls.load(Ordering::SeqCst);

    let mut typo = good.clone().into_bytes();
    typo[20] = if typo[20] == b'x' { b'y' } else { b'x' };
    let typo = String::from_utf8(typo).unwrap();
    let e = keys.authenticate(&typo).await.unwrap_err();
    assert_eq!(
        (e.clone(), e.code()),
        (KeyError::BadChecksum, "invalid_api_key")
    );
    for malformed in [
        "trgk_",
        "trgk_short",
        &format!("{good}x"),
        &good[..good.len() - 1],
    ] {
        let e = keys.authenticate(malformed).await.unwrap_err();
        assert_eq!(e, KeyError::MalformedKey, "{malformed}");
    }
    let too_long = "x".repeat(triggers_keys::service::MAX_LEGACY_KEY_LEN + 1);
    for legacy_bad in ["", too_long.as_str()] {
        assert_eq!(
            keys.authenticate(legacy_bad).await.unwrap_err().code(),
            "invalid_api_key"
        );
    }
    assert_eq!(keys.store().calls.load(Ordering::SeqCst), before);

    // A well-formed key naming no key: looked up, then refused.
    let ghost = ApiKeyToken::generate(&KeyId::generate());
    assert_eq!(
        keys.authenticate(ghost.expose()).await.unwrap_err(),
        KeyError::InvalidKey
    );
    // A legacy-looking key nobody has.
    assert_eq!(
        keys.authenticate("sk_live_nobody").await.unwrap_err(),
        KeyError::InvalidKey
    );
    // Right id, wrong secret.
    let forged = ApiKeyToken::generate(&new.key.key_id);
    assert_eq!(
        keys.authenticate(forged.expose()).await.unwrap_err(),
        KeyError::InvalidKey
    );
    assert!(keys.authenticate(&good).await.is_ok());
}

/// Before delegating `apply_rotation`, lands `races` competing rotations.
struct Racing {
    inner: SqliteKeyStore,
    master: MasterKey,
    races: AtomicUsize,
    applies: AtomicUsize,
}

#[async_trait]
impl KeyStore for Racing {
    async fn insert(&self, key: &ApiKey, first: &KeyVersion) -> Result<(), StoreError> {
        self.inner.insert(key, first).await
    }
    async fn get(&self, key_id: &KeyId) -> Result<Option<StoredKey>, StoreError> {
        self.inner.get(key_id).await
    }
    async fn list(
        &self,
        account_id: &str,
        after: Option<&KeyId>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        self.inner.list(account_id, after, limit).await
    }
    async fn apply_rotation(&self, rotation: &Rotation) -> Result<(), StoreError> {
        self.applies.fetch_add(1, Ordering::SeqCst);
        let left = self.races.load(Ordering::SeqCst);
        if left > 0 {
            self.races.store(left - 1, Ordering::SeqCst);
            let s = self.inner.get(&rotation.key.key_id).await?.unwrap();
            let rival = rotate(&self.master, &s.key, &s.versions, 60, T0).unwrap();
            self.inner.apply_rotation(&rival).await?;
        }
        self.inner.apply_rotation(rotation).await
    }
    async fn revoke(&self, key: &ApiKey, versions: &[KeyVersion]) -> Result<(), StoreError> {
        self.inner.revoke(key, versions).await
    }
    async fn has_admin(&self) -> Result<bool, StoreError> {
        self.inner.has_admin().await
    }
    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<KeyId>, StoreError> {
        self.inner.find_by_hash(hash).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_retries_a_conflict_once_then_reports_it() {
    for (races, outcome_version, applies) in [(1, Some(3), 2), (2, None, 2)] {
        let (_dir, store) = fresh_store().await;
        let master = MasterKey::generate();
        let clock = TestClock::new(T0);
        let c = clock.clone();
        let keys = KeyService::new(
            Racing {
                inner: store,
                master: master.clone(),
                races: AtomicUsize::new(races),
                applies: AtomicUsize::new(0),
            },
            master,
        )
        .with_clock(move || c.get());
        let new = keys
            .create(spec("acct_1", KeyRole::Standard))
            .await
            .unwrap();
        let got = keys.rotate("acct_1", &new.key.key_id, Some(60)).await;
        match outcome_version {
            Some(v) => {
                let r = got.unwrap();
                assert_eq!(r.key.current_version, v);
                assert!(keys.authenticate(r.issued.api_key.expose()).await.is_ok());
            }
            None => {
                let e = got.unwrap_err();
                assert_eq!((e.clone(), e.code()), (KeyError::Conflict, "conflict"));
            }
        }
        assert_eq!(keys.store().applies.load(Ordering::SeqCst), applies);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_concurrent_rotations_both_land_thanks_to_the_retry() {
    let (_dir, keys, _clock) = fresh_service().await;
    let keys = std::sync::Arc::new(keys);
    let new = keys
        .create(spec("acct_1", KeyRole::Standard))
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        {
            let keys = keys.clone();
            let id = new.key.key_id.clone();
            tokio::spawn(async move { keys.rotate("acct_1", &id, Some(60)).await })
        },
        {
            let keys = keys.clone();
            let id = new.key.key_id.clone();
            tokio::spawn(async move { keys.rotate("acct_1", &id, Some(60)).await })
        }
    );
    let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
    let mut got = [a.key.current_version, b.key.current_version];
    got.sort_unstable();
    assert_eq!(got, [2, 3]);
    let versions = keys.versions("acct_1", &new.key.key_id).await.unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(
        versions.iter().map(|v| v.status).collect::<Vec<_>>(),
        [
            VersionStatus::Expired,
            VersionStatus::Rotating,
            VersionStatus::Active
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pages_and_clamps_the_limit() {
    let (_dir, keys, _clock) = fresh_service().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            keys.create(spec("acct_1", KeyRole::Standard))
                .await
                .unwrap()
                .key
                .key_id,
        );
        keys.create(spec("acct_2", KeyRole::Standard))
            .await
            .unwrap();
    }
    ids.sort();
    let one = keys.list("acct_1", None, 0).await.unwrap();
    assert_eq!(one.keys.len(), 1);
    assert_eq!(one.next.as_ref(), Some(&ids[0]));
    let rest = keys
        .list("acct_1", one.next.as_ref(), 10_000)
        .await
        .unwrap();
    assert_eq!(
        rest.keys
            .iter()
            .map(|k| k.key_id.clone())
            .collect::<Vec<_>>(),
        ids[1..]
    );
    assert!(rest.next.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_never_returns_more_than_the_max_page() {
    let (_dir, keys, _clock) = fresh_service().await;
    let keys = std::sync::Arc::new(keys);
    let tasks: Vec<_> = (0..=MAX_PAGE_SIZE)
        .map(|_| {
            let keys = keys.clone();
            tokio::spawn(async move { keys.create(spec("acct_1", KeyRole::Standard)).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let page = keys.list("acct_1", None, usize::MAX).await.unwrap();
    assert_eq!(page.keys.len(), MAX_PAGE_SIZE);
    let last = keys
        .list("acct_1", page.next.as_ref(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(last.keys.len(), 1);
    assert!(last.next.is_none());
}

#[test]
fn error_codes_are_stable() {
    let codes: Vec<&str> = [
        KeyError::MalformedKey,
        KeyError::BadChecksum,
        KeyError::InvalidKey,
        KeyError::Expired,
        KeyError::Revoked,
        KeyError::NotFound,
        KeyError::TransitionOutOfRange { max: 1 },
        KeyError::Conflict,
        KeyError::from(StoreError::backend(std::io::Error::other("disk on fire"))),
        KeyError::from(StoreError::Conflict),
        KeyError::from(StoreError::NotFound),
    ]
    .iter()
    .map(KeyError::code)
    .collect();
    assert_eq!(
        codes,
        [
            "invalid_api_key",
            "invalid_api_key",
            "invalid_api_key",
            "key_expired",
            "key_revoked",
            "not_found",
            "invalid_transition",
            "conflict",
            "store_unavailable",
            "conflict",
            "not_found",
        ]
    );
    // The backend's message stays in the source chain, not in the message.
    let e = KeyError::from(StoreError::backend(std::io::Error::other("disk on fire")));
    assert_eq!(e.to_string(), "the key store is unavailable");
    let source = std::error::Error::source(&e).unwrap().to_string();
    assert!(source.contains("disk on fire"), "{source}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_show_in_debug() {
    let (_dir, keys, _clock) = fresh_service().await;
    let new = keys
        .create(spec("acct_1", KeyRole::Standard))
        .await
        .unwrap();
    let r = keys.rotate("acct_1", &new.key.key_id, None).await.unwrap();
    let dumped = format!("{keys:?} {new:?} {r:?}");
    for secret in [
        new.issued.api_key.expose(),
        &new.issued.signing_secret,
        r.issued.api_key.expose(),
        &r.issued.signing_secret,
    ] {
        assert!(
            !dumped.contains(&secret[5..]),
            "a secret is in Debug output"
        );
    }
    assert!(!dumped.contains("sealed_signing_secret"));
}
