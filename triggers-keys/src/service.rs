//! The key service: the rules ([`crate::rotate`], [`crate::authenticate`], …)
//! over any [`KeyStore`],
//! with a master key and a clock.
//!
//! Every management call is scoped to an account: a key of another account
//! is [`KeyError::NotFound`], exactly like a key that does not exist.

use core::fmt;
use std::sync::Arc;

use triggers_signing::Secret;

use crate::{
    API_KEY_PREFIX, ApiKey, ApiKeyToken, DEFAULT_TRANSITION_SECS, Issued, KeyError, KeyHash, KeyId,
    KeyPage, KeySpec, KeyStore, KeyVersion, LEGACY_ID_MAX_LEN, MasterKey, NewKey, StoreError,
    StoredKey, rotation,
};

/// Largest page [`KeyService::list`] returns.
pub const MAX_PAGE_SIZE: usize = 100;

/// Longest legacy (non-`trgk_`) key string [`KeyService::authenticate`]
/// hashes and looks up.
pub const MAX_LEGACY_KEY_LEN: usize = 512;

/// A clock in Unix seconds.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock in Unix seconds.
pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A key that authenticated, and which of its versions was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The key (its account, role, settings).
    pub key: ApiKey,
    /// The version whose secret was presented (older than
    /// `key.current_version` during a rotation's transition).
    pub version: u32,
}

/// A rotation that landed.
#[derive(Debug)]
pub struct Rotated {
    /// The key with its new `current_version`.
    pub key: ApiKey,
    /// The new active version.
    pub version: KeyVersion,
    /// Earlier versions whose status changed (the one now in transition, with
    /// its `expires_at`, and any whose transition ended).
    pub changed: Vec<KeyVersion>,
    /// The new version's secrets: show them once.
    pub issued: Issued,
}

/// Creates, lists, rotates, revokes and authenticates keys over a store.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use triggers_keys::backends::sqlite::SqliteKeyStore;
/// use triggers_keys::{KeyError, KeyRole, KeyService, KeySpec, MasterKey};
///
/// let dir = tempfile::tempdir()?;
/// let store = SqliteKeyStore::new(triggers_sqlite::Db::open(dir.path().join("k.db"), Default::default())?);
/// store.migrate().await?;
/// let now = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(1_000));
/// let clock = now.clone();
/// let keys = KeyService::new(store, MasterKey::generate())
///     .with_clock(move || clock.load(std::sync::atomic::Ordering::SeqCst));
///
/// let spec = KeySpec { account_id: "acct_1".into(), name: "ci".into(), role: KeyRole::Standard, require_signature: false };
/// let new = keys.create(spec).await?;
/// let old_key = new.issued.api_key.expose().to_owned();
///
/// let rotated = keys.rotate("acct_1", &new.key.key_id, Some(3600)).await?;
/// assert_eq!(keys.authenticate(&old_key).await?.version, 1); // in transition
/// assert_eq!(keys.authenticate(rotated.issued.api_key.expose()).await?.version, 2);
///
/// now.store(1_000 + 3600, std::sync::atomic::Ordering::SeqCst);
/// assert_eq!(keys.authenticate(&old_key).await.unwrap_err(), KeyError::Expired);
/// assert_eq!(keys.get("acct_2", &new.key.key_id).await.unwrap_err(), KeyError::NotFound);
/// assert_eq!(keys.get("acct_1", &new.key.key_id).await?.versions.len(), 2);
/// # Ok(()) }
/// ```
pub struct KeyService<S> {
    store: S,
    master: MasterKey,
    clock: Clock,
}

impl<S: Clone> Clone for KeyService<S> {
    fn clone(&self) -> Self {
        KeyService {
            store: self.store.clone(),
            master: self.master.clone(),
            clock: self.clock.clone(),
        }
    }
}

impl<S> fmt::Debug for KeyService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyService")
            .field("master", &self.master)
            .finish_non_exhaustive()
    }
}

impl<S: KeyStore> KeyService<S> {
    /// A service over `store`, sealing signing secrets under `master`, on the
    /// system clock.
    pub fn new(store: S, master: MasterKey) -> Self {
        KeyService {
            store,
            master,
            clock: Arc::new(system_clock),
        }
    }

    /// Replaces the clock (Unix seconds), for tests and simulations.
    pub fn with_clock(mut self, clock: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The master key sealing signing secrets (for migrations and backups).
    pub fn master(&self) -> &MasterKey {
        &self.master
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The clock's current time.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// True when any admin key exists, revoked or not (see
    /// [`KeyStore::has_admin`]): a first start mints one only when false.
    pub async fn has_admin(&self) -> Result<bool, KeyError> {
        Ok(self.store.has_admin().await?)
    }

    /// Creates a key and stores it. The returned secrets exist nowhere else:
    /// show them once.
    pub async fn create(&self, spec: KeySpec) -> Result<NewKey, KeyError> {
        let new = rotation::create(&self.master, spec, self.now())?;
        self.store.insert(&new.key, &new.version).await?;
        Ok(new)
    }

    /// Reads a key and its versions if it belongs to `account_id`.
    async fn owned(&self, account_id: &str, key_id: &KeyId) -> Result<StoredKey, KeyError> {
        match self.store.get(key_id).await? {
            Some(stored) if stored.key.account_id == account_id => Ok(stored),
            _ => Err(KeyError::NotFound),
        }
    }

    /// A key of `account_id` with its versions (oldest first). A key of
    /// another account is [`KeyError::NotFound`], like one that does not
    /// exist.
    pub async fn get(&self, account_id: &str, key_id: &KeyId) -> Result<StoredKey, KeyError> {
        self.owned(account_id, key_id).await
    }

    /// The versions of a key of `account_id`, oldest first.
    pub async fn versions(
        &self,
        account_id: &str,
        key_id: &KeyId,
    ) -> Result<Vec<KeyVersion>, KeyError> {
        Ok(self.owned(account_id, key_id).await?.versions)
    }

    /// A page of the account's keys in key-id order, after the cursor
    /// `after` (the previous page's `next`). `limit` is clamped to
    /// `1..=`[`MAX_PAGE_SIZE`].
    pub async fn list(
        &self,
        account_id: &str,
        after: Option<&KeyId>,
        limit: usize,
    ) -> Result<KeyPage, KeyError> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let mut page = self.store.list(account_id, after, limit).await?;
        // Belt and braces: never hand out another account's key, whatever
        // the backend returned.
        page.keys.retain(|k| k.account_id == account_id);
        Ok(page)
    }

    /// Rotates a key of `account_id`: a new version is active at once, the
    /// previous one stays valid for `transition_secs` (default
    /// [`DEFAULT_TRANSITION_SECS`]). A concurrent change is retried once from
    /// a fresh read, then reported as [`KeyError::Conflict`].
    pub async fn rotate(
        &self,
        account_id: &str,
        key_id: &KeyId,
        transition_secs: Option<u64>,
    ) -> Result<Rotated, KeyError> {
        let transition = transition_secs.unwrap_or(DEFAULT_TRANSITION_SECS);
        let mut retried = false;
        loop {
            let stored = self.owned(account_id, key_id).await?;
            let r = rotation::rotate(
                &self.master,
                &stored.key,
                &stored.versions,
                transition,
                self.now(),
            )?;
            match self.store.apply_rotation(&r).await {
                Ok(()) => {
                    return Ok(Rotated {
                        key: r.key,
                        version: r.new_version,
                        changed: r.changed,
                        issued: r.issued,
                    });
                }
                Err(StoreError::Conflict) if !retried => retried = true,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Revokes a key of `account_id` and all its versions, at once. Revoking
    /// a revoked key changes nothing and returns it.
    pub async fn revoke(&self, account_id: &str, key_id: &KeyId) -> Result<ApiKey, KeyError> {
        let stored = self.owned(account_id, key_id).await?;
        if stored.key.revoked_at.is_some() {
            return Ok(stored.key);
        }
        let (key, versions) = rotation::revoke(&stored.key, &stored.versions, self.now());
        self.store.revoke(&key, &versions).await?;
        Ok(key)
    }

    /// Authenticates a presented API key string.
    ///
    /// A `trgk_…` key is checked for format and checksum first: a typo is
    /// [`KeyError::MalformedKey`] or [`KeyError::BadChecksum`] without any
    /// store access. Its key id is then read; a key string that names no
    /// stored key (one issued at a rotation of a legacy key) and any legacy
    /// (non-`trgk_`) key string are looked up by hash
    /// ([`KeyStore::find_by_hash`]). Then the rules of
    /// [`authenticate`](crate::authenticate) apply, at the clock's time: expired and
    /// revoked versions are refused.
    pub async fn authenticate(&self, presented: &str) -> Result<Authenticated, KeyError> {
        let hash = if presented.starts_with(API_KEY_PREFIX) {
            let (token, key_id) = ApiKeyToken::parse(presented)?;
            let hash = KeyHash::of(token.expose());
            if let Some(stored) = self.store.get(&key_id).await? {
                return self.check(&stored, &hash);
            }
            hash
        } else {
            if presented.is_empty() || presented.len() > MAX_LEGACY_KEY_LEN {
                return Err(KeyError::MalformedKey);
            }
            KeyHash::of(presented)
        };
        let key_id = self
            .store
            .find_by_hash(&hash)
            .await?
            .ok_or(KeyError::InvalidKey)?;
        let stored = self.store.get(&key_id).await?.ok_or(KeyError::InvalidKey)?;
        self.check(&stored, &hash)
    }

    fn check(&self, stored: &StoredKey, hash: &KeyHash) -> Result<Authenticated, KeyError> {
        let v = rotation::authenticate(&stored.key, &stored.versions, hash, self.now())?;
        Ok(Authenticated {
            key: stored.key.clone(),
            version: v.version,
        })
    }

    /// The v1 signing secrets valid now, current version first (during a
    /// transition, the rotating version's too). Empty for a revoked key;
    /// [`KeyError::NotFound`] for an unknown one.
    pub async fn signing_secrets(&self, key_id: &KeyId) -> Result<Vec<Secret>, KeyError> {
        let stored = self.store.get(key_id).await?.ok_or(KeyError::NotFound)?;
        rotation::signing_secrets(&self.master, &stored.key, &stored.versions, self.now())
    }

    /// [`KeyService::signing_secrets`] of a key id as received (for example in
    /// a signature header): canonical or legacy, else
    /// [`KeyError::MalformedKeyId`].
    pub async fn signing_secrets_by_id(&self, key_id: &str) -> Result<Vec<Secret>, KeyError> {
        if key_id.len() > LEGACY_ID_MAX_LEN {
            return Err(KeyError::MalformedKeyId);
        }
        let key_id = KeyId::legacy(key_id.to_owned())?;
        self.signing_secrets(&key_id).await
    }
}
