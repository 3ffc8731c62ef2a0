//! Integration tests of `triggers-signing`, in one binary:
//!
//! - `vectors`: every case of `vectors/v1.json`, and a staleness check of the
//!   file against the generator's case list (`examples/vectors_gen/cases.rs`);
//! - `props`: property tests (proptest, bounded by case count);
//! - `errors`: error codes, messages and secret redaction;
//! - `reference`: an independent naive implementation of the spec used as an
//!   oracle by the others.

#![allow(clippy::unwrap_used)]

#[path = "../../examples/vectors_gen/cases.rs"]
mod cases;

mod errors;
mod props;
mod reference;
mod vectors;
