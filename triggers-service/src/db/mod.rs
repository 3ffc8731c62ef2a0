//! Storage backends of the service's own domain (events). Keys live in
//! `triggers-keys`, webhooks in `triggers-webhooks`, whose backends the
//! service wires from configuration (`aws`: the whole AWS family).

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "aws")]
pub mod dynamodb;
pub mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
