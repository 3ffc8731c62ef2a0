//! Checking API keys.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use triggers_signing::BodyHash;

use crate::{BoxError, Rejection};

/// Checks an API key and says who it belongs to.
///
/// The identity is inserted into the request extensions as
/// [`Authenticated<Self::Identity>`](super::Authenticated).
///
/// ```
/// use triggers_tower::api_key::{ApiKeyValidator, KeyRejection};
///
/// #[derive(Clone, Debug)]
/// struct Account { id: u64 }
///
/// struct KeyStore; // your database handle
///
/// impl ApiKeyValidator for KeyStore {
///     type Identity = Account;
///
///     async fn validate(&self, key: &str) -> Result<Account, KeyRejection> {
///         // Look the key up by its hash, check expiry and revocation...
///         match key {
///             "key-1" => Ok(Account { id: 1 }),
///             "old-key" => Err(KeyRejection::Expired),
///             _ => Err(KeyRejection::Invalid),
///         }
///     }
/// }
/// # let _ = triggers_tower::api_key::ApiKeyLayer::new(KeyStore);
/// ```
pub trait ApiKeyValidator: Send + Sync + 'static {
    /// Who a valid key belongs to.
    type Identity: Clone + Send + Sync + 'static;

    /// Checks `key` (already stripped of `Bearer `). Never log it.
    fn validate(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Self::Identity, KeyRejection>> + Send;
}

impl<T: ApiKeyValidator> ApiKeyValidator for Arc<T> {
    type Identity = T::Identity;

    fn validate(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Self::Identity, KeyRejection>> + Send {
        T::validate(self, key)
    }
}

/// Why an API key was refused.
///
/// ```
/// use triggers_tower::{api_key::KeyRejection, Rejection};
/// let r = Rejection::from(KeyRejection::Revoked);
/// assert_eq!((r.status().as_u16(), r.code()), (401, "key_revoked"));
/// let r = Rejection::from(KeyRejection::backend("database timeout"));
/// assert_eq!((r.status().as_u16(), r.code()), (503, "key_lookup_failed"));
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum KeyRejection {
    /// Unknown or malformed key: `401 invalid_api_key`.
    Invalid,
    /// The key has expired: `401 key_expired`.
    Expired,
    /// The key has been revoked: `401 key_revoked`.
    Revoked,
    /// The key store failed: `503 key_lookup_failed` (logged at `warn`,
    /// never sent to the client).
    Backend(BoxError),
}

impl KeyRejection {
    /// Wraps a backend error.
    ///
    /// ```
    /// use triggers_tower::api_key::KeyRejection;
    /// let r = KeyRejection::backend(std::io::Error::other("down"));
    /// assert_eq!(r.to_string(), "API key lookup failed: down");
    /// ```
    pub fn backend(err: impl Into<BoxError>) -> Self {
        KeyRejection::Backend(err.into())
    }
}

impl fmt::Display for KeyRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyRejection::Invalid => f.write_str("the API key is not valid"),
            KeyRejection::Expired => f.write_str("the API key has expired"),
            KeyRejection::Revoked => f.write_str("the API key has been revoked"),
            KeyRejection::Backend(err) => write!(f, "API key lookup failed: {err}"),
        }
    }
}

impl std::error::Error for KeyRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeyRejection::Backend(err) => Some(&**err),
            _ => None,
        }
    }
}

impl From<&KeyRejection> for Rejection {
    fn from(rejection: &KeyRejection) -> Self {
        use crate::rejection::code;
        use http::StatusCode;
        match rejection {
            KeyRejection::Invalid => Rejection::invalid_api_key(),
            KeyRejection::Expired => Rejection::new(
                StatusCode::UNAUTHORIZED,
                code::KEY_EXPIRED,
                "the API key has expired",
            ),
            KeyRejection::Revoked => Rejection::new(
                StatusCode::UNAUTHORIZED,
                code::KEY_REVOKED,
                "the API key has been revoked",
            ),
            KeyRejection::Backend(_) => Rejection::key_lookup_failed(),
        }
    }
}

impl From<KeyRejection> for Rejection {
    fn from(rejection: KeyRejection) -> Self {
        Rejection::from(&rejection)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyState {
    Active,
    Expired,
    Revoked,
}

/// An in-memory [`ApiKeyValidator`], for tests, examples and small
/// deployments.
///
/// Keys are stored only as SHA-256 digests, so the map holds no usable key
/// and a lookup compares digests, not keys. `Debug` shows only the count.
///
/// ```
/// use triggers_tower::api_key::{ApiKeyValidator, KeyRejection, StaticApiKeys};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let keys = StaticApiKeys::new()
///     .with_key("key-live", "acme")
///     .with_expired_key("key-old", "acme")
///     .with_revoked_key("key-leaked", "acme");
/// assert_eq!(keys.validate("key-live").await.ok(), Some("acme"));
/// assert!(matches!(keys.validate("key-old").await, Err(KeyRejection::Expired)));
/// assert!(matches!(keys.validate("nope").await, Err(KeyRejection::Invalid)));
/// assert_eq!(format!("{keys:?}"), "StaticApiKeys { keys: 3 }");
/// # }
/// ```
#[derive(Clone)]
pub struct StaticApiKeys<I> {
    keys: HashMap<[u8; 32], (KeyState, I)>,
}

impl<I> StaticApiKeys<I> {
    /// An empty set of keys.
    ///
    /// ```
    /// let keys = triggers_tower::api_key::StaticApiKeys::<String>::new();
    /// # let _ = keys;
    /// ```
    pub fn new() -> Self {
        StaticApiKeys {
            keys: HashMap::new(),
        }
    }

    /// Adds a valid key belonging to `identity`.
    ///
    /// ```
    /// let keys = triggers_tower::api_key::StaticApiKeys::new().with_key("k1", 42_u64);
    /// # let _ = keys;
    /// ```
    pub fn with_key(self, key: impl AsRef<str>, identity: I) -> Self {
        self.with_state(key.as_ref(), KeyState::Active, identity)
    }

    /// Adds a key that is refused with `key_expired`.
    ///
    /// ```
    /// let keys = triggers_tower::api_key::StaticApiKeys::new().with_expired_key("k0", 42_u64);
    /// # let _ = keys;
    /// ```
    pub fn with_expired_key(self, key: impl AsRef<str>, identity: I) -> Self {
        self.with_state(key.as_ref(), KeyState::Expired, identity)
    }

    /// Adds a key that is refused with `key_revoked`.
    ///
    /// ```
    /// let keys = triggers_tower::api_key::StaticApiKeys::new().with_revoked_key("kx", 42_u64);
    /// # let _ = keys;
    /// ```
    pub fn with_revoked_key(self, key: impl AsRef<str>, identity: I) -> Self {
        self.with_state(key.as_ref(), KeyState::Revoked, identity)
    }

    fn with_state(mut self, key: &str, state: KeyState, identity: I) -> Self {
        self.keys.insert(digest(key), (state, identity));
        self
    }
}

impl<I> Default for StaticApiKeys<I> {
    fn default() -> Self {
        Self::new()
    }
}

fn digest(key: &str) -> [u8; 32] {
    *BodyHash::of(key.as_bytes()).as_bytes()
}

impl<I: Clone + Send + Sync + 'static> ApiKeyValidator for StaticApiKeys<I> {
    type Identity = I;

    async fn validate(&self, key: &str) -> Result<I, KeyRejection> {
        match self.keys.get(&digest(key)) {
            Some((KeyState::Active, identity)) => Ok(identity.clone()),
            Some((KeyState::Expired, _)) => Err(KeyRejection::Expired),
            Some((KeyState::Revoked, _)) => Err(KeyRejection::Revoked),
            None => Err(KeyRejection::Invalid),
        }
    }
}

impl<I> fmt::Debug for StaticApiKeys<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticApiKeys")
            .field("keys", &self.keys.len())
            .finish()
    }
}
