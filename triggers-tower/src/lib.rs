//! # triggers-tower
//!
//! [Tower](https://docs.rs/tower) middleware that verifies Triggers API v1
//! signed requests and API keys, for axum, hyper or any tower-based server.
//!
//! * [`signature`] — [`VerifySignatureLayer`](signature::VerifySignatureLayer)
//!   buffers the body (up to a limit), verifies `x-signature` with the
//!   secrets of the request's key id, optionally refuses replays, and hands
//!   the very same bytes to your service.
//! * [`api_key`] — [`ApiKeyLayer`](api_key::ApiKeyLayer) checks
//!   `Authorization: Bearer <key>` / `X-API-Key: <key>` and exposes the
//!   identity as [`Authenticated<I>`](api_key::Authenticated).
//! * [`rejection`] — every refusal is a JSON
//!   `{"error":{"code":"...","message":"..."}}` with a fitting status; the
//!   full code → status table is in the [`rejection`] module docs.
//!
//! The signing scheme itself lives in [`triggers_signing`] (re-exported).
//!
//! # Quick start: axum
//!
//! ```
//! use axum::{Router, body::Bytes, routing::post};
//! use tower::ServiceBuilder;
//! use triggers_tower::Secret;
//! use triggers_tower::api_key::{ApiKeyLayer, Authenticated, StaticApiKeys};
//! use triggers_tower::signature::{StaticSecrets, VerifiedSignature, VerifySignatureLayer};
//!
//! async fn ingest(
//!     Authenticated(client): Authenticated<String>,
//!     signature: VerifiedSignature,
//!     body: Bytes,
//! ) -> String {
//!     format!("{client} sent {} verified bytes signed at {}", body.len(), signature.timestamp)
//! }
//!
//! let secrets = StaticSecrets::new().with_secret("demo", Secret::new("demo-secret")?);
//! let keys = StaticApiKeys::new().with_key("demo-api-key", String::from("demo"));
//!
//! let app: Router = Router::new().route("/v1/events", post(ingest)).route_layer(
//!     ServiceBuilder::new()
//!         .layer(ApiKeyLayer::new(keys)) // outermost: runs first
//!         .layer(VerifySignatureLayer::new(secrets)),
//! );
//! # let _ = app;
//! # Ok::<(), triggers_signing::Error>(())
//! ```
//!
//! # Quick start: plain hyper
//!
//! The layers are ordinary tower middleware; with hyper, wrap the stack in
//! `hyper::service::service_fn` (or hyper-util's `TowerToHyperService`):
//!
//! ```no_run
//! use std::convert::Infallible;
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use http_body_util::{BodyExt, Full};
//! use hyper::body::Incoming;
//! use hyper_util::rt::TokioIo;
//! use tower::{ServiceBuilder, ServiceExt};
//! use triggers_tower::Secret;
//! use triggers_tower::body::RequestBody;
//! use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};
//!
//! async fn handler(request: Request<RequestBody<Incoming>>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     // Exactly the bytes that were verified.
//!     let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
//!     Ok(Response::new(Full::new(body)))
//! }
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let secrets = StaticSecrets::new().with_secret("demo", Secret::new("demo-secret")?);
//! let service = ServiceBuilder::new()
//!     .layer(VerifySignatureLayer::new(secrets))
//!     .service_fn(handler);
//!
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! loop {
//!     let (stream, _) = listener.accept().await?;
//!     let service = service.clone();
//!     tokio::spawn(async move {
//!         let hyper_service = hyper::service::service_fn(move |request: Request<Incoming>| {
//!             service.clone().oneshot(request)
//!         });
//!         let _ = hyper::server::conn::http1::Builder::new()
//!             .serve_connection(TokioIo::new(stream), hyper_service)
//!             .await;
//!     });
//! }
//! # }
//! ```
//!
//! # Cargo features
//!
//! * `axum` (default): extractors for [`Authenticated<I>`](api_key::Authenticated)
//!   and [`VerifiedSignature`](signature::VerifiedSignature),
//!   `IntoResponse` for [`Rejection`], and verification against axum's
//!   `OriginalUri` so the layer works inside nested routers.
//!
//! # Security notes
//!
//! * Secrets are [`Secret`]s: zeroed on drop, redacted in `Debug`. API keys
//!   are never logged; rejection messages never echo header values.
//! * Nothing here panics on any input.
//! * Signature checks that need no body run before the body is read; the
//!   body is then read only up to the limit.

mod future;

pub mod api_key;
pub mod body;
pub mod rejection;
pub mod signature;

pub use rejection::Rejection;
pub use triggers_signing::{self, Secret};

/// The boxed error type used for body and backend errors.
///
/// ```
/// use triggers_tower::BoxError;
/// let err: BoxError = std::io::Error::other("database unreachable").into();
/// let lookup_error = triggers_tower::signature::LookupError::Backend(err);
/// # let _ = lookup_error;
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Compile-tests the Rust snippets of the README.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
