//! Prints a `curl` command for a signed Triggers API v1 request.
//!
//! ```sh
//! cargo run -q -p triggers-tower --example sign -- POST /v1/events '{"a":1}'
//! cargo run -q -p triggers-tower --example sign -- POST /v1/events '{"a":1}' | sh
//! ```
//!
//! Arguments: `METHOD TARGET [BODY]`, where `TARGET` is the path and query
//! exactly as it will be sent. Environment (defaults match the `axum`
//! example): `ADDR` (`127.0.0.1:3000`), `SECRET` (`demo-secret`), `API_KEY`
//! (`demo-api-key`; empty to omit), `KEY_ID` (unset: no `x-key-id` header),
//! `TIMESTAMP` (unset: now).

use std::process::ExitCode;

use triggers_signing::{Secret, sign, unix_now};

/// Quotes `s` for a POSIX shell.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

fn run() -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: sign METHOD TARGET [BODY]   (e.g. sign POST /v1/events '{\"a\":1}')";
    let method = args.next().ok_or(usage)?;
    let target = args.next().ok_or(usage)?;
    let body = args.next().unwrap_or_default();
    if args.next().is_some() {
        return Err(usage.to_owned());
    }
    if !target.starts_with('/') {
        return Err(format!("TARGET must start with `/`: {target}"));
    }

    let addr = env_or("ADDR", "127.0.0.1:3000");
    let secret = Secret::new(env_or("SECRET", "demo-secret")).map_err(|e| e.to_string())?;
    let api_key = env_or("API_KEY", "demo-api-key");
    let timestamp = match std::env::var("TIMESTAMP") {
        Ok(ts) => ts
            .parse()
            .map_err(|_| format!("TIMESTAMP is not a number: {ts}"))?,
        Err(_) => unix_now(),
    };

    let signed = sign(&secret, &method, &target, timestamp, body.as_bytes())
        .map_err(|e| format!("cannot sign: {e}"))?;

    let mut lines = vec![format!(
        "curl -sS -i -X {} {}",
        quote(&method),
        quote(&format!("http://{addr}{target}"))
    )];
    if !api_key.is_empty() {
        lines.push(format!("-H {}", quote(&format!("x-api-key: {api_key}"))));
    }
    if let Ok(key_id) = std::env::var("KEY_ID") {
        lines.push(format!("-H {}", quote(&format!("x-key-id: {key_id}"))));
    }
    for (name, value) in signed.iter() {
        lines.push(format!("-H {}", quote(&format!("{name}: {value}"))));
    }
    if !body.is_empty() {
        lines.push(format!("-H {}", quote("content-type: application/json")));
        lines.push(format!("--data-binary {}", quote(&body)));
    }
    Ok(lines.join(" \\\n  "))
}

fn main() -> ExitCode {
    match run() {
        Ok(command) => {
            println!("{command}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
    }
}
