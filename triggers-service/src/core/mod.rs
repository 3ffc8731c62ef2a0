//! The domain of the service that no other crate owns: events and the inbox.

pub mod events;
pub mod time;
