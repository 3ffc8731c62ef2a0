//! `triggers-tower` lookups for [`KeyService`] (feature `tower`): the
//! service is an [`ApiKeyValidator`] (identity: [`Authenticated`]) and a
//! [`SecretLookup`] (the signing secrets valid now, current first).
//!
//! ```
//! use triggers_keys::backends::sqlite::SqliteKeyStore;
//! use triggers_keys::{KeyService, MasterKey};
//! use triggers_tower::api_key::ApiKeyLayer;
//!
//! fn layer(keys: std::sync::Arc<KeyService<SqliteKeyStore>>) -> ApiKeyLayer<std::sync::Arc<KeyService<SqliteKeyStore>>> {
//!     ApiKeyLayer::new(keys)
//! }
//! ```
//!
//! Refusals map as: expired → `KeyRejection::Expired`, revoked →
//! `KeyRejection::Revoked`, a store or decryption failure →
//! `KeyRejection::Backend` (503, logged by the layer, never sent), anything
//! else (malformed, bad checksum, unknown) → `KeyRejection::Invalid`.

use triggers_signing::Secret;
use triggers_tower::api_key::{ApiKeyValidator, KeyRejection};
use triggers_tower::signature::{LookupError, SecretLookup};

use crate::{Authenticated, KeyError, KeyService, KeyStore};

fn key_rejection(e: KeyError) -> KeyRejection {
    match e {
        KeyError::Expired => KeyRejection::Expired,
        KeyError::Revoked => KeyRejection::Revoked,
        KeyError::Store(_) | KeyError::Crypto => KeyRejection::backend(e),
        _ => KeyRejection::Invalid,
    }
}

impl<S: KeyStore> ApiKeyValidator for KeyService<S> {
    type Identity = Authenticated;

    async fn validate(&self, key: &str) -> Result<Authenticated, KeyRejection> {
        self.authenticate(key).await.map_err(key_rejection)
    }
}

impl<S: KeyStore> SecretLookup for KeyService<S> {
    async fn lookup(&self, key_id: &str) -> Result<Vec<Secret>, LookupError> {
        match self.signing_secrets_by_id(key_id).await {
            Ok(secrets) if secrets.is_empty() => Err(LookupError::UnknownKey),
            Ok(secrets) => Ok(secrets),
            Err(KeyError::NotFound | KeyError::MalformedKeyId) => Err(LookupError::UnknownKey),
            Err(e) => Err(LookupError::backend(e)),
        }
    }
}
