//! What a key store must do. Backends implement [`KeyStore`]; the
//! [`testing`](crate::testing) module (feature `testing`) holds the
//! conformance suite every backend runs.
//!
//! The shape fits both SQLite and DynamoDB: single-item reads and writes,
//! conditional writes instead of multi-table transactions, and cursor
//! pagination by key id.

use std::sync::Arc;

use crate::{ApiKey, KeyHash, KeyId, KeyVersion, Rotation};

/// A key with all its versions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// The key record.
    pub key: ApiKey,
    /// Every version, ascending by number.
    pub versions: Vec<KeyVersion>,
}

/// One page of keys. `next` is the cursor for the following page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPage {
    /// Keys in ascending key-id order.
    pub keys: Vec<ApiKey>,
    /// Pass as `after` to get the next page; `None` on the last page.
    pub next: Option<KeyId>,
}

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A conditional write lost: the record changed since it was read.
    #[error("conflicting concurrent update")]
    Conflict,
    /// The record to update does not exist.
    #[error("record not found")]
    NotFound,
    /// The backend failed (I/O, corrupt row, unavailable service).
    #[error("key store failure: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps any backend error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

/// Persistence of keys and versions.
#[async_trait::async_trait]
pub trait KeyStore: Send + Sync + 'static {
    /// Stores a new key with its first version. A key id that exists already
    /// is [`StoreError::Conflict`].
    async fn insert(&self, key: &ApiKey, first: &KeyVersion) -> Result<(), StoreError>;

    /// Reads a key and all its versions.
    async fn get(&self, key_id: &KeyId) -> Result<Option<StoredKey>, StoreError>;

    /// Lists an account's keys by ascending key id (byte order), after the
    /// cursor: at most `limit` keys (a `limit` of 0 counts as 1), and `next`
    /// set when more may follow. Keys of other accounts never appear.
    async fn list(
        &self,
        account_id: &str,
        after: Option<&KeyId>,
        limit: usize,
    ) -> Result<KeyPage, StoreError>;

    /// Applies a rotation: writes the key's new `current_version`, the changed
    /// versions and the new version, only if the key is still at
    /// `rotation.expected_current_version` and not revoked (else
    /// [`StoreError::Conflict`]). All or nothing: of two rotations computed
    /// from the same read, exactly one lands.
    async fn apply_rotation(&self, rotation: &Rotation) -> Result<(), StoreError>;

    /// Writes a revoked key and its versions (see [`crate::revoke`]); a key
    /// revoked already keeps its first `revoked_at`. A key that does not
    /// exist is [`StoreError::NotFound`].
    async fn revoke(&self, key: &ApiKey, versions: &[KeyVersion]) -> Result<(), StoreError>;

    /// True when any admin key exists, revoked or not (first-start
    /// bootstrap: an admin key is minted only into an empty deployment).
    async fn has_admin(&self) -> Result<bool, StoreError>;

    /// The key one of whose versions has this hash, if any.
    ///
    /// For keys that do not name their key id: legacy keys from before
    /// versioning (not in the `trgk_` format, see [`KeyId::legacy`]) and keys
    /// issued at a rotation of a legacy key. Backends keep an index on the
    /// hash. The caller still checks the key with
    /// [`authenticate`](crate::authenticate).
    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<KeyId>, StoreError>;
}

#[async_trait::async_trait]
impl<T: KeyStore + ?Sized> KeyStore for Arc<T> {
    async fn insert(&self, key: &ApiKey, first: &KeyVersion) -> Result<(), StoreError> {
        (**self).insert(key, first).await
    }
    async fn get(&self, key_id: &KeyId) -> Result<Option<StoredKey>, StoreError> {
        (**self).get(key_id).await
    }
    async fn list(
        &self,
        account_id: &str,
        after: Option<&KeyId>,
        limit: usize,
    ) -> Result<KeyPage, StoreError> {
        (**self).list(account_id, after, limit).await
    }
    async fn apply_rotation(&self, rotation: &Rotation) -> Result<(), StoreError> {
        (**self).apply_rotation(rotation).await
    }
    async fn revoke(&self, key: &ApiKey, versions: &[KeyVersion]) -> Result<(), StoreError> {
        (**self).revoke(key, versions).await
    }
    async fn has_admin(&self) -> Result<bool, StoreError> {
        (**self).has_admin().await
    }
    async fn find_by_hash(&self, hash: &KeyHash) -> Result<Option<KeyId>, StoreError> {
        (**self).find_by_hash(hash).await
    }
}
