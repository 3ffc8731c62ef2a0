//! The HTTP API: one router for every host (a TCP listener locally, Lambda on
//! AWS). Handlers per resource; the envelope middleware makes every error
//! look the same.

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderValue, StatusCode, header};
use tower_http::catch_panic::CatchPanicLayer;
use triggers_tower::api_key::{ApiKeyLayer, Authenticated};
use triggers_tower::signature::{KeyIdSource, Mode, VerifySignatureLayer};

use crate::auth::{self, Caller, KeyAuth};
use crate::error::ApiError;
use crate::state::AppState;

pub mod api_keys;
pub mod envelope;
pub mod events;
pub mod json;

/// The OpenAPI 3.1 document of this API (`docs/openapi.json`).
pub const OPENAPI: &str = include_str!("../../../docs/openapi.json");

/// Signatures remembered against replay (bounded memory).
const REPLAY_CACHE: usize = 100_000;

/// Builds the router. The only place routes exist.
pub fn router(state: AppState) -> Router {
    let keys = KeyAuth(state.keys.clone());
    let config = state.config.clone();
    let api = Router::new()
        .route("/v1/events", post(events::create))
        .route("/v1/events/{event_id}", get(events::get))
        .route("/v1/events/{event_id}/ack", post(events::ack))
        .route("/v1/inbox", get(events::inbox))
        .route("/v1/api-keys", post(api_keys::create).get(api_keys::list))
        .route(
            "/v1/api-keys/{key_id}",
            get(api_keys::get).delete(api_keys::revoke),
        )
        .route("/v1/api-keys/{key_id}/rotate", post(api_keys::rotate))
        .route("/v1/api-keys/{key_id}/versions", get(api_keys::versions))
        .route_layer(from_fn(auth::require_signature))
        .route_layer(
            VerifySignatureLayer::new(keys.clone())
                .mode(Mode::Optional)
                .key_id(KeyIdSource::extension(|a: &Authenticated<Caller>| {
                    Some(a.0.key_id.clone())
                }))
                .tolerance(config.signature_tolerance_secs)
                .body_limit(config.max_body_bytes)
                .replay_protection(REPLAY_CACHE),
        )
        .route_layer(ApiKeyLayer::new(keys));
    Router::new()
        .merge(api)
        .route("/openapi.json", get(openapi))
        .route("/healthz", get(health))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(from_fn(envelope::envelope))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal(&"handler panicked").into_response()
        }))
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
