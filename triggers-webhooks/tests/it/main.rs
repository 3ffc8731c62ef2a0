//! Integration tests of triggers-webhooks.

#[cfg(all(feature = "dynamodb", feature = "sqs"))]
mod aws;
mod client;
mod envelope;
mod queue;
mod store;
