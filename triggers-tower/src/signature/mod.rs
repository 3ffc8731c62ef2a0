//! Verify Triggers API v1 request signatures.
//!
//! [`VerifySignatureLayer`] wraps a service so that each request must carry a
//! valid `x-signature-timestamp` / `x-signature` / `x-signature-version`
//! triple (see `docs/SIGNING.md` and [`triggers_signing`]). For each request
//! it:
//!
//! 1. reads the signature headers (a request with none of them passes straight
//!    through in [`Mode::Optional`], unbuffered, and is refused with
//!    `401 missing_header` in [`Mode::Required`]);
//! 2. checks everything that does not need the body or the secrets (header
//!    syntax, version, timestamp window, target encoding) so a bad request is
//!    refused before its body is read;
//! 3. resolves the key id ([`KeyIdSource`]) and refuses a `content-length`
//!    above the [body limit](VerifySignatureLayer::body_limit) with `413`;
//! 4. looks the secrets up ([`SecretLookup`]);
//! 5. buffers and hashes the body up to the limit (`413` beyond it);
//! 6. verifies the MAC against every candidate secret, then, if enabled,
//!    refuses a signature already seen ([`ReplayCache`]);
//! 7. inserts a [`VerifiedSignature`] into the request extensions and calls
//!    the inner service with a [`RequestBody`] holding exactly the bytes
//!    that were verified.
//!
//! The target that is verified is the request URI's path and query exactly
//! as received (`uri.path_and_query()`, also for absolute-form URIs). Under
//! axum (feature `axum`) the `OriginalUri` extension is preferred, so the
//! layer also works inside a nested router.
//!
//! # Example
//!
//! ```
//! use axum::{Router, routing::post, body::Bytes};
//! use http::{Request, StatusCode};
//! use tower::ServiceExt;
//! use triggers_signing::{sign, unix_now, Secret};
//! use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer, VerifiedSignature};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let secrets = StaticSecrets::new().with_secret("demo", Secret::new("demo-secret")?);
//! let app = Router::new()
//!     .route("/v1/events", post(|sig: VerifiedSignature, body: Bytes| async move {
//!         format!("{} bytes from {}", body.len(), sig.key_id)
//!     }))
//!     .layer(VerifySignatureLayer::new(secrets));
//!
//! // A client signs the request:
//! let body = r#"{"event":"order.created"}"#;
//! let signed = sign(&Secret::new("demo-secret")?, "POST", "/v1/events", unix_now(), body.as_bytes())?;
//! let mut request = Request::post("/v1/events").header("x-key-id", "demo");
//! for (name, value) in signed.iter() {
//!     request = request.header(name, value);
//! }
//! let response = app.clone().oneshot(request.body(body.to_string())?).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//!
//! // An unsigned request is refused:
//! let response = app.oneshot(Request::post("/v1/events").body(body.to_string())?).await?;
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! # Ok(())
//! # }
//! ```

mod key_id;
mod lookup;
mod replay;

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use http::header::HeaderName;
use http::request::Parts;
use http::{HeaderMap, Request, Response};
use http_body::Body;
use http_body_util::BodyExt;
use tower_layer::Layer;
use tower_service::Service;
use triggers_signing::{
    BodyHash, DEFAULT_TOLERANCE_SECS, Error as SigningError, HEADER_SIGNATURE, HEADER_TIMESTAMP,
    HEADER_VERSION, Prepared, SignatureHeaders, Verifier,
};

pub use key_id::{DEFAULT_KEY_ID_HEADER, KeyIdSource};
pub use lookup::{LookupError, SecretLookup, StaticSecrets};
pub use replay::ReplayCache;

use crate::body::{RequestBody, ResponseBody};
use crate::future::{Kind, reject, response_future};
use crate::{BoxError, Rejection};
use key_id::KeyIdError;

/// The default body limit: 1 MiB.
///
/// ```
/// assert_eq!(triggers_tower::signature::DEFAULT_BODY_LIMIT, 1_048_576);
/// ```
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Whether unsigned requests are allowed through.
///
/// ```
/// use triggers_tower::signature::Mode;
/// assert_eq!(Mode::default(), Mode::Required);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Every request must be signed; a request with none of the signature
    /// headers gets `401 missing_header`.
    #[default]
    Required,
    /// A request with none of the three signature headers passes through
    /// unverified, without buffering its body and without a
    /// [`VerifiedSignature`] extension. A request carrying any of them must
    /// verify. Use it to migrate clients to signing, and extract
    /// `Option<VerifiedSignature>` in handlers.
    Optional,
}

/// What the signature layer established, inserted into the request
/// extensions of every verified request.
///
/// With the `axum` feature it is an extractor: `VerifiedSignature` refuses
/// the request with `401 missing_header` when there is none (an unsigned
/// request in [`Mode::Optional`], or a route without the layer), and
/// `Option<VerifiedSignature>` never refuses.
///
/// ```
/// use axum::{Router, routing::post};
/// use triggers_tower::signature::VerifiedSignature;
///
/// async fn ingest(sig: Option<VerifiedSignature>) -> String {
///     match sig {
///         Some(sig) => format!("signed by {} at {}", sig.key_id, sig.timestamp),
///         None => "unsigned".to_owned(),
///     }
/// }
/// let app: Router = Router::new().route("/v1/events", post(ingest));
/// # let _ = app;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedSignature {
    /// The key id whose secrets were tried.
    pub key_id: String,
    /// The signed timestamp (Unix seconds).
    pub timestamp: u64,
    /// Index (into the [`SecretLookup`] result) of the secret that matched:
    /// non-zero means the client still signs with an older secret.
    pub secret_index: usize,
}

type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

#[derive(Clone)]
struct Settings {
    mode: Mode,
    key_id: KeyIdSource,
    tolerance: u64,
    body_limit: usize,
    clock: Clock,
    replay: Option<ReplayCache>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: Mode::default(),
            key_id: KeyIdSource::default(),
            tolerance: DEFAULT_TOLERANCE_SECS,
            body_limit: DEFAULT_BODY_LIMIT,
            clock: Arc::new(triggers_signing::unix_now),
            replay: None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("mode", &self.mode)
            .field("key_id", &self.key_id)
            .field("tolerance", &self.tolerance)
            .field("body_limit", &self.body_limit)
            .field("replay", &self.replay)
            .finish_non_exhaustive()
    }
}

/// Applies [`VerifySignature`] to a service: the configuration builder.
///
/// Defaults: [`Mode::Required`], key id from the `x-key-id` header, ±300 s
/// tolerance, 1 MiB body limit, the system clock, no replay protection.
///
/// ```
/// use std::sync::Arc;
/// use http::HeaderName;
/// use triggers_signing::Secret;
/// use triggers_tower::signature::{Mode, StaticSecrets, VerifySignatureLayer};
///
/// let secrets = StaticSecrets::new().with_secret("demo", Secret::new("demo-secret")?);
/// let layer = VerifySignatureLayer::new(secrets)
///     .mode(Mode::Required)
///     .key_id_header(HeaderName::from_static("x-signing-key"))
///     .tolerance(120)
///     .body_limit(256 * 1024)
///     .replay_protection(100_000);
/// # let _ = layer;
/// # Ok::<(), triggers_signing::Error>(())
/// ```
pub struct VerifySignatureLayer<L> {
    lookup: Arc<L>,
    settings: Settings,
}

impl<L: SecretLookup> VerifySignatureLayer<L> {
    /// A layer looking secrets up in `lookup`, with the defaults above.
    ///
    /// ```
    /// use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};
    /// let layer = VerifySignatureLayer::new(StaticSecrets::new());
    /// # let _ = layer;
    /// ```
    pub fn new(lookup: L) -> Self {
        VerifySignatureLayer {
            lookup: Arc::new(lookup),
            settings: Settings::default(),
        }
    }
}

impl<L> VerifySignatureLayer<L> {
    /// Whether unsigned requests pass ([`Mode::Optional`]) or are refused
    /// ([`Mode::Required`], the default).
    ///
    /// ```
    /// use triggers_tower::signature::{Mode, StaticSecrets, VerifySignatureLayer};
    /// let layer = VerifySignatureLayer::new(StaticSecrets::new()).mode(Mode::Optional);
    /// # let _ = layer;
    /// ```
    pub fn mode(mut self, mode: Mode) -> Self {
        self.settings.mode = mode;
        self
    }

    /// Where the key id comes from (default: the `x-key-id` header).
    ///
    /// ```
    /// use triggers_tower::signature::{KeyIdSource, StaticSecrets, VerifySignatureLayer};
    /// let layer = VerifySignatureLayer::new(StaticSecrets::new()).key_id(KeyIdSource::fixed("main"));
    /// # let _ = layer;
    /// ```
    pub fn key_id(mut self, source: KeyIdSource) -> Self {
        self.settings.key_id = source;
        self
    }

    /// Shorthand for `.key_id(KeyIdSource::header(name))`.
    ///
    /// ```
    /// use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};
    /// let layer = VerifySignatureLayer::new(StaticSecrets::new())
    ///     .key_id_header(http::HeaderName::from_static("x-client"));
    /// # let _ = layer;
    /// ```
    pub fn key_id_header(self, name: HeaderName) -> Self {
        self.key_id(KeyIdSource::header(name))
    }

    /// The accepted clock skew, in seconds, either way (default 300).
    ///
    /// ```
    /// use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};
    /// let layer = VerifySignatureLayer::new(StaticSecrets::new()).tolerance(60);
    /// # let _ = layer;
    /// ```
    pub fn tolerance(mut self, seconds: u64) -> Self {
        self.settings.tolerance = seconds;
        self
    }

    /// The largest body, in bytes, that is buffered and verified (default
    /// 1 MiB). Larger requests get `413 payload_too_large`: up front from
    /// `content-length`, otherwise as soon as the limit is crossed.
    ///
    /// ```
    /// use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};
    /// let layer = VerifySignatureLayer::new(StaticSecrets::new()).body_limit(64 * 1024);
    /// # let _ = layer;
    /// ```
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.settings.body_limit = bytes;
        self
    }

    /// The clock, in Unix seconds (default [`triggers_signing::unix_now`]).
    /// Inject one in tests.
    ///
    /// ```
    /// use std::sync::{Arc, atomic::{AtomicU64, Ordering}};
    /// use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};
    ///
    /// let now = Arc::new(AtomicU64::new(1_700_000_000));
    /// let clock = now.clone();
    /// let layer = VerifySignatureLayer::new(StaticSecrets::new())
    ///     .clock(move || clock.load(Ordering::Relaxed));
    /// now.fetch_add(60, Ordering::Relaxed); // advance time in a test
    /// # let _ = layer;
    /// ```
    pub fn clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Self {
        self.settings.clock = Arc::new(clock);
        self
    }

    /// Refuse a signature seen before within the tolerance window
    /// (`401 replayed_signature`), remembering at most `capacity`
    /// signatures. See [`ReplayCache`] for sizing.
    ///
    /// ```
    /// use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};
    /// let layer = VerifySignatureLayer::new(StaticSecrets::new()).replay_protection(50_000);
    /// # let _ = layer;
    /// ```
    pub fn replay_protection(self, capacity: usize) -> Self {
        self.replay_cache(ReplayCache::new(capacity))
    }

    /// Like [`replay_protection`](Self::replay_protection) with a cache you
    /// provide, e.g. one shared by several layers.
    ///
    /// ```
    /// use triggers_tower::signature::{ReplayCache, StaticSecrets, VerifySignatureLayer};
    /// let cache = ReplayCache::new(50_000);
    /// let a = VerifySignatureLayer::new(StaticSecrets::new()).replay_cache(cache.clone());
    /// let b = VerifySignatureLayer::new(StaticSecrets::new()).replay_cache(cache);
    /// # let _ = (a, b);
    /// ```
    pub fn replay_cache(mut self, cache: ReplayCache) -> Self {
        self.settings.replay = Some(cache);
        self
    }
}

impl<L> Clone for VerifySignatureLayer<L> {
    fn clone(&self) -> Self {
        VerifySignatureLayer {
            lookup: Arc::clone(&self.lookup),
            settings: self.settings.clone(),
        }
    }
}

impl<L> fmt::Debug for VerifySignatureLayer<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifySignatureLayer")
            .field("lookup", &std::any::type_name::<L>())
            .field("settings", &self.settings)
            .finish()
    }
}

impl<S, L> Layer<S> for VerifySignatureLayer<L> {
    type Service = VerifySignature<S, L>;

    fn layer(&self, inner: S) -> Self::Service {
        VerifySignature {
            inner,
            lookup: Arc::clone(&self.lookup),
            settings: Arc::new(self.settings.clone()),
        }
    }
}

/// Middleware that verifies Triggers API v1 request signatures; built by
/// [`VerifySignatureLayer`].
///
/// The inner service receives `Request<`[`RequestBody<B>`]`>` and may answer
/// with any body whose data is [`Bytes`]; the middleware answers with
/// [`ResponseBody`]. It works with axum's `Router::layer`/`route_layer` and
/// with plain hyper services (see the crate docs).
///
/// ```
/// use std::convert::Infallible;
/// use http::{Request, Response};
/// use tower::{ServiceExt, service_fn};
/// use triggers_tower::body::RequestBody;
/// use triggers_tower::signature::{StaticSecrets, VerifySignature};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let inner = service_fn(|_req: Request<RequestBody<String>>| async {
///     Ok::<_, Infallible>(Response::new(String::from("ok")))
/// });
/// let service = VerifySignature::new(inner, StaticSecrets::new());
/// let response = service.oneshot(Request::new(String::new())).await?;
/// assert_eq!(response.status(), 401); // not signed
/// # Ok(())
/// # }
/// ```
pub struct VerifySignature<S, L> {
    inner: S,
    lookup: Arc<L>,
    settings: Arc<Settings>,
}

impl<S, L: SecretLookup> VerifySignature<S, L> {
    /// Wraps `inner` with the default configuration; use
    /// [`VerifySignatureLayer`] to configure it.
    ///
    /// ```
    /// use triggers_tower::signature::{StaticSecrets, VerifySignature};
    /// let service = VerifySignature::new(tower::service_fn(|_: http::Request<triggers_tower::body::RequestBody<String>>| async {
    ///     Ok::<_, std::convert::Infallible>(http::Response::new(String::new()))
    /// }), StaticSecrets::new());
    /// # let _ = service;
    /// ```
    pub fn new(inner: S, lookup: L) -> Self {
        VerifySignatureLayer::new(lookup).layer(inner)
    }

    /// A [`VerifySignatureLayer`] with the default configuration.
    ///
    /// ```
    /// use triggers_tower::signature::{StaticSecrets, VerifySignature};
    /// let layer = VerifySignature::<(), _>::layer(StaticSecrets::new());
    /// # let _ = layer;
    /// ```
    pub fn layer(lookup: L) -> VerifySignatureLayer<L> {
        VerifySignatureLayer::new(lookup)
    }
}

impl<S, L> VerifySignature<S, L> {
    /// The inner service.
    ///
    /// ```
    /// use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};
    /// use tower::Layer;
    /// let service = VerifySignatureLayer::new(StaticSecrets::new()).layer(42);
    /// assert_eq!(*service.get_ref(), 42);
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    ///
    /// ```
    /// use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};
    /// use tower::Layer;
    /// let mut service = VerifySignatureLayer::new(StaticSecrets::new()).layer(42);
    /// *service.get_mut() += 1;
    /// assert_eq!(*service.get_ref(), 43);
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    ///
    /// ```
    /// use triggers_tower::signature::{StaticSecrets, VerifySignatureLayer};
    /// use tower::Layer;
    /// let service = VerifySignatureLayer::new(StaticSecrets::new()).layer(42);
    /// assert_eq!(service.into_inner(), 42);
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Clone, L> Clone for VerifySignature<S, L> {
    fn clone(&self) -> Self {
        VerifySignature {
            inner: self.inner.clone(),
            lookup: Arc::clone(&self.lookup),
            settings: Arc::clone(&self.settings),
        }
    }
}

impl<S: fmt::Debug, L> fmt::Debug for VerifySignature<S, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifySignature")
            .field("inner", &self.inner)
            .field("lookup", &std::any::type_name::<L>())
            .field("settings", &self.settings)
            .finish()
    }
}

response_future! {
    /// Response future of [`VerifySignature`].
    ///
    /// Unsigned requests in optional mode and early rejections are not
    /// boxed; requests that need the key lookup and the body are.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use http::{Request, Response};
    /// use tower::{Service, ServiceExt, service_fn};
    /// use triggers_tower::body::RequestBody;
    /// use triggers_tower::signature::{ResponseFuture, StaticSecrets, VerifySignatureLayer};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Infallible> {
    /// let mut service = tower::ServiceBuilder::new()
    ///     .layer(VerifySignatureLayer::new(StaticSecrets::new()))
    ///     .service(service_fn(|_: Request<RequestBody<String>>| async {
    ///         Ok::<_, Infallible>(Response::new(String::new()))
    ///     }));
    /// let future: ResponseFuture<_, String, Infallible> =
    ///     service.ready().await?.call(Request::new(String::new()));
    /// assert_eq!(future.await?.status(), 401);
    /// # Ok(())
    /// # }
    /// ```
}

impl<S, L, ReqBody, ResBody> Service<Request<ReqBody>> for VerifySignature<S, L>
where
    S: Service<Request<RequestBody<ReqBody>>, Response = Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    L: SecretLookup,
    ReqBody: Body + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<BoxError>,
    ResBody: Send + 'static,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let settings = Arc::clone(&self.settings);
        let now = (settings.clock)();
        let (parts, body) = request.into_parts();

        // 1. Is the request signed at all?
        let presence = match signature_headers_present(&parts.headers) {
            Ok(presence) => presence,
            Err(err) => return ResponseFuture::new(Kind::rejected(err.into())),
        };
        if !presence {
            return match settings.mode {
                Mode::Optional => {
                    let request = Request::from_parts(parts, RequestBody::new(body));
                    ResponseFuture::new(Kind::Inner {
                        future: self.inner.call(request),
                    })
                }
                Mode::Required => ResponseFuture::new(Kind::rejected(Rejection::unsigned())),
            };
        }

        // 2. Everything that needs neither body nor secrets; keeps the
        //    string to sign up to the body hash.
        let prepared = match prepare(&parts, settings.tolerance, now) {
            Ok(prepared) => prepared,
            Err(err) => return ResponseFuture::new(Kind::rejected(err.into())),
        };

        // 3. Key id and declared size.
        let key_id = match settings.key_id.resolve(&parts) {
            Ok(key_id) => key_id,
            Err(KeyIdError::Missing) => {
                return ResponseFuture::new(Kind::rejected(Rejection::missing_key_id()));
            }
            Err(KeyIdError::Malformed) => {
                return ResponseFuture::new(Kind::rejected(Rejection::malformed_key_id()));
            }
        };
        if declared_length(&parts.headers, &body) > settings.body_limit as u64 {
            return ResponseFuture::new(Kind::rejected(Rejection::payload_too_large(
                settings.body_limit,
            )));
        }

        // 4-7. Asynchronous: lookup, buffering, verification, inner service.
        // Take the service that was driven to readiness, leave a clone.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let lookup = Arc::clone(&self.lookup);
        ResponseFuture::new(Kind::Checking {
            future: Box::pin(verify_then_call(
                inner, lookup, settings, key_id, now, prepared, parts, body,
            )),
        })
    }
}

/// Steps 4 to 7 of the module docs.
#[allow(clippy::too_many_arguments)]
async fn verify_then_call<S, L, ReqBody, ResBody>(
    mut inner: S,
    lookup: Arc<L>,
    settings: Arc<Settings>,
    key_id: String,
    now: u64,
    prepared: Prepared,
    mut parts: Parts,
    body: ReqBody,
) -> Result<Response<ResponseBody<ResBody>>, S::Error>
where
    S: Service<Request<RequestBody<ReqBody>>, Response = Response<ResBody>>,
    L: SecretLookup,
    ReqBody: Body,
    ReqBody::Error: Into<BoxError>,
{
    let secrets = match lookup.lookup(&key_id).await {
        Ok(secrets) if !secrets.is_empty() => secrets,
        Ok(_) | Err(LookupError::UnknownKey) => return reject(Rejection::unknown_key_id()),
        Err(LookupError::Backend(err)) => {
            tracing::warn!(error = %err, "signing secret lookup failed");
            return reject(Rejection::key_lookup_failed());
        }
    };

    let buffered = match buffer(body, settings.body_limit).await {
        Ok(buffered) => buffered,
        Err(BufferError::TooLarge) => {
            return reject(Rejection::payload_too_large(settings.body_limit));
        }
        Err(BufferError::Read(err)) => {
            tracing::debug!(error = %err, "reading the request body failed");
            return reject(Rejection::body_read_failed());
        }
    };

    let verified = match Verifier::new(secrets)
        .tolerance(settings.tolerance)
        .verify_prepared(&prepared, &buffered.hash)
    {
        Ok(verified) => verified,
        Err(err) => return reject(err.into()),
    };

    if let Some(cache) = &settings.replay {
        let mac = verified.signature;
        let expires_at = verified.timestamp.saturating_add(settings.tolerance);
        if !cache.insert(mac, expires_at, now) {
            return reject(Rejection::replayed());
        }
    }

    parts.extensions.insert(VerifiedSignature {
        key_id,
        timestamp: verified.timestamp,
        secret_index: verified.secret_index,
    });
    let request = Request::from_parts(
        parts,
        RequestBody::buffered(buffered.data, buffered.trailers),
    );
    let response = inner.call(request).await?;
    Ok(response.map(ResponseBody::new))
}

/// The signature header names, parsed once: looking a header up by `&str`
/// parses the name on every call.
static TIMESTAMP_NAME: HeaderName = HeaderName::from_static(HEADER_TIMESTAMP);
static SIGNATURE_NAME: HeaderName = HeaderName::from_static(HEADER_SIGNATURE);
static VERSION_NAME: HeaderName = HeaderName::from_static(HEADER_VERSION);

/// Whether any signature header is present; a repeated one is malformed.
fn signature_headers_present(headers: &HeaderMap) -> Result<bool, SigningError> {
    let mut any = false;
    for (name, header) in [
        (HEADER_TIMESTAMP, &TIMESTAMP_NAME),
        (HEADER_SIGNATURE, &SIGNATURE_NAME),
        (HEADER_VERSION, &VERSION_NAME),
    ] {
        let mut values = headers.get_all(header).iter();
        if values.next().is_some() {
            any = true;
            if values.next().is_some() {
                return Err(SigningError::MalformedHeader {
                    header: name,
                    reason: "header repeated",
                });
            }
        }
    }
    Ok(any)
}

fn signature_headers(headers: &HeaderMap) -> SignatureHeaders<'_> {
    let get = |name: &HeaderName| headers.get(name).map(|value| value.as_bytes());
    SignatureHeaders {
        timestamp: get(&TIMESTAMP_NAME),
        signature: get(&SIGNATURE_NAME),
        version: get(&VERSION_NAME),
    }
}

/// Runs every check that needs neither the body nor the secrets.
fn prepare(parts: &Parts, tolerance: u64, now: u64) -> Result<Prepared, SigningError> {
    let headers = signature_headers(&parts.headers);
    Verifier::new(Vec::new()).tolerance(tolerance).prepare(
        parts.method.as_str(),
        request_target(parts),
        &headers,
        now,
    )
}

/// The path and query as received.
fn request_target(parts: &Parts) -> &str {
    #[cfg(feature = "axum")]
    if let Some(axum::extract::OriginalUri(uri)) = parts.extensions.get() {
        return path_and_query(uri);
    }
    path_and_query(&parts.uri)
}

fn path_and_query(uri: &http::Uri) -> &str {
    uri.path_and_query().map_or("/", |pq| pq.as_str())
}

/// The body size announced by `content-length` or the body's size hint.
fn declared_length<B: Body>(headers: &HeaderMap, body: &B) -> u64 {
    let header = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    header.max(body.size_hint().lower())
}

struct Buffered {
    data: Bytes,
    trailers: Option<HeaderMap>,
    hash: BodyHash,
}

enum BufferError {
    TooLarge,
    Read(BoxError),
}

/// Reads the whole body, hashing as it goes, refusing more than `limit`
/// bytes as soon as they arrive.
async fn buffer<B>(body: B, limit: usize) -> Result<Buffered, BufferError>
where
    B: Body,
    B::Error: Into<BoxError>,
{
    let mut body = std::pin::pin!(body);
    let mut hasher = BodyHash::hasher();
    let mut chunks: Vec<Bytes> = Vec::new();
    let mut total: usize = 0;
    let mut trailers: Option<HeaderMap> = None;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| BufferError::Read(err.into()))?;
        match frame.into_data() {
            Ok(mut data) => {
                let chunk = data.copy_to_bytes(data.remaining());
                total = total.saturating_add(chunk.len());
                if total > limit {
                    return Err(BufferError::TooLarge);
                }
                hasher.update(&chunk);
                if !chunk.is_empty() {
                    chunks.push(chunk);
                }
            }
            Err(frame) => {
                if let Ok(more) = frame.into_trailers() {
                    match &mut trailers {
                        Some(existing) => existing.extend(more),
                        None => trailers = Some(more),
                    }
                }
            }
        }
    }
    let data = match chunks.as_slice() {
        [] => Bytes::new(),
        [single] => single.clone(),
        _ => {
            let mut joined = BytesMut::with_capacity(total);
            for chunk in &chunks {
                joined.extend_from_slice(chunk);
            }
            joined.freeze()
        }
    };
    Ok(Buffered {
        data,
        trailers,
        hash: hasher.finish(),
    })
}

#[cfg(feature = "axum")]
mod extract {
    use axum::extract::{FromRequestParts, OptionalFromRequestParts};
    use http::request::Parts;

    use super::VerifiedSignature;
    use crate::Rejection;

    impl<S: Send + Sync> FromRequestParts<S> for VerifiedSignature {
        type Rejection = Rejection;

        async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Rejection> {
            parts
                .extensions
                .get::<VerifiedSignature>()
                .cloned()
                .ok_or_else(Rejection::unsigned)
        }
    }

    impl<S: Send + Sync> OptionalFromRequestParts<S> for VerifiedSignature {
        type Rejection = std::convert::Infallible;

        async fn from_request_parts(
            parts: &mut Parts,
            _state: &S,
        ) -> Result<Option<Self>, Self::Rejection> {
            Ok(parts.extensions.get::<VerifiedSignature>().cloned())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::convert::Infallible;
    use std::pin::Pin;

    /// A body yielding the given chunks, one frame each.
    struct Chunks(VecDeque<&'static [u8]>);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
            Poll::Ready(
                self.0
                    .pop_front()
                    .map(|c| Ok(http_body::Frame::data(Bytes::from_static(c)))),
            )
        }
    }

    fn chunks() -> Chunks {
        Chunks(VecDeque::from([&b"ab"[..], b"", b"cd"]))
    }

    #[tokio::test]
    async fn buffer_joins_chunks_and_enforces_the_limit() {
        let buffered = buffer(chunks(), 4).await.ok().unwrap();
        assert_eq!(buffered.data, "abcd");
        assert_eq!(buffered.hash, BodyHash::of(b"abcd"));

        assert!(matches!(
            buffer(chunks(), 3).await,
            Err(BufferError::TooLarge)
        ));

        let buffered = buffer(Chunks(VecDeque::new()), 0).await.ok().unwrap();
        assert!(buffered.data.is_empty());
        assert_eq!(buffered.hash, BodyHash::of(b""));
    }

    #[test]
    fn target_is_path_and_query_as_received() {
        let parts = |uri: &str| Request::get(uri).body(()).unwrap().into_parts().0;
        assert_eq!(request_target(&parts("/a%2fb?z=1&a=2")), "/a%2fb?z=1&a=2");
        assert_eq!(
            request_target(&parts("http://example.com/v1/events?x=1")),
            "/v1/events?x=1"
        );
        assert_eq!(request_target(&parts("http://example.com")), "/");
    }
}
