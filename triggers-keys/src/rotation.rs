//! The rules: creating, rotating, revoking and authenticating keys. Pure
//! functions over records; a store persists what they return.
//!
//! ## Rotation
//!
//! Rotating makes a new version active at once. The previously active version
//! becomes `rotating` and stays valid until `now + transition_seconds`
//! (default 7 days, at most 30; 0 expires it immediately). At most one version
//! is in transition: rotating again while one is ends that transition now
//! (the older version expires) and starts a new one for the version just
//! replaced. So a client is never more than one rotation behind.

use core::fmt;

use triggers_signing::Secret;
use zeroize::Zeroizing;

use crate::model::seal_context;
use crate::token::generate_signing_secret;
use crate::{
    ApiKey, ApiKeyToken, KeyError, KeyHash, KeyId, KeyRole, KeyVersion, MasterKey, VersionStatus,
};

/// Default transition period of a rotation: 7 days.
pub const DEFAULT_TRANSITION_SECS: u64 = 7 * 24 * 3600;
/// Longest accepted transition period: 30 days.
pub const MAX_TRANSITION_SECS: u64 = 30 * 24 * 3600;

/// Secrets issued at creation or rotation: shown exactly once, never stored
/// in the clear.
pub struct Issued {
    /// The API key string (`trgk_…`).
    pub api_key: ApiKeyToken,
    /// The v1 request-signing secret (`trgs_…`).
    pub signing_secret: Zeroizing<String>,
}

impl fmt::Debug for Issued {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Issued(<redacted>)")
    }
}

/// A key just created: records to store, and secrets to show once.
#[derive(Debug)]
pub struct NewKey {
    /// The key record.
    pub key: ApiKey,
    /// Its version 1.
    pub version: KeyVersion,
    /// The secrets of version 1.
    pub issued: Issued,
}

/// What to ask of a key to create.
#[derive(Debug, Clone)]
pub struct KeySpec {
    /// Owning account.
    pub account_id: String,
    /// Label.
    pub name: String,
    /// Role.
    pub role: KeyRole,
    /// Require v1-signed requests.
    pub require_signature: bool,
}

fn new_version(
    master: &MasterKey,
    key_id: &KeyId,
    version: u32,
    previous_version: Option<u32>,
    now: i64,
) -> Result<(KeyVersion, Issued), KeyError> {
    let api_key = ApiKeyToken::generate(key_id);
    let signing_secret = generate_signing_secret();
    let sealed = master.seal(signing_secret.as_bytes(), &seal_context(key_id, version))?;
    let record = KeyVersion {
        key_id: key_id.clone(),
        version,
        previous_version,
        created_at: now,
        rotated_at: None,
        expires_at: None,
        status: VersionStatus::Active,
        key_hash: KeyHash::of(api_key.expose()),
        sealed_signing_secret: sealed,
    };
    Ok((
        record,
        Issued {
            api_key,
            signing_secret,
        },
    ))
}

/// Creates a key with its first version.
pub fn create(master: &MasterKey, spec: KeySpec, now: i64) -> Result<NewKey, KeyError> {
    let key_id = KeyId::generate();
    let (version, issued) = new_version(master, &key_id, 1, None, now)?;
    Ok(NewKey {
        key: ApiKey {
            key_id,
            account_id: spec.account_id,
            name: spec.name,
            role: spec.role,
            require_signature: spec.require_signature,
            created_at: now,
            revoked_at: None,
            current_version: 1,
        },
        version,
        issued,
    })
}

/// The outcome of a rotation: records to write (conditionally on the key
/// still being at `expected_current_version`) and secrets to show once.
#[derive(Debug)]
pub struct Rotation {
    /// The version the key was at: the store's write condition.
    pub expected_current_version: u32,
    /// The key record with its new `current_version`.
    pub key: ApiKey,
    /// Earlier versions whose status changed.
    pub changed: Vec<KeyVersion>,
    /// The new active version.
    pub new_version: KeyVersion,
    /// Its secrets.
    pub issued: Issued,
}

/// Rotates `key`, whose versions are `versions`.
pub fn rotate(
    master: &MasterKey,
    key: &ApiKey,
    versions: &[KeyVersion],
    transition_secs: u64,
    now: i64,
) -> Result<Rotation, KeyError> {
    if key.revoked_at.is_some() {
        return Err(KeyError::Revoked);
    }
    if transition_secs > MAX_TRANSITION_SECS {
        return Err(KeyError::TransitionOutOfRange {
            max: MAX_TRANSITION_SECS,
        });
    }
    let transition =
        i64::try_from(transition_secs).map_err(|_| KeyError::TransitionOutOfRange {
            max: MAX_TRANSITION_SECS,
        })?;
    let mut changed = Vec::new();
    for v in versions {
        let mut v = v.clone();
        match v.effective_status(now) {
            // End the running transition now: at most one version rotates.
            VersionStatus::Rotating => {
                v.status = VersionStatus::Expired;
                v.expires_at = Some(now);
                changed.push(v);
            }
            VersionStatus::Expired if v.status != VersionStatus::Expired => {
                v.status = VersionStatus::Expired;
                changed.push(v);
            }
            VersionStatus::Active if v.version == key.current_version => {
                v.rotated_at = Some(now);
                v.expires_at = Some(now + transition);
                v.status = if transition == 0 {
                    VersionStatus::Expired
                } else {
                    VersionStatus::Rotating
                };
                changed.push(v);
            }
            _ => {}
        }
    }
    let next = key.current_version + 1;
    let (new_version, issued) =
        new_version(master, &key.key_id, next, Some(key.current_version), now)?;
    let mut updated = key.clone();
    updated.current_version = next;
    Ok(Rotation {
        expected_current_version: key.current_version,
        key: updated,
        changed,
        new_version,
        issued,
    })
}

/// Revokes a key and every version of it.
pub fn revoke(key: &ApiKey, versions: &[KeyVersion], now: i64) -> (ApiKey, Vec<KeyVersion>) {
    let mut key = key.clone();
    key.revoked_at.get_or_insert(now);
    let versions = versions
        .iter()
        .map(|v| {
            let mut v = v.clone();
            if v.effective_status(now) != VersionStatus::Expired {
                v.status = VersionStatus::Revoked;
            }
            v
        })
        .collect();
    (key, versions)
}

/// Finds the version whose secret is `presented` and checks it is valid at
/// `now`. Every version is compared (constant-time), whatever the outcome.
pub fn authenticate<'a>(
    key: &ApiKey,
    versions: &'a [KeyVersion],
    presented: &KeyHash,
    now: i64,
) -> Result<&'a KeyVersion, KeyError> {
    let mut found = None;
    for v in versions {
        if v.key_hash == *presented && found.is_none() {
            found = Some(v);
        }
    }
    let v = found.ok_or(KeyError::InvalidKey)?;
    if key.revoked_at.is_some() {
        return Err(KeyError::Revoked);
    }
    match v.effective_status(now) {
        VersionStatus::Active | VersionStatus::Rotating => Ok(v),
        VersionStatus::Expired => Err(KeyError::Expired),
        VersionStatus::Revoked => Err(KeyError::Revoked),
    }
}

/// The v1 signing secrets valid at `now`, current version first: the
/// candidates a verifier accepts during a rotation.
pub fn signing_secrets(
    master: &MasterKey,
    key: &ApiKey,
    versions: &[KeyVersion],
    now: i64,
) -> Result<Vec<Secret>, KeyError> {
    if key.revoked_at.is_some() {
        return Ok(Vec::new());
    }
    let mut valid: Vec<&KeyVersion> = versions
        .iter()
        .filter(|v| {
            matches!(
                v.effective_status(now),
                VersionStatus::Active | VersionStatus::Rotating
            )
        })
        .collect();
    valid.sort_by_key(|v| core::cmp::Reverse(v.version));
    valid
        .into_iter()
        .map(|v| {
            let plain = master.open(&v.sealed_signing_secret, &v.seal_context())?;
            Secret::new(&*plain).map_err(|_| KeyError::Crypto)
        })
        .collect()
}
