//! Integration tests of triggers-webhooks.

mod client;
mod envelope;
mod queue;
mod store;
