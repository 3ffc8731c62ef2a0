//! Storage backends of the service's own domain (events). Keys live in
//! `triggers-keys`, whose backends the service wires from configuration.

pub mod sqlite;
