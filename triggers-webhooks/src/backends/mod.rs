//! Store and queue backends, one Cargo feature each.

#[cfg(feature = "sqlite")]
pub mod sqlite;
