//! Where the signing secrets come from.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use triggers_signing::Secret;

use crate::BoxError;

/// Looks up the candidate signing secrets of a key id.
///
/// Return every secret currently valid for the key: during a rotation both
/// the new and the old one (a match with any of them passes; the index of
/// the one that matched is reported in
/// [`VerifiedSignature::secret_index`](super::VerifiedSignature::secret_index)).
/// An empty list is treated like [`LookupError::UnknownKey`].
///
/// Implement it with a plain `async fn` over your database or secret manager:
///
/// ```
/// use triggers_signing::Secret;
/// use triggers_tower::signature::{LookupError, SecretLookup};
///
/// struct Database; // your pool / client
///
/// impl Database {
///     async fn secrets_of(&self, key_id: &str) -> Result<Vec<String>, std::io::Error> {
///         Ok(if key_id == "acme" { vec!["acme-secret".into()] } else { vec![] })
///     }
/// }
///
/// impl SecretLookup for Database {
///     async fn lookup(&self, key_id: &str) -> Result<Vec<Secret>, LookupError> {
///         let raw = self.secrets_of(key_id).await.map_err(LookupError::backend)?;
///         // Skip unusable (empty) secrets instead of failing the request.
///         Ok(raw.iter().filter_map(|s| Secret::new(s).ok()).collect())
///     }
/// }
/// # let _ = triggers_tower::signature::VerifySignatureLayer::new(Database);
/// ```
pub trait SecretLookup: Send + Sync + 'static {
    /// The candidate secrets of `key_id`, in preference order.
    fn lookup(&self, key_id: &str)
    -> impl Future<Output = Result<Vec<Secret>, LookupError>> + Send;
}

impl<T: SecretLookup> SecretLookup for Arc<T> {
    fn lookup(
        &self,
        key_id: &str,
    ) -> impl Future<Output = Result<Vec<Secret>, LookupError>> + Send {
        T::lookup(self, key_id)
    }
}

/// Why a [`SecretLookup`] produced no secrets.
///
/// ```
/// use triggers_tower::signature::LookupError;
/// let err = LookupError::backend(std::io::Error::other("connection refused"));
/// assert_eq!(err.to_string(), "secret lookup failed: connection refused");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum LookupError {
    /// No secret is registered for this key id: a `401 unknown_key_id`.
    UnknownKey,
    /// The backend failed (database down, timeout): a
    /// `503 key_lookup_failed`. The error is logged at `warn` level and never
    /// sent to the client.
    Backend(BoxError),
}

impl LookupError {
    /// Wraps a backend error.
    ///
    /// ```
    /// use triggers_tower::signature::LookupError;
    /// let err = LookupError::backend("timed out");
    /// assert!(matches!(err, LookupError::Backend(_)));
    /// ```
    pub fn backend(err: impl Into<BoxError>) -> Self {
        LookupError::Backend(err.into())
    }
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::UnknownKey => f.write_str("unknown key id"),
            LookupError::Backend(err) => write!(f, "secret lookup failed: {err}"),
        }
    }
}

impl std::error::Error for LookupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LookupError::UnknownKey => None,
            LookupError::Backend(err) => Some(&**err),
        }
    }
}

/// An in-memory [`SecretLookup`]: a fixed map from key id to secrets.
///
/// Good for tests, examples and services with a handful of clients whose
/// secrets come from configuration. `Debug` shows key ids, never secrets.
///
/// ```
/// use triggers_signing::Secret;
/// use triggers_tower::signature::StaticSecrets;
///
/// let secrets = StaticSecrets::new()
///     .with_secret("acme", Secret::new("acme-new-secret")?)
///     // Rotation: the old secret stays valid until clients have moved.
///     .with_secret("acme", Secret::new("acme-old-secret")?)
///     .with_secret("globex", Secret::new("globex-secret")?);
/// assert_eq!(format!("{secrets:?}"), r#"StaticSecrets { keys: {"acme": 2, "globex": 1} }"#);
/// # Ok::<(), triggers_signing::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct StaticSecrets {
    keys: HashMap<String, Vec<Secret>>,
}

impl StaticSecrets {
    /// An empty map.
    ///
    /// ```
    /// let secrets = triggers_tower::signature::StaticSecrets::new();
    /// # let _ = secrets;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `secret` as a candidate for `key_id` (after any added before).
    ///
    /// ```
    /// use triggers_signing::Secret;
    /// use triggers_tower::signature::StaticSecrets;
    /// let secrets = StaticSecrets::new().with_secret("demo", Secret::new("demo-secret")?);
    /// # let _ = secrets;
    /// # Ok::<(), triggers_signing::Error>(())
    /// ```
    pub fn with_secret(mut self, key_id: impl Into<String>, secret: Secret) -> Self {
        self.insert(key_id, secret);
        self
    }

    /// Adds `secret` as a candidate for `key_id`, in place.
    ///
    /// ```
    /// use triggers_signing::Secret;
    /// use triggers_tower::signature::StaticSecrets;
    /// let mut secrets = StaticSecrets::new();
    /// secrets.insert("demo", Secret::new("demo-secret")?);
    /// # Ok::<(), triggers_signing::Error>(())
    /// ```
    pub fn insert(&mut self, key_id: impl Into<String>, secret: Secret) {
        self.keys.entry(key_id.into()).or_default().push(secret);
    }
}

impl SecretLookup for StaticSecrets {
    async fn lookup(&self, key_id: &str) -> Result<Vec<Secret>, LookupError> {
        match self.keys.get(key_id) {
            Some(secrets) if !secrets.is_empty() => Ok(secrets.clone()),
            _ => Err(LookupError::UnknownKey),
        }
    }
}

impl fmt::Debug for StaticSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Key ids and how many secrets each has; never the secrets.
        let keys: std::collections::BTreeMap<&str, usize> = self
            .keys
            .iter()
            .map(|(id, secrets)| (id.as_str(), secrets.len()))
            .collect();
        f.debug_struct("StaticSecrets")
            .field("keys", &keys)
            .finish()
    }
}
