//! The key records, as every store keeps them.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::{KeyHash, KeyId};

/// The lifecycle state of one key version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    /// The current version: valid until the next rotation or a revocation.
    Active,
    /// Rotated out, still valid until `expires_at` (the transition period).
    Rotating,
    /// No longer valid: its transition ended (refused with `key_expired`).
    Expired,
    /// Revoked with its key (refused with `key_revoked`).
    Revoked,
}

impl VersionStatus {
    /// The stored/serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Active => "active",
            VersionStatus::Rotating => "rotating",
            VersionStatus::Expired => "expired",
            VersionStatus::Revoked => "revoked",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "active" => VersionStatus::Active,
            "rotating" => VersionStatus::Rotating,
            "expired" => VersionStatus::Expired,
            "revoked" => VersionStatus::Revoked,
            _ => return None,
        })
    }
}

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyRole {
    /// Everything, including managing the account's API keys.
    Admin,
    /// Events, inbox, webhooks; not key management.
    Standard,
}

impl KeyRole {
    /// The stored/serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyRole::Admin => "admin",
            KeyRole::Standard => "standard",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(KeyRole::Admin),
            "standard" => Some(KeyRole::Standard),
            _ => None,
        }
    }
}

/// An API key: identity, ownership and settings. Its secrets live in its
/// [`KeyVersion`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Public id (`key_…`).
    pub key_id: KeyId,
    /// The account whose data this key reaches. Nothing else is visible to it.
    pub account_id: String,
    /// A label for humans.
    pub name: String,
    /// What the key may do.
    pub role: KeyRole,
    /// Requests with this key must carry a valid v1 signature.
    pub require_signature: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; set when revoked.
    pub revoked_at: Option<i64>,
    /// The number of the active version.
    pub current_version: u32,
}

/// One version of a key: its secret (hashed) and signing secret (sealed).
#[derive(Clone, PartialEq, Eq)]
pub struct KeyVersion {
    /// The key this version belongs to.
    pub key_id: KeyId,
    /// 1, 2, 3… in rotation order.
    pub version: u32,
    /// The version this one replaced.
    pub previous_version: Option<u32>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds: when a newer version replaced this one.
    pub rotated_at: Option<i64>,
    /// Unix seconds: end of validity (set when rotated out).
    pub expires_at: Option<i64>,
    /// Stored status; see [`KeyVersion::effective_status`] for the status at a time.
    pub status: VersionStatus,
    /// SHA-256 of the API key string.
    pub key_hash: KeyHash,
    /// The v1 signing secret, sealed under the master key with context
    /// `{key_id}/{version}`.
    pub sealed_signing_secret: Vec<u8>,
}

impl KeyVersion {
    /// The status at `now`: a rotating version past `expires_at` is expired,
    /// whether or not any background job has updated the record.
    pub fn effective_status(&self, now: i64) -> VersionStatus {
        match (self.status, self.expires_at) {
            (VersionStatus::Rotating, Some(at)) if at <= now => VersionStatus::Expired,
            (status, _) => status,
        }
    }

    /// The sealing context of this version's signing secret.
    pub fn seal_context(&self) -> Vec<u8> {
        seal_context(&self.key_id, self.version)
    }
}

pub(crate) fn seal_context(key_id: &KeyId, version: u32) -> Vec<u8> {
    format!("{key_id}/{version}").into_bytes()
}

impl fmt::Debug for KeyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyVersion")
            .field("key_id", &self.key_id)
            .field("version", &self.version)
            .field("previous_version", &self.previous_version)
            .field("created_at", &self.created_at)
            .field("rotated_at", &self.rotated_at)
            .field("expires_at", &self.expires_at)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}
