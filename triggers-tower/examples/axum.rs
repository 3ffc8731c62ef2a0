//! A Triggers ingestion endpoint behind both layers.
//!
//! ```sh
//! cargo run -p triggers-tower --example axum            # listens on 127.0.0.1:3000
//! ADDR=127.0.0.1:8080 cargo run -p triggers-tower --example axum
//! ```
//!
//! `POST /v1/events` requires the API key `demo-api-key` (as
//! `Authorization: Bearer ...` or `X-API-Key: ...`) and a v1 signature made
//! with the secret `demo-secret`. The API key's identity names the signing key
//! (`demo`), so no `x-key-id` header is needed. Produce a working request with
//! the `sign` example:
//!
//! ```sh
//! cargo run -q -p triggers-tower --example sign -- POST /v1/events '{"a":1}'
//! ```

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use tower::ServiceBuilder;
use triggers_tower::Secret;
use triggers_tower::api_key::{ApiKeyLayer, Authenticated, StaticApiKeys};
use triggers_tower::rejection::Rejection;
use triggers_tower::signature::{
    KeyIdSource, StaticSecrets, VerifiedSignature, VerifySignatureLayer,
};

/// Who an API key belongs to.
#[derive(Clone, Debug)]
struct Client {
    name: String,
    /// The key id of this client's signing secrets.
    signing_key_id: String,
}

async fn ingest(
    Authenticated(client): Authenticated<Client>,
    signature: VerifiedSignature,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), Rejection> {
    // The body is exactly the verified bytes; parse it as the service wants
    // and answer errors with the same envelope as the layers.
    let event: Value = serde_json::from_slice(&body).map_err(|err| {
        Rejection::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_json",
            format!("the body is not JSON: {err}"),
        )
    })?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "accepted": true,
            "client": client.name,
            "key_id": signature.key_id,
            "signed_at": signature.timestamp,
            "secret_index": signature.secret_index,
            "bytes": body.len(),
            "event": event,
        })),
    ))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::var("ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".to_owned())
        .parse()?;

    let keys = StaticApiKeys::new().with_key(
        "demo-api-key",
        Client {
            name: "Demo Inc.".to_owned(),
            signing_key_id: "demo".to_owned(),
        },
    );
    let secrets = StaticSecrets::new().with_secret("demo", Secret::new("demo-secret")?);

    let app = Router::new()
        .route("/v1/events", post(ingest))
        .route_layer(
            ServiceBuilder::new()
                // Outermost: the API key is checked first...
                .layer(ApiKeyLayer::new(keys))
                // ...then the signature, with the secrets of the client's key.
                .layer(
                    VerifySignatureLayer::new(secrets)
                        .key_id(KeyIdSource::extension(|auth: &Authenticated<Client>| {
                            Some(auth.signing_key_id.clone())
                        }))
                        .body_limit(256 * 1024)
                        .replay_protection(100_000),
                ),
        )
        .route("/healthz", get(|| async { "ok" }));

    let listener = tokio::net::TcpListener::bind(addr).await?;
    let port = listener.local_addr()?.port();
    let env = if port == 3000 {
        String::new()
    } else {
        format!("ADDR={addr} ")
    };
    println!("triggers-tower demo listening on http://{addr}");
    println!(
        "  POST /v1/events   API key `demo-api-key`, signing key `demo` / secret `demo-secret`"
    );
    println!();
    println!("Print a signed curl command (valid for 5 minutes, once) with:");
    println!(
        "  {env}cargo run -q -p triggers-tower --example sign -- POST /v1/events '{{\"a\":1}}'"
    );
    println!("or run it directly:");
    println!(
        "  {env}cargo run -q -p triggers-tower --example sign -- POST /v1/events '{{\"a\":1}}' | sh"
    );

    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
