//! Integration tests: real servers on 127.0.0.1, real HTTP clients.

#![allow(clippy::unwrap_used)]

mod api_key;
mod hyper_plain;
mod limits;
mod replay;
mod signature;
mod support;
