//! Integration tests of triggers-analytics (one binary).

mod accounts;
mod accuracy;
mod exactly_once;
mod merge;
mod persistence;
mod queries;
mod records;
mod support;
