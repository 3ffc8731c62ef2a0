// The analytics methods against the real triggers-service (started on
// 127.0.0.1 by ../../scripts/with-service.sh): a fresh account ingests a few
// events, and the summary, timeseries, breakdown and export (JSON, CSV,
// streamed CSV) count exactly those. The fold is asynchronous: the first
// check polls, with a bound.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { ApiError, TriggersClient } from '@zapier/triggers-api-client';
import { otherAccountKey, serviceEnv, unique, waitFor } from './helpers.mjs';

const env = serviceEnv();
const SPEC = JSON.parse(readFileSync(new URL('../../../../docs/openapi.json', import.meta.url), 'utf8'));
const MINUTE = 60_000;

/** Rejects with an ApiError of this status and code. */
async function rejectsApi(promise, status, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(ApiError.is(error), `expected an ApiError, got ${error?.name}: ${error?.message}`);
    assert.equal(error.status, status, `status (code ${error.code}: ${error.message})`);
    assert.equal(error.code, code);
    return true;
  });
}

describe('analytics against the service', () => {
  // A fresh account: every count below is this test's alone.
  const client = new TriggersClient({ baseUrl: env.baseUrl, apiKey: otherAccountKey(env, unique('acct_ts_analytics')) });
  const events = [
    ['shop', 'order.created'],
    ['shop', 'order.paid'],
    ['crm', 'contact.added'],
  ];
  let range;
  let summary;

  before(async () => {
    const start = Date.now();
    for (const [source, event_type] of events) await client.createEvent({ source, event_type, payload: { n: 1 } });
    range = { from: new Date(start - 5 * MINUTE), to: new Date(start + 10 * MINUTE) };
    summary = await waitFor(
      'the summary to count the 3 events and their 3 requests',
      async () => {
        const s = await client.getAnalyticsSummary(range);
        return s.events.total >= events.length && s.api.by_class['2xx'] >= events.length ? s : undefined;
      },
      20,
    );
  });

  it('getAnalyticsSummary counts the events, the requests and no deliveries', () => {
    assert.equal(summary.events.total, 3);
    assert.equal(summary.events.ingest_latency.count, 3);
    assert.ok(summary.events.ingest_latency.p50_us > 0, JSON.stringify(summary.events.ingest_latency));
    assert.ok(summary.events.ingest_latency.min_us <= summary.events.ingest_latency.max_us);
    assert.equal(summary.api.errors, summary.api.by_class['4xx'] + summary.api.by_class['5xx']);
    assert.ok(summary.api.requests >= 3);
    assert.equal(summary.deliveries.attempts, 0, 'the account has no webhooks');
    assert.equal(summary.deliveries.attempt_success_rate, null, 'no rate without attempts');
    assert.equal(summary.deliveries.ingest_to_delivery.p99_us, null);
    // The range read: `from` rounded down to the minute, `to` up.
    assert.equal(Date.parse(summary.from), Math.floor(range.from.getTime() / MINUTE) * MINUTE);
    assert.equal(Date.parse(summary.to), Math.ceil(range.to.getTime() / MINUTE) * MINUTE);
  });

  it('getAnalyticsTimeseries: a point per minute, summing to the events; filtered by source', async () => {
    const all = await client.getAnalyticsTimeseries({ ...range, metric: 'events', bucket: 'minute' });
    assert.equal(all.metric, 'events');
    assert.equal(all.bucket, 'minute');
    assert.equal(all.points.length, (Date.parse(all.to) - Date.parse(all.from)) / MINUTE, 'empty buckets included');
    assert.equal(all.points.reduce((sum, p) => sum + p.value, 0), 3);
    assert.deepEqual(all.filter, { source: null, event_type: null });

    const shop = await client.getAnalyticsTimeseries({ ...range, bucket: 'minute', source: 'shop' });
    assert.equal(shop.points.reduce((sum, p) => sum + p.value, 0), 2);
    assert.ok(shop.points.every((p) => p.exact));
    assert.deepEqual(shop.filter, { source: 'shop', event_type: null });

    await rejectsApi(client.getAnalyticsTimeseries({ ...range, metric: 'api_requests', source: 'shop' }), 400, 'filter_not_supported');
    await rejectsApi(
      client.getAnalyticsTimeseries({ bucket: 'minute', from: new Date(Date.now() - 30 * 24 * 60 * MINUTE) }),
      400,
      'too_many_points',
    );
  });

  it('getAnalyticsBreakdown: largest first, limit, the rest in other, filters', async () => {
    const bySource = await client.getAnalyticsBreakdown({ ...range, by: 'source' });
    assert.equal(bySource.total, 3);
    assert.deepEqual(
      bySource.rows.map((r) => [r.key, r.count, r.webhook]),
      [
        ['shop', 2, null],
        ['crm', 1, null],
      ],
    );
    assert.equal(bySource.other, 0);

    const top = await client.getAnalyticsBreakdown({ ...range, by: 'source', limit: 1 });
    assert.deepEqual(top.rows.map((r) => r.key), ['shop']);
    assert.equal(top.other, 1);

    const shopTypes = await client.getAnalyticsBreakdown({ ...range, by: 'event_type', source: 'shop' });
    assert.deepEqual(shopTypes.rows.map((r) => [r.key, r.count]), [
      ['order.created', 1],
      ['order.paid', 1],
    ]);
    assert.equal(shopTypes.total, 2);
    assert.deepEqual(shopTypes.filter, { source: 'shop', event_type: null });
  });

  it('exportAnalytics, exportAnalyticsCsv and iterateAnalyticsCsv agree', async () => {
    const query = { ...range, bucket: 'hour' };
    const exported = await client.exportAnalytics(query);
    assert.equal(exported.bucket, 'hour');
    assert.ok(exported.rows.length >= 1 && exported.rows.length <= 2, `${exported.rows.length} hour buckets`);
    assert.equal(exported.rows.reduce((sum, r) => sum + r.events, 0), 3);

    const columns = SPEC.components.schemas.AnalyticsExportRow.required;
    const text = await client.exportAnalyticsCsv(query);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], columns.join(','), 'the columns of AnalyticsExportRow, in order');
    assert.equal(lines.length, exported.rows.length + 1);
    const events = columns.indexOf('events');
    assert.equal(lines.slice(1).reduce((sum, l) => sum + Number(l.split(',')[events]), 0), 3);
    for (const [i, row] of exported.rows.entries()) {
      const cells = lines[i + 1].split(',');
      assert.equal(Date.parse(cells[0]), Date.parse(row.start));
      assert.equal(Number(cells[events]), row.events);
    }

    const streamed = [];
    for await (const line of client.iterateAnalyticsCsv(query)) streamed.push(line);
    assert.deepEqual(streamed, lines);
  });

  it('refuses bad input and non-admin keys', async () => {
    await rejectsApi(client.getAnalyticsSummary({ from: 'yesterday' }), 400, 'invalid_query');
    await rejectsApi(client.getAnalyticsBreakdown({ by: 'colour' }), 400, 'invalid_query');
    const standard = await client.createApiKey({ name: unique('ts-analytics-standard'), role: 'standard' });
    const limited = new TriggersClient({ baseUrl: env.baseUrl, apiKey: standard.api_key });
    await rejectsApi(limited.getAnalyticsSummary(), 403, 'forbidden');
    await rejectsApi(limited.exportAnalyticsCsv(), 403, 'forbidden');
  });
});
