// The analytics methods without the service, against a real node:http server
// on 127.0.0.1: the path, the query (Dates as RFC 3339, filters encoded), the
// Accept header per format, the decoded answers, error mapping, and the CSV
// export read as it arrives (chunks split anywhere, quoted line breaks,
// leaving early, idle timeout, abort, signing). Against the real service:
// test/live/client.test.mjs.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ApiError, NetworkError, TriggersClient, verifyRequest } from '@zapier/triggers-api-client';

const API_KEY = 'trgk_' + 'a'.repeat(54);
const SECRET = 'trgs_' + 'b'.repeat(43);
const KEY_ID = 'key_BBBBBBBBBBBBBBBB';

const SUMMARY = {
  from: '2026-11-24T00:00:00Z',
  to: '2026-11-25T00:00:00Z',
  events: {
    total: 3,
    ingest_latency: { count: 3, min_us: 100, max_us: 900, mean_us: 400.5, p50_us: 301.2, p90_us: 880.1, p99_us: 899.9 },
  },
  api: {
    requests: 5,
    by_class: { '1xx': 0, '2xx': 4, '3xx': 0, '4xx': 1, '5xx': 0 },
    errors: 1,
    error_rate: 0.2,
    client_error_rate: 0.2,
    server_error_rate: 0,
  },
  deliveries: {
    attempts: 0,
    first_attempts: 0,
    retries: 0,
    succeeded: 0,
    failed: 0,
    dead_lettered: 0,
    attempt_success_rate: null,
    delivery_success_rate: null,
    by_outcome: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other_status: 0, timeout: 0, dns: 0, connect: 0, tls: 0, protocol: 0, blocked: 0 },
    dead_letters_by_reason: { retries_exhausted: 0, gone: 0, blocked: 0, webhook_inactive: 0 },
    ingest_to_delivery: { count: 0, min_us: null, max_us: null, mean_us: null, p50_us: null, p90_us: null, p99_us: null },
  },
};

const CSV_HEADER =
  'start,end,events,ingest_latency_p50_us,ingest_latency_p90_us,ingest_latency_p99_us,api_requests,api_2xx,api_4xx,api_5xx,delivery_attempts,deliveries_succeeded,delivery_failures,retries,dead_letters,ingest_to_delivery_p50_us,ingest_to_delivery_p90_us,ingest_to_delivery_p99_us';
const CSV_ROW_1 = '2026-11-24T10:00:00Z,2026-11-24T11:00:00Z,1200,812.4,1530.9,4102.2,1250,1240,10,0,2400,2390,10,10,0,20311.8,35120.5,48001.2';
const CSV_ROW_2 = '2026-11-24T11:00:00Z,2026-11-24T12:00:00Z,7,,,,0,0,0,0,0,0,0,0,0,,,';

describe('analytics methods on the wire (a node:http server on 127.0.0.1)', () => {
  let server;
  let base;
  const seen = [];
  /** (request, res) => void: answers the request; the default answers `{}`. */
  let handle;
  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'rid-analytics', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

  before(async () => {
    server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const request = { method: req.method, target: req.url, url: new URL(req.url, 'http://x'), headers: req.headers, body: Buffer.concat(chunks) };
        seen.push(request);
        handle(request, res);
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => {
    server.closeAllConnections?.();
    return new Promise((resolve) => server.close(resolve));
  });
  const last = () => seen[seen.length - 1];
  const client = () => new TriggersClient({ baseUrl: base, apiKey: API_KEY });

  it('getAnalyticsSummary: path, Dates and strings as RFC 3339, the decoded summary', async () => {
    handle = (_, res) => json(res, 200, SUMMARY);
    const summary = await client().getAnalyticsSummary({ from: new Date(Date.UTC(2026, 10, 24)), to: '2026-11-25T00:00:00+01:00' });
    assert.deepEqual(summary, SUMMARY);
    const r = last();
    assert.equal(r.method, 'GET');
    assert.equal(r.target, '/v1/analytics/summary?from=2026-11-24T00%3A00%3A00Z&to=2026-11-25T00%3A00%3A00%2B01%3A00');
    assert.equal(r.headers.accept, 'application/json');
    assert.equal(r.headers.authorization, `Bearer ${API_KEY}`);

    // Milliseconds are kept; no query at all without a range.
    await client().getAnalyticsSummary({ from: new Date(Date.UTC(2026, 0, 31, 12, 0, 0, 250)) });
    assert.equal(last().url.searchParams.get('from'), '2026-01-31T12:00:00.250Z');
    await client().getAnalyticsSummary();
    assert.equal(last().target, '/v1/analytics/summary');
  });

  it('getAnalyticsTimeseries: metric, bucket and filters encoded; undefined left out', async () => {
    const answer = {
      metric: 'events',
      bucket: 'minute',
      from: '2026-11-24T10:00:00Z',
      to: '2026-11-24T10:02:00Z',
      filter: { source: 'a b&c=d/é', event_type: null },
      points: [
        { start: '2026-11-24T10:00:00Z', value: 2, exact: true },
        { start: '2026-11-24T10:01:00Z', value: 0, exact: true },
      ],
    };
    handle = (_, res) => json(res, 200, answer);
    const series = await client().getAnalyticsTimeseries({
      metric: 'events',
      bucket: 'minute',
      from: '2026-11-24T10:00:00Z',
      to: undefined,
      source: 'a b&c=d/é',
      event_type: undefined,
    });
    assert.deepEqual(series, answer);
    assert.equal(last().target, '/v1/analytics/timeseries?metric=events&bucket=minute&from=2026-11-24T10%3A00%3A00Z&source=a%20b%26c%3Dd%2F%C3%A9');
    assert.equal(last().url.searchParams.get('source'), 'a b&c=d/é');
  });

  it('getAnalyticsBreakdown: `by` is required, limit and filter sent', async () => {
    const answer = {
      by: 'source',
      from: '2026-11-24T00:00:00Z',
      to: '2026-11-25T00:00:00Z',
      filter: { source: null, event_type: 'order.created' },
      total: 5,
      total_exact: true,
      rows: [
        { key: 'shop', count: 4, exact: true, webhook: null },
        { key: 'crm', count: 1, exact: true, webhook: null },
      ],
      other: 0,
    };
    handle = (_, res) => json(res, 200, answer);
    assert.deepEqual(await client().getAnalyticsBreakdown({ by: 'source', limit: 2, event_type: 'order.created' }), answer);
    assert.equal(last().target, '/v1/analytics/breakdown?by=source&limit=2&event_type=order.created');

    const count = seen.length;
    await assert.rejects(client().getAnalyticsBreakdown({}), TypeError);
    await assert.rejects(client().getAnalyticsBreakdown(), TypeError);
    await assert.rejects(client().getAnalyticsBreakdown({ by: '' }), TypeError);
    assert.equal(seen.length, count, 'nothing sent');
  });

  it('refuses bad ranges before sending', async () => {
    handle = (_, res) => json(res, 200, SUMMARY);
    const count = seen.length;
    await assert.rejects(client().getAnalyticsSummary({ from: new Date('not a date') }), RangeError);
    await assert.rejects(client().getAnalyticsSummary({ to: new Date(Date.UTC(10000, 0, 1)) }), RangeError);
    await assert.rejects(client().getAnalyticsSummary({ from: { year: 2026 } }), TypeError);
    await assert.rejects(client().getAnalyticsTimeseries('metric=events'), TypeError);
    await assert.rejects(client().exportAnalyticsCsv(null), TypeError);
    assert.equal(seen.length, count, 'nothing sent');
  });

  it('maps error envelopes to ApiError', async () => {
    handle = (_, res) =>
      json(res, 400, { error: { code: 'too_many_points', message: 'the range has 525600 minute buckets; at most 10000 points', request_id: 'rid-body' } });
    const error = await client().getAnalyticsTimeseries({ bucket: 'minute', from: '2025-11-24T00:00:00Z' }).catch((e) => e);
    assert.ok(ApiError.is(error), String(error));
    assert.deepEqual(
      { status: error.status, code: error.code, requestId: error.requestId, method: error.method, path: error.path },
      { status: 400, code: 'too_many_points', requestId: 'rid-analytics', method: 'GET', path: '/v1/analytics/timeseries' },
    );
    assert.match(error.message, /at most 10000 points/);

    handle = (_, res) => json(res, 403, { error: { code: 'forbidden', message: 'admin keys only', request_id: 'r' } });
    for (const call of [
      (c) => c.getAnalyticsSummary(),
      (c) => c.getAnalyticsBreakdown({ by: 'webhook' }),
      (c) => c.exportAnalytics(),
      (c) => c.exportAnalyticsCsv(),
    ]) {
      const e = await call(client()).catch((x) => x);
      assert.ok(ApiError.is(e) && e.status === 403 && e.code === 'forbidden', String(e));
    }
  });

  it('exportAnalytics asks for JSON, exportAnalyticsCsv for CSV', async () => {
    const exported = {
      bucket: 'hour',
      from: '2026-11-24T10:00:00Z',
      to: '2026-11-24T12:00:00Z',
      rows: [{ start: '2026-11-24T10:00:00Z', end: '2026-11-24T11:00:00Z', events: 3 }],
    };
    handle = (_, res) => json(res, 200, exported, { 'content-disposition': 'attachment; filename="analytics.json"' });
    // A `format` slipped into the query does not override the method's.
    assert.deepEqual(await client().exportAnalytics({ bucket: 'hour', from: '2026-11-24T10:00:00Z', format: 'csv' }), exported);
    assert.equal(last().target, '/v1/analytics/export?bucket=hour&from=2026-11-24T10%3A00%3A00Z&format=json');
    assert.equal(last().headers.accept, 'application/json');

    const csv = `${CSV_HEADER}\n${CSV_ROW_1}\n${CSV_ROW_2}\n`;
    handle = (_, res) => {
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment' });
      res.end(csv);
    };
    assert.equal(await client().exportAnalyticsCsv({ bucket: 'day', to: new Date(Date.UTC(2026, 10, 25)) }), csv);
    assert.equal(last().target, '/v1/analytics/export?bucket=day&to=2026-11-25T00%3A00%3A00Z&format=csv');
    assert.equal(last().headers.accept, 'text/csv');

    // A success that is not CSV (a proxy's page, a service ignoring format).
    handle = (_, res) => json(res, 200, exported);
    const error = await client().exportAnalyticsCsv().catch((e) => e);
    assert.ok(ApiError.is(error));
    assert.equal(error.code, 'invalid_response');
    assert.equal(error.status, 200);
    assert.match(error.message, /not CSV/);
  });

  it('iterateAnalyticsCsv yields records as they arrive, whatever the chunking', async () => {
    // The first two records are yielded before the server sends the rest:
    // the server waits for the test to have them.
    let release;
    const released = new Promise((resolve) => (release = resolve));
    handle = (_, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write(`${CSV_HEADER}\r\n${CSV_ROW_1.slice(0, 10)}`); // a record split across chunks, CRLF
      setTimeout(() => res.write(`${CSV_ROW_1.slice(10)}\r\n`), 10);
      released.then(() => {
        // A quoted field with a line break and an escaped quote, then a last
        // record without a final line break; a multi-byte character split.
        const tail = Buffer.from(`"x\ny ""z"",é",2\n${CSV_ROW_2}`, 'utf8');
        const cut = tail.indexOf(Buffer.from('é', 'utf8')) + 1;
        res.write(tail.subarray(0, cut));
        setTimeout(() => res.end(tail.subarray(cut)), 10);
      });
    };
    const signed = new TriggersClient({ baseUrl: `${base}/p`, apiKey: API_KEY, signing: { keyId: KEY_ID, secret: SECRET } });
    const lines = [];
    for await (const line of signed.iterateAnalyticsCsv({ bucket: 'hour', from: new Date(Date.UTC(2026, 10, 24, 10)) })) {
      lines.push(line);
      if (lines.length === 2) release();
    }
    assert.deepEqual(lines, [CSV_HEADER, CSV_ROW_1, '"x\ny ""z"",é",2', CSV_ROW_2]);
    const r = last();
    assert.equal(r.target, '/p/v1/analytics/export?bucket=hour&from=2026-11-24T10%3A00%3A00Z&format=csv');
    assert.equal(r.headers.accept, 'text/csv');
    assert.equal(r.headers['x-key-id'], KEY_ID);
    const verified = verifyRequest({ secrets: SECRET, method: r.method, target: r.target, body: r.body, headers: r.headers });
    assert.equal(verified.secretIndex, 0);
  });

  it('iterateAnalyticsCsv: leaving the loop early closes the download', async () => {
    let closed;
    const closedOnServer = new Promise((resolve) => (closed = resolve));
    handle = (_, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write(`${CSV_HEADER}\n${CSV_ROW_1}\n`); // and never ends
      res.on('close', () => closed(res.writableEnded));
    };
    const got = [];
    for await (const line of client().iterateAnalyticsCsv()) {
      got.push(line);
      break;
    }
    assert.deepEqual(got, [CSV_HEADER]);
    assert.equal(await closedOnServer, false, 'the connection closed before the server finished');
  });

  it('iterateAnalyticsCsv: errors, an idle service, and an aborted signal', async () => {
    handle = (_, res) => json(res, 400, { error: { code: 'invalid_query', message: '`bucket`: unknown', request_id: 'r' } });
    let error = await drain(client().iterateAnalyticsCsv({ bucket: 'week' })).catch((e) => e);
    assert.ok(ApiError.is(error) && error.code === 'invalid_query' && error.status === 400, String(error));

    handle = (_, res) => json(res, 200, { rows: [] });
    error = await drain(client().iterateAnalyticsCsv()).catch((e) => e);
    assert.ok(ApiError.is(error) && error.code === 'invalid_response', String(error));

    // The header arrives, then nothing: the timeout bounds each wait.
    handle = (_, res) => {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write(`${CSV_HEADER}\n`);
    };
    const lines = [];
    error = await drain(new TriggersClient({ baseUrl: base, timeoutMs: 150 }).iterateAnalyticsCsv(), lines).catch((e) => e);
    assert.deepEqual(lines, [CSV_HEADER]);
    assert.ok(NetworkError.is(error), String(error));
    assert.equal(error.timedOut, true);
    assert.match(error.message, /no data within 150 ms/);

    // The caller's signal, mid-stream: rejects with its reason.
    const controller = new AbortController();
    const reason = new Error('enough');
    const pending = drain(client().iterateAnalyticsCsv({}, { signal: controller.signal }), [], () => controller.abort(reason));
    await assert.rejects(pending, (e) => e === reason);
  });

  it('iterateAnalyticsCsv signs again when the service refuses a replayed signature', async () => {
    let calls = 0;
    handle = (_, res) => {
      calls += 1;
      if (calls === 1) {
        json(res, 401, { error: { code: 'replayed_signature', message: 'this signature was used already', request_id: 'r' } });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(`${CSV_HEADER}\n`);
    };
    const signed = new TriggersClient({ baseUrl: base, apiKey: API_KEY, signing: { keyId: KEY_ID, secret: SECRET } });
    assert.deepEqual(await drain(signed.iterateAnalyticsCsv()), [CSV_HEADER]);
    assert.equal(calls, 2);
    const [first, second] = seen.slice(-2);
    assert.notEqual(first.headers['x-signature-timestamp'], second.headers['x-signature-timestamp']);
  });
});

/** Collects an async iterator into `into`, calling `onFirst` after the first item. */
async function drain(iterator, into = [], onFirst = undefined) {
  for await (const item of iterator) {
    into.push(item);
    if (into.length === 1) onFirst?.();
  }
  return into;
}
