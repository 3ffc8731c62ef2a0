//! `/v1/events`, `/v1/inbox`, `/v1/events/{id}/ack`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::auth::Caller;
use crate::core::analytics;
use crate::core::events::EventView;
use crate::core::events::{Cursor, InboxQuery, Ingested, MAX_PAYLOAD_BYTES, NewEvent, check_name};
use crate::core::time::now_micros;
use crate::error::ApiError;
use crate::http::analytics::Arrival;
use crate::http::json::ApiJson;
use crate::http::{page, query};
use crate::state::AppState;

/// Body of `POST /v1/events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateEvent {
    source: String,
    event_type: String,
    payload: Box<RawValue>,
    #[serde(default)]
    idempotency_key: Option<String>,
}

fn field(name: &str, value: &str) -> Result<(), ApiError> {
    check_name(value)
        .map_err(|why| ApiError::bad_request("invalid_field", format!("field `{name}`: {why}")))
}

/// `POST /v1/events`.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    arrival: Option<Extension<Arrival>>,
    ApiJson(body): ApiJson<CreateEvent>,
) -> Result<Response, ApiError> {
    field("source", &body.source)?;
    field("event_type", &body.event_type)?;
    if let Some(key) = &body.idempotency_key {
        field("idempotency_key", key)?;
    }
    if !body.payload.get().trim_start().starts_with('{') {
        return Err(ApiError::bad_request(
            "invalid_field",
            "field `payload`: must be a JSON object",
        ));
    }
    if body.payload.get().len() > MAX_PAYLOAD_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("field `payload`: larger than {MAX_PAYLOAD_BYTES} bytes"),
        ));
    }
    let event = NewEvent {
        event_id: Uuid::new_v4(),
        account_id: caller.account_id.clone(),
        source: body.source,
        event_type: body.event_type,
        payload: body.payload,
        idempotency_key: body.idempotency_key,
        received_at: now_micros(),
    };
    match state.events.ingest(event).await? {
        Ingested::Created(e) => {
            if state.recorder.is_enabled() {
                let latency = arrival.map(|Extension(a)| {
                    u64::try_from(a.instant.elapsed().as_micros()).unwrap_or(u64::MAX)
                });
                state.recorder.record(analytics::event_record(&e, latency));
            }
            let location = format!("/v1/events/{}", e.event_id);
            let mut res = (StatusCode::CREATED, Json(e.view())).into_response();
            // Durable in the outbox already; the hand-off only makes it fast.
            state.dispatcher.dispatch(e);
            if let Ok(v) = HeaderValue::from_str(&location) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            Ok(res)
        }
        Ingested::Duplicate(e) => {
            let mut res = (StatusCode::OK, Json(e.view())).into_response();
            res.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(res)
        }
        Ingested::KeyReused => Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            "this idempotency_key was used in the last 24 h with a different event",
        )),
    }
}

fn event_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw)
        .map_err(|_| ApiError::bad_request("invalid_event_id", "event_id must be a UUID"))
}

/// `GET /v1/events/{event_id}`.
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = event_id(&id)?;
    match state.events.get(&caller.account_id, id).await? {
        Some(e) => Ok(Json(e.view()).into_response()),
        None => Err(ApiError::not_found("event")),
    }
}

/// `POST /v1/events/{event_id}/ack`.
pub async fn ack(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = event_id(&id)?;
    match state
        .events
        .ack(&caller.account_id, id, now_micros())
        .await?
    {
        Some(e) => Ok(Json(e.view()).into_response()),
        None => Err(ApiError::not_found("event")),
    }
}

/// A page of events, as `GET /v1/inbox` answers.
#[derive(Debug, Serialize)]
pub struct EventList<'a> {
    events: Vec<EventView<'a>>,
    next_cursor: Option<String>,
}

/// Query of `GET /v1/inbox`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxParams {
    source: Option<String>,
    event_type: Option<String>,
    limit: Option<usize>,
    cursor: Option<String>,
}

/// `GET /v1/inbox`: unacknowledged events, oldest first.
pub async fn inbox(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<InboxParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = query(params)?;
    let (limit, after) = page(p.limit, 500, p.cursor.as_deref(), Cursor::decode)?;
    let inbox_query = InboxQuery {
        source: p.source,
        event_type: p.event_type,
        after,
        limit,
    };
    let page = state.events.inbox(&caller.account_id, &inbox_query).await?;
    // A typed page: payloads stay raw JSON text, never re-parsed.
    Ok(Json(EventList {
        events: page.events.iter().map(|e| e.view()).collect(),
        next_cursor: page.next.map(|c| c.encode()),
    })
    .into_response())
}
