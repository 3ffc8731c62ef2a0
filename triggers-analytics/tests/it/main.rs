//! Integration tests of triggers-analytics (one binary).

mod accounts;
mod accuracy;
#[cfg(feature = "dynamodb")]
mod dynamodb;
mod exactly_once;
mod merge;
mod persistence;
mod queries;
mod records;
mod store;
mod support;
