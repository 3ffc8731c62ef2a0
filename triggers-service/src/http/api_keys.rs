//! `/v1/api-keys`: create, list, get, rotate, versions, revoke. Admin keys
//! only; every operation stays inside the caller's account.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use triggers_keys::{ApiKey, Issued, KeyError, KeyId, KeyRole, KeySpec, KeyVersion};

use crate::auth::Caller;
use crate::core::events::check_name;
use crate::core::time::rfc3339_secs;
use crate::error::ApiError;
use crate::http::json::ApiJson;
use crate::http::{page, query};
use crate::state::AppState;

impl From<KeyError> for ApiError {
    fn from(e: KeyError) -> Self {
        let status = match &e {
            // A malformed id names no key: the same answer as an unknown one.
            KeyError::NotFound | KeyError::MalformedKeyId => return ApiError::not_found("API key"),
            KeyError::TransitionOutOfRange { .. } => StatusCode::BAD_REQUEST,
            KeyError::Conflict | KeyError::Revoked => StatusCode::CONFLICT,
            KeyError::Store(_) => return ApiError::unavailable(&e),
            KeyError::Crypto => return ApiError::internal(&e),
            _ => StatusCode::UNAUTHORIZED,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

fn key_view(k: &ApiKey) -> Value {
    json!({
        "key_id": k.key_id.as_str(),
        "name": k.name,
        "role": k.role.as_str(),
        "require_signature": k.require_signature,
        "status": if k.revoked_at.is_some() { "revoked" } else { "active" },
        "current_version": k.current_version,
        "created_at": rfc3339_secs(k.created_at),
        "revoked_at": k.revoked_at.map(rfc3339_secs),
    })
}

fn version_view(v: &KeyVersion, now: i64) -> Value {
    json!({
        "version": v.version,
        "previous_version": v.previous_version,
        "created_at": rfc3339_secs(v.created_at),
        "rotated_at": v.rotated_at.map(rfc3339_secs),
        "expires_at": v.expires_at.map(rfc3339_secs),
        "status": v.effective_status(now).as_str(),
    })
}

fn with_secrets(mut body: Value, issued: &Issued) -> Value {
    if let Some(obj) = body.as_object_mut() {
        obj.insert("api_key".into(), json!(issued.api_key.expose()));
        obj.insert(
            "signing_secret".into(),
            json!(issued.signing_secret.as_str()),
        );
    }
    body
}

/// A key id as received: canonical (`key_…`) or migrated legacy.
fn parse_key_id(raw: &str) -> Option<KeyId> {
    KeyId::parse(raw)
        .or_else(|_| KeyId::legacy(raw.to_owned()))
        .ok()
}

fn key_id(raw: &str) -> Result<KeyId, ApiError> {
    parse_key_id(raw).ok_or_else(|| ApiError::not_found("API key"))
}

/// Largest page of `GET /v1/api-keys`.
const MAX_KEYS_PAGE: usize = 100;

/// Accepts a JSON integer, or a number with no fractional part (`60.0`,
/// `6e1`), as JSON Schema's `integer` does.
fn integral_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    use serde::de::Error;
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(u) = n.as_u64() {
        return Ok(Some(u));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(&f) => Ok(Some(f as u64)),
        _ => Err(D::Error::custom(format!(
            "expected a non-negative whole number of seconds, found {n}"
        ))),
    }
}

/// Body of `POST /v1/api-keys`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateKey {
    name: String,
    #[serde(default)]
    role: Option<KeyRole>,
    #[serde(default)]
    require_signature: bool,
}

/// `POST /v1/api-keys`: the secrets are in this response only.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateKey>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    check_name(&body.name)
        .map_err(|why| ApiError::bad_request("invalid_field", format!("field `name`: {why}")))?;
    let new = state
        .keys
        .create(KeySpec {
            account_id: caller.account_id.clone(),
            name: body.name,
            role: body.role.unwrap_or(KeyRole::Standard),
            require_signature: body.require_signature,
        })
        .await?;
    let mut out = with_secrets(key_view(&new.key), &new.issued);
    out["version"] = version_view(&new.version, state.keys.now());
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Query of `GET /v1/api-keys`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /v1/api-keys`.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let p = query(params)?;
    let (limit, after) = page(p.limit, MAX_KEYS_PAGE, p.cursor.as_deref(), parse_key_id)?;
    let page = state
        .keys
        .list(&caller.account_id, after.as_ref(), limit)
        .await?;
    let keys: Vec<Value> = page.keys.iter().map(key_view).collect();
    Ok(Json(json!({
        "api_keys": keys,
        "next_cursor": page.next.map(|k| k.to_string()),
    }))
    .into_response())
}

/// `GET /v1/api-keys/{key_id}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let stored = state.keys.get(&caller.account_id, &key_id(&raw)?).await?;
    Ok(Json(key_view(&stored.key)).into_response())
}

/// Body of `POST /v1/api-keys/{key_id}/rotate`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateKey {
    #[serde(default, deserialize_with = "integral_u64")]
    transition_seconds: Option<u64>,
}

/// `POST /v1/api-keys/{key_id}/rotate`: the new version's secrets are in
/// this response only. An empty body means the defaults.
pub async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let body: RotateKey = if body.iter().all(u8::is_ascii_whitespace) {
        RotateKey::default()
    } else {
        crate::http::json::parse(&body)?
    };
    let r = state
        .keys
        .rotate(&caller.account_id, &key_id(&raw)?, body.transition_seconds)
        .await?;
    // The key service's clock: statuses shown agree with what authentication enforces.
    let now = state.keys.now();
    let mut out = with_secrets(key_view(&r.key), &r.issued);
    out["version"] = version_view(&r.version, now);
    out["previous_versions"] =
        Value::Array(r.changed.iter().map(|v| version_view(v, now)).collect());
    Ok(Json(out).into_response())
}

/// `GET /v1/api-keys/{key_id}/versions`.
pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let stored = state.keys.get(&caller.account_id, &key_id(&raw)?).await?;
    // The key service's clock: statuses shown agree with what authentication enforces.
    let now = state.keys.now();
    let versions: Vec<Value> = stored
        .versions
        .iter()
        .map(|v| version_view(v, now))
        .collect();
    Ok(Json(json!({ "key_id": stored.key.key_id.as_str(), "versions": versions })).into_response())
}

/// `DELETE /v1/api-keys/{key_id}`: revoke.
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let id = key_id(&raw)?;
    state.keys.revoke(&caller.account_id, &id).await?;
    let stored = state.keys.get(&caller.account_id, &id).await?;
    Ok(Json(key_view(&stored.key)).into_response())
}
