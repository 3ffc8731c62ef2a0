//! Request ids and the uniform error envelope.
//!
//! Every response carries `X-Request-Id` (the client's, if it sent a sane
//! one, else a fresh uuid). Every error response (status ≥ 400) leaves as
//! `{"error":{"code","message","request_id"}}`, whoever made it: handlers,
//! axum's own rejections (404, 405, …), or the tower layers.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use uuid::Uuid;

/// The request id, in request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// `X-Request-Id`.
pub const REQUEST_ID: &str = "x-request-id";

fn sane(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic()))
        .then(|| s.to_owned())
}

/// The default code for a status without one.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::CONFLICT => "conflict",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_request",
        s if s.is_server_error() => "internal_error",
        _ => "bad_request",
    }
}

/// The middleware.
pub async fn envelope(mut req: Request, next: Next) -> Response {
    req.extensions_mut()
        .insert(crate::http::analytics::Arrival::now());
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(sane)
        .unwrap_or_else(|| Uuid::new_v4().to_string());
    let header_value = HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("invalid"));
    req.headers_mut().insert(REQUEST_ID, header_value.clone());
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut res = next.run(req).await;
    res.headers_mut().insert(REQUEST_ID, header_value);
    if res.status().as_u16() < 400 {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match http_body_util::Limited::new(body, 64 * 1024)
        .collect()
        .await
    {
        Ok(c) => c.to_bytes(),
        Err(_) => Default::default(),
    };
    let mut value = match serde_json::from_slice::<Value>(&bytes) {
        Ok(v) if v.pointer("/error/code").is_some_and(Value::is_string) => v,
        _ => {
            let text = String::from_utf8_lossy(&bytes).trim().to_owned();
            let message = if text.is_empty() {
                parts
                    .status
                    .canonical_reason()
                    .unwrap_or("error")
                    .to_owned()
            } else {
                text
            };
            json!({ "error": { "code": code_for(parts.status), "message": message } })
        }
    };
    if let Some(err) = value.get_mut("error").and_then(Value::as_object_mut) {
        err.insert("request_id".into(), Value::String(id));
    }
    let body = serde_json::to_vec(&value).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
