//! Authentication: API keys (every route) and v1 signatures (optional, or
//! required per key), through `triggers-tower` over the key service.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;
use triggers_keys::{KeyError, KeyRole};
use triggers_tower::Secret;
use triggers_tower::api_key::{ApiKeyValidator, Authenticated, KeyRejection};
use triggers_tower::signature::{LookupError, SecretLookup, VerifiedSignature};

use crate::error::ApiError;
use crate::state::Keys;

/// Who is calling: the identity the API-key layer establishes.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account whose data the key reaches.
    pub account_id: String,
    /// The key's public id (also the v1 signing key id).
    pub key_id: String,
    /// Version of the key presented.
    pub version: u32,
    /// What the key may do.
    pub role: KeyRole,
    /// Requests must be signed.
    pub require_signature: bool,
}

impl Caller {
    /// 403 unless the key is an admin key.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == KeyRole::Admin {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "this operation needs an admin API key",
            ))
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Authenticated<Caller>>()
            .map(|a| a.0.clone())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "missing_api_key",
                    "send an API key as `Authorization: Bearer <key>` or `X-API-Key`",
                )
            })
    }
}

/// The tower lookups, backed by the key service.
#[derive(Clone)]
pub struct KeyAuth(pub Arc<Keys>);

fn rejection(e: KeyError) -> KeyRejection {
    match e {
        KeyError::Expired => KeyRejection::Expired,
        KeyError::Revoked => KeyRejection::Revoked,
        KeyError::Store(_) | KeyError::Crypto => KeyRejection::backend(e),
        _ => KeyRejection::Invalid,
    }
}

impl ApiKeyValidator for KeyAuth {
    type Identity = Caller;

    async fn validate(&self, key: &str) -> Result<Caller, KeyRejection> {
        let auth = self.0.authenticate(key).await.map_err(rejection)?;
        Ok(Caller {
            account_id: auth.key.account_id.clone(),
            key_id: auth.key.key_id.to_string(),
            version: auth.version,
            role: auth.key.role,
            require_signature: auth.key.require_signature,
        })
    }
}

impl SecretLookup for KeyAuth {
    async fn lookup(&self, key_id: &str) -> Result<Vec<Secret>, LookupError> {
        match self.0.signing_secrets_by_id(key_id).await {
            Ok(secrets) if secrets.is_empty() => Err(LookupError::UnknownKey),
            Ok(secrets) => Ok(secrets),
            Err(KeyError::NotFound | KeyError::MalformedKeyId) => Err(LookupError::UnknownKey),
            Err(e) => Err(LookupError::backend(e)),
        }
    }
}

/// Refuses unsigned requests of keys that require signatures (the signature
/// layer runs in optional mode so other keys may call unsigned).
pub async fn require_signature(req: Request, next: Next) -> Response {
    let needs = req
        .extensions()
        .get::<Authenticated<Caller>>()
        .is_some_and(|a| a.0.require_signature);
    if needs && req.extensions().get::<VerifiedSignature>().is_none() {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "signature_required",
            "this API key requires v1 signed requests (X-Signature-Timestamp, X-Signature, X-Signature-Version)",
        )
        .into_response();
    }
    next.run(req).await
}
