//! Integration tests of triggers-service: a real server on 127.0.0.1, real
//! HTTP, the embedded SQLite store in a temporary directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backend;
mod support;

mod analytics;
mod api_keys;
#[cfg(feature = "aws")]
mod aws;
mod errors;
mod event_store;
mod events;
#[cfg(feature = "lambda")]
mod lambda;
#[cfg(all(feature = "aws", feature = "lambda"))]
mod lambda_analytics;
#[cfg(all(feature = "aws", feature = "lambda"))]
mod lambda_aws;
mod migrate_cli;
#[cfg(feature = "aws")]
mod on_aws;
mod reliability;
mod signing;
#[cfg(feature = "lambda")]
mod sweeper;
mod webhook_reliability;
mod webhooks;
