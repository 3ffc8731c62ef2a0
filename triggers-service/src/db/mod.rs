//! Storage backends of the service's own domain (events). Keys live in
//! `triggers-keys`, whose backends the service wires from configuration.

#[cfg(feature = "aws")]
pub mod dynamodb;
pub mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
