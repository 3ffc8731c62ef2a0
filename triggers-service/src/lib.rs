//! # triggers-service
//!
//! The reference Triggers API service: events and inbox, versioned API keys
//! with rotation, v1 request signing. One command runs it on one machine over
//! an embedded SQLite store; the same router deploys to AWS Lambda.
//!
//! Layout (by layer): [`config`], [`core`] (the events domain), [`db`]
//! (backends of the service's own stores), [`http`] (handlers per resource),
//! [`auth`] (the tower layers over the key service), [`app`] (assembly).
//! With the `lambda` feature, `lambda` holds the AWS Lambda entry points.

pub mod app;
pub mod auth;
pub mod config;
pub mod core;
pub mod db;
pub mod error;
pub mod http;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod state;

pub use http::router;
