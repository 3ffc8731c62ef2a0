//! `/v1/webhooks` and `/v1/dead-letters`: registration, test sends, secret
//! rotation, the attempt log, dead letters and replay. Admin keys only (a
//! webhook receives every matching event of the account); every operation
//! stays inside the caller's account.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use triggers_signing::webhook::WebhookSecret;
use triggers_webhooks::engine::EngineError;
use triggers_webhooks::store::{
    AttemptCursor, DeadLetterCursor, DeadLetterQuery, StoredDeadLetter,
};
use triggers_webhooks::{
    Attempt, AttemptOutcome, EventFilter, Webhook, WebhookSpec, WebhookUpdate,
};
use uuid::Uuid;

use crate::auth::Caller;
use crate::core::time::{parse_rfc3339_micros, rfc3339_micros};
use crate::error::ApiError;
use crate::http::json::{ApiJson, parse};
use crate::http::{page, query};
use crate::state::AppState;

/// Largest page of the webhook, attempt and dead-letter listings.
const MAX_PAGE: usize = 100;

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        let status = match &e {
            EngineError::WebhookNotFound | EngineError::DeadLetterNotFound => StatusCode::NOT_FOUND,
            EngineError::AlreadyReplayed | EngineError::WebhookInactive | EngineError::Conflict => {
                StatusCode::CONFLICT
            }
            // Only the caller's input is a 400: a secret that cannot be
            // opened, or a signing or encoding failure, is the service's.
            EngineError::Invalid(
                triggers_webhooks::Error::Crypto
                | triggers_webhooks::Error::Signing(_)
                | triggers_webhooks::Error::TimestampOutOfRange
                | triggers_webhooks::Error::Encoding,
            ) => return ApiError::internal(&e),
            EngineError::Invalid(triggers_webhooks::Error::TooManyRotations) => {
                StatusCode::CONFLICT
            }
            EngineError::Invalid(_) => StatusCode::BAD_REQUEST,
            _ => return ApiError::unavailable(&e),
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

fn webhook_view(w: &Webhook) -> Value {
    json!({
        "webhook_id": w.webhook_id,
        "url": w.url,
        "events": w.events,
        "is_active": w.is_active,
        "description": w.description,
        "max_retries": w.max_retries,
        "secret_version": w.secret.version,
        "previous_secret_expires_at": w.previous_secret.as_ref().map(|p| rfc3339_micros(p.expires_at)),
        "created_at": rfc3339_micros(w.created_at),
        "updated_at": rfc3339_micros(w.updated_at),
    })
}

fn outcome_fields(outcome: Option<&AttemptOutcome>) -> (Option<u16>, Option<&'static str>) {
    match outcome {
        Some(AttemptOutcome::Status(s)) => (Some(*s), None),
        Some(AttemptOutcome::Failed(kind)) => (None, Some(kind.as_str())),
        None => (None, None),
    }
}

fn attempt_view(a: &Attempt) -> Value {
    let (status, failure) = outcome_fields(Some(&a.outcome));
    json!({
        "delivery_id": a.delivery_id,
        "attempt": a.attempt,
        "status_code": status,
        "failure": failure,
        "success": matches!(a.outcome, AttemptOutcome::Status(200..=299)),
        "latency_ms": a.latency_ms,
        "error": a.error,
        "response_excerpt": a.response_excerpt,
        "attempted_at": rfc3339_micros(a.at),
    })
}

fn dead_letter_view(s: &StoredDeadLetter) -> Value {
    let d = &s.dead_letter;
    let (status, failure) = outcome_fields(d.last_outcome.as_ref());
    json!({
        "delivery_id": d.delivery_id,
        "webhook_id": d.webhook_id,
        "event_id": d.event_id,
        "event_type": d.event_type,
        "msg_id": d.msg_id,
        "attempts": d.attempts,
        "last_status_code": status,
        "last_failure": failure,
        "reason": d.reason.as_str(),
        "dead_at": rfc3339_micros(d.dead_at),
        "replayed_at": s.replayed_at.map(rfc3339_micros),
    })
}

/// A path id. A malformed id names nothing: the same answer as an unknown
/// one (`not_found` is the engine's 404 for that kind of id).
fn id_of(raw: &str, not_found: EngineError) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| not_found.into())
}

/// A JSON Schema `integer`: a JSON integer, or a number with no fractional
/// part (`5.0`, `6e1`), in the range of `T`.
#[derive(Debug, Clone, Copy)]
struct Whole<T>(T);

impl<'de, T: TryFrom<u64>> Deserialize<'de> for Whole<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let n = serde_json::Number::deserialize(d)?;
        n.as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(f))
                    .map(|f| f as u64)
            })
            .and_then(|u| T::try_from(u).ok())
            .map(Whole)
            .ok_or_else(|| D::Error::custom(format!("expected a whole number in range, found {n}")))
    }
}

fn events_of(events: Option<Vec<String>>) -> Result<Option<EventFilter>, ApiError> {
    events
        .map(|e| {
            EventFilter::parse(e.iter().map(String::as_str)).map_err(|e| {
                ApiError::bad_request("invalid_events", format!("field `events`: {e}"))
            })
        })
        .transpose()
}

fn secret_of(secret: Option<String>) -> Result<Option<WebhookSecret>, ApiError> {
    secret
        .map(|s| {
            WebhookSecret::parse(&s).map_err(|_| {
                ApiError::bad_request(
                    "invalid_secret",
                    "field `secret`: must be `whsec_` + base64 of 24 to 64 bytes",
                )
            })
        })
        .transpose()
}

/// Parses an empty body as the default.
fn optional_body<T: Default + DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        parse(body)
    }
}

/// A time bound given as RFC 3339; `code` says where it came from
/// (`invalid_query` or `invalid_field`).
fn time_of(raw: Option<&str>, field: &str, code: &'static str) -> Result<Option<i64>, ApiError> {
    raw.map(|s| {
        parse_rfc3339_micros(s).ok_or_else(|| {
            ApiError::bad_request(
                code,
                format!("`{field}`: expected an RFC 3339 time like 2026-01-31T12:00:00Z"),
            )
        })
    })
    .transpose()
}

// ---------------------------------------------------------------- webhooks

/// Body of `POST /v1/webhooks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    url: String,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    is_active: Option<bool>,
    #[serde(default)]
    max_retries: Option<Whole<u32>>,
    #[serde(default)]
    secret: Option<String>,
}

/// `POST /v1/webhooks`: the secret is in this response only.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CreateWebhook>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let events = events_of(body.events)?.unwrap_or_else(EventFilter::all);
    let mut spec = WebhookSpec::new(caller.account_id.clone(), body.url, events);
    spec.description = body.description.unwrap_or_default();
    spec.max_retries = body.max_retries.map(|n| n.0);
    spec.secret = secret_of(body.secret)?;
    let created = state.webhooks.create(spec).await?;
    let mut webhook = created.webhook;
    if body.is_active == Some(false) {
        let update = WebhookUpdate {
            is_active: Some(false),
            ..WebhookUpdate::default()
        };
        webhook = state
            .webhooks
            .update(&caller.account_id, webhook.webhook_id, update)
            .await?;
    }
    let mut out = webhook_view(&webhook);
    out["secret"] = json!(created.secret.expose_encoded());
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Query of the listings.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /v1/webhooks`: by id, paged.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let p = query(params)?;
    let (limit, after) = page(p.limit, MAX_PAGE, p.cursor.as_deref(), |c| {
        Uuid::parse_str(c).ok()
    })?;
    let page = state
        .webhooks
        .list(&caller.account_id, after, limit)
        .await?;
    Ok(Json(json!({
        "webhooks": page.webhooks.iter().map(webhook_view).collect::<Vec<_>>(),
        "next_cursor": page.next,
    }))
    .into_response())
}

/// `GET /v1/webhooks/{webhook_id}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let w = state
        .webhooks
        .get(
            &caller.account_id,
            id_of(&raw, EngineError::WebhookNotFound)?,
        )
        .await?;
    Ok(Json(webhook_view(&w)).into_response())
}

/// Body of `PUT /v1/webhooks/{webhook_id}`: the fields to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    events: Option<Vec<String>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    is_active: Option<bool>,
    /// Absent: unchanged; `null`: back to the deployment's default.
    #[serde(default, deserialize_with = "present")]
    max_retries: Option<Option<Whole<u32>>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// `PUT /v1/webhooks/{webhook_id}`: changes the given fields, keeps the
/// others.
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<UpdateWebhook>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let id = id_of(&raw, EngineError::WebhookNotFound)?;
    let update = WebhookUpdate {
        url: body.url,
        events: events_of(body.events)?,
        is_active: body.is_active,
        description: body.description,
        max_retries: body.max_retries.map(|n| n.map(|n| n.0)),
    };
    let w = state
        .webhooks
        .update(&caller.account_id, id, update)
        .await?;
    Ok(Json(webhook_view(&w)).into_response())
}

/// `DELETE /v1/webhooks/{webhook_id}`: 204; pending deliveries are dropped,
/// the attempt log and dead letters stay.
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    state
        .webhooks
        .delete(
            &caller.account_id,
            id_of(&raw, EngineError::WebhookNotFound)?,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /v1/webhooks/{webhook_id}/test`: sends a signed `webhook.test`
/// event now and reports what the receiver answered.
pub async fn test(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let sent = state
        .webhooks
        .send_test(
            &caller.account_id,
            id_of(&raw, EngineError::WebhookNotFound)?,
        )
        .await?;
    let r = &sent.result;
    let (status, failure) = outcome_fields(Some(&r.outcome));
    Ok(Json(json!({
        "msg_id": sent.msg_id,
        "success": matches!(r.outcome, AttemptOutcome::Status(200..=299)),
        "status_code": status,
        "failure": failure,
        "latency_ms": u64::try_from(r.latency.as_millis()).unwrap_or(u64::MAX),
        "response_excerpt": r.response_excerpt,
        "error": r.error,
    }))
    .into_response())
}

/// Body of `POST /v1/webhooks/{webhook_id}/rotate-secret` (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateSecret {
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    transition_seconds: Option<Whole<u64>>,
}

/// `POST /v1/webhooks/{webhook_id}/rotate-secret`: the new secret is in this
/// response only; the old one keeps signing until
/// `previous_secret_expires_at`.
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let id = id_of(&raw, EngineError::WebhookNotFound)?;
    let body: RotateSecret = optional_body(&body)?;
    let secret = secret_of(body.secret)?;
    let (w, secret) = state
        .webhooks
        .rotate_secret(
            &caller.account_id,
            id,
            secret,
            body.transition_seconds.map(|s| Duration::from_secs(s.0)),
        )
        .await?;
    let mut out = webhook_view(&w);
    out["secret"] = json!(secret.expose_encoded());
    Ok(Json(out).into_response())
}

fn encode_attempt_cursor(c: &AttemptCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}:{}", c.at, c.delivery_id, c.attempt))
}

fn decode_attempt_cursor(s: &str) -> Option<AttemptCursor> {
    let raw = URL_SAFE_NO_PAD.decode(s).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let mut parts = text.splitn(3, ':');
    Some(AttemptCursor {
        at: parts.next()?.parse().ok()?,
        delivery_id: Uuid::parse_str(parts.next()?).ok()?,
        attempt: parts.next()?.parse().ok()?,
    })
}

/// `GET /v1/webhooks/{webhook_id}/deliveries`: every attempt, newest first.
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    params: Result<Query<PageParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let id = id_of(&raw, EngineError::WebhookNotFound)?;
    let p = query(params)?;
    let (limit, after) = page(
        p.limit,
        MAX_PAGE,
        p.cursor.as_deref(),
        decode_attempt_cursor,
    )?;
    let page = state
        .webhooks
        .attempts(&caller.account_id, id, after, limit)
        .await?;
    Ok(Json(json!({
        "webhook_id": id,
        "attempts": page.attempts.iter().map(attempt_view).collect::<Vec<_>>(),
        "next_cursor": page.next.as_ref().map(encode_attempt_cursor),
    }))
    .into_response())
}

// ---------------------------------------------------------------- dead letters

fn encode_dead_cursor(c: &DeadLetterCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", c.dead_at, c.delivery_id))
}

fn decode_dead_cursor(s: &str) -> Option<DeadLetterCursor> {
    let raw = URL_SAFE_NO_PAD.decode(s).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (at, id) = text.split_once(':')?;
    Some(DeadLetterCursor {
        dead_at: at.parse().ok()?,
        delivery_id: Uuid::parse_str(id).ok()?,
    })
}

/// Query of `GET /v1/dead-letters`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadLetterParams {
    webhook_id: Option<String>,
    since: Option<String>,
    until: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /v1/dead-letters`: newest first; filters by webhook and time.
pub async fn dead_letters(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<DeadLetterParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let p = query(params)?;
    let (limit, after) = page(p.limit, MAX_PAGE, p.cursor.as_deref(), decode_dead_cursor)?;
    let webhook_id = p
        .webhook_id
        .as_deref()
        .map(|w| {
            Uuid::parse_str(w).map_err(|_| {
                ApiError::bad_request("invalid_query", "webhook_id must be a webhook's id")
            })
        })
        .transpose()?;
    let q = DeadLetterQuery {
        webhook_id,
        since: time_of(p.since.as_deref(), "since", "invalid_query")?,
        until: time_of(p.until.as_deref(), "until", "invalid_query")?,
    };
    let page = state
        .webhooks
        .dead_letters(&caller.account_id, &q, after, limit)
        .await?;
    Ok(Json(json!({
        "dead_letters": page.dead_letters.iter().map(dead_letter_view).collect::<Vec<_>>(),
        "next_cursor": page.next.as_ref().map(encode_dead_cursor),
    }))
    .into_response())
}

/// `POST /v1/dead-letters/{delivery_id}/replay`: 202; delivered again with
/// the same `webhook-id` and a fresh retry budget.
pub async fn replay(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let id = id_of(&raw, EngineError::DeadLetterNotFound)?;
    state.webhooks.replay(&caller.account_id, id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "delivery_id": id, "replayed": true })),
    )
        .into_response())
}

/// Body of `POST /v1/dead-letters/replay`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkReplayBody {
    webhook_id: Uuid,
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    until: Option<String>,
}

/// `POST /v1/dead-letters/replay`: replays one webhook's dead letters with
/// `since <= dead_at < until` that were not replayed yet.
pub async fn replay_range(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<BulkReplayBody>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let since = time_of(body.since.as_deref(), "since", "invalid_field")?;
    let until = time_of(body.until.as_deref(), "until", "invalid_field")?;
    let r = state
        .webhooks
        .replay_range(&caller.account_id, body.webhook_id, since, until)
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "webhook_id": body.webhook_id,
            "replayed": r.replayed,
            "skipped": r.skipped,
            "truncated": r.truncated,
        })),
    )
        .into_response())
}
