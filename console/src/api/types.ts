/**
 * The API's models, as generated from docs/openapi.json for the TypeScript SDK
 * (sdks/typescript/src/generated/openapi.ts, kept current by its
 * `check:types`). Type-only: nothing of the SDK is bundled.
 */
import type { components } from '../../../sdks/typescript/src/generated/openapi';

type Schemas = components['schemas'];

export type Webhook = Schemas['Webhook'];
export type WebhookWithSecret = Schemas['WebhookWithSecret'];
export type WebhookList = Schemas['WebhookList'];
export type CreateWebhookRequest = Schemas['CreateWebhookRequest'];
export type UpdateWebhookRequest = Schemas['UpdateWebhookRequest'];
export type RotateWebhookSecretRequest = Schemas['RotateWebhookSecretRequest'];
export type TestDeliveryResult = Schemas['TestDeliveryResult'];
export type Attempt = Schemas['Attempt'];
export type AttemptList = Schemas['AttemptList'];
export type AttemptFailure = Schemas['AttemptFailure'];
export type DeadLetter = Schemas['DeadLetter'];
export type DeadLetterList = Schemas['DeadLetterList'];
export type DeadLetterReason = Schemas['DeadLetterReason'];
export type ReplayResult = Schemas['ReplayResult'];
export type CreateEventRequest = Schemas['CreateEventRequest'];
export type Event = Schemas['Event'];
export type ErrorBody = Schemas['Error'];

// Analytics (`/v1/analytics/*`, admin keys).
export type AnalyticsBucket = Schemas['AnalyticsBucket'];
export type AnalyticsMetric = Schemas['AnalyticsMetric'];
export type AnalyticsDimension = Schemas['AnalyticsDimension'];
export type AnalyticsFilter = Schemas['AnalyticsFilter'];
export type AnalyticsLatency = Schemas['AnalyticsLatency'];
export type AnalyticsSummary = Schemas['AnalyticsSummary'];
export type AnalyticsPoint = Schemas['AnalyticsPoint'];
export type AnalyticsTimeseries = Schemas['AnalyticsTimeseries'];
export type AnalyticsWebhookStats = Schemas['AnalyticsWebhookStats'];
export type AnalyticsBreakdownRow = Schemas['AnalyticsBreakdownRow'];
export type AnalyticsBreakdown = Schemas['AnalyticsBreakdown'];
export type AnalyticsExportRow = Schemas['AnalyticsExportRow'];
export type AnalyticsExport = Schemas['AnalyticsExport'];

// The enums as values (test/analytics.test.ts compares them with docs/openapi.json).
export const ANALYTICS_BUCKETS = ['minute', 'hour', 'day'] as const satisfies readonly AnalyticsBucket[];
export const ANALYTICS_METRICS = [
  'events',
  'ingest_latency_p50',
  'ingest_latency_p90',
  'ingest_latency_p99',
  'api_requests',
  'api_errors',
  'api_error_rate',
  'delivery_attempts',
  'deliveries_succeeded',
  'delivery_failures',
  'retries',
  'dead_letters',
  'attempt_success_rate',
  'delivery_success_rate',
  'ingest_to_delivery_p50',
  'ingest_to_delivery_p90',
  'ingest_to_delivery_p99',
] as const satisfies readonly AnalyticsMetric[];
export const ANALYTICS_DIMENSIONS = [
  'source',
  'event_type',
  'webhook',
  'api_status',
  'delivery_outcome',
  'dead_letter_reason',
] as const satisfies readonly AnalyticsDimension[];

/** The columns of an export, in the CSV's order (`AnalyticsExportRow`). */
export const ANALYTICS_EXPORT_COLUMNS = [
  'start',
  'end',
  'events',
  'ingest_latency_p50_us',
  'ingest_latency_p90_us',
  'ingest_latency_p99_us',
  'api_requests',
  'api_2xx',
  'api_4xx',
  'api_5xx',
  'delivery_attempts',
  'deliveries_succeeded',
  'delivery_failures',
  'retries',
  'dead_letters',
  'ingest_to_delivery_p50_us',
  'ingest_to_delivery_p90_us',
  'ingest_to_delivery_p99_us',
] as const satisfies readonly (keyof AnalyticsExportRow)[];

/** `from`/`to` of every analytics query: RFC 3339; the service defaults to the last 24 hours. */
export interface AnalyticsRange {
  from?: string;
  to?: string;
}

export interface AnalyticsTimeseriesQuery extends AnalyticsRange {
  metric?: AnalyticsMetric;
  bucket?: AnalyticsBucket;
  /** Events metric only. */
  source?: string;
  /** Events metric only. */
  event_type?: string;
}

export interface AnalyticsBreakdownQuery extends AnalyticsRange {
  by: AnalyticsDimension;
  /** 1..1000 (default 10). */
  limit?: number;
  /** With `by=event_type` only. */
  source?: string;
  /** With `by=source` only. */
  event_type?: string;
}

export interface AnalyticsExportQuery extends AnalyticsRange {
  format: 'csv' | 'json';
  bucket?: AnalyticsBucket;
}

/** A downloaded export: the body and a file name for it. */
export interface AnalyticsExportFile {
  blob: Blob;
  filename: string;
  contentType: string;
}

/** A listing's page request: `limit` 1..100, `cursor` from the previous page. */
export interface PageQuery {
  limit?: number;
  cursor?: string | null;
}

/** The webhook without its secret (what the console keeps once the secret was shown). */
export function withoutSecret(w: WebhookWithSecret): Webhook {
  const { secret: _secret, ...rest } = w;
  return rest;
}
