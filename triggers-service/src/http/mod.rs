//! The HTTP API: one router for every host (a TCP listener locally, Lambda on
//! AWS). Handlers per resource; the envelope middleware makes every error
//! look the same.

use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Query};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use http::{HeaderValue, StatusCode, header};
use tower_http::catch_panic::CatchPanicLayer;
use triggers_tower::api_key::{ApiKeyLayer, Authenticated};
use triggers_tower::signature::{KeyIdSource, Mode, VerifySignatureLayer};

use crate::auth::{self, Caller, KeyAuth};
use crate::error::ApiError;
use crate::state::AppState;

pub mod analytics;
pub mod api_keys;
pub mod console;
pub mod envelope;
pub mod events;
pub mod json;
pub mod webhooks;

/// The OpenAPI 3.1 document of this API (`docs/openapi.json`).
pub const OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// Signatures remembered against replay (bounded memory).
const REPLAY_CACHE: usize = 100_000;

/// A listing's query string, or 400 `invalid_query`.
pub fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
}

/// A listing's page: `limit` (default 50, at most `max`: else 400
/// `invalid_query`) and the position after `cursor` (one this API returned,
/// read by `decode`: else 400 `invalid_cursor`).
pub fn page<C>(
    limit: Option<usize>,
    max: usize,
    cursor: Option<&str>,
    decode: impl FnOnce(&str) -> Option<C>,
) -> Result<(usize, Option<C>), ApiError> {
    let limit = limit.unwrap_or(50);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit must be between 1 and {max}"),
        ));
    }
    let after = cursor
        .map(|c| {
            decode(c).ok_or_else(|| {
                ApiError::bad_request("invalid_cursor", "cursor is not one this API returned")
            })
        })
        .transpose()?;
    Ok((limit, after))
}

/// Builds the router. The only place routes exist.
pub fn router(state: AppState) -> Router {
    let keys = KeyAuth(state.keys.clone());
    let config = state.config.clone();
    let signature = VerifySignatureLayer::new(keys.clone())
        .mode(Mode::Optional)
        .key_id(KeyIdSource::extension(|a: &Authenticated<Caller>| {
            Some(a.0.key_id.clone())
        }))
        .tolerance(config.signature_tolerance_secs)
        .body_limit(config.max_body_bytes)
        .replay_protection(REPLAY_CACHE);
    let api_key = ApiKeyLayer::new(keys);
    let recorder = from_fn_with_state(state.clone(), analytics::record_request);
    // Authentication wraps the handlers of each route, not the route's
    // method fallback: a wrong method is 405 whoever asks. The analytics
    // recorder sits inside authentication: it counts the requests of a
    // known account (signature failures included), by status.
    let auth = move |m: MethodRouter<AppState>| {
        m.route_layer(from_fn(auth::require_signature))
            .route_layer(signature.clone())
            .route_layer(recorder.clone())
            .route_layer(api_key.clone())
    };
    let api = Router::new()
        .route("/v1/events", auth(post(events::create)))
        .route("/v1/events/{event_id}", auth(get(events::get)))
        .route("/v1/events/{event_id}/ack", auth(post(events::ack)))
        .route("/v1/inbox", auth(get(events::inbox)))
        .route(
            "/v1/api-keys",
            auth(post(api_keys::create).get(api_keys::list)),
        )
        .route(
            "/v1/api-keys/{key_id}",
            auth(get(api_keys::get).delete(api_keys::revoke)),
        )
        .route("/v1/api-keys/{key_id}/rotate", auth(post(api_keys::rotate)))
        .route(
            "/v1/api-keys/{key_id}/versions",
            auth(get(api_keys::versions)),
        )
        .route(
            "/v1/webhooks",
            auth(post(webhooks::create).get(webhooks::list)),
        )
        .route(
            "/v1/webhooks/{webhook_id}",
            auth(
                get(webhooks::get)
                    .put(webhooks::update)
                    .delete(webhooks::delete),
            ),
        )
        .route("/v1/webhooks/{webhook_id}/test", auth(post(webhooks::test)))
        .route(
            "/v1/webhooks/{webhook_id}/rotate-secret",
            auth(post(webhooks::rotate_secret)),
        )
        .route(
            "/v1/webhooks/{webhook_id}/deliveries",
            auth(get(webhooks::deliveries)),
        )
        .route("/v1/dead-letters", auth(get(webhooks::dead_letters)))
        .route(
            "/v1/dead-letters/replay",
            auth(post(webhooks::replay_range)),
        )
        .route(
            "/v1/dead-letters/{delivery_id}/replay",
            auth(post(webhooks::replay)),
        )
        .route("/v1/analytics/summary", auth(get(analytics::get_summary)))
        .route(
            "/v1/analytics/timeseries",
            auth(get(analytics::get_timeseries)),
        )
        .route(
            "/v1/analytics/breakdown",
            auth(get(analytics::get_breakdown)),
        )
        .route("/v1/analytics/export", auth(get(analytics::export)));
    Router::new()
        .merge(api)
        .merge(console::routes())
        .route("/openapi.json", get(openapi))
        .route("/healthz", get(health))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal(&"handler panicked").into_response()
        }))
        // Outermost: even a caught panic leaves with the envelope and request id.
        .layer(from_fn(envelope::envelope))
        .with_state(state)
}

async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}
