/**
 * Friendly names for the API's models: one alias per schema of
 * `docs/openapi.json` (`components.schemas`), over the types generated into
 * `./generated/openapi.ts` (`npm run gen:types`). The schema `Error` is
 * exported as `ApiErrorBody` so as not to shadow the global `Error`.
 * test/client-offline.test.mjs checks that every schema has its alias here.
 */
import type { components, operations } from './generated/openapi.js';

type Schemas = components['schemas'];

/** Body of `POST /v1/events`. */
export type CreateEventRequest = Schemas['CreateEventRequest'];

/** A stored event. */
export type Event = Schemas['Event'];

/** `pending`: in the inbox; `acknowledged`: acknowledged with `POST /v1/events/{event_id}/ack`. */
export type EventStatus = Schemas['EventStatus'];

/** A page of the inbox: unacknowledged events, oldest first. */
export type EventList = Schemas['EventList'];

/** `admin`: everything, including managing the account's API keys; `standard`: events and inbox only. */
export type ApiKeyRole = Schemas['ApiKeyRole'];

/** `revoked` once `DELETE /v1/api-keys/{key_id}` was called; `active` otherwise. */
export type ApiKeyStatus = Schemas['ApiKeyStatus'];

/** `active`: the current version. */
export type ApiKeyVersionStatus = Schemas['ApiKeyVersionStatus'];

/** Public id of an API key: `key_` and 16 letters or digits. */
export type ApiKeyId = Schemas['ApiKeyId'];

/** An API key, without secrets. */
export type ApiKey = Schemas['ApiKey'];

/** One version of an API key: each rotation issues a new version with new secrets. */
export type ApiKeyVersion = Schemas['ApiKeyVersion'];

/** A newly created API key with its secrets. */
export type ApiKeyWithSecrets = Schemas['ApiKeyWithSecrets'];

/** The result of a rotation: the key, the new version with its secrets (returned in this response only), and the earlier versions whose status changed. */
export type RotatedApiKey = Schemas['RotatedApiKey'];

/** A page of the account's API keys, by ascending `key_id`. */
export type ApiKeyList = Schemas['ApiKeyList'];

/** The versions of one API key, oldest first. */
export type ApiKeyVersionList = Schemas['ApiKeyVersionList'];

/** Body of `POST /v1/api-keys`. */
export type CreateApiKeyRequest = Schemas['CreateApiKeyRequest'];

/** Body of `POST /v1/api-keys/{key_id}/rotate` (optional: an empty body means the defaults). */
export type RotateApiKeyRequest = Schemas['RotateApiKeyRequest'];

/** A webhook's id: a UUID (v4) chosen by the service. */
export type WebhookId = Schemas['WebhookId'];

/** Which event types a webhook receives: `*` (every event), an exact `event_type` such as `invoice.paid` (case-sensitive), or a prefix such as `order.*` (every type that starts with `order.` and has at least one more character: `order.created`, `order.line.added`; not `order`, not `orders.created`). */
export type EventPattern = Schemas['EventPattern'];

/** 1 to 100 event patterns; an event is delivered when any of them selects its `event_type`. */
export type EventPatterns = Schemas['EventPatterns'];

/** Where deliveries are POSTed: an absolute `https` URL of at most 2048 bytes, without credentials (`user:password@`), `#fragment` or port 0 (`400 invalid_url`). */
export type WebhookUrl = Schemas['WebhookUrl'];

/** A Standard Webhooks signing secret: `whsec_` followed by the standard base64 (with padding) of 24 to 64 random bytes. */
export type WebhookSecret = Schemas['WebhookSecret'];

/** Free text for humans: at most 1024 bytes of UTF-8 (the limit counts bytes, not characters), without control characters (`400 invalid_field`). */
export type WebhookDescription = Schemas['WebhookDescription'];

/** A webhook subscription, without its secret. */
export type Webhook = Schemas['Webhook'];

/** A webhook and its current signing secret: returned only when the webhook is created and when its secret is rotated. */
export type WebhookWithSecret = Schemas['WebhookWithSecret'];

/** A page of the account's webhooks, by ascending `webhook_id`. */
export type WebhookList = Schemas['WebhookList'];

/** Body of `POST /v1/webhooks`. */
export type CreateWebhookRequest = Schemas['CreateWebhookRequest'];

/** Body of `PUT /v1/webhooks/{webhook_id}`: the fields to change; absent fields keep their value (`{}` changes nothing but `updated_at`). */
export type UpdateWebhookRequest = Schemas['UpdateWebhookRequest'];

/** Body of `POST /v1/webhooks/{webhook_id}/rotate-secret` (optional: an empty body means the defaults). */
export type RotateWebhookSecretRequest = Schemas['RotateWebhookSecretRequest'];

/** Why an attempt got no HTTP response: `timeout` (no complete response in time), `dns` (the host did not resolve), `connect` (refused, reset or unreachable), `tls` (handshake failed), `protocol` (not valid HTTP, or the connection broke), `blocked` (the destination is refused by the URL policy or the host allowlist). */
export type AttemptFailure = Schemas['AttemptFailure'];

/** One delivery attempt. */
export type Attempt = Schemas['Attempt'];

/** A page of a webhook's delivery attempts, newest first. */
export type AttemptList = Schemas['AttemptList'];

/** What the receiver answered to a test delivery. */
export type TestDeliveryResult = Schemas['TestDeliveryResult'];

/** Why a delivery was given up: `retries_exhausted` (every attempt failed), `gone` (the receiver answered `410 Gone`; the webhook was deactivated), `blocked` (the destination is refused), `webhook_inactive` (the webhook was deactivated or deleted while the delivery waited). */
export type DeadLetterReason = Schemas['DeadLetterReason'];

/** A delivery that was given up, kept for inspection and replay. */
export type DeadLetter = Schemas['DeadLetter'];

/** A page of the account's dead letters, newest first. */
export type DeadLetterList = Schemas['DeadLetterList'];

/** A dead letter enqueued again. */
export type ReplayResult = Schemas['ReplayResult'];

/** Body of `POST /v1/dead-letters/replay`. */
export type BulkReplayRequest = Schemas['BulkReplayRequest'];

/** What a bulk replay did. */
export type BulkReplayResult = Schemas['BulkReplayResult'];

/** What went wrong. */
export type ApiErrorBody = Schemas['Error'];

/** The body of every error response (status 400 and above). */
export type ErrorEnvelope = Schemas['ErrorEnvelope'];

/** Liveness of the service. */
export type Health = Schemas['Health'];

/** An OpenAPI 3.1 document (this one). */
export type OpenApiDocument = Schemas['OpenApiDocument'];


/** A bucket width: `minute`, `hour` or `day` (UTC-aligned). */
export type AnalyticsBucket = Schemas['AnalyticsBucket'];

/** What a timeseries plots: a count (`events`, `api_requests`, …), a rate (0 to 1, `null` without a denominator) or a latency percentile in microseconds (`null` without samples). */
export type AnalyticsMetric = Schemas['AnalyticsMetric'];

/** What a breakdown groups by: `source`, `event_type`, `webhook`, `api_status`, `delivery_outcome` or `dead_letter_reason`. */
export type AnalyticsDimension = Schemas['AnalyticsDimension'];

/** The filters applied to a timeseries or a breakdown (`null`: none). */
export type AnalyticsFilter = Schemas['AnalyticsFilter'];

/** A latency distribution in microseconds: exact count, min, max and mean; percentiles within 1% (`null` without samples). */
export type AnalyticsLatency = Schemas['AnalyticsLatency'];

/** Totals, rates and latency percentiles of the account over a range. */
export type AnalyticsSummary = Schemas['AnalyticsSummary'];

/** One bucket of a timeseries: its start, its value (`null` for a rate or percentile without data) and whether the value is exact. */
export type AnalyticsPoint = Schemas['AnalyticsPoint'];

/** One point per bucket of the range, oldest first, empty buckets included. */
export type AnalyticsTimeseries = Schemas['AnalyticsTimeseries'];

/** A webhook's delivery counters in a `by: 'webhook'` breakdown. */
export type AnalyticsWebhookStats = Schemas['AnalyticsWebhookStats'];

/** One group of a breakdown. */
export type AnalyticsBreakdownRow = Schemas['AnalyticsBreakdownRow'];

/** The largest groups first (ties by key), at most `limit` rows; the rest summed in `other`. */
export type AnalyticsBreakdown = Schemas['AnalyticsBreakdown'];

/** One bucket of an export; CSV exports have the same columns in this order (empty cells for `null`). */
export type AnalyticsExportRow = Schemas['AnalyticsExportRow'];

/** Every non-empty bucket of a range, oldest first. */
export type AnalyticsExport = Schemas['AnalyticsExport'];

/** The query of `listInbox` (`GET /v1/inbox`): `source`, `event_type`, `limit` (1-500), `cursor`. */
export type InboxQuery = NonNullable<operations['listInbox']['parameters']['query']>;
/** The query of `listApiKeys` (`GET /v1/api-keys`): `limit`, `cursor`. */
export type ApiKeyListQuery = NonNullable<operations['listApiKeys']['parameters']['query']>;
/** The query of `listWebhooks` (`GET /v1/webhooks`): `limit`, `cursor`. */
export type WebhookListQuery = NonNullable<operations['listWebhooks']['parameters']['query']>;
/** The query of `listWebhookDeliveries` (`GET /v1/webhooks/{webhook_id}/deliveries`): `limit`, `cursor`. */
export type DeliveryListQuery = NonNullable<operations['listWebhookDeliveries']['parameters']['query']>;
/** The query of `listDeadLetters` (`GET /v1/dead-letters`): `webhook_id`, `since`, `until`, `limit`, `cursor`. */
export type DeadLetterListQuery = NonNullable<operations['listDeadLetters']['parameters']['query']>;

/**
 * `from` (inclusive) and `to` (exclusive) of an analytics query: RFC 3339
 * strings, or `Date`s (sent as RFC 3339 in UTC). Default: the 24 hours
 * before `to`, and now.
 */
export interface AnalyticsRange {
  from?: string | Date;
  to?: string | Date;
}
/** The query of `getAnalyticsSummary` (`GET /v1/analytics/summary`): `from`, `to`. */
export type AnalyticsRangeQuery = AnalyticsRange;
/** The query of `getAnalyticsTimeseries` (`GET /v1/analytics/timeseries`): `metric`, `bucket`, `from`, `to`, `source`, `event_type`. */
export type AnalyticsTimeseriesQuery = Omit<NonNullable<operations['getAnalyticsTimeseries']['parameters']['query']>, 'from' | 'to'> &
  AnalyticsRange;
/** The query of `getAnalyticsBreakdown` (`GET /v1/analytics/breakdown`): `by` (required), `from`, `to`, `limit`, `source`, `event_type`. */
export type AnalyticsBreakdownQuery = Omit<operations['getAnalyticsBreakdown']['parameters']['query'], 'from' | 'to'> & AnalyticsRange;
/** The query of `exportAnalytics` (`GET /v1/analytics/export`): `bucket`, `from`, `to` (the format is the method's). */
export type AnalyticsExportQuery = Omit<
  NonNullable<operations['exportAnalytics']['parameters']['query']>,
  'from' | 'to' | 'format'
> &
  AnalyticsRange;

/**
 * The JSON body of a webhook delivery (`docs/WEBHOOKS.md`, section 2):
 * the event's id, type, source and time, and its payload as `data`. Returned
 * by `verifyWebhookPayload` once the signature is verified. `TData` is the
 * type you expect the payloads of your events to have (not checked).
 */
export interface WebhookPayload<TData = Record<string, unknown>> {
  /** The event's id (a UUID); the same on every retry and replay. */
  id: string;
  /** The event's `event_type` (`webhook.test` for a test send). */
  type: string;
  /** The event's `source`. */
  source: string;
  /** When the event was received, RFC 3339 (UTC). */
  timestamp: string;
  /** The event's `payload`, exactly as ingested. */
  data: TData;
}
