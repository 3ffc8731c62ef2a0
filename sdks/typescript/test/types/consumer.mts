// Type-checks the published ESM types the way a consumer's project sees them
// (test.sh runs `tsc -p test/types`); never executed.
import {
  SignatureError,
  signRequest,
  signWebhook,
  verifyRequest,
  verifyWebhook,
  type SignatureErrorCode,
  type SignedRequest,
  type VerifiedRequest,
  type VerifiedWebhook,
} from '@zapier/triggers-api-client';
import { canonicalString } from '@zapier/triggers-api-client/signing';

const signed: SignedRequest = signRequest({ secret: 's', method: 'POST', target: '/v1/events', body: '{}' });
const headerValue: string = signed.headers['X-Signature'];
const ok: VerifiedRequest = verifyRequest({
  secrets: ['new', 'old'],
  method: 'POST',
  target: new URL('https://example.invalid/v1/events'),
  body: new Uint8Array(2),
  headers: new Headers(signed.headers),
  now: 1_700_000_000n,
});
const index: number = ok.secretIndex;
const hook = signWebhook({ secret: ['whsec_a', 'whsec_b'], id: 'msg_1', body: new Uint8Array(0), timestamp: 1 });
const delivered: VerifiedWebhook = verifyWebhook({ secrets: 'whsec_a', headers: { ...hook.headers }, body: '' });
const text: string = canonicalString({ method: 'GET', target: '/', timestamp: 0 });
try {
  verifyRequest({ secrets: 's', method: 'GET', target: '/', headers: {} });
} catch (error) {
  if (error instanceof SignatureError) {
    const code: SignatureErrorCode = error.code;
    void code;
  }
}
// @ts-expect-error the body is bytes or a string
signRequest({ secret: 's', method: 'GET', target: '/', body: 42 });
void [headerValue, index, delivered, text];

// ------------------------------------------------------------------ client
import {
  ApiError,
  NetworkError,
  TriggersClient,
  TriggersError,
  verifyWebhookPayload,
  type AnalyticsBreakdown,
  type AnalyticsExport,
  type AnalyticsExportRow,
  type AnalyticsMetric,
  type AnalyticsSummary,
  type AnalyticsTimeseries,
  type ApiErrorBody,
  type ApiKeyWithSecrets,
  type Attempt,
  type CreateEventRequest,
  type DeadLetter,
  type Event,
  type EventList,
  type RotatedApiKey,
  type Webhook,
  type WebhookPayload,
  type WebhookWithSecret,
} from '@zapier/triggers-api-client';

async function useClient(): Promise<void> {
  const client = new TriggersClient({
    baseUrl: 'http://127.0.0.1:8080',
    apiKey: 'trgk_x',
    signing: { keyId: 'key_x', secret: 'trgs_x' },
    timeoutMs: 5_000,
    fetch: (input, init) => fetch(input, init),
  });
  const request: CreateEventRequest = { source: 's', event_type: 't', payload: { n: 1 }, idempotency_key: 'k' };
  const event: Event = await client.createEvent(request, { signal: new AbortController().signal, requestId: 'r' });
  const status: 'pending' | 'acknowledged' = event.status;
  const page: EventList = await client.listInbox({ source: 's', limit: 10 });
  const next: string | null = page.next_cursor;
  for await (const e of client.iterateInbox({ event_type: 't' })) {
    const id: string = e.event_id;
    void id;
  }
  const key: ApiKeyWithSecrets = await client.createApiKey({ name: 'n', role: 'admin', require_signature: true });
  const rotated: RotatedApiKey = await client.rotateApiKey(key.key_id, { transition_seconds: 60 });
  const hook: WebhookWithSecret = await client.createWebhook({ url: 'https://example.invalid/h', events: ['order.*'] });
  const plain: Webhook = await client.updateWebhook(hook.webhook_id, { is_active: false });
  const deleted: void = await client.deleteWebhook(hook.webhook_id);
  for await (const a of client.iterateWebhookDeliveries(hook.webhook_id)) {
    const attempt: Attempt = a;
    void attempt;
  }
  for await (const d of client.iterateDeadLetters({ webhook_id: hook.webhook_id })) {
    const dead: DeadLetter = d;
    void dead;
  }
  const raw = await client.request<{ ok: boolean }>('GET', '/v1/inbox', { query: { limit: 1 } });
  const ok: boolean = raw.data.ok;
  // @ts-expect-error payload is required
  await client.createEvent({ source: 's', event_type: 't' });
  // @ts-expect-error limit is a number
  await client.listInbox({ limit: '10' });
  // @ts-expect-error no such operation
  await client.deleteEvent('x');
  try {
    await client.health();
  } catch (error) {
    if (ApiError.is(error)) {
      const code: string = error.code;
      const statusCode: number = error.status;
      const rid: string | undefined = error.requestId;
      void [code, statusCode, rid];
    } else if (NetworkError.is(error)) {
      const timedOut: boolean = error.timedOut;
      void timedOut;
    } else if (error instanceof TriggersError) {
      void error.message;
    }
  }
  const body: ApiErrorBody = { code: 'c', message: 'm', request_id: 'r' };

  // Analytics: Dates or RFC 3339 strings for the range.
  const summary: AnalyticsSummary = await client.getAnalyticsSummary({ from: new Date(), to: '2026-11-25T00:00:00Z' });
  const total: number = summary.events.total;
  const p99: number | null = summary.deliveries.ingest_to_delivery.p99_us;
  const twoXx: number = summary.api.by_class['2xx'];
  const metric: AnalyticsMetric = 'ingest_latency_p99';
  const series: AnalyticsTimeseries = await client.getAnalyticsTimeseries({ metric, bucket: 'minute', source: 'shop' });
  const value: number | null = series.points[0]!.value;
  const breakdown: AnalyticsBreakdown = await client.getAnalyticsBreakdown({ by: 'webhook', limit: 5 });
  const perWebhook: number | undefined = breakdown.rows[0]?.webhook?.attempts;
  const exported: AnalyticsExport = await client.exportAnalytics({ bucket: 'day' });
  const row: AnalyticsExportRow | undefined = exported.rows[0];
  const csv: string = await client.exportAnalyticsCsv({ from: new Date(0) });
  for await (const line of client.iterateAnalyticsCsv({ bucket: 'hour' }, { timeoutMs: 5_000 })) {
    const text: string = line;
    void text;
  }
  // @ts-expect-error `by` is required
  await client.getAnalyticsBreakdown({ limit: 5 });
  // @ts-expect-error not a metric
  await client.getAnalyticsTimeseries({ metric: 'events_per_second' });
  // @ts-expect-error the export methods choose the format
  await client.exportAnalytics({ format: 'csv' });
  // @ts-expect-error from is a string or a Date
  await client.getAnalyticsSummary({ from: 1_700_000_000 });
  void [status, next, rotated, plain, deleted, ok, body, total, p99, twoXx, value, perWebhook, row, csv];
}

const payload: WebhookPayload<{ order_id: number }> = verifyWebhookPayload<{ order_id: number }>({
  secrets: 'whsec_a',
  headers: new Headers(),
  body: new Uint8Array(0),
});
const orderId: number = payload.data.order_id;
void [useClient, orderId];
