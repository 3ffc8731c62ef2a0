//! The AWS Lambda entry points (feature `lambda`): the API behind API
//! Gateway ([`api`]), the webhook delivery worker behind an SQS event
//! source ([`worker`]), the outbox sweeper behind an EventBridge
//! schedule ([`sweeper`]) and, with feature `aws`, the analytics stream
//! consumer behind DynamoDB Streams event sources (`analytics`). The bins
//! `triggers-lambda-api`, `triggers-lambda-worker`,
//! `triggers-lambda-sweeper` and `triggers-lambda-analytics` are thin:
//! configuration from the environment ([`open_from_env`], the one place
//! that wires an [`App`]; the analytics function opens only its store,
//! `analytics::open_from_env`), then [`api::run`], [`worker::run`],
//! [`sweeper::run`] or `analytics::run`.
//!
//! # The API function
//!
//! The router is [`crate::router`], the same one `serve` runs: routes exist
//! in one place. [`api::service`] turns each API Gateway request into the
//! request the router expects, with two URIs:
//!
//! - the **route** URI, the API's own path (`/v1/events`), which the router
//!   matches;
//! - the **signed target**, the path and query as the client sent them
//!   (`/prod/v1/events?…` through an `execute-api` URL with a named stage),
//!   handed to signature verification as axum's `OriginalUri`.
//!
//! A v1 signature covers the *canonical* target (`docs/SIGNING.md`): each
//! path segment and query key and value percent-decoded and encoded again,
//! query pairs sorted. So the target only has to survive API Gateway up to
//! canonicalization, and what API Gateway keeps differs by payload format
//! (live captures of both, July 2026: `hotsock/voker`,
//! `vokerhttp/testdata/ingress-paths.json` and `apigwv1-request.json`):
//!
//! | | path | query |
//! |---|---|---|
//! | **HTTP API, payload 2.0** | `rawPath` is *decoded* (despite its name); `%3F` truncates it, `%25` is refused by API Gateway | `rawQueryString`: exactly as sent |
//! | **REST API, payload 1.0** | `path` and `requestContext.path` keep the encoding as sent | only decoded values (`multiValueQueryStringParameters`): `+` and `%20` both became a space, the order of keys is lost |
//! | **function URL (payload 2.0)** | `rawPath` keeps the encoding as sent | `rawQueryString`: exactly as sent |
//!
//! What the service verifies therefore:
//!
//! - **HTTP API (2.0)**: path = `rawPath` encoded again, query =
//!   `rawQueryString` verbatim. Every query verifies (encoded slashes,
//!   repeated keys, `+`, any order). A path verifies unless it held an
//!   encoded `/`, `?`, `#` or `%` (`%2F`, `%3F`, `%23`, `%25`): API Gateway
//!   hands over the decoded character, which is not the one signed, and the
//!   request is refused with `401 signature_mismatch` (or `404` when the
//!   decoded path names no route). No path of this API needs them (ids are
//!   letters, digits, `_` and `-`).
//! - **Function URL** (told from an HTTP API by its domain,
//!   `<id>.lambda-url.<region>.on.aws`): path and query as sent; everything
//!   verifies.
//! - **REST API (1.0)**: path = `requestContext.path` (with the stage, as
//!   the client sent it; `/{stage}` + `path` if absent), query = the decoded
//!   pairs form-encoded again (a space as `+`, keys sorted, the values of a
//!   key in the order received). Encoded path segments (`%2F`), repeated
//!   keys, encoded slashes in values and a `+` standing for a plus (sent as
//!   `%2B`) or for a space (sent as `+`) all verify. A key or value sent
//!   with `%20` does not: API Gateway decoded it to a space, indistinguishable
//!   from a `+`, and the service re-encodes a space as `+` (what
//!   `URLSearchParams`, Go's `url.Values` and Python's `urlencode` send);
//!   such a request is refused with `401 signature_mismatch`.
//!
//! Stages: an HTTP API's `$default` stage adds nothing to paths. A named
//! stage reached through the `execute-api` URL is the first segment of
//! `rawPath` (2.0) and of `requestContext.path` (1.0): it stays in the
//! signed target and is removed from the route. Not supported: an HTTP API
//! with a *named* stage behind a custom domain (API Gateway still puts the
//! stage in `rawPath`, though the client did not send it: signatures fail;
//! map the custom domain to the `$default` stage), a REST API mapped under
//! a custom domain's base path (its `path` starts with the base path: the
//! router answers 404; map the API at the domain's root), and HTTP APIs
//! with payload format 1.0 (use 2.0). This does not depend on
//! `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH`, which only changes the URI
//! `lambda_http` builds, and is replaced here.
//!
//! On Lambda the API does not print a first admin key (nothing secret goes
//! to the logs): create keys with `triggers-service keys create` against
//! the same backend.
//!
//! Fan-out: [`api::ApiFunction`] takes the hand-off of the events it
//! accepts and fans each out to its webhooks (one job per webhook on the
//! delivery queue) before the invocation returns, then takes it out of the
//! outbox: Lambda freezes a function between invocations, so nothing runs
//! in the background (no dispatcher task, no delivery worker). An event
//! whose fan-out fails (queue or store unavailable) stays in the outbox and
//! the request still answers `201`; the sweeper function (below) fans it
//! out a minute or so later.
//!
//! # The sweeper function
//!
//! An EventBridge schedule (`rate(1 minute)` in the template) invokes
//! [`sweeper::run`]: one pass of the sweep `serve` runs every 2 s
//! (`core::dispatch::sweep_once`, the same code) over the events still in
//! the outbox and older than a grace period (`TRIGGERS_SWEEPER_GRACE_SECS`,
//! default 60 s, above the API function's timeout: a pass never races an
//! inline fan-out), a page at a time, stopped before the invocation's
//! deadline. It answers a summary (`{"swept":…,"left":…,"pages":…,"end":…,
//! "received_before":…}`); a pass that cannot read the outbox, or fans out
//! none of the events waiting, fails the invocation. An event fanned out
//! but not marked (a failed mark) is fanned out again by the next run,
//! under the same delivery ids: at least once. See [`sweeper`].
//!
//! # The worker function
//!
//! An SQS event source mapping on the delivery queue
//! (`<prefix>webhook-delivery`, see
//! `triggers_webhooks::backends::sqs`) with `ReportBatchItemFailures`
//! enabled invokes [`worker::run`]. Each message body is a
//! [`Job`](triggers_webhooks::queue::Job) in its one queue encoding
//! ([`Job::from_message`](triggers_webhooks::queue::Job::from_message),
//! the codec the SQS backend writes with). The Lambda service, not the
//! engine's queue, received the messages: on the `aws` backend the worker
//! ([`worker::Worker::for_app`]) first hands each record to
//! `SqsDeliveryQueue::adopt`, which registers the lease (its receipt
//! handle, held until it was received + the queue's visibility timeout)
//! with the queue the engine settles through, exactly as if that queue had
//! received it; the SQLite backend uses the receipt as it is. Each job then
//! goes through [`Webhooks::process_job`](triggers_webhooks::engine::Webhooks::process_job),
//! which records the attempt and settles the message itself on that queue:
//! deleted (`DeleteMessage`) when delivered, dead-lettered or dropped,
//! replaced by the next attempt (`SendMessage` with the retry delay, then
//! `DeleteMessage`) when the receiver failed. The response lists as
//! `batchItemFailures` exactly the messages that are *not* settled, so SQS
//! delivers only those again and moves them to the dead-letter queue after
//! `maxReceiveCount`:
//!
//! - a message that is not a job (undecodable body, no receipt handle);
//! - a job whose processing failed (store, queue or event source
//!   unavailable), or that the queue could not take over (its lease over
//!   already, the queue's visibility timeout unreadable);
//! - a job still in flight when the invocation's deadline comes near
//!   ([`worker::WorkerOptions::deadline_margin`]): it is abandoned and
//!   reported, instead of the invocation timing out (which would fail the
//!   whole batch).
//!
//! **What acks a message.** The worker relies on its own `DeleteMessage`,
//! sent by the engine as soon as the outcome is stored, not on the Lambda
//! service: a settled message is gone even if the invocation then fails or
//! times out (which would otherwise make the whole batch visible again and
//! deliver it twice). The Lambda service also deletes every message left
//! out of `batchItemFailures` once the function returns; for a message the
//! worker deleted already that second delete changes nothing (the message
//! is gone either way; SQS accepts a deleted message's receipt again), so
//! it is harmless, and nothing depends on it.
//!
//! A receiver that answers with an error is *not* a batch item failure: the
//! attempt is recorded and the message already replaced by the next attempt
//! of the engine's retry schedule (attempt numbers, backoff, `Retry-After`,
//! the attempt log, dead letters and replay in the API all keep working),
//! so the message itself is done. SQS's own redelivery is kept for messages
//! nobody could settle.
//! Use a standard queue (the engine needs no order; a FIFO queue would stop
//! the batch at the first failure) and a visibility timeout well above the
//! function's timeout (the template: 6 times): the adopted leases then
//! never run out during an invocation.
//!
//! # The analytics function
//!
//! Event source mappings on the streams (NEW_IMAGE) of the events, attempts
//! and dead-letters tables invoke `analytics::run` with batches of stream
//! records. Each record that stores a new fact (an event, an attempt, a
//! dead letter: the `INSERT`s, and a dead letter's `MODIFY` when a replayed
//! delivery died again) becomes an analytics record through one pure
//! function per table (`crate::db::dynamodb::event_record`,
//! `attempt_record`, `dead_letter_record`), and the batch is folded into
//! `<prefix>analytics` with `triggers_analytics::store::apply_batch`, the
//! fold `serve` runs in process. A record that cannot be mapped is logged
//! and skipped; a store failure fails the invocation, and Lambda retries
//! the batch (the fold is idempotent: records already counted are
//! duplicates). See `analytics` (feature `aws`).
//!
//! # Backends
//!
//! [`open_from_env`] opens the configured `backend` through [`App::open`],
//! the path `serve` and the `keys` CLI take too: with `aws`
//! (`TRIGGERS_BACKEND=aws`, `TRIGGERS_AWS_TABLE_PREFIX`,
//! `TRIGGERS_AWS_DELIVERY_QUEUE_URL`, `TRIGGERS_AWS_DEAD_LETTER_QUEUE_URL`,
//! `TRIGGERS_MASTER_KEY_SECRET_ID`, as `deploy/template.yaml` sets them)
//! the DynamoDB tables, the SQS queues and the master key from Secrets
//! Manager (see `crate::db::aws`). With `sqlite` the database lives in the
//! data directory of one sandbox (`/tmp`, or an EFS mount): fine for
//! trying the functions out with a reserved concurrency of 1, not for
//! production.

use clap::Parser;

use crate::app::{App, StartError};
use crate::config::{Config, ConfigArgs, ConfigError};

#[cfg(feature = "aws")]
pub mod analytics;
pub mod api;
pub mod sweeper;
pub mod worker;

/// Why a Lambda function could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LambdaStartError {
    /// Not started by the Lambda service: a variable the Lambda runtime
    /// needs is not set.
    #[error(
        "{0} is not set: this program runs as an AWS Lambda function (the local server is `triggers-service serve`)"
    )]
    NotOnLambda(&'static str),
    /// The environment holds an invalid setting.
    #[error("invalid setting in the environment: {0}")]
    Environment(String),
    /// The configuration could not be loaded.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The backend could not be opened.
    #[error(transparent)]
    Start(#[from] StartError),
}

/// The settings of a Lambda function: the `TRIGGERS_*` environment
/// variables of [`ConfigArgs`] (a function has no command line).
#[derive(Debug, Parser)]
#[command(name = "triggers-lambda", no_binary_name = true)]
struct EnvArgs {
    #[command(flatten)]
    config: ConfigArgs,
}

/// The configuration from the environment (`TRIGGERS_BACKEND`,
/// `TRIGGERS_DATA_DIR`, `TRIGGERS_CONFIG`, …; see `config.default.toml`).
pub fn config_from_env() -> Result<Config, LambdaStartError> {
    let args = EnvArgs::try_parse_from(std::iter::empty::<String>()).map_err(|e| {
        let text = e.to_string();
        let first = text.lines().next().unwrap_or_default();
        LambdaStartError::Environment(first.trim_start_matches("error: ").to_owned())
    })?;
    Ok(Config::load(&args.config)?)
}

/// Sets a Lambda function up: checks it runs on Lambda
/// ([`check_lambda_env`]), configuration from the environment, logging
/// ([`init_logging`] with the configured `log`), then the configured
/// backend. The one place the functions are wired. No first admin key is
/// created (see the module docs).
pub async fn open_from_env() -> Result<App, LambdaStartError> {
    check_lambda_env()?;
    let config = config_from_env()?;
    init_logging(&config.log);
    Ok(App::open(config).await?)
}

/// The variables the Lambda runtime reads (it panics without them).
const LAMBDA_ENV: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// Refuses to start outside Lambda with a clear error, before the Lambda
/// runtime would panic.
pub fn check_lambda_env() -> Result<(), LambdaStartError> {
    match LAMBDA_ENV.iter().find(|v| std::env::var_os(v).is_none()) {
        Some(missing) => Err(LambdaStartError::NotOnLambda(missing)),
        None => Ok(()),
    }
}

/// Starts logging for a Lambda function (once; later calls do nothing):
/// plain lines on stderr (CloudWatch adds the time), filtered by `RUST_LOG`
/// or else `default_filter`.
pub fn init_logging(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .without_time()
        .with_writer(std::io::stderr)
        .try_init();
}
