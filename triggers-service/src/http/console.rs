//! The web console at `/console`: the React app of `console/` (webhook
//! management; the analytics dashboard), built by `scripts/build-console.sh`
//! into `console/dist/` and embedded in the binary at compile time, so
//! `serve` needs no separate web server, and building the service needs no
//! Node.js (`console/dist/` is committed; `scripts/build-console.sh --check`
//! fails when it is not what the sources build).
//!
//! Static and unauthenticated: the app asks for an API key and sends it with
//! its own API calls. Every response carries a strict Content-Security-Policy
//! ([`CSP`]: everything from this origin only, no inline script or style, no
//! framing) and the usual hardening headers. Hashed assets (`assets/*`) are
//! cached for a year; everything else (`index.html`) is revalidated on every
//! load with its ETag, so a new binary's console shows at once. A path whose
//! last segment has no file extension is a client route (`/console/webhooks/…`)
//! and gets `index.html`; a missing file is `404 not_found`.

use std::borrow::Cow;

use axum::Router;
use axum::extract::Path;
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use rust_embed::RustEmbed;

use crate::error::ApiError;

/// `console/dist/`, in the binary.
#[derive(RustEmbed)]
#[folder = "../console/dist/"]
struct Dist;

/// The console's Content-Security-Policy.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Cache-Control of content-hashed files (`assets/*`).
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of everything else: revalidate (ETag) every time.
const REVALIDATE: &str = "no-cache";

/// The routes: `GET /console`, `/console/` and `/console/{*path}`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/console", get(index))
        .route("/console/", get(index))
        .route("/console/{*path}", get(file))
        .layer(map_response(harden))
}

async fn index(headers: HeaderMap) -> Response {
    serve("index.html", &headers)
}

async fn file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    if path.is_empty() || path.ends_with('/') {
        return serve("index.html", &headers);
    }
    if Dist::get(&path).is_some() {
        return serve(&path, &headers);
    }
    if is_client_route(&path) {
        return serve("index.html", &headers);
    }
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such console file").into_response()
}

/// A path the app routes itself: not under `assets/`, and its last segment
/// has no file extension.
fn is_client_route(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or(path);
    !path.starts_with("assets/") && !last.contains('.')
}

fn serve(name: &str, headers: &HeaderMap) -> Response {
    let Some(file) = Dist::get(name) else {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such console file")
            .into_response();
    };
    let etag = etag(&file.metadata.sha256_hash());
    let cache = if name.starts_with("assets/") {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let mut response = if if_none_match(headers, &etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body: Cow<'static, [u8]> = file.data;
        let mut r = body.into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(name)),
        );
        r
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    response
}

/// A strong ETag from the file's SHA-256 (its first 128 bits).
fn etag(sha256: &[u8; 32]) -> String {
    let mut s = String::with_capacity(34);
    s.push('"');
    for b in &sha256[..16] {
        s.push_str(&format!("{b:02x}"));
    }
    s.push('"');
    s
}

/// `If-None-Match` names this ETag (or `*`); weak comparison, as RFC 9110
/// prescribes for it.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

/// The media type of a console file, by its extension.
fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The hardening headers of every console response (errors included).
async fn harden(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn get_with(path: &str, if_none_match: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = Request::get(path);
        if let Some(tag) = if_none_match {
            req = req.header(header::IF_NONE_MATCH, tag);
        }
        let res = routes::<()>()
            .oneshot(req.body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }

    async fn get(path: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        get_with(path, None).await
    }

    fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
        h.get(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .to_str()
            .expect("ASCII header")
    }

    /// The `src`/`href` values of `/console/…` in index.html.
    fn referenced(html: &str) -> Vec<String> {
        html.split(['"', '\''])
            .filter(|s| s.starts_with("/console/"))
            .map(|s| s.to_owned())
            .collect()
    }

    #[tokio::test]
    async fn index_is_html_with_csp_and_revalidation() {
        for path in ["/console", "/console/"] {
            let (status, h, body) = get(path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(header(&h, "content-type"), "text/html; charset=utf-8");
            assert_eq!(header(&h, "content-security-policy"), CSP);
            assert_eq!(header(&h, "cache-control"), "no-cache");
            assert_eq!(header(&h, "x-content-type-options"), "nosniff");
            assert_eq!(header(&h, "x-frame-options"), "DENY");
            assert_eq!(header(&h, "referrer-policy"), "no-referrer");
            let html = String::from_utf8(body).expect("UTF-8");
            assert!(html.contains(r#"<div id="root">"#), "{html}");
        }
    }

    #[tokio::test]
    async fn index_has_no_inline_script_or_style() {
        // The CSP allows no inline code: every script must be a file of ours.
        let (_, _, body) = get("/console").await;
        let html = String::from_utf8(body).expect("UTF-8");
        let scripts: Vec<&str> = html.split("<script").skip(1).collect();
        assert!(!scripts.is_empty(), "index.html loads no script: {html}");
        for s in scripts {
            let end = s.find('>').expect("a complete <script> tag");
            assert!(
                s[..end].contains("src=\"/console/"),
                "inline script: <script{s}"
            );
            assert!(
                s[end + 1..].starts_with("</script>"),
                "inline script: <script{s}"
            );
        }
        assert!(!html.contains("<style"), "inline style in index.html");
        assert!(!html.contains(" style="), "style attribute in index.html");
    }

    #[tokio::test]
    async fn assets_of_index_are_served_with_types_and_long_cache() {
        let (_, _, body) = get("/console").await;
        let refs = referenced(&String::from_utf8(body).expect("UTF-8"));
        let mut js = 0;
        let mut css = 0;
        for r in &refs {
            let (status, h, body) = get(r).await;
            assert_eq!(status, StatusCode::OK, "{r}");
            assert!(!body.is_empty(), "{r} is empty");
            let ct = header(&h, "content-type");
            if r.ends_with(".js") {
                js += 1;
                assert_eq!(ct, "text/javascript; charset=utf-8");
            } else if r.ends_with(".css") {
                css += 1;
                assert_eq!(ct, "text/css; charset=utf-8");
            }
            if r.starts_with("/console/assets/") {
                assert_eq!(header(&h, "cache-control"), IMMUTABLE, "{r}");
            } else {
                assert_eq!(header(&h, "cache-control"), REVALIDATE, "{r}");
            }
            assert_eq!(header(&h, "content-security-policy"), CSP);
        }
        assert!(js >= 1 && css >= 1, "index.html references {refs:?}");
    }

    #[tokio::test]
    async fn client_routes_get_index_html() {
        let (_, _, index) = get("/console").await;
        for path in [
            "/console/login",
            "/console/webhooks",
            "/console/webhooks/3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f",
            "/console/dead-letters/",
        ] {
            let (status, h, body) = get(path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(header(&h, "content-type"), "text/html; charset=utf-8");
            assert_eq!(body, index, "{path}");
        }
    }

    #[tokio::test]
    async fn missing_files_are_404_with_the_headers() {
        for path in [
            "/console/assets/nope.js",
            "/console/assets/nope",
            "/console/nope.txt",
            "/console/webhooks/x.png",
        ] {
            let (status, h, _) = get(path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(header(&h, "content-security-policy"), CSP);
        }
    }

    #[tokio::test]
    async fn etag_revalidation_answers_304() {
        let (_, h, _) = get("/console").await;
        let tag = header(&h, "etag").to_owned();
        assert!(tag.starts_with('"') && tag.len() == 34, "{tag}");
        let (status, h2, body) = get_with("/console", Some(&tag)).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        assert!(body.is_empty());
        assert_eq!(header(&h2, "etag"), tag);
        assert_eq!(header(&h2, "cache-control"), "no-cache");
        let listed = format!("\"0000\", W/{tag}");
        assert_eq!(
            get_with("/console", Some(&listed)).await.0,
            StatusCode::NOT_MODIFIED
        );
        assert_eq!(
            get_with("/console", Some("\"other\"")).await.0,
            StatusCode::OK
        );
    }

    #[tokio::test]
    async fn other_methods_are_405() {
        let res = routes::<()>()
            .oneshot(
                Request::post("/console/webhooks")
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("infallible");
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    }

    #[test]
    fn content_types_and_client_routes() {
        assert_eq!(content_type("a/b.JS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("x.woff2"), "font/woff2");
        assert_eq!(content_type("noext"), "application/octet-stream");
        assert!(is_client_route("webhooks/3f2b8c1e"));
        assert!(is_client_route("login"));
        assert!(!is_client_route("assets/chunk"));
        assert!(!is_client_route("webhooks/robots.txt"));
    }
}
