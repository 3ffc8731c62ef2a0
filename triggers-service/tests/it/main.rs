//! Integration tests of triggers-service: a real server on 127.0.0.1, real
//! HTTP, the embedded SQLite store in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod api_keys;
mod errors;
mod events;
mod migrate_cli;
mod reliability;
mod signing;
mod webhook_reliability;
mod webhooks;
