//! What a webhook store must do. Backends implement [`WebhookStore`]; the
//! `testing` module (feature `testing`) holds the conformance suite every
//! backend runs.
//!
//! The shape fits both SQLite and DynamoDB: single-item reads and
//! conditional writes (no multi-table transactions), and cursor pagination
//! by key. Every read is scoped to an account: another account's records are
//! never returned, updated or deleted.

use std::sync::Arc;

use uuid::Uuid;

use crate::{Attempt, DeadLetter, Delivery, Webhook};

/// A store failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A conditional write lost: the record changed since it was read, or a
    /// record with this key exists already.
    #[error("conflicting concurrent update")]
    Conflict,
    /// The record to update does not exist (in this account).
    #[error("record not found")]
    NotFound,
    /// The caller passed a record the store refuses (see the method).
    #[error("invalid input: {0}")]
    Invalid(&'static str),
    /// The backend failed (I/O, corrupt row, unavailable service).
    #[error("webhook store failure: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps any backend error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }
}

/// One page of webhooks, ascending by webhook id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPage {
    /// The webhooks.
    pub webhooks: Vec<Webhook>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next: Option<Uuid>,
}

/// The position of an attempt in the newest-first listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttemptCursor {
    /// [`Attempt::at`] of the last attempt returned.
    pub at: i64,
    /// Its delivery.
    pub delivery_id: Uuid,
    /// Its number.
    pub attempt: u32,
}

/// One page of attempts, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptPage {
    /// The attempts.
    pub attempts: Vec<Attempt>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next: Option<AttemptCursor>,
}

/// A dead letter as stored: the record and whether it was replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDeadLetter {
    /// The record.
    pub dead_letter: DeadLetter,
    /// Unix microseconds of the replay, once replayed.
    pub replayed_at: Option<i64>,
}

/// The position of a dead letter in the newest-first listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeadLetterCursor {
    /// [`DeadLetter::dead_at`] of the last dead letter returned.
    pub dead_at: i64,
    /// Its delivery.
    pub delivery_id: Uuid,
}

/// Which dead letters of an account to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeadLetterQuery {
    /// Only this webhook's.
    pub webhook_id: Option<Uuid>,
    /// Only those with `dead_at >= since` (Unix microseconds).
    pub since: Option<i64>,
    /// Only those with `dead_at < until` (Unix microseconds).
    pub until: Option<i64>,
}

/// One page of dead letters, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetterPage {
    /// The dead letters.
    pub dead_letters: Vec<StoredDeadLetter>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next: Option<DeadLetterCursor>,
}

/// Persistence of webhooks, attempts and dead letters.
///
/// Listing methods return at most `limit` records (a `limit` of 0 counts as
/// 1) and set `next` when more may follow.
#[async_trait::async_trait]
pub trait WebhookStore: Send + Sync + 'static {
    /// Stores a new webhook. A webhook id that exists already is
    /// [`StoreError::Conflict`].
    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError>;

    /// Reads a webhook of `account_id`; another account's webhook is `None`.
    async fn get_webhook(
        &self,
        account_id: &str,
        webhook_id: Uuid,
    ) -> Result<Option<Webhook>, StoreError>;

    /// Lists an account's webhooks by ascending webhook id, after the cursor.
    async fn list_webhooks(
        &self,
        account_id: &str,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<WebhookPage, StoreError>;

    /// Replaces a webhook (matched by `webhook_id` and `account_id`), only if
    /// its stored `updated_at` is still `expected_updated_at` (the value
    /// read): otherwise [`StoreError::Conflict`], so of two updates computed
    /// from the same read exactly one lands. `webhook.updated_at` must be
    /// greater than `expected_updated_at` (else [`StoreError::Invalid`]), so
    /// every update changes the condition. A webhook that does not exist in
    /// the account is [`StoreError::NotFound`]. `created_at` is kept.
    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: i64,
    ) -> Result<(), StoreError>;

    /// Deletes a webhook of `account_id`. True when it existed. Its
    /// attempts and dead letters stay (history).
    async fn delete_webhook(&self, account_id: &str, webhook_id: Uuid) -> Result<bool, StoreError>;

    /// Records an attempt of `delivery`. An attempt with the same
    /// `(delivery_id, attempt)` exists already: [`StoreError::Conflict`]
    /// (a redelivered job may record its attempt twice; the caller may
    /// ignore that conflict). `attempt.delivery_id` must be
    /// `delivery.delivery_id` (else [`StoreError::Invalid`]).
    async fn record_attempt(
        &self,
        delivery: &Delivery,
        attempt: &Attempt,
    ) -> Result<(), StoreError>;

    /// Records several attempts at once (one write where the backend can):
    /// like [`record_attempt`](Self::record_attempt) for each, except that
    /// an attempt recorded already is skipped, not an error. The default
    /// records them one by one.
    async fn record_attempts(&self, batch: &[(Delivery, Attempt)]) -> Result<(), StoreError> {
        for (delivery, attempt) in batch {
            match self.record_attempt(delivery, attempt).await {
                Ok(()) | Err(StoreError::Conflict) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Lists the attempts of a webhook of `account_id`, newest first (by
    /// `at`, then delivery id and attempt number, descending), after the
    /// cursor.
    async fn list_attempts(
        &self,
        account_id: &str,
        webhook_id: Uuid,
        after: Option<AttemptCursor>,
        limit: usize,
    ) -> Result<AttemptPage, StoreError>;

    /// Stores a dead letter (not replayed). A dead letter of the same
    /// delivery that was replayed is replaced (the replay died again); one
    /// that was not replayed yet is [`StoreError::Conflict`].
    async fn put_dead_letter(&self, dead_letter: &DeadLetter) -> Result<(), StoreError>;

    /// Reads the dead letter of a delivery of `account_id`.
    async fn get_dead_letter(
        &self,
        account_id: &str,
        delivery_id: Uuid,
    ) -> Result<Option<StoredDeadLetter>, StoreError>;

    /// Lists an account's dead letters matching `query`, newest first (by
    /// `dead_at`, then delivery id, descending), after the cursor.
    async fn list_dead_letters(
        &self,
        account_id: &str,
        query: &DeadLetterQuery,
        after: Option<DeadLetterCursor>,
        limit: usize,
    ) -> Result<DeadLetterPage, StoreError>;

    /// Marks a dead letter replayed at `now`, once: a dead letter replayed
    /// already is [`StoreError::Conflict`] (so two concurrent replays
    /// enqueue the delivery once), one that does not exist in the account
    /// [`StoreError::NotFound`].
    async fn mark_replayed(
        &self,
        account_id: &str,
        delivery_id: Uuid,
        now: i64,
    ) -> Result<(), StoreError>;
}

#[async_trait::async_trait]
impl<T: WebhookStore + ?Sized> WebhookStore for Arc<T> {
    async fn insert_webhook(&self, webhook: &Webhook) -> Result<(), StoreError> {
        (**self).insert_webhook(webhook).await
    }
    async fn get_webhook(
        &self,
        account_id: &str,
        webhook_id: Uuid,
    ) -> Result<Option<Webhook>, StoreError> {
        (**self).get_webhook(account_id, webhook_id).await
    }
    async fn list_webhooks(
        &self,
        account_id: &str,
        after: Option<Uuid>,
        limit: usize,
    ) -> Result<WebhookPage, StoreError> {
        (**self).list_webhooks(account_id, after, limit).await
    }
    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: i64,
    ) -> Result<(), StoreError> {
        (**self).update_webhook(webhook, expected_updated_at).await
    }
    async fn delete_webhook(&self, account_id: &str, webhook_id: Uuid) -> Result<bool, StoreError> {
        (**self).delete_webhook(account_id, webhook_id).await
    }
    async fn record_attempt(
        &self,
        delivery: &Delivery,
        attempt: &Attempt,
    ) -> Result<(), StoreError> {
        (**self).record_attempt(delivery, attempt).await
    }
    async fn record_attempts(&self, batch: &[(Delivery, Attempt)]) -> Result<(), StoreError> {
        (**self).record_attempts(batch).await
    }
    async fn list_attempts(
        &self,
        account_id: &str,
        webhook_id: Uuid,
        after: Option<AttemptCursor>,
        limit: usize,
    ) -> Result<AttemptPage, StoreError> {
        (**self)
            .list_attempts(account_id, webhook_id, after, limit)
            .await
    }
    async fn put_dead_letter(&self, dead_letter: &DeadLetter) -> Result<(), StoreError> {
        (**self).put_dead_letter(dead_letter).await
    }
    async fn get_dead_letter(
        &self,
        account_id: &str,
        delivery_id: Uuid,
    ) -> Result<Option<StoredDeadLetter>, StoreError> {
        (**self).get_dead_letter(account_id, delivery_id).await
    }
    async fn list_dead_letters(
        &self,
        account_id: &str,
        query: &DeadLetterQuery,
        after: Option<DeadLetterCursor>,
        limit: usize,
    ) -> Result<DeadLetterPage, StoreError> {
        (**self)
            .list_dead_letters(account_id, query, after, limit)
            .await
    }
    async fn mark_replayed(
        &self,
        account_id: &str,
        delivery_id: Uuid,
        now: i64,
    ) -> Result<(), StoreError> {
        (**self).mark_replayed(account_id, delivery_id, now).await
    }
}
