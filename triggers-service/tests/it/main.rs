//! Integration tests of triggers-service: a real server on 127.0.0.1, real
//! HTTP, the embedded SQLite store in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod api_keys;
#[cfg(feature = "aws")]
mod aws;
mod errors;
mod event_store;
mod events;
#[cfg(feature = "lambda")]
mod lambda;
mod migrate_cli;
mod reliability;
mod signing;
mod webhook_reliability;
mod webhooks;
