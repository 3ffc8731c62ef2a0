//! The HTTP delivery client: one POST per attempt, with the SSRF guard
//! enforced at connection time.
//!
//! [`DeliveryClient::deliver`] turns an attempt into a [`DeliveryResult`]:
//! the [`AttemptOutcome`] the [`Disposition`](crate::Disposition) is computed
//! from, the latency, the receiver's `Retry-After` and an excerpt of its
//! response.
//!
//! At every call the URL is checked with [`UrlPolicy::validate_url`] and
//! resolved with [`UrlPolicy::resolve_url`]; the connection is opened only to
//! the addresses that call returned. The client is hyper-util's pooling
//! client whose DNS resolver is replaced by a table of these pinned
//! addresses (the host name is never resolved a second time, so a DNS
//! rebinding between the check and the connection is impossible). A name
//! that is not pinned resolves to an error, never to a system lookup.
//! Connections are pooled per scheme, host and port: an idle connection
//! opened to a checked address may serve a later attempt, once that
//! attempt's own resolution has passed the policy. `Host` and TLS SNI carry
//! the original host name.
//!
//! Redirects are never followed (a 3xx is returned as
//! [`AttemptOutcome::Status`]). Responses are read up to
//! [`DeliveryClientBuilder::max_response_bytes`] (64 KiB by default); the
//! rest is dropped with the connection.
//!
//! ```no_run
//! use bytes::Bytes;
//! use triggers_webhooks::client::DeliveryClient;
//! use triggers_webhooks::{AttemptOutcome, Disposition};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = DeliveryClient::builder().build()?;
//! let result = client
//!     .deliver("https://hooks.example.com/in", &[("webhook-id", "msg_1".to_owned())], Bytes::from_static(b"{}"))
//!     .await;
//! if Disposition::of(&result.outcome) == Disposition::Success {
//!     println!("delivered in {:?}", result.latency);
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::error::Error as StdError;
use std::future::Ready;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER, USER_AGENT};
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::time::timeout_at;
use tower_service::Service;

use crate::model::{MAX_RESPONSE_EXCERPT, excerpt};
use crate::retry::{AttemptOutcome, FailureKind, parse_retry_after};
use crate::ssrf::{UrlError, UrlPolicy};

/// Default time allowed to resolve the host and open a TCP connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default time allowed for a whole attempt: resolution, connection, TLS,
/// request, response head and the bounded read of its body.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Default number of response body bytes read at most.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// The default `User-Agent`: `triggers-webhooks/<version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("triggers-webhooks/", env!("CARGO_PKG_VERSION"));

/// What came of one [`DeliveryClient::deliver`] call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryResult {
    /// The HTTP status, or why there was none.
    pub outcome: AttemptOutcome,
    /// From the start of the call (URL check and resolution included) to the
    /// end of the bounded body read, or to the failure.
    pub latency: Duration,
    /// The receiver's `Retry-After`, for 429 and 503 responses only (`None`
    /// when absent or unparsable).
    pub retry_after: Option<Duration>,
    /// The start of the response body ([`MAX_RESPONSE_EXCERPT`] bytes at
    /// most, invalid UTF-8 replaced); `None` without a response or with an
    /// empty body.
    pub response_excerpt: Option<String>,
    /// For a failed attempt, a description of the failure (for
    /// [`Attempt::error`](crate::Attempt::error)); `None` with a response.
    pub error: Option<String>,
}

/// The delivery client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("could not build the delivery client: {0}")]
pub struct BuildError(String);

/// Configures a [`DeliveryClient`].
#[derive(Debug, Clone)]
pub struct DeliveryClientBuilder {
    connect_timeout: Duration,
    request_timeout: Duration,
    policy: UrlPolicy,
    max_response_bytes: usize,
    user_agent: String,
    pool_idle_timeout: Duration,
    pool_max_idle_per_host: usize,
}

impl Default for DeliveryClientBuilder {
    fn default() -> Self {
        DeliveryClientBuilder {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            policy: UrlPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            pool_idle_timeout: Duration::from_secs(60),
            pool_max_idle_per_host: 16,
        }
    }
}

impl DeliveryClientBuilder {
    /// Time allowed for resolving the host (bounded by the request timeout)
    /// and, separately, for opening each TCP connection. Default 5 s.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Time allowed for the whole attempt. Default 15 s.
    pub fn request_timeout(mut self, d: Duration) -> Self {
        self.request_timeout = d;
        self
    }

    /// The destinations allowed. Default [`UrlPolicy::strict`].
    pub fn policy(mut self, policy: UrlPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Response body bytes read at most (default 64 KiB, at least
    /// [`MAX_RESPONSE_EXCERPT`]); a longer body is dropped along with its
    /// connection.
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n.max(MAX_RESPONSE_EXCERPT);
        self
    }

    /// The `User-Agent` sent. Default [`DEFAULT_USER_AGENT`].
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// How long an idle pooled connection is kept. Default 60 s.
    pub fn pool_idle_timeout(mut self, d: Duration) -> Self {
        self.pool_idle_timeout = d;
        self
    }

    /// Idle connections kept per scheme, host and port. Default 16.
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = n;
        self
    }

    /// Builds the client (https with rustls, the `ring` provider and the
    /// Mozilla roots of `webpki-roots`; plain http when the policy allows
    /// it). Needs no runtime; [`DeliveryClient::deliver`] must run on a
    /// Tokio runtime with the time and I/O drivers enabled.
    pub fn build(self) -> Result<DeliveryClient, BuildError> {
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| BuildError("invalid user agent".to_owned()))?;
        let pins = PinnedResolver::default();
        let mut http = HttpConnector::new_with_resolver(pins.clone());
        http.enforce_http(false);
        http.set_connect_timeout(Some(self.connect_timeout));
        http.set_nodelay(true);
        let https = HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| BuildError(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .build(https);
        Ok(DeliveryClient {
            inner: Arc::new(Inner {
                client,
                pins,
                policy: self.policy,
                connect_timeout: self.connect_timeout,
                request_timeout: self.request_timeout,
                max_response_bytes: self.max_response_bytes,
                user_agent,
            }),
        })
    }
}

type HyperClient = Client<HttpsConnector<HttpConnector<PinnedResolver>>, Full<Bytes>>;

/// Delivers webhook attempts over HTTP(S). Cheap to clone: clones share the
/// connection pool.
#[derive(Clone)]
pub struct DeliveryClient {
    inner: Arc<Inner>,
}

struct Inner {
    client: HyperClient,
    pins: PinnedResolver,
    policy: UrlPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_response_bytes: usize,
    user_agent: HeaderValue,
}

impl std::fmt::Debug for DeliveryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryClient")
            .field("policy", &self.inner.policy)
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("request_timeout", &self.inner.request_timeout)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish_non_exhaustive()
    }
}

/// A failed attempt: the kind and a description.
type Failure = (FailureKind, String);

/// A response: status, `Retry-After`, body bytes read.
struct Response {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl DeliveryClient {
    /// A builder with the defaults.
    pub fn builder() -> DeliveryClientBuilder {
        DeliveryClientBuilder::default()
    }

    /// The policy checked at every attempt.
    pub fn policy(&self) -> UrlPolicy {
        self.inner.policy
    }

    /// POSTs `body` to `url` with `content-type: application/json`, the
    /// client's `User-Agent` and `headers` (a `content-type` or
    /// `user-agent` among them replaces the default; other names are
    /// appended). Never panics and never returns early without a result:
    /// every failure is an [`AttemptOutcome::Failed`].
    ///
    /// - The URL refused by the policy (syntax, scheme, an address or every
    ///   resolved address refused): [`FailureKind::Blocked`], without any
    ///   connection.
    /// - The name does not resolve, or not within the connect timeout:
    ///   [`FailureKind::Dns`].
    /// - Refused, reset or unreachable while connecting:
    ///   [`FailureKind::Connect`]; connection or request timeout:
    ///   [`FailureKind::Timeout`]; TLS handshake: [`FailureKind::Tls`].
    /// - The connection closed or broke before a complete response head, or
    ///   the head is not valid HTTP: [`FailureKind::Protocol`].
    /// - Once the response head arrived the outcome is its status, even if
    ///   reading the body then fails or runs out of time (the excerpt holds
    ///   what was read).
    pub async fn deliver(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Bytes,
    ) -> DeliveryResult {
        let start = Instant::now();
        let deadline = start + self.inner.request_timeout;
        let result = self.attempt(url, headers, body, start, deadline).await;
        let latency = start.elapsed();
        match result {
            Ok(resp) => DeliveryResult {
                outcome: AttemptOutcome::Status(resp.status),
                latency,
                retry_after: resp.retry_after,
                response_excerpt: (!resp.body.is_empty())
                    .then(|| excerpt(&resp.body, MAX_RESPONSE_EXCERPT)),
                error: None,
            },
            Err((kind, message)) => DeliveryResult {
                outcome: AttemptOutcome::Failed(kind),
                latency,
                retry_after: None,
                response_excerpt: None,
                error: Some(message),
            },
        }
    }

    async fn attempt(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Bytes,
        start: Instant,
        deadline: Instant,
    ) -> Result<Response, Failure> {
        let inner = &*self.inner;
        let url = inner.policy.validate_url(url).map_err(url_failure)?;

        let lookup_deadline = deadline.min(start + inner.connect_timeout);
        let addrs = match timeout_at(lookup_deadline.into(), inner.policy.resolve_url(&url)).await {
            Ok(resolved) => resolved.map_err(url_failure)?,
            Err(_) if lookup_deadline == deadline => {
                return Err((FailureKind::Timeout, "timed out resolving the host".into()));
            }
            Err(_) => {
                return Err((FailureKind::Dns, "the host did not resolve in time".into()));
            }
        };

        // Pin the checked addresses for the connector; IP-literal hosts are
        // connected to directly (they were checked as such).
        let _pin = match url.host() {
            Some(url::Host::Domain(host)) => Some(inner.pins.pin(host, addrs)),
            _ => None,
        };

        let uri: http::Uri = url
            .as_str()
            .parse()
            .map_err(|e| (FailureKind::Blocked, format!("invalid URL: {e}")))?;
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .body(Full::new(body))
            .map_err(|e| (FailureKind::Protocol, format!("invalid request: {e}")))?;
        let h = request.headers_mut();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h.insert(USER_AGENT, inner.user_agent.clone());
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                (
                    FailureKind::Protocol,
                    format!("invalid header name {name:?}"),
                )
            })?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                (
                    FailureKind::Protocol,
                    format!("invalid value for header {name}"),
                )
            })?;
            if name == CONTENT_TYPE || name == USER_AGENT {
                h.insert(name, value);
            } else {
                h.append(name, value);
            }
        }

        let response = match timeout_at(deadline.into(), inner.client.request(request)).await {
            Err(_) => {
                return Err((
                    FailureKind::Timeout,
                    format!("no response within {:?}", inner.request_timeout),
                ));
            }
            Ok(Err(e)) => return Err(classify(&e)),
            Ok(Ok(response)) => response,
        };

        let status = response.status().as_u16();
        let retry_after = if status == 429 || status == 503 {
            response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()))
        } else {
            None
        };

        // Bounded read: stop at the limit (dropping the body closes the
        // connection rather than draining it), at the deadline or at an error.
        let mut body = response.into_body();
        let mut read = Vec::new();
        while read.len() < inner.max_response_bytes {
            match timeout_at(deadline.into(), body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        let room = inner.max_response_bytes - read.len();
                        read.extend_from_slice(&data[..data.len().min(room)]);
                    }
                }
                Ok(None) | Ok(Some(Err(_))) | Err(_) => break,
            }
        }
        Ok(Response {
            status,
            retry_after,
            body: read,
        })
    }
}

/// A refused or unresolvable URL.
fn url_failure(e: UrlError) -> Failure {
    let kind = match e {
        UrlError::Resolve(_) | UrlError::NoAddresses => FailureKind::Dns,
        _ => FailureKind::Blocked,
    };
    (kind, e.to_string())
}

/// Maps a client error to a failure kind by its source chain.
fn classify(e: &hyper_util::client::legacy::Error) -> Failure {
    let mut message = e.to_string();
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }

    let mut timed_out = false;
    let mut tls = false;
    let mut not_pinned = false;
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(s) = source {
        tls |= s.is::<rustls::Error>();
        not_pinned |= s.is::<NotPinned>();
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            timed_out |= h.is_timeout();
        }
        source = match s.downcast_ref::<std::io::Error>() {
            Some(io) => {
                timed_out |= io.kind() == std::io::ErrorKind::TimedOut;
                // `io::Error::source` skips the wrapped error itself
                // (hyper-rustls wraps rustls errors in two of them).
                match io.get_ref() {
                    Some(inner) => Some(inner as &(dyn StdError + 'static)),
                    None => s.source(),
                }
            }
            None => s.source(),
        };
    }
    let kind = if timed_out {
        FailureKind::Timeout
    } else if e.is_connect() {
        if tls {
            FailureKind::Tls
        } else if not_pinned {
            FailureKind::Dns
        } else {
            FailureKind::Connect
        }
    } else {
        FailureKind::Protocol
    };
    (kind, message)
}

/// The addresses checked for each host with an attempt in flight, shared
/// with the connector's resolver.
#[derive(Clone, Default)]
struct PinnedResolver {
    pins: Arc<Mutex<HashMap<String, Pin>>>,
}

struct Pin {
    addrs: Vec<SocketAddr>,
    users: usize,
}

/// Unpins on drop (also when the attempt is cancelled).
struct PinGuard {
    pins: Arc<Mutex<HashMap<String, Pin>>>,
    host: String,
}

impl PinnedResolver {
    /// Pins `addrs` for `host` for the guard's lifetime. Concurrent attempts
    /// to the same host share the entry; the latest resolution (checked
    /// like the others) replaces the addresses.
    fn pin(&self, host: &str, addrs: Vec<SocketAddr>) -> PinGuard {
        let host = host.to_ascii_lowercase();
        let mut pins = self.pins.lock().unwrap_or_else(PoisonError::into_inner);
        pins.entry(host.clone())
            .and_modify(|p| {
                p.addrs.clone_from(&addrs);
                p.users += 1;
            })
            .or_insert_with(|| Pin {
                addrs: addrs.clone(),
                users: 1,
            });
        PinGuard {
            pins: Arc::clone(&self.pins),
            host,
        }
    }
}

impl Drop for PinGuard {
    fn drop(&mut self) {
        let mut pins = self.pins.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = pins.get_mut(&self.host) {
            p.users -= 1;
            if p.users == 0 {
                pins.remove(&self.host);
            }
        }
    }
}

/// The connector asked for a host without checked addresses.
#[derive(Debug, thiserror::Error)]
#[error("no checked address for the host")]
struct NotPinned;

impl Service<Name> for PinnedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = NotPinned;
    type Future = Ready<Result<Self::Response, NotPinned>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), NotPinned>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let host = name.as_str().to_ascii_lowercase();
        let pins = self.pins.lock().unwrap_or_else(PoisonError::into_inner);
        std::future::ready(
            pins.get(&host)
                .map(|p| p.addrs.clone().into_iter())
                .ok_or(NotPinned),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_shared_and_released() {
        let r = PinnedResolver::default();
        let a: SocketAddr = "127.0.0.1:1".parse().expect("addr");
        let b: SocketAddr = "127.0.0.2:1".parse().expect("addr");
        let g1 = r.pin("Example.COM", vec![a]);
        let g2 = r.pin("example.com", vec![b]);
        let mut r2 = r.clone();
        let name: Name = "example.com".parse().expect("name");
        let got = futures_ready(r2.call(name.clone()));
        assert_eq!(got.map(Iterator::collect::<Vec<_>>).ok(), Some(vec![b]));
        drop(g1);
        assert!(futures_ready(r2.call(name.clone())).is_ok());
        drop(g2);
        assert!(futures_ready(r2.call(name)).is_err());
        let other: Name = "other.example".parse().expect("name");
        assert!(futures_ready(r2.call(other)).is_err());
    }

    fn futures_ready<T>(f: Ready<T>) -> T {
        f.into_inner()
    }

    #[test]
    fn url_failures() {
        assert_eq!(
            url_failure(UrlError::NoAddresses).0,
            FailureKind::Dns,
            "no address"
        );
        assert_eq!(
            url_failure(UrlError::HttpNotAllowed).0,
            FailureKind::Blocked
        );
        assert_eq!(
            url_failure(UrlError::LocalHostname("localhost".into())).0,
            FailureKind::Blocked
        );
    }
}
