//! Integration tests of triggers-webhooks.

mod envelope;
