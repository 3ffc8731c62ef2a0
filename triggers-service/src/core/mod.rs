//! The domain of the service that no other crate owns: events and the inbox, and
//! their hand-off to webhook delivery.

pub mod analytics;
pub mod dispatch;
pub mod events;
pub mod time;
