//! What every handler shares.

use std::sync::Arc;

use triggers_analytics::store::AnalyticsStore;
use triggers_keys::{KeyService, KeyStore};

use triggers_webhooks::engine::Webhooks;

use crate::config::Config;
use crate::core::analytics::Recorder;
use crate::core::dispatch::Dispatcher;
use crate::core::events::EventStore;

/// The key service over whichever key store the backend provides.
pub type Keys = KeyService<Arc<dyn KeyStore>>;

/// Shared state: the stores of one backend family and the configuration.
#[derive(Clone)]
pub struct AppState {
    /// Events and inbox.
    pub events: Arc<dyn EventStore>,
    /// API keys.
    pub keys: Arc<Keys>,
    /// Webhooks: management, fan-out, delivery.
    pub webhooks: Webhooks,
    /// The hand-off of ingested events to webhook fan-out.
    pub dispatcher: Dispatcher,
    /// Analytics buckets (read by `/v1/analytics/*`).
    pub analytics: Arc<dyn AnalyticsStore>,
    /// Where requests and events are recorded for analytics (disabled where
    /// the table streams feed analytics: the AWS backend).
    pub recorder: Recorder,
    /// Effective configuration.
    pub config: Arc<Config>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
