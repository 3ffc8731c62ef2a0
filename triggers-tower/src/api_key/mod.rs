//! Authenticate requests with an API key.
//!
//! [`ApiKeyLayer`] reads the key from `Authorization: Bearer <key>` or, when
//! that is absent (or uses another scheme), from `X-API-Key: <key>`; checks it
//! with an [`ApiKeyValidator`]; and inserts the identity as
//! [`Authenticated<I>`] into the request extensions. With the `axum` feature
//! `Authenticated<I>` is also an extractor.
//!
//! | outcome | status | code |
//! |---------|--------|------|
//! | no key presented | 401 | `missing_api_key` |
//! | empty / non-ASCII key, or [`KeyRejection::Invalid`] | 401 | `invalid_api_key` |
//! | [`KeyRejection::Expired`] | 401 | `key_expired` |
//! | [`KeyRejection::Revoked`] | 401 | `key_revoked` |
//! | [`KeyRejection::Backend`] | 503 | `key_lookup_failed` |
//!
//! The request body is not touched: the inner service receives the request
//! as is.
//!
//! ```
//! use axum::{Router, routing::get};
//! use http::{Request, StatusCode};
//! use tower::ServiceExt;
//! use triggers_tower::api_key::{ApiKeyLayer, Authenticated, StaticApiKeys};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let keys = StaticApiKeys::new().with_key("demo-api-key", String::from("demo"));
//! let app = Router::new()
//!     .route("/whoami", get(|Authenticated(who): Authenticated<String>| async move { who }))
//!     .layer(ApiKeyLayer::new(keys));
//!
//! let request = Request::get("/whoami").header("authorization", "Bearer demo-api-key");
//! let response = app.clone().oneshot(request.body(String::new())?).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//!
//! let request = Request::get("/whoami").header("x-api-key", "wrong");
//! let response = app.oneshot(request.body(String::new())?).await?;
//! assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
//! # Ok(())
//! # }
//! ```

mod validator;

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{AUTHORIZATION, HeaderName};
use http::{HeaderMap, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

pub use validator::{ApiKeyValidator, KeyRejection, StaticApiKeys};

use crate::Rejection;
use crate::body::ResponseBody;
use crate::future::{Kind, reject, response_future};

/// The default API key header: `x-api-key`.
///
/// ```
/// assert_eq!(triggers_tower::api_key::DEFAULT_API_KEY_HEADER, "x-api-key");
/// ```
pub const DEFAULT_API_KEY_HEADER: &str = "x-api-key";

/// The identity of an authenticated request, as returned by the
/// [`ApiKeyValidator`]; inserted into the request extensions by [`ApiKey`].
///
/// With the `axum` feature it is an extractor. `Authenticated<I>` refuses
/// with `500 internal_error` when the extension is absent (the route is not
/// behind an `ApiKeyLayer` with that identity type);
/// `Option<Authenticated<I>>` never refuses. Without axum, read it from the
/// extensions: `request.extensions().get::<Authenticated<I>>()`.
///
/// ```
/// use axum::{Router, routing::post};
/// use triggers_tower::api_key::Authenticated;
///
/// #[derive(Clone, Debug)]
/// struct Account { id: u64 }
///
/// async fn handler(Authenticated(account): Authenticated<Account>) -> String {
///     format!("hello, account {}", account.id)
/// }
/// let app: Router = Router::new().route("/v1/events", post(handler));
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Authenticated<I>(pub I);

impl<I> Authenticated<I> {
    /// The identity.
    ///
    /// ```
    /// use triggers_tower::api_key::Authenticated;
    /// assert_eq!(Authenticated(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> I {
        self.0
    }
}

impl<I> Deref for Authenticated<I> {
    type Target = I;

    fn deref(&self) -> &I {
        &self.0
    }
}

impl<I> DerefMut for Authenticated<I> {
    fn deref_mut(&mut self) -> &mut I {
        &mut self.0
    }
}

#[derive(Clone, Debug)]
struct Settings {
    header: HeaderName,
    bearer: bool,
}

/// Applies [`ApiKey`] to a service: the configuration builder.
///
/// Defaults: accept `Authorization: Bearer <key>` and `X-API-Key: <key>`.
///
/// ```
/// use http::HeaderName;
/// use triggers_tower::api_key::{ApiKeyLayer, StaticApiKeys};
///
/// let layer = ApiKeyLayer::new(StaticApiKeys::new().with_key("k1", "acme"))
///     .api_key_header(HeaderName::from_static("x-triggers-key"))
///     .bearer(false);
/// # let _ = layer;
/// ```
pub struct ApiKeyLayer<V> {
    validator: Arc<V>,
    settings: Settings,
}

impl<V: ApiKeyValidator> ApiKeyLayer<V> {
    /// A layer checking keys with `validator`.
    ///
    /// ```
    /// use triggers_tower::api_key::{ApiKeyLayer, StaticApiKeys};
    /// let layer = ApiKeyLayer::new(StaticApiKeys::new().with_key("k1", 1_u32));
    /// # let _ = layer;
    /// ```
    pub fn new(validator: V) -> Self {
        ApiKeyLayer {
            validator: Arc::new(validator),
            settings: Settings {
                header: HeaderName::from_static(DEFAULT_API_KEY_HEADER),
                bearer: true,
            },
        }
    }
}

impl<V> ApiKeyLayer<V> {
    /// The header carrying a bare key (default `x-api-key`).
    ///
    /// ```
    /// use triggers_tower::api_key::{ApiKeyLayer, StaticApiKeys};
    /// let layer = ApiKeyLayer::new(StaticApiKeys::<()>::new())
    ///     .api_key_header(http::HeaderName::from_static("x-key"));
    /// # let _ = layer;
    /// ```
    pub fn api_key_header(mut self, name: HeaderName) -> Self {
        self.settings.header = name;
        self
    }

    /// Whether `Authorization: Bearer <key>` is accepted (default `true`).
    /// When both are present, the bearer token wins.
    ///
    /// ```
    /// use triggers_tower::api_key::{ApiKeyLayer, StaticApiKeys};
    /// let layer = ApiKeyLayer::new(StaticApiKeys::<()>::new()).bearer(false);
    /// # let _ = layer;
    /// ```
    pub fn bearer(mut self, enabled: bool) -> Self {
        self.settings.bearer = enabled;
        self
    }
}

impl<V> Clone for ApiKeyLayer<V> {
    fn clone(&self) -> Self {
        ApiKeyLayer {
            validator: Arc::clone(&self.validator),
            settings: self.settings.clone(),
        }
    }
}

impl<V> fmt::Debug for ApiKeyLayer<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyLayer")
            .field("validator", &std::any::type_name::<V>())
            .field("settings", &self.settings)
            .finish()
    }
}

impl<S, V> Layer<S> for ApiKeyLayer<V> {
    type Service = ApiKey<S, V>;

    fn layer(&self, inner: S) -> Self::Service {
        ApiKey {
            inner,
            validator: Arc::clone(&self.validator),
            settings: Arc::new(self.settings.clone()),
        }
    }
}

/// Middleware that authenticates requests by API key; built by
/// [`ApiKeyLayer`].
///
/// ```
/// use std::convert::Infallible;
/// use http::{Request, Response};
/// use tower::{ServiceExt, service_fn};
/// use triggers_tower::api_key::{ApiKey, Authenticated, StaticApiKeys};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Infallible> {
/// let inner = service_fn(|req: Request<String>| async move {
///     let who = req.extensions().get::<Authenticated<&str>>().map(|a| a.0).unwrap_or("?");
///     Ok::<_, Infallible>(Response::new(who.to_owned()))
/// });
/// let service = ApiKey::new(inner, StaticApiKeys::new().with_key("k1", "acme"));
/// let request = Request::builder().header("x-api-key", "k1").body(String::new()).unwrap();
/// assert_eq!(service.oneshot(request).await?.status(), 200);
/// # Ok(())
/// # }
/// ```
pub struct ApiKey<S, V> {
    inner: S,
    validator: Arc<V>,
    settings: Arc<Settings>,
}

impl<S, V: ApiKeyValidator> ApiKey<S, V> {
    /// Wraps `inner` with the default configuration.
    ///
    /// ```
    /// use triggers_tower::api_key::{ApiKey, StaticApiKeys};
    /// let service = ApiKey::new((), StaticApiKeys::<()>::new());
    /// # let _ = service;
    /// ```
    pub fn new(inner: S, validator: V) -> Self {
        ApiKeyLayer::new(validator).layer(inner)
    }

    /// An [`ApiKeyLayer`] with the default configuration.
    ///
    /// ```
    /// use triggers_tower::api_key::{ApiKey, StaticApiKeys};
    /// let layer = ApiKey::<(), _>::layer(StaticApiKeys::<()>::new());
    /// # let _ = layer;
    /// ```
    pub fn layer(validator: V) -> ApiKeyLayer<V> {
        ApiKeyLayer::new(validator)
    }
}

impl<S, V> ApiKey<S, V> {
    /// The inner service.
    ///
    /// ```
    /// use triggers_tower::api_key::{ApiKey, StaticApiKeys};
    /// assert_eq!(*ApiKey::new(5, StaticApiKeys::<()>::new()).get_ref(), 5);
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The inner service, mutably.
    ///
    /// ```
    /// use triggers_tower::api_key::{ApiKey, StaticApiKeys};
    /// let mut service = ApiKey::new(5, StaticApiKeys::<()>::new());
    /// *service.get_mut() = 6;
    /// assert_eq!(*service.get_ref(), 6);
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Unwraps the inner service.
    ///
    /// ```
    /// use triggers_tower::api_key::{ApiKey, StaticApiKeys};
    /// assert_eq!(ApiKey::new(5, StaticApiKeys::<()>::new()).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Clone, V> Clone for ApiKey<S, V> {
    fn clone(&self) -> Self {
        ApiKey {
            inner: self.inner.clone(),
            validator: Arc::clone(&self.validator),
            settings: Arc::clone(&self.settings),
        }
    }
}

impl<S: fmt::Debug, V> fmt::Debug for ApiKey<S, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("inner", &self.inner)
            .field("validator", &std::any::type_name::<V>())
            .field("settings", &self.settings)
            .finish()
    }
}

response_future! {
    /// Response future of [`ApiKey`].
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use http::{Request, Response};
    /// use tower::{Service, ServiceExt, service_fn};
    /// use triggers_tower::api_key::{ApiKeyLayer, ResponseFuture, StaticApiKeys};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Infallible> {
    /// let mut service = tower::ServiceBuilder::new()
    ///     .layer(ApiKeyLayer::new(StaticApiKeys::new().with_key("k1", 1_u8)))
    ///     .service(service_fn(|_: Request<String>| async {
    ///         Ok::<_, Infallible>(Response::new(String::new()))
    ///     }));
    /// let future: ResponseFuture<_, String, Infallible> =
    ///     service.ready().await?.call(Request::new(String::new()));
    /// assert_eq!(future.await?.status(), 401);
    /// # Ok(())
    /// # }
    /// ```
}

impl<S, V, ReqBody, ResBody> Service<Request<ReqBody>> for ApiKey<S, V>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    V: ApiKeyValidator,
    ReqBody: Send + 'static,
    ResBody: Send + 'static,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let key = match presented_key(request.headers(), &self.settings) {
            Presented::Key(key) => key,
            Presented::Missing => {
                return ResponseFuture::new(Kind::rejected(Rejection::missing_api_key()));
            }
            Presented::Malformed => {
                return ResponseFuture::new(Kind::rejected(Rejection::invalid_api_key()));
            }
        };
        let validator = Arc::clone(&self.validator);
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        ResponseFuture::new(Kind::Checking {
            future: Box::pin(async move {
                match validator.validate(&key).await {
                    Ok(identity) => {
                        drop(key);
                        request.extensions_mut().insert(Authenticated(identity));
                        let response = inner.call(request).await?;
                        Ok(response.map(ResponseBody::new))
                    }
                    Err(rejection) => {
                        if let KeyRejection::Backend(err) = &rejection {
                            tracing::warn!(error = %err, "API key validation failed");
                        }
                        reject(Rejection::from(rejection))
                    }
                }
            }),
        })
    }
}

enum Presented {
    Key(String),
    Missing,
    Malformed,
}

/// Finds the key: a bearer token first, then the API key header.
fn presented_key(headers: &HeaderMap, settings: &Settings) -> Presented {
    if settings.bearer {
        if let Some(value) = headers.get(AUTHORIZATION) {
            let bytes = value.as_bytes();
            let (scheme, rest) = match bytes.iter().position(|b| *b == b' ') {
                Some(at) => (&bytes[..at], &bytes[at + 1..]),
                None => (bytes, &b""[..]),
            };
            if scheme.eq_ignore_ascii_case(b"bearer") {
                return parse_key(rest);
            }
        }
    }
    match headers.get(&settings.header) {
        Some(value) => parse_key(value.as_bytes()),
        None => Presented::Missing,
    }
}

/// A key is one run of visible ASCII, surrounding spaces ignored.
fn parse_key(raw: &[u8]) -> Presented {
    let key = raw.trim_ascii();
    if key.is_empty() || !key.iter().all(u8::is_ascii_graphic) {
        return Presented::Malformed;
    }
    match std::str::from_utf8(key) {
        Ok(key) => Presented::Key(key.to_owned()),
        Err(_) => Presented::Malformed,
    }
}

#[cfg(feature = "axum")]
mod extract {
    use axum::extract::{FromRequestParts, OptionalFromRequestParts};
    use http::request::Parts;

    use super::Authenticated;
    use crate::Rejection;

    impl<S, I> FromRequestParts<S> for Authenticated<I>
    where
        S: Send + Sync,
        I: Clone + Send + Sync + 'static,
    {
        type Rejection = Rejection;

        async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Rejection> {
            parts
                .extensions
                .get::<Authenticated<I>>()
                .cloned()
                .ok_or_else(|| {
                    tracing::error!(
                        identity = std::any::type_name::<I>(),
                        "`Authenticated` extracted on a route without a matching `ApiKeyLayer`"
                    );
                    Rejection::internal_error("the request carries no authenticated identity")
                })
        }
    }

    impl<S, I> OptionalFromRequestParts<S> for Authenticated<I>
    where
        S: Send + Sync,
        I: Clone + Send + Sync + 'static,
    {
        type Rejection = std::convert::Infallible;

        async fn from_request_parts(
            parts: &mut Parts,
            _state: &S,
        ) -> Result<Option<Self>, Self::Rejection> {
            Ok(parts.extensions.get::<Authenticated<I>>().cloned())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            header: HeaderName::from_static(DEFAULT_API_KEY_HEADER),
            bearer: true,
        }
    }

    fn find(headers: &[(&str, &[u8])], settings: &Settings) -> Result<String, &'static str> {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_bytes(value).unwrap(),
            );
        }
        match presented_key(&map, settings) {
            Presented::Key(key) => Ok(key),
            Presented::Missing => Err("missing"),
            Presented::Malformed => Err("malformed"),
        }
    }

    #[test]
    fn key_sources() {
        let s = settings();
        assert_eq!(
            find(&[("authorization", b"Bearer k1")], &s),
            Ok("k1".into())
        );
        assert_eq!(
            find(&[("authorization", b"bearer  k1 ")], &s),
            Ok("k1".into())
        );
        assert_eq!(find(&[("x-api-key", b"k2")], &s), Ok("k2".into()));
        assert_eq!(
            find(&[("authorization", b"Bearer k1"), ("x-api-key", b"k2")], &s),
            Ok("k1".into())
        );
        assert_eq!(
            find(&[("authorization", b"Basic abc"), ("x-api-key", b"k2")], &s),
            Ok("k2".into())
        );
        assert_eq!(find(&[("authorization", b"Basic abc")], &s), Err("missing"));
        assert_eq!(find(&[], &s), Err("missing"));
        assert_eq!(find(&[("authorization", b"Bearer")], &s), Err("malformed"));
        assert_eq!(
            find(&[("authorization", b"Bearer a b")], &s),
            Err("malformed")
        );
        assert_eq!(find(&[("x-api-key", b"")], &s), Err("malformed"));
        assert_eq!(find(&[("x-api-key", b"k\xff")], &s), Err("malformed"));

        let no_bearer = Settings {
            bearer: false,
            ..settings()
        };
        assert_eq!(
            find(&[("authorization", b"Bearer k1")], &no_bearer),
            Err("missing")
        );
    }
}
