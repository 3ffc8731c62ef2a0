// The analytics client against the live service (scripts/with-service.sh),
// and the console's analytics constants against docs/openapi.json.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, dispositionFilename, exportFilename } from '../src/api/client';
import {
  ANALYTICS_BUCKETS,
  ANALYTICS_DIMENSIONS,
  ANALYTICS_EXPORT_COLUMNS,
  ANALYTICS_METRICS,
  type AnalyticsExport,
} from '../src/api/types';
import { admin, freshAccount, newKey, service } from './live';

const openapi = JSON.parse(readFileSync(resolve(__dirname, '../../docs/openapi.json'), 'utf8')) as {
  components: { schemas: Record<string, { enum?: string[]; properties?: Record<string, unknown>; required?: string[] }> };
  paths: Record<string, unknown>;
};
const schema = (name: string) => {
  const s = openapi.components.schemas[name];
  if (!s) throw new Error(`docs/openapi.json has no schema ${name}`);
  return s;
};

describe('the console follows docs/openapi.json', () => {
  it('has every bucket, metric and dimension of the document, in its order', () => {
    expect([...ANALYTICS_BUCKETS]).toEqual(schema('AnalyticsBucket').enum);
    expect([...ANALYTICS_METRICS]).toEqual(schema('AnalyticsMetric').enum);
    expect([...ANALYTICS_DIMENSIONS]).toEqual(schema('AnalyticsDimension').enum);
  });

  it('knows the export columns of AnalyticsExportRow, in the CSV order', () => {
    expect([...ANALYTICS_EXPORT_COLUMNS]).toEqual(Object.keys(schema('AnalyticsExportRow').properties ?? {}));
    expect([...ANALYTICS_EXPORT_COLUMNS]).toEqual(schema('AnalyticsExportRow').required);
  });

  it('calls the four analytics paths', () => {
    for (const p of ['summary', 'timeseries', 'breakdown', 'export']) {
      expect(openapi.paths).toHaveProperty([`/v1/analytics/${p}`]);
    }
  });
});

describe('export file names', () => {
  it("takes the service's Content-Disposition name when it is a plain one", () => {
    expect(dispositionFilename('attachment; filename="analytics-hour.csv"')).toBe('analytics-hour.csv');
    expect(dispositionFilename('attachment; filename=analytics.json')).toBe('analytics.json');
    expect(dispositionFilename('attachment; filename="../../etc/passwd"')).toBeNull();
    expect(dispositionFilename('attachment')).toBeNull();
    expect(dispositionFilename(null)).toBeNull();
  });

  it('else names the file after the bucket and the range', () => {
    const q = { format: 'csv' as const, bucket: 'minute' as const, from: '2026-03-01T09:05:00.000Z', to: '2026-03-01T10:05:30.000Z' };
    expect(exportFilename(q, null)).toBe('triggers-analytics-minute-20260301T0905Z-20260301T1005Z.csv');
    expect(exportFilename({ format: 'json' }, 'inline')).toBe('triggers-analytics-hour.json');
  });
});

const SHOP = 'shop';
const CRM = 'crm';
const SENT: [string, string][] = [
  [SHOP, 'order.created'],
  [SHOP, 'order.created'],
  [SHOP, 'order.paid'],
  [CRM, 'contact.created'],
  [CRM, 'contact.created'],
];

// A new account: its analytics are exactly these events (and its requests).
describe('analytics client against the service', () => {
  let api: ApiClient;
  const from = new Date(Date.now() - 60_000).toISOString();
  const to = () => new Date(Date.now() + 120_000).toISOString();

  beforeAll(async () => {
    const { apiKey } = await freshAccount('client');
    api = new ApiClient({ baseUrl: service().baseUrl, apiKey });
    for (const [source, event_type] of SENT) {
      const r = await admin('POST', '/v1/events', { source, event_type, payload: {} }, apiKey);
      expect(r.status).toBe(201);
    }
  });

  it('breakdowns and timeseries count exactly the events sent', async () => {
    // The fold may lag the ingest: wait for it, boundedly.
    const bySource = await vi.waitFor(
      async () => {
        const b = await api.analyticsBreakdown({ by: 'source', from, to: to(), limit: 1000 });
        expect(b.rows.map((r) => [r.key, r.count, r.exact])).toEqual([
          [SHOP, 3, true],
          [CRM, 2, true],
        ]);
        return b;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect([bySource.by, bySource.total, bySource.total_exact, bySource.other]).toEqual(['source', 5, true, 0]);

    const types = await api.analyticsBreakdown({ by: 'event_type', from, to: to(), source: SHOP });
    expect(types.filter).toEqual({ source: SHOP, event_type: null });
    expect(types.rows.map((r) => [r.key, r.count])).toEqual([
      ['order.created', 2],
      ['order.paid', 1],
    ]);
    expect(types.other).toBe(0);

    const ts = await api.analyticsTimeseries({ metric: 'events', bucket: 'minute', from, to: to(), source: SHOP, event_type: 'order.created' });
    expect([ts.metric, ts.bucket]).toEqual(['events', 'minute']);
    expect(ts.points.length).toBeGreaterThanOrEqual(3);
    expect(ts.points.reduce((n, p) => n + (p.value ?? 0), 0)).toBe(2);
    expect(ts.points.every((p) => p.exact)).toBe(true);
    // One point per minute, oldest first.
    const starts = ts.points.map((p) => Date.parse(p.start));
    expect(starts.every((t, i) => i === 0 || t - (starts[i - 1] ?? 0) === 60_000)).toBe(true);

    const summary = await api.analyticsSummary({ from, to: to() });
    expect(summary.events.total).toBe(SENT.length);
    expect(summary.events.ingest_latency.count).toBe(SENT.length);
    // The five events and (at least) the reads above, all answered 2xx.
    expect(summary.api.by_class['2xx']).toBeGreaterThanOrEqual(SENT.length);
    expect([summary.api.errors, summary.deliveries.attempts]).toEqual([0, 0]);
  });

  it('exports CSV with the columns of AnalyticsExportRow and JSON with the same rows; events add up to the summary', async () => {
    // Retried only in case a record is still being folded.
    await vi.waitFor(
      async () => {
        const until = to();
        const summary = await api.analyticsSummary({ from, to: until });
        const csv = await api.exportAnalytics({ format: 'csv', bucket: 'minute', from, to: until });
        expect(csv.filename).toMatch(/\.csv$/);
        expect(csv.contentType).toMatch(/^text\/csv/);
        const lines = (await csv.blob.text()).split(/\r?\n/).filter(Boolean);
        expect(lines[0]).toBe(ANALYTICS_EXPORT_COLUMNS.join(','));
        const eventsCol = ANALYTICS_EXPORT_COLUMNS.indexOf('events');
        const csvEvents = lines.slice(1).reduce((n, l) => n + Number(l.split(',')[eventsCol]), 0);
        expect(csvEvents).toBe(SENT.length);
        expect(summary.events.total).toBe(SENT.length);

        const json = await api.exportAnalytics({ format: 'json', bucket: 'minute', from, to: until });
        expect(json.filename).toMatch(/\.json$/);
        const body = JSON.parse(await json.blob.text()) as AnalyticsExport;
        expect(body.bucket).toBe('minute');
        expect(body.rows.length).toBe(lines.length - 1);
        expect(body.rows.reduce((n, r) => n + r.events, 0)).toBe(SENT.length);
        // Every column of AnalyticsExportRow (a JSON object's key order carries no meaning).
        expect(Object.keys(body.rows[0] ?? {}).sort()).toEqual([...ANALYTICS_EXPORT_COLUMNS].sort());
      },
      { timeout: 10_000, interval: 500 },
    );
  });

  it("answers a bad query with the API's error and request id", async () => {
    const tooMany = await api
      .analyticsTimeseries({ bucket: 'minute', from: '2020-01-01T00:00:00Z', to: '2021-01-01T00:00:00Z' })
      .catch((e: unknown) => e);
    expect(tooMany).toBeInstanceOf(ApiError);
    expect([(tooMany as ApiError).status, (tooMany as ApiError).code]).toEqual([400, 'too_many_points']);
    expect((tooMany as ApiError).requestId).toMatch(/^[0-9a-f-]{36}$/);

    const filter = await api.analyticsTimeseries({ metric: 'api_requests', source: SHOP }).catch((e: unknown) => e);
    expect((filter as ApiError).code).toBe('filter_not_supported');
  });

  it('refuses a standard key (403 forbidden)', async () => {
    const standard = await newKey('standard');
    const client = new ApiClient({ baseUrl: service().baseUrl, apiKey: standard.api_key });
    const e = (await client.analyticsSummary().catch((x: unknown) => x)) as ApiError;
    expect([e.status, e.code]).toEqual([403, 'forbidden']);
    const ex = (await client.exportAnalytics({ format: 'csv' }).catch((x: unknown) => x)) as ApiError;
    expect([ex.status, ex.code]).toEqual([403, 'forbidden']);
  });
});
