//! # triggers-keys
//!
//! Versioned API keys for the Triggers API.
//!
//! - **Recognisable, checksummed keys**: `trgk_…` strings that secret
//!   scanners can find and whose CRC-32 checksum rejects a typo before any
//!   lookup ([`ApiKeyToken`]).
//! - **Safe at rest**: stores keep only the SHA-256 of a key ([`KeyHash`]);
//!   v1 signing secrets are sealed with XChaCha20-Poly1305 under a
//!   [`MasterKey`], bound to their key and version.
//! - **Versions and rotation**: a rotation makes a new version active at once
//!   and keeps the previous one valid for a transition period; expiry is
//!   decided at authentication time, so it holds without any background job
//!   ([`rotate`], [`authenticate`]).
//! - **A service over any store**: [`KeyService`] runs these rules over a
//!   [`KeyStore`] with a master key and a clock: create, list, rotate (with
//!   optimistic concurrency), revoke, authenticate, signing secrets.
//!
//! ## Features
//!
//! - `sqlite`: the SQLite backend ([`backends::sqlite::SqliteKeyStore`]) and
//!   the migration of pre-versioning keys (`migrate::migrate_legacy`).
//! - `dynamodb`: the DynamoDB backend (`backends::dynamodb::DynamoKeyStore`,
//!   table `<prefix>keys`).
//! - `testing`: the conformance suite every backend runs (`testing`; with
//!   `dynamodb`, also moto clients for it in `testing::aws`).
//! - `tower`: `triggers-tower`'s `ApiKeyValidator` and `SecretLookup` for
//!   [`KeyService`].
//!
//! ```
//! use triggers_keys::{authenticate, create, rotate, ApiKeyToken, KeyError, KeyHash, KeyRole, KeySpec, MasterKey};
//!
//! let master = MasterKey::generate();
//! let spec = KeySpec { account_id: "acct_1".into(), name: "ci".into(), role: KeyRole::Standard, require_signature: false };
//! let new = create(&master, spec, 1_000)?;
//! let v1_key = new.issued.api_key.expose().to_owned();
//!
//! // Rotate with a one-hour transition.
//! let r = rotate(&master, &new.key, &[new.version.clone()], 3600, 2_000)?;
//! let versions = [r.changed[0].clone(), r.new_version.clone()];
//!
//! // The old key still works during the transition, then expires.
//! let (_, _id) = ApiKeyToken::parse(&v1_key)?;
//! assert!(authenticate(&r.key, &versions, &KeyHash::of(&v1_key), 2_000 + 3599).is_ok());
//! assert_eq!(authenticate(&r.key, &versions, &KeyHash::of(&v1_key), 2_000 + 3600).unwrap_err(), KeyError::Expired);
//! # Ok::<(), KeyError>(())
//! ```

pub mod backends;
mod crypto;
mod error;
#[cfg(feature = "sqlite")]
pub mod migrate;
mod model;
mod rotation;
pub mod service;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod token;
#[cfg(feature = "tower")]
pub mod tower;

#[cfg(feature = "sqlite")]
pub use backends::sqlite::SqliteKeyStore;
pub use crypto::{KeyHash, MasterKey};
pub use error::{KeyError, StoreFailure};
pub use model::{ApiKey, KeyRole, KeyVersion, VersionStatus};
pub use rotation::{
    DEFAULT_TRANSITION_SECS, Issued, KeySpec, MAX_TRANSITION_SECS, NewKey, Rotation, authenticate,
    create, revoke, rotate, signing_secrets,
};
pub use service::{Authenticated, KeyService, Rotated};
pub use store::{KeyPage, KeyStore, StoreError, StoredKey};
pub use token::{
    API_KEY_LEN, API_KEY_PREFIX, ApiKeyToken, KEY_ID_PREFIX, KeyId, LEGACY_ID_MAX_LEN,
    SIGNING_SECRET_PREFIX, generate_signing_secret,
};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
