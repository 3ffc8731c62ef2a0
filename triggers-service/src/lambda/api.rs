//! The API behind API Gateway: [`service`] serves [`crate::router`] to
//! `lambda_http`, and [`ApiFunction`] adds the fan-out of ingested events
//! ([`run`]). See the [module docs](super) for what each payload format
//! keeps of the request target and what is verified.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body as AxumBody;
use axum::extract::OriginalUri;
use http::Uri;
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;
use tokio::sync::{Mutex, mpsc};
use tower::util::MapRequest;
use tower::{Service, ServiceExt};
use triggers_webhooks::engine::Webhooks;

use crate::core::dispatch::{Dispatcher, event_data};
use crate::core::events::{Event, EventStore};
use crate::state::AppState;

/// The two URIs of an API Gateway request (see the [module docs](super)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// The API's own path and query, which the router matches
    /// (`/v1/events?…`).
    pub route: String,
    /// The path and query as the client sent them, as far as the event
    /// tells (`/prod/v1/events?…`): what signature verification checks.
    pub signed: String,
}

/// The router as a `lambda_http` service: each request goes through
/// [`adapt`] first.
pub type ApiService = MapRequest<Router, fn(lambda_http::Request) -> http::Request<AxumBody>>;

/// Serves `router` (normally [`crate::router`]) to `lambda_http`.
pub fn service(router: Router) -> ApiService {
    router.map_request(adapt as fn(lambda_http::Request) -> http::Request<AxumBody>)
}

/// Runs the API function ([`ApiFunction`]) until the Lambda runtime stops
/// it.
pub async fn run(state: AppState) -> Result<(), lambda_http::Error> {
    lambda_http::run(ApiFunction::new(state)).await
}

/// The API function: [`service`] over a state whose dispatcher hands the
/// events it accepts to this function, which fans them out to their
/// webhooks' delivery queue before the invocation returns (Lambda freezes a
/// function between invocations: nothing may be left running). An event
/// whose fan-out fails stays in the outbox, like under `serve`; on Lambda
/// the sweeper function ([`super::sweeper`]) takes it from there. Cheap to
/// clone.
#[derive(Clone)]
pub struct ApiFunction {
    api: ApiService,
    handed_off: Arc<Mutex<mpsc::Receiver<Event>>>,
    events: Arc<dyn EventStore>,
    webhooks: Webhooks,
}

impl std::fmt::Debug for ApiFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiFunction").finish_non_exhaustive()
    }
}

impl ApiFunction {
    /// The function over `state` (its dispatcher is replaced by this
    /// function's own).
    pub fn new(state: AppState) -> Self {
        let (dispatcher, handed_off) = Dispatcher::new();
        let events = state.events.clone();
        let webhooks = state.webhooks.clone();
        let state = AppState {
            dispatcher,
            ..state
        };
        ApiFunction {
            api: service(crate::router(state)),
            handed_off: Arc::new(Mutex::new(handed_off)),
            events,
            webhooks,
        }
    }

    /// Fans out the events handed off so far and takes them out of the
    /// outbox; returns how many were fanned out.
    pub async fn fan_out_handed_off(&self) -> usize {
        let batch: Vec<Event> = {
            let mut rx = self.handed_off.lock().await;
            std::iter::from_fn(|| rx.try_recv().ok()).collect()
        };
        let mut done = Vec::with_capacity(batch.len());
        for event in batch {
            let event_id = event.event_id;
            match self.webhooks.fan_out(event_data(event)).await {
                Ok(_) => done.push(event_id),
                Err(e) => {
                    tracing::warn!(error = %e, %event_id, "fan-out failed; the event stays in the outbox")
                }
            }
        }
        if done.is_empty() {
            return 0;
        }
        match self.events.mark_dispatched(&done).await {
            Ok(()) => done.len(),
            Err(e) => {
                // Fanned out again by a later sweep: the same delivery ids
                // (receivers deduplicate on webhook-id).
                tracing::warn!(error = %e, "could not mark events dispatched");
                0
            }
        }
    }
}

impl Service<lambda_http::Request> for ApiFunction {
    type Response = http::Response<AxumBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: lambda_http::Request) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let response = this.api.clone().oneshot(request).await?;
            this.fan_out_handed_off().await;
            Ok(response)
        })
    }
}

/// The request the router expects: the route URI from [`targets`], the
/// signed target as `OriginalUri` (which signature verification prefers),
/// the body as axum's. A request without an API Gateway context (or one
/// whose URIs cannot be formed) keeps the URI `lambda_http` built.
pub fn adapt(request: lambda_http::Request) -> http::Request<AxumBody> {
    let found = targets(&request);
    let (mut parts, body) = request.into_parts();
    if let Some(t) = found {
        match (t.route.parse::<Uri>(), t.signed.parse::<Uri>()) {
            (Ok(route), Ok(signed)) => {
                parts.uri = route;
                parts.extensions.insert(OriginalUri(signed));
            }
            _ => tracing::warn!(
                route = %t.route,
                "the request target is not a valid URI; using the one lambda_http built"
            ),
        }
    }
    let body = match body {
        lambda_http::Body::Empty => AxumBody::empty(),
        lambda_http::Body::Text(text) => AxumBody::from(text),
        lambda_http::Body::Binary(bytes) => AxumBody::from(bytes),
        other => AxumBody::from(other.to_vec()),
    };
    http::Request::from_parts(parts, body)
}

/// The route and signed target of an API Gateway request (`None` for
/// other requests).
pub fn targets(request: &lambda_http::Request) -> Option<Targets> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => {
            // An HTTP API's `rawPath` arrives decoded: encode it again; a
            // function URL's (the same payload) keeps the encoding as sent.
            // The query is as sent (lambda_http appends `rawQueryString`
            // verbatim).
            let raw_path = request.raw_http_path();
            let query = request.uri().query().filter(|q| !q.is_empty());
            let encode = if is_function_url(context.domain_name.as_deref()) {
                valid_encoded_path
            } else {
                encode_decoded_path
            };
            let signed = encode(raw_path);
            let route = encode(strip_stage(raw_path, context.stage.as_deref()));
            Some(Targets {
                route: with_query(route, query),
                signed: with_query(signed, query),
            })
        }
        RequestContext::ApiGatewayV1(context) => {
            // `path` (without the stage) and `requestContext.path` (with
            // it) keep the encoding as sent; the query is decoded pairs.
            let path = request.raw_http_path();
            let route = valid_encoded_path(path);
            let signed = match context.path.as_deref() {
                Some(p) if !p.is_empty() => valid_encoded_path(p),
                _ => match context.stage.as_deref() {
                    Some(stage) if !stage.is_empty() && stage != "$default" => {
                        valid_encoded_path(&format!("/{stage}{route}"))
                    }
                    _ => route.clone(),
                },
            };
            let query = request
                .query_string_parameters_ref()
                .map(form_encode_sorted)
                .filter(|q| !q.is_empty());
            let query = query.as_deref();
            Some(Targets {
                route: with_query(route, query),
                signed: with_query(signed, query),
            })
        }
        _ => None,
    }
}

/// A Lambda function URL (`<id>.lambda-url.<region>.on.aws`) rather than
/// an HTTP API: both send payload 2.0.
fn is_function_url(domain: Option<&str>) -> bool {
    domain.is_some_and(|d| d.contains(".lambda-url.") && d.ends_with(".on.aws"))
}

fn with_query(mut path: String, query: Option<&str>) -> String {
    if let Some(q) = query {
        path.push('?');
        path.push_str(q);
    }
    path
}

/// `path` without a leading `/{stage}` segment (a named stage of an HTTP
/// API reached through its `execute-api` URL); `$default` adds none.
fn strip_stage<'a>(path: &'a str, stage: Option<&str>) -> &'a str {
    let Some(stage) = stage.filter(|s| !s.is_empty() && *s != "$default") else {
        return path;
    };
    match path
        .strip_prefix('/')
        .and_then(|rest| rest.strip_prefix(stage))
    {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn push_escaped(out: &mut String, byte: u8) {
    out.push('%');
    out.push(HEX[usize::from(byte >> 4)] as char);
    out.push(HEX[usize::from(byte & 0x0f)] as char);
}

/// A decoded path encoded again: every byte but RFC 3986 unreserved ones
/// and `/` as `%XX` (the canonical form of `docs/SIGNING.md`, so a decoded
/// `é` or space verifies against any encoding the client sent).
fn encode_decoded_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    if !path.starts_with('/') {
        out.push('/');
    }
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

/// An already encoded path made a valid URI path without changing what it
/// means: `%` escapes and RFC 3986 path characters are kept, any other
/// byte (space, non-ASCII, `?`, `#`, …) is escaped.
fn valid_encoded_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    if !path.starts_with('/') {
        out.push('/');
    }
    for &b in path.as_bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'%'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

/// Decoded query pairs form-encoded again (a space as `+`), keys sorted,
/// the values of a key in the order received.
fn form_encode_sorted(query: &aws_lambda_events::query_map::QueryMap) -> String {
    let mut pairs: Vec<(&str, &str)> = query.iter().collect();
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_stages_leave_the_route_and_default_adds_none() {
        assert_eq!(strip_stage("/prod/v1/events", Some("prod")), "/v1/events");
        assert_eq!(strip_stage("/prod", Some("prod")), "/");
        assert_eq!(
            strip_stage("/production/v1", Some("prod")),
            "/production/v1"
        );
        assert_eq!(strip_stage("/v1/events", Some("$default")), "/v1/events");
        assert_eq!(strip_stage("/v1/events", None), "/v1/events");
    }

    #[test]
    fn decoded_paths_are_encoded_again_canonically() {
        assert_eq!(encode_decoded_path("/a b/caf\u{e9}"), "/a%20b/caf%C3%A9");
        assert_eq!(encode_decoded_path("v1/events"), "/v1/events");
        assert_eq!(encode_decoded_path("/100%"), "/100%25");
    }

    #[test]
    fn function_urls_are_told_from_http_apis() {
        assert!(is_function_url(Some("abc123.lambda-url.us-east-1.on.aws")));
        assert!(!is_function_url(Some(
            "abc123.execute-api.us-east-1.amazonaws.com"
        )));
        assert!(!is_function_url(Some("api.example.com")));
        assert!(!is_function_url(None));
    }

    #[test]
    fn encoded_paths_keep_their_escapes() {
        assert_eq!(valid_encoded_path("/v1/a%2Fb"), "/v1/a%2Fb");
        assert_eq!(valid_encoded_path("/a b?#"), "/a%20b%3F%23");
    }
}
