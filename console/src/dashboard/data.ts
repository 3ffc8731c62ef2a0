/**
 * What one refresh of the dashboard fetches: the summary, the timeseries the
 * charts draw, and the source and event-type breakdowns, all for the same
 * range, in parallel (one abort signal for all).
 */
import type { ApiClient } from '../api/client';
import type { AnalyticsBreakdown, AnalyticsBucket, AnalyticsMetric, AnalyticsSummary, AnalyticsTimeseries } from '../api/types';
import { bucketFor, resolveRange, type Selection } from './range';

/** The metrics drawn besides `events` (these take no source/type filter). */
export const CHART_METRICS = [
  'api_error_rate',
  'attempt_success_rate',
  'delivery_success_rate',
  'ingest_latency_p50',
  'ingest_latency_p90',
  'ingest_latency_p99',
  'ingest_to_delivery_p50',
  'ingest_to_delivery_p90',
  'ingest_to_delivery_p99',
] as const satisfies readonly AnalyticsMetric[];

export type ChartMetric = (typeof CHART_METRICS)[number];

/** One bucket of the charts: its start (ms since the epoch) and every metric's value there. */
export type Row = { t: number; start: string; events: number; eventsExact: boolean } & Record<ChartMetric, number | null>;

export interface DashboardData {
  /** The selection these figures are for (its query string). */
  key: string;
  since: string;
  until: string;
  bucket: AnalyticsBucket;
  summary: AnalyticsSummary;
  rows: Row[];
  /** Every `events` point is exact (no filtered count is a lower bound). */
  eventsExact: boolean;
  sources: AnalyticsBreakdown;
  eventTypes: AnalyticsBreakdown;
}

/** Breakdown rows shown per chart (the rest is summed in `other`). */
export const BREAKDOWN_LIMIT = 10;

/** Fetches the figures of `selection` at `now`. Throws the range's problem, or the first API error. */
export async function loadDashboard(
  api: ApiClient,
  selection: Selection,
  key: string,
  now: Date,
  signal: AbortSignal,
): Promise<DashboardData> {
  const range = resolveRange(selection, now);
  if (range instanceof Error) throw range;
  const b = bucketFor(range);
  if (b instanceof Error) throw b;
  const { since: from, until: to } = range;
  const { bucket } = b;
  const source = selection.source.trim() || undefined;
  const eventType = selection.eventType.trim() || undefined;

  const series = (metric: AnalyticsMetric, filtered = false): Promise<AnalyticsTimeseries> =>
    api.analyticsTimeseries(
      filtered ? { metric, bucket, from, to, source, event_type: eventType } : { metric, bucket, from, to },
      signal,
    );
  const [summary, events, sources, eventTypes, ...others] = await Promise.all([
    api.analyticsSummary({ from, to }, signal),
    series('events', true),
    // A breakdown takes the filter of the other dimension only.
    api.analyticsBreakdown({ by: 'source', from, to, limit: BREAKDOWN_LIMIT, event_type: eventType }, signal),
    api.analyticsBreakdown({ by: 'event_type', from, to, limit: BREAKDOWN_LIMIT, source }, signal),
    ...CHART_METRICS.map((m) => series(m)),
  ]);

  const rows: Row[] = events.points.map((p) => {
    const row = { t: Date.parse(p.start), start: p.start, events: p.value ?? 0, eventsExact: p.exact } as Row;
    for (const m of CHART_METRICS) row[m] = null;
    return row;
  });
  const byStart = new Map(rows.map((r) => [r.t, r]));
  others.forEach((ts, i) => {
    const metric = CHART_METRICS[i];
    if (!metric) return;
    for (const p of ts.points) {
      const row = byStart.get(Date.parse(p.start));
      if (row) row[metric] = p.value;
    }
  });
  return {
    key,
    since: from,
    until: to,
    bucket,
    summary,
    rows,
    eventsExact: events.points.every((p) => p.exact),
    sources,
    eventTypes,
  };
}
