//! The conformance suite every [`KeyStore`] backend runs (feature `testing`).
//!
//! Each check is a `pub async fn` taking a fresh, empty, migrated store and
//! panicking (like `assert!`) on the first violation; [`run_all`] runs them
//! all, asking its factory for a new store before each one. Records are built
//! with this crate's own rules ([`create`], [`rotate`], [`revoke`]), so a
//! backend is tested on the shapes it will really see.
//!
//! ```ignore
//! #[tokio::test]
//! async fn conformance() {
//!     triggers_keys::testing::run_all(|| async { MyStore::connect_fresh().await }).await;
//! }
//! ```
//!
//! The suite needs no runtime of its own: the concurrency checks poll two
//! futures together on the caller's task.

#[cfg(feature = "dynamodb")]
pub mod aws;

use core::future::Future;
use core::pin::pin;
use core::task::Poll;

use crate::{
    ApiKey, KeyHash, KeyId, KeyRole, KeySpec, KeyStore, KeyVersion, MasterKey, NewKey, StoreError,
    StoredKey, VersionStatus, create, revoke, rotate,
};

/// Every check, in order, each on a fresh store from `make`.
pub async fn run_all<S, F, Fut>(make: F)
where
    S: KeyStore,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    insert_get_round_trip(&make().await).await;
    duplicate_insert_conflicts(&make().await).await;
    list_paginates_per_account(&make().await).await;
    rotation_is_applied_and_visible(&make().await).await;
    stale_rotation_conflicts(&make().await).await;
    concurrent_rotations_exactly_one_wins(&make().await).await;
    revoke_is_stored(&make().await).await;
    has_admin_tracks_admin_keys(&make().await).await;
    find_by_hash_finds_every_version(&make().await).await;
}

const T0: i64 = 1_700_000_000;

fn spec(account: &str, name: &str, role: KeyRole) -> KeySpec {
    KeySpec {
        account_id: account.into(),
        name: name.into(),
        role,
        require_signature: false,
    }
}

fn new_key(master: &MasterKey, account: &str, name: &str, role: KeyRole) -> NewKey {
    create(master, spec(account, name, role), T0).expect("create a key")
}

async fn inserted(store: &impl KeyStore, master: &MasterKey, account: &str) -> NewKey {
    let new = new_key(master, account, "k", KeyRole::Standard);
    store
        .insert(&new.key, &new.version)
        .await
        .expect("insert a key");
    new
}

async fn must_get(store: &impl KeyStore, id: &KeyId) -> StoredKey {
    store
        .get(id)
        .await
        .expect("get a key")
        .expect("the key exists")
}

fn assert_version_eq(got: &KeyVersion, want: &KeyVersion) {
    // Field by field, for a useful message (secrets stay out of it).
    assert_eq!(got.key_id, want.key_id, "key_id");
    assert_eq!(got.version, want.version, "version");
    assert_eq!(
        got.previous_version, want.previous_version,
        "previous_version"
    );
    assert_eq!(got.created_at, want.created_at, "created_at");
    assert_eq!(got.rotated_at, want.rotated_at, "rotated_at");
    assert_eq!(got.expires_at, want.expires_at, "expires_at");
    assert_eq!(got.status, want.status, "status");
    assert!(
        got.key_hash.as_bytes() == want.key_hash.as_bytes(),
        "key_hash of version {} differs",
        want.version
    );
    assert!(
        got.sealed_signing_secret == want.sealed_signing_secret,
        "sealed_signing_secret of version {} differs",
        want.version
    );
}

fn assert_versions_eq(got: &[KeyVersion], want: &[KeyVersion]) {
    assert_eq!(
        got.iter().map(|v| v.version).collect::<Vec<_>>(),
        want.iter().map(|v| v.version).collect::<Vec<_>>(),
        "versions (ascending)"
    );
    for (g, w) in got.iter().zip(want) {
        assert_version_eq(g, w);
    }
}

fn is_conflict(r: &Result<(), StoreError>) -> bool {
    matches!(r, Err(StoreError::Conflict))
}

/// Polls two futures together on the current task.
async fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let mut a = pin!(a);
    let mut b = pin!(b);
    let (mut ra, mut rb) = (None, None);
    core::future::poll_fn(|cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (ra, rb) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}

/// Insert then get returns every field as written, hash and sealed secret
/// bytes included; an unknown id is `None`; a legacy id round-trips.
pub async fn insert_get_round_trip<S: KeyStore>(store: &S) {
    let master = MasterKey::generate();
    let mut new = new_key(&master, "acct_rt", "round trip", KeyRole::Admin);
    new.key.require_signature = true;
    store
        .insert(&new.key, &new.version)
        .await
        .expect("insert a key");
    let got = must_get(store, &new.key.key_id).await;
    assert_eq!(got.key, new.key);
    assert_versions_eq(&got.versions, std::slice::from_ref(&new.version));
    assert_eq!(got.versions, vec![new.version.clone()]);
    // The sealed secret still opens: the bytes are intact.
    assert!(
        master
            .open(
                &got.versions[0].sealed_signing_secret,
                &got.versions[0].seal_context()
            )
            .is_ok(),
        "the stored signing secret no longer opens"
    );

    assert!(
        store
            .get(&KeyId::generate())
            .await
            .expect("get an unknown key")
            .is_none()
    );

    // A legacy record: id outside the key_ format, revoked version, nothing
    // optional left unset.
    let id = KeyId::legacy("legacy/0042-A".into()).expect("legacy id");
    let key = ApiKey {
        key_id: id.clone(),
        account_id: "acct_rt".into(),
        name: "migrated, with ünicode".into(),
        role: KeyRole::Standard,
        require_signature: false,
        created_at: -5,
        revoked_at: Some(T0),
        current_version: 1,
    };
    let version = KeyVersion {
        key_id: id.clone(),
        version: 1,
        previous_version: Some(0),
        created_at: -5,
        rotated_at: Some(T0 - 1),
        expires_at: Some(i64::MAX),
        status: VersionStatus::Revoked,
        key_hash: KeyHash::of("legacy key string"),
        sealed_signing_secret: master
            .seal(b"legacy signing secret", b"legacy/0042-A/1")
            .expect("seal"),
    };
    store
        .insert(&key, &version)
        .await
        .expect("insert a legacy key");
    let got = must_get(store, &id).await;
    assert_eq!(got.key, key);
    assert_versions_eq(&got.versions, std::slice::from_ref(&version));
}

/// Inserting an existing key id is a conflict and changes nothing.
pub async fn duplicate_insert_conflicts<S: KeyStore>(store: &S) {
    let master = MasterKey::generate();
    let first = inserted(store, &master, "acct_dup").await;
    let again = store.insert(&first.key, &first.version).await;
    assert!(is_conflict(&again), "duplicate insert: {again:?}");

    // Same id, other content: still a conflict, and the first one stays.
    let mut other = new_key(&master, "acct_other", "intruder", KeyRole::Admin);
    other.key.key_id = first.key.key_id.clone();
    other.version.key_id = first.key.key_id.clone();
    let r = store.insert(&other.key, &other.version).await;
    assert!(is_conflict(&r), "insert over an existing id: {r:?}");
    let got = must_get(store, &first.key.key_id).await;
    assert_eq!(got.key, first.key);
    assert_versions_eq(&got.versions, std::slice::from_ref(&first.version));
    assert!(!store.has_admin().await.expect("has_admin"));
}

/// Listing pages through one account's keys in ascending key-id order with
/// a cursor; other accounts' keys never appear; the same cursor gives the
/// same page.
pub async fn list_paginates_per_account<S: KeyStore>(store: &S) {
    let master = MasterKey::generate();
    let mut mine = Vec::new();
    for i in 0..10 {
        // Interleaved with another account's keys (random ids mix them).
        let account = if i % 3 == 2 { "acct_b" } else { "acct_a" };
        let new = inserted(store, &master, account).await;
        if account == "acct_a" {
            mine.push(new.key);
        }
    }
    // An account whose name extends the other's must not leak into it.
    inserted(store, &master, "acct_a2").await;
    mine.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    assert_eq!(mine.len(), 7);

    let mut seen: Vec<ApiKey> = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<KeyId> = None;
    for _ in 0..10 {
        let page = store
            .list("acct_a", cursor.as_ref(), 3)
            .await
            .expect("list");
        assert!(page.keys.len() <= 3, "page larger than the limit");
        assert!(
            page.keys.iter().all(|k| k.account_id == "acct_a"),
            "another account's key was listed"
        );
        let again = store
            .list("acct_a", cursor.as_ref(), 3)
            .await
            .expect("list");
        assert_eq!(again, page, "the same cursor gave another page");
        sizes.push(page.keys.len());
        seen.extend(page.keys);
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    // Three pages (a backend may add one empty last page).
    assert_eq!(sizes.get(..3), Some(&[3, 3, 1][..]), "page sizes {sizes:?}");
    assert!(sizes[3..].iter().all(|s| *s == 0), "page sizes {sizes:?}");
    assert_eq!(seen, mine, "all keys, in ascending key-id order, once each");

    let b = store.list("acct_b", None, 100).await.expect("list");
    assert_eq!(b.keys.len(), 3);
    assert!(b.next.is_none());
    let none = store.list("acct_nobody", None, 3).await.expect("list");
    assert!(none.keys.is_empty() && none.next.is_none());
}

/// A rotation is stored whole and visible to the next read; a second one
/// ends the first transition.
pub async fn rotation_is_applied_and_visible<S: KeyStore>(store: &S) {
    let master = MasterKey::generate();
    let new = inserted(store, &master, "acct_rot").await;
    let id = new.key.key_id.clone();

    let stored = must_get(store, &id).await;
    let r1 = rotate(&master, &stored.key, &stored.versions, 3600, T0 + 10).expect("rotate");
    store.apply_rotation(&r1).await.expect("apply rotation 1");
    let got = must_get(store, &id).await;
    assert_eq!(got.key, r1.key);
    assert_eq!(got.key.current_version, 2);
    assert_versions_eq(
        &got.versions,
        &[r1.changed[0].clone(), r1.new_version.clone()],
    );
    assert_eq!(got.versions[0].status, VersionStatus::Rotating);
    assert_eq!(got.versions[0].expires_at, Some(T0 + 10 + 3600));

    let r2 = rotate(&master, &got.key, &got.versions, 60, T0 + 20).expect("rotate");
    store.apply_rotation(&r2).await.expect("apply rotation 2");
    let got = must_get(store, &id).await;
    assert_eq!(got.key.current_version, 3);
    let mut want = r2.changed.clone();
    want.push(r2.new_version.clone());
    assert_versions_eq(&got.versions, &want);
    assert_eq!(
        got.versions.iter().map(|v| v.status).collect::<Vec<_>>(),
        [
            VersionStatus::Expired,
            VersionStatus::Rotating,
            VersionStatus::Active
        ]
    );
}

/// A rotation computed from a stale read is a conflict and writes nothing
/// of itself.
pub async fn stale_rotation_conflicts<S: KeyStore>(store: &S) {
    let master = MasterKey::generate();
    let new = inserted(store, &master, "acct_stale").await;
    let stored = must_get(store, &new.key.key_id).await;
    let a = rotate(&master, &stored.key, &stored.versions, 3600, T0 + 1).expect("rotate");
    let b = rotate(&master, &stored.key, &stored.versions, 0, T0 + 2).expect("rotate");
    store.apply_rotation(&a).await.expect("the first rotation");
    let r = store.apply_rotation(&b).await;
    assert!(is_conflict(&r), "stale rotation: {r:?}");

    let got = must_get(store, &new.key.key_id).await;
    assert_eq!(got.key, a.key);
    assert_versions_eq(
        &got.versions,
        &[a.changed[0].clone(), a.new_version.clone()],
    );

    // Rotating an unknown key is a conflict too (nothing to condition on).
    let ghost = new_key(&master, "acct_stale", "ghost", KeyRole::Standard);
    let r = rotate(&master, &ghost.key, &[ghost.version], 0, T0).expect("rotate");
    let applied = store.apply_rotation(&r).await;
    assert!(
        is_conflict(&applied),
        "rotation of a missing key: {applied:?}"
    );
    assert!(store.get(&ghost.key.key_id).await.expect("get").is_none());
}

/// Two rotations from the same read, applied concurrently: exactly one
/// lands, whole; the other is a conflict.
pub async fn concurrent_rotations_exactly_one_wins<S: KeyStore>(store: &S) {
    let master = MasterKey::generate();
    for round in 0..5 {
        let new = inserted(store, &master, "acct_race").await;
        let stored = must_get(store, &new.key.key_id).await;
        let a = rotate(&master, &stored.key, &stored.versions, 3600, T0 + round).expect("rotate");
        let b = rotate(&master, &stored.key, &stored.versions, 60, T0 + round).expect("rotate");
        let (ra, rb) = join2(store.apply_rotation(&a), store.apply_rotation(&b)).await;
        let winner = match (&ra, &rb) {
            (Ok(()), Err(StoreError::Conflict)) => &a,
            (Err(StoreError::Conflict), Ok(())) => &b,
            _ => panic!("exactly one rotation must win: {ra:?} / {rb:?}"),
        };
        let got = must_get(store, &new.key.key_id).await;
        assert_eq!(got.key, winner.key);
        assert_versions_eq(
            &got.versions,
            &[winner.changed[0].clone(), winner.new_version.clone()],
        );
    }
}

/// Revocation is stored for the key and its versions, keeps the first
/// revocation time, and defeats a rotation computed before it.
pub async fn revoke_is_stored<S: KeyStore>(store: &S) {
    let master = MasterKey::generate();
    let new = inserted(store, &master, "acct_rev").await;
    let id = new.key.key_id.clone();
    let stored = must_get(store, &id).await;
    let r = rotate(&master, &stored.key, &stored.versions, 3600, T0 + 5).expect("rotate");
    store.apply_rotation(&r).await.expect("rotate");
    let stored = must_get(store, &id).await;
    let pending = rotate(&master, &stored.key, &stored.versions, 3600, T0 + 6).expect("rotate");

    let (key, versions) = revoke(&stored.key, &stored.versions, T0 + 7);
    store.revoke(&key, &versions).await.expect("revoke");
    let got = must_get(store, &id).await;
    assert_eq!(got.key.revoked_at, Some(T0 + 7));
    assert_eq!(got.key, key);
    assert_versions_eq(&got.versions, &versions);
    assert!(
        got.versions
            .iter()
            .all(|v| v.status == VersionStatus::Revoked)
    );

    // Again, later: the first time stays.
    let (later, later_versions) = revoke(&got.key, &got.versions, T0 + 99);
    let mut forced = later.clone();
    forced.revoked_at = Some(T0 + 99);
    store
        .revoke(&forced, &later_versions)
        .await
        .expect("revoke again");
    assert_eq!(
        must_get(store, &id).await.key.revoked_at,
        Some(T0 + 7),
        "revoked_at moved"
    );

    let late = store.apply_rotation(&pending).await;
    assert!(is_conflict(&late), "rotation after revocation: {late:?}");
    assert_eq!(must_get(store, &id).await.key.current_version, 2);

    let ghost = new_key(&master, "acct_rev", "ghost", KeyRole::Standard);
    let (gk, gv) = revoke(&ghost.key, &[ghost.version], T0);
    let r = store.revoke(&gk, &gv).await;
    assert!(
        matches!(r, Err(StoreError::NotFound)),
        "revoke of a missing key: {r:?}"
    );
}

/// `has_admin` is false until an admin key exists, and stays true when it is
/// revoked.
pub async fn has_admin_tracks_admin_keys<S: KeyStore>(store: &S) {
    let master = MasterKey::generate();
    assert!(!store.has_admin().await.expect("has_admin"));
    inserted(store, &master, "acct_adm").await;
    assert!(!store.has_admin().await.expect("has_admin"));
    let admin = new_key(&master, "acct_adm", "root", KeyRole::Admin);
    store
        .insert(&admin.key, &admin.version)
        .await
        .expect("insert");
    assert!(store.has_admin().await.expect("has_admin"));
    let (key, versions) = revoke(&admin.key, &[admin.version], T0 + 1);
    store.revoke(&key, &versions).await.expect("revoke");
    assert!(store.has_admin().await.expect("has_admin"));
}

/// `find_by_hash` finds a key by the hash of any of its versions, legacy ids
/// included, and nothing for an unknown hash.
pub async fn find_by_hash_finds_every_version<S: KeyStore>(store: &S) {
    let master = MasterKey::generate();
    let unknown = KeyHash::of("never issued");
    assert_eq!(store.find_by_hash(&unknown).await.expect("find"), None);

    let new = inserted(store, &master, "acct_hash").await;
    let _other = inserted(store, &master, "acct_hash").await;
    let id = new.key.key_id.clone();
    let r = rotate(
        &master,
        &new.key,
        std::slice::from_ref(&new.version),
        3600,
        T0 + 1,
    )
    .expect("rotate");
    store.apply_rotation(&r).await.expect("rotate");
    for hash in [
        KeyHash::of(new.issued.api_key.expose()),
        KeyHash::of(r.issued.api_key.expose()),
    ] {
        assert_eq!(
            store.find_by_hash(&hash).await.expect("find"),
            Some(id.clone())
        );
    }
    assert_eq!(store.find_by_hash(&unknown).await.expect("find"), None);

    let legacy_id = KeyId::legacy("7".into()).expect("legacy id");
    let hash = KeyHash::of("sk_legacy_0123");
    let key = ApiKey {
        key_id: legacy_id.clone(),
        account_id: "acct_hash".into(),
        name: "old".into(),
        role: KeyRole::Standard,
        require_signature: false,
        created_at: T0,
        revoked_at: None,
        current_version: 1,
    };
    let version = KeyVersion {
        key_id: legacy_id.clone(),
        version: 1,
        previous_version: None,
        created_at: T0,
        rotated_at: None,
        expires_at: None,
        status: VersionStatus::Active,
        key_hash: hash,
        sealed_signing_secret: master.seal(b"s", b"7/1").expect("seal"),
    };
    store.insert(&key, &version).await.expect("insert legacy");
    assert_eq!(
        store.find_by_hash(&hash).await.expect("find"),
        Some(legacy_id)
    );
}
