#!/usr/bin/env node
// Quickstart of @zapier/triggers-api-client: with a signing client,
//
//   1. start a webhook receiver (node:http on 127.0.0.1) that verifies every
//      delivery with verifyWebhookPayload,
//   2. register it as a webhook for `order.*` events,
//   3. send an event (idempotently),
//   4. wait for its delivery and list the webhook's delivery attempts,
//   5. acknowledge the event,
//   6. read the account's analytics of the last hour (summary and top event
//      types), then delete the webhook.
//
// Environment (see README.md):
//   TRIGGERS_BASE_URL        e.g. http://127.0.0.1:8080
//   TRIGGERS_API_KEY         an admin API key (trgk_…)
//   TRIGGERS_KEY_ID          its key id (key_…)
//   TRIGGERS_SIGNING_SECRET  its signing secret (trgs_…)
//
// The service must allow webhook destinations on 127.0.0.1 (serve with
// TRIGGERS_WEBHOOKS_ALLOW_LOCAL=true). Exits non-zero on any failure:
// sdks/typescript/test.sh runs it against a live service.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApiError, NetworkError, SignatureError, TriggersClient, verifyWebhookPayload } from '@zapier/triggers-api-client';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`set ${name} (see README.md)`);
    process.exit(2);
  }
  return value;
}

const client = new TriggersClient({
  baseUrl: required('TRIGGERS_BASE_URL'),
  apiKey: required('TRIGGERS_API_KEY'),
  // Optional: sign every request (required for keys with require_signature).
  signing: { keyId: required('TRIGGERS_KEY_ID'), secret: required('TRIGGERS_SIGNING_SECRET') },
  timeoutMs: 10_000,
});
console.log(`client: ${client}`); // prints the base URL and key id, never a secret

// ---------------------------------------------------------------- 1. receiver
let webhookSecret; // known once the webhook is created
const received = [];
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    try {
      // The raw body and Node's headers, before any JSON parsing.
      const event = verifyWebhookPayload({ secrets: webhookSecret, headers: req.headers, body: Buffer.concat(chunks) });
      received.push(event);
      console.log(`receiver: verified delivery of ${event.type} ${event.id}: ${JSON.stringify(event.data)}`);
      res.writeHead(204).end();
    } catch (error) {
      // Unsigned, tampered or stale: refuse it (the service retries later).
      console.log(`receiver: refused a delivery (${SignatureError.is(error) ? error.code : error})`);
      res.writeHead(401).end();
    }
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}/triggers`;

let webhook;
let exitCode = 0;
try {
  // -------------------------------------------------------------- 2. webhook
  webhook = await client.createWebhook({ url: receiverUrl, events: ['order.*'], description: 'quickstart receiver' });
  webhookSecret = webhook.secret; // shown once: store it with your receiver
  console.log(`webhook ${webhook.webhook_id} -> ${webhook.url} (events: ${webhook.events.join(', ')})`);

  // ---------------------------------------------------------------- 3. event
  const body = {
    source: 'shop',
    event_type: 'order.created',
    payload: { order_id: 1001, total: '49.90' },
    idempotency_key: `order-1001-${randomUUID()}`, // retrying with the same key is safe
  };
  const event = await client.createEvent(body);
  const retry = await client.createEvent(body);
  console.log(`event ${event.event_id} (${event.status}); the retry returned ${retry.event_id === event.event_id ? 'the same event' : 'ANOTHER EVENT'}`);
  if (retry.event_id !== event.event_id) throw new Error('idempotency failed');

  // ---------------------------------------------------------- 4. deliveries
  const deadline = Date.now() + 15_000;
  while (!received.some((e) => e.id === event.event_id)) {
    if (Date.now() > deadline) throw new Error('no delivery within 15 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for await (const attempt of client.iterateWebhookDeliveries(webhook.webhook_id)) {
    console.log(
      `attempt ${attempt.attempt} of ${attempt.delivery_id}: ${attempt.success ? 'delivered' : 'failed'}` +
        ` (${attempt.status_code ?? attempt.failure}, ${attempt.latency_ms} ms)`,
    );
  }

  // ----------------------------------------------------------- 5. acknowledge
  const acked = await client.ackEvent(event.event_id);
  console.log(`event ${acked.event_id} ${acked.status}`);

  // -------------------------------------------------------------- 6. analytics
  // Counted asynchronously: the newest event may take a moment to show.
  const lastHour = { from: new Date(Date.now() - 3_600_000), to: new Date() };
  const summary = await client.getAnalyticsSummary(lastHour);
  const rate = summary.deliveries.delivery_success_rate;
  const p99 = summary.deliveries.ingest_to_delivery.p99_us;
  console.log(
    `last hour: ${summary.events.total} events, ${summary.api.requests} API requests, ` +
      `delivery success ${rate === null ? 'n/a' : `${(rate * 100).toFixed(1)}%`}, ` +
      `ingest to delivery p99 ${p99 === null ? 'n/a' : `${(p99 / 1000).toFixed(1)} ms`}`,
  );
  const top = await client.getAnalyticsBreakdown({ ...lastHour, by: 'event_type', limit: 3 });
  console.log(`top event types: ${top.rows.map((r) => `${r.key} (${r.count})`).join(', ') || 'none yet'}`);
} catch (error) {
  exitCode = 1;
  if (ApiError.is(error)) {
    console.error(`API error ${error.status} ${error.code}: ${error.message} (request id ${error.requestId})`);
  } else if (NetworkError.is(error)) {
    console.error(`network error: ${error.message}`);
  } else {
    console.error(error);
  }
} finally {
  if (webhook) await client.deleteWebhook(webhook.webhook_id).catch(() => {});
  receiver.close();
}
process.exitCode = exitCode;
