//! Store backends, one Cargo feature each.

#[cfg(feature = "sqlite")]
pub mod sqlite;
