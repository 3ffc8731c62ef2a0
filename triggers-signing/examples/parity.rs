//! The Rust side of the cross-language parity test (`tests/parity/run.sh`).
//!
//! ```sh
//! python3 tests/parity/cases.py > /tmp/cases.json
//! cargo run -p triggers-signing --example parity -- /tmp/cases.json
//! ```
//!
//! Reads the generated cases and prints `{"requests": [...], "webhooks": [...]}`:
//! for each request case the `X-Signature` value or `error:<code>`, for each
//! webhook case the `webhook-signature` value or `error:<code>`. Every SDK's
//! runner prints the same shape from the same file, and the driver compares
//! them byte for byte.

use std::process::ExitCode;

use base64::Engine as _;
use serde_json::{Value, json};
use triggers_signing::{Secret, sign, webhook};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: parity <cases.json>");
        return ExitCode::from(2);
    };
    match run(&path) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("parity: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let cases: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let list = |name: &str| -> Result<Vec<Value>, String> {
        cases[name]
            .as_array()
            .cloned()
            .ok_or_else(|| format!("no `{name}` array"))
    };
    let mut requests = Vec::new();
    for case in list("requests")? {
        let (secret, method, target) = (
            str_of(&case, "secret")?,
            str_of(&case, "method")?,
            str_of(&case, "target")?,
        );
        let (timestamp, body) = (u64_of(&case)?, body_of(&case)?);
        let out = Secret::new(secret)
            .and_then(|secret| sign(&secret, method, target, timestamp, &body))
            .map(|h| h.signature);
        requests.push(outcome(out));
    }
    let mut webhooks = Vec::new();
    for case in list("webhooks")? {
        let secrets = case["secrets"]
            .as_array()
            .ok_or("webhook case without `secrets`")?
            .iter()
            .map(|s| s.as_str().ok_or("a webhook secret is not a string"))
            .collect::<Result<Vec<_>, _>>()?;
        let (msg_id, timestamp, body) = (str_of(&case, "msg_id")?, u64_of(&case)?, body_of(&case)?);
        let out = secrets
            .into_iter()
            .map(webhook::WebhookSecret::parse)
            .collect::<Result<Vec<_>, _>>()
            .and_then(|secrets| webhook::sign_all(&secrets, msg_id, timestamp, &body));
        webhooks.push(outcome(out));
    }
    Ok(json!({ "requests": requests, "webhooks": webhooks }))
}

fn outcome(result: Result<String, triggers_signing::Error>) -> Value {
    match result {
        Ok(sig) => Value::String(sig),
        Err(e) => Value::String(format!("error:{}", e.code())),
    }
}

fn str_of<'a>(case: &'a Value, key: &str) -> Result<&'a str, String> {
    case[key]
        .as_str()
        .ok_or_else(|| format!("case {}: `{key}` is not a string", case["id"]))
}

fn u64_of(case: &Value) -> Result<u64, String> {
    case["timestamp"]
        .as_u64()
        .ok_or_else(|| format!("case {}: `timestamp` is not a u64", case["id"]))
}

fn body_of(case: &Value) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(case["body"].as_str().ok_or("case without `body`")?)
        .map_err(|e| format!("case body: {e}"))
}
