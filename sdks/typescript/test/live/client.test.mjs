// The client (ESM build) against the real triggers-service, started on
// 127.0.0.1 by ../../scripts/with-service.sh (npm run test:live): every
// operation, unsigned and signed calls, error mapping, pagination, webhook
// deliveries to a node:http receiver verified with verifyWebhookPayload, and
// dead letters.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  ApiError,
  NetworkError,
  SignatureError,
  TriggersClient,
  TriggersError,
  verifyRequest,
  verifyWebhookPayload,
} from '@zapier/triggers-api-client';
import { closedPort, otherAccountKey, serviceEnv, startReceiver, unique, waitFor } from './helpers.mjs';

const env = serviceEnv();
const SPEC = JSON.parse(readFileSync(new URL('../../../../docs/openapi.json', import.meta.url), 'utf8'));

/** A fetch that records what it sends (the real fetch does the sending). */
function recordingFetch() {
  const sent = [];
  const fetchFn = async (input, init) => {
    sent.push({ url: new URL(input), method: init.method, headers: new Headers(init.headers), body: init.body });
    return fetch(input, init);
  };
  return { sent, fetch: fetchFn };
}

/** Rejects with an ApiError of this status and code. */
async function rejectsApi(promise, status, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof ApiError, `expected an ApiError, got ${error?.name}: ${error?.message}`);
    assert.ok(error instanceof TriggersError);
    assert.equal(error.status, status, `status (code ${error.code}: ${error.message})`);
    assert.equal(error.code, code);
    assert.match(error.requestId ?? '', /\S/, 'the request id is reported');
    assert.equal(error.body?.error?.code, code, 'the parsed envelope is kept');
    return true;
  });
}

const admin = new TriggersClient({ baseUrl: env.baseUrl, apiKey: env.adminKey });
const adminSigned = new TriggersClient({
  baseUrl: env.baseUrl,
  apiKey: env.adminKey,
  signing: { keyId: env.keyId, secret: env.signingSecret },
});

describe('meta operations (no authentication)', () => {
  it('health and getOpenApi', async () => {
    const anonymous = new TriggersClient({ baseUrl: env.baseUrl });
    assert.deepEqual(await anonymous.health(), { status: 'ok' });
    const doc = await anonymous.getOpenApi();
    assert.equal(doc.openapi, SPEC.openapi);
    assert.deepEqual(Object.keys(doc.paths).sort(), Object.keys(SPEC.paths).sort());
  });
});

describe('events and inbox (unsigned)', () => {
  it('create, get, list, ack', async () => {
    const source = unique('shop');
    const created = await admin.createEvent({ source, event_type: 'order.created', payload: { order_id: 1, name: 'José 😀' } });
    assert.match(created.event_id, /^[0-9a-f-]{36}$/);
    assert.equal(created.status, 'pending');
    assert.deepEqual(created.payload, { order_id: 1, name: 'José 😀' });

    const got = await admin.getEvent(created.event_id);
    assert.deepEqual(got, created);

    const page = await admin.listInbox({ source });
    assert.deepEqual(page.events.map((e) => e.event_id), [created.event_id]);
    assert.equal(page.next_cursor, null);

    const acked = await admin.ackEvent(created.event_id);
    assert.equal(acked.status, 'acknowledged');
    assert.ok(acked.acked_at);
    assert.deepEqual((await admin.listInbox({ source })).events, []);
  });

  it('idempotent creation: a retry returns the original, other content is 409', async () => {
    const body = { source: unique('shop'), event_type: 'order.created', payload: { n: 1 }, idempotency_key: unique('idem') };
    const first = await admin.createEvent(body);
    const again = await admin.createEvent(body);
    assert.equal(again.event_id, first.event_id);
    // The raw response tells a replay apart.
    const raw = await admin.request('POST', '/v1/events', { body });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get('idempotent-replayed'), 'true');
    assert.equal(raw.data.event_id, first.event_id);
    await rejectsApi(admin.createEvent({ ...body, payload: { n: 2 } }), 409, 'idempotency_key_reused');
  });

  it('iterates the inbox across pages, following next_cursor', async () => {
    const source = unique('paging');
    const ids = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await admin.createEvent({ source, event_type: 'page.test', payload: { i } })).event_id);
    }
    const { sent, fetch } = recordingFetch();
    const client = new TriggersClient({ baseUrl: env.baseUrl, apiKey: env.adminKey, fetch });
    const seen = [];
    for await (const event of client.iterateInbox({ source, limit: 2 })) seen.push(event.event_id);
    assert.deepEqual(seen, ids, 'every event once, oldest first');
    const pages = sent.filter((r) => r.url.pathname === '/v1/inbox');
    assert.equal(pages.length, 3, '2 + 2 + 1');
    assert.equal(pages[0].url.searchParams.get('cursor'), null);
    assert.ok(pages[1].url.searchParams.get('cursor'), 'the second page asks for the cursor of the first');
    // Breaking out early stops fetching.
    const before = sent.length;
    for await (const event of client.iterateInbox({ source, limit: 2 })) {
      assert.equal(event.event_id, ids[0]);
      break;
    }
    assert.equal(sent.length, before + 1);
  });
});

describe('signed requests', () => {
  let key; // an admin key with require_signature
  before(async () => {
    key = await admin.createApiKey({ name: unique('signed'), role: 'admin', require_signature: true });
    assert.equal(key.require_signature, true);
    assert.match(key.signing_secret, /^trgs_/);
  });

  it('an unsigned call with a require_signature key is 401 signature_required', async () => {
    const unsigned = new TriggersClient({ baseUrl: env.baseUrl, apiKey: key.api_key });
    await rejectsApi(unsigned.listInbox(), 401, 'signature_required');
    await rejectsApi(unsigned.createEvent({ source: 's', event_type: 't', payload: {} }), 401, 'signature_required');
  });

  it('signed calls succeed, over the exact target and bytes sent', async () => {
    const { sent, fetch } = recordingFetch();
    const client = new TriggersClient({
      baseUrl: env.baseUrl,
      apiKey: key.api_key,
      signing: { keyId: key.key_id, secret: key.signing_secret },
      fetch,
    });
    const source = unique('signed shop/é ?&=+');
    const event = await client.createEvent({ source, event_type: 'order.created', payload: { emoji: '😀', n: 1.5 } });
    const page = await client.listInbox({ source, event_type: 'order.created', limit: 10 });
    assert.deepEqual(page.events.map((e) => e.event_id), [event.event_id]);
    assert.equal((await client.getEvent(event.event_id)).source, source);

    assert.equal(sent.length, 3);
    for (const request of sent) {
      assert.equal(request.headers.get('x-key-id'), key.key_id);
      assert.equal(request.headers.get('x-signature-version'), 'v1');
      assert.match(request.headers.get('x-signature'), /^[0-9a-f]{64}$/);
      // The signature covers what went on the wire: verify it independently.
      const verified = verifyRequest({
        secrets: key.signing_secret,
        method: request.method,
        target: request.url.pathname + request.url.search,
        body: request.body ?? new Uint8Array(0),
        headers: request.headers,
      });
      assert.equal(verified.secretIndex, 0);
    }
    assert.ok(sent[1].url.search.includes('source='), 'the listing was signed with its query');
  });

  it('identical signed requests in a row are all accepted (one signature each)', async () => {
    const client = new TriggersClient({ baseUrl: env.baseUrl, apiKey: key.api_key, signing: { keyId: key.key_id, secret: key.signing_secret } });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await client.listInbox({ source: 'same-request' }));
    assert.equal(results.length, 3);
    // Two clients with the same key race on the same request: the service
    // refuses the copy (replayed_signature) and the client signs it again.
    const twin = new TriggersClient({ baseUrl: env.baseUrl, apiKey: key.api_key, signing: { keyId: key.key_id, secret: key.signing_secret } });
    const both = await Promise.all([client.listInbox({ source: 'twins' }), twin.listInbox({ source: 'twins' })]);
    assert.deepEqual(both, [{ events: [], next_cursor: null }, { events: [], next_cursor: null }]);
  });

  it('a wrong secret is 401 signature_mismatch', async () => {
    const wrong = new TriggersClient({ baseUrl: env.baseUrl, apiKey: key.api_key, signing: { keyId: key.key_id, secret: 'trgs_not-the-secret' } });
    await rejectsApi(wrong.listInbox(), 401, 'signature_mismatch');
  });

  it('the bootstrap key signs too', async () => {
    const event = await adminSigned.createEvent({ source: unique('boot'), event_type: 'x', payload: {} });
    assert.equal((await adminSigned.getEvent(event.event_id)).event_id, event.event_id);
  });

  it('an invalid signing secret is refused before sending', () => {
    assert.throws(
      () => new TriggersClient({ baseUrl: env.baseUrl, apiKey: key.api_key, signing: { keyId: key.key_id, secret: '' } }),
      (error) => SignatureError.is(error) && error.code === 'invalid_secret',
    );
  });
});

describe('API keys', () => {
  it('create, get, list, iterate, versions, rotate, revoke', async () => {
    const name = unique('standard');
    const created = await admin.createApiKey({ name, role: 'standard' });
    assert.equal(created.role, 'standard');
    assert.equal(created.require_signature, false);
    assert.match(created.api_key, /^trgk_/);
    const { api_key: _secret1, signing_secret: _secret2, version: _v, ...plain } = created;
    assert.deepEqual(await admin.getApiKey(created.key_id), plain);

    const page = await admin.listApiKeys({ limit: 1 });
    assert.equal(page.api_keys.length, 1);
    assert.ok(page.next_cursor, 'more than one key: a next page');
    const all = [];
    for await (const k of admin.iterateApiKeys({ limit: 1 })) all.push(k.key_id);
    assert.ok(all.includes(created.key_id) && all.includes(env.keyId), 'every key, across pages');
    assert.equal(new Set(all).size, all.length, 'no key twice');

    const versions = await admin.listApiKeyVersions(created.key_id);
    assert.equal(versions.key_id, created.key_id);
    assert.deepEqual(versions.versions.map((v) => v.version), [1]);

    const rotated = await admin.rotateApiKey(created.key_id, { transition_seconds: 0 });
    assert.equal(rotated.version.version, 2);
    assert.notEqual(rotated.api_key, created.api_key);
    assert.deepEqual((await admin.listApiKeyVersions(created.key_id)).versions.map((v) => v.status), ['expired', 'active']);
    // The new token works (a standard key reads the inbox); the old one expired.
    const fresh = new TriggersClient({ baseUrl: env.baseUrl, apiKey: rotated.api_key });
    assert.deepEqual((await fresh.listInbox({ source: unique('none') })).events, []);
    await rejectsApi(new TriggersClient({ baseUrl: env.baseUrl, apiKey: created.api_key }).listInbox(), 401, 'key_expired');
    // A standard key may not manage webhooks.
    await rejectsApi(fresh.listWebhooks(), 403, 'forbidden');
    // Rotation with defaults (no body).
    assert.equal((await admin.rotateApiKey(created.key_id)).version.version, 3);

    const revoked = await admin.revokeApiKey(created.key_id);
    assert.equal(revoked.status, 'revoked');
    await rejectsApi(fresh.listInbox(), 401, 'key_revoked');
  });
});

describe('webhooks, deliveries and dead letters', () => {
  let receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver?.close());

  it('create, get, list, update, test, deliver, verify, rotate, delete', async () => {
    const hook = await admin.createWebhook({ url: receiver.url, events: ['order.*'], description: 'sdk test' });
    assert.match(hook.secret, /^whsec_/);
    assert.equal(hook.is_active, true);
    const { secret, ...plain } = hook;
    assert.deepEqual(await admin.getWebhook(hook.webhook_id), plain);
    const listed = [];
    for await (const w of admin.iterateWebhooks({ limit: 1 })) listed.push(w.webhook_id);
    assert.ok(listed.includes(hook.webhook_id));
    assert.ok((await admin.listWebhooks()).webhooks.some((w) => w.webhook_id === hook.webhook_id));

    const updated = await admin.updateWebhook(hook.webhook_id, { description: 'sdk test, updated', max_retries: 2 });
    assert.equal(updated.description, 'sdk test, updated');
    assert.equal(updated.max_retries, 2);
    assert.deepEqual(updated.events, ['order.*'], 'absent fields keep their value');

    // A test send, verified with the helper.
    const result = await admin.testWebhook(hook.webhook_id);
    assert.equal(result.success, true, JSON.stringify(result));
    assert.equal(result.status_code, 200);
    const testDelivery = receiver.requests.find((r) => r.headers['webhook-id'] === result.msg_id);
    assert.ok(testDelivery, 'the receiver got the test send');
    const testPayload = verifyWebhookPayload({ secrets: secret, headers: testDelivery.headers, body: testDelivery.body });
    assert.equal(testPayload.type, 'webhook.test');
    assert.equal(testPayload.data.webhook_id, hook.webhook_id);

    // A real event, delivered.
    const event = await admin.createEvent({ source: unique('shop'), event_type: 'order.created', payload: { order_id: 42, total: '9.90' } });
    const delivery = await waitFor('the delivery', () =>
      receiver.requests.find((r) => r.headers['webhook-id'] === `msg_${event.event_id.replaceAll('-', '')}`),
    );
    assert.equal(delivery.method, 'POST');
    // Node's IncomingHttpHeaders, a fetch Headers, a string body: all verify.
    const payload = verifyWebhookPayload({ secrets: secret, headers: delivery.headers, body: delivery.body });
    assert.deepEqual(payload, {
      id: event.event_id,
      type: 'order.created',
      source: event.source,
      timestamp: payload.timestamp,
      data: { order_id: 42, total: '9.90' },
    });
    assert.ok(!Number.isNaN(Date.parse(payload.timestamp)));
    const fetchHeaders = new Headers();
    for (const [k, v] of Object.entries(delivery.headers)) fetchHeaders.set(k, String(v));
    assert.equal(verifyWebhookPayload({ secrets: [secret], headers: fetchHeaders, body: delivery.body.toString('utf8') }).id, event.event_id);
    // A tampered body, a wrong secret, a missing header: SignatureError, payload never returned.
    const tampered = Buffer.from(delivery.body.toString('utf8').replace('"order_id":42', '"order_id":43'));
    assert.notDeepEqual(tampered, delivery.body);
    for (const [options, code] of [
      [{ secrets: secret, headers: delivery.headers, body: tampered }, 'signature_mismatch'],
      [{ secrets: 'whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY', headers: delivery.headers, body: delivery.body }, 'signature_mismatch'],
      [{ secrets: secret, headers: { ...delivery.headers, 'webhook-signature': undefined }, body: delivery.body }, 'missing_header'],
    ]) {
      assert.throws(() => verifyWebhookPayload(options), (error) => SignatureError.is(error) && error.code === code);
    }
    // Events of other types are not delivered to this webhook.
    const other = await admin.createEvent({ source: 'shop', event_type: 'invoice.paid', payload: {} });

    // The attempt log.
    const attempts = await waitFor('the attempt log', async () => {
      const page = await admin.listWebhookDeliveries(hook.webhook_id);
      return page.attempts.length > 0 ? page : undefined;
    });
    assert.equal(attempts.webhook_id, hook.webhook_id);
    assert.ok(attempts.attempts.some((a) => a.success && a.status_code === 200));
    const iterated = [];
    for await (const a of admin.iterateWebhookDeliveries(hook.webhook_id, { limit: 1 })) iterated.push(a);
    assert.equal(iterated.length, (await admin.listWebhookDeliveries(hook.webhook_id, { limit: 100 })).attempts.length);
    assert.ok(!receiver.requests.some((r) => r.headers['webhook-id'] === `msg_${other.event_id.replaceAll('-', '')}`));

    // Secret rotation: the next delivery is signed with the new secret (and
    // the old one during the transition).
    const rotatedHook = await admin.rotateWebhookSecret(hook.webhook_id, { transition_seconds: 3600 });
    assert.notEqual(rotatedHook.secret, secret);
    assert.equal(rotatedHook.secret_version, 2);
    const next = await admin.createEvent({ source: 'shop', event_type: 'order.updated', payload: { n: 2 } });
    const nextDelivery = await waitFor('the delivery after rotation', () =>
      receiver.requests.find((r) => r.headers['webhook-id'] === `msg_${next.event_id.replaceAll('-', '')}`),
    );
    for (const s of [rotatedHook.secret, secret]) {
      assert.equal(verifyWebhookPayload({ secrets: s, headers: nextDelivery.headers, body: nextDelivery.body }).id, next.event_id);
    }

    await admin.deleteWebhook(hook.webhook_id);
    await rejectsApi(admin.getWebhook(hook.webhook_id), 404, 'webhook_not_found');
  });

  it('dead letters: list, iterate, replay one, replay in bulk', async () => {
    const failing = await startReceiver();
    try {
      failing.status = 500;
      const type = `dead.${Date.now()}`;
      const hook = await admin.createWebhook({ url: failing.url, events: [type], max_retries: 0 });
      const events = [];
      for (let i = 0; i < 2; i++) events.push(await admin.createEvent({ source: 'shop', event_type: type, payload: { i } }));
      const dead = await waitFor('two dead letters', async () => {
        const page = await admin.listDeadLetters({ webhook_id: hook.webhook_id });
        return page.dead_letters.length === 2 ? page.dead_letters : undefined;
      });
      assert.deepEqual(new Set(dead.map((d) => d.event_id)), new Set(events.map((e) => e.event_id)));
      for (const d of dead) {
        assert.equal(d.reason, 'retries_exhausted');
        assert.equal(d.last_status_code, 500);
        assert.equal(d.replayed_at, null);
      }
      const iterated = [];
      for await (const d of admin.iterateDeadLetters({ webhook_id: hook.webhook_id, limit: 1 })) iterated.push(d.delivery_id);
      assert.deepEqual(iterated, dead.map((d) => d.delivery_id));

      failing.status = 200;
      const msgId = (d) => `msg_${d.event_id.replaceAll('-', '')}`;
      const one = await admin.replayDeadLetter(dead[0].delivery_id);
      assert.deepEqual(one, { delivery_id: dead[0].delivery_id, replayed: true });
      const deliveriesOf = (d) => failing.requests.filter((r) => r.headers['webhook-id'] === msgId(d));
      await waitFor('the replayed delivery', () => deliveriesOf(dead[0]).length === 2);
      await rejectsApi(admin.replayDeadLetter(dead[0].delivery_id), 409, 'already_replayed');

      const bulk = await admin.replayDeadLetters({ webhook_id: hook.webhook_id });
      assert.equal(bulk.webhook_id, hook.webhook_id);
      assert.equal(bulk.replayed, 1, JSON.stringify(bulk));
      assert.equal(bulk.truncated, false);
      await waitFor('the bulk-replayed delivery', () => deliveriesOf(dead[1]).length === 2);
      const delivered = deliveriesOf(dead[1]).at(-1);
      const original = events.find((e) => e.event_id === dead[1].event_id);
      assert.deepEqual(verifyWebhookPayload({ secrets: hook.secret, headers: delivered.headers, body: delivered.body }).data, original.payload);
      await rejectsApi(admin.replayDeadLetter(randomUUID()), 404, 'dead_letter_not_found');
    } finally {
      await failing.close();
    }
  });

  it('another account sees none of it', async () => {
    const hook = await admin.createWebhook({ url: receiver.url, events: ['nothing.here'] });
    const other = new TriggersClient({ baseUrl: env.baseUrl, apiKey: otherAccountKey(env) });
    await rejectsApi(other.getWebhook(hook.webhook_id), 404, 'webhook_not_found');
    assert.ok(!(await other.listWebhooks()).webhooks.some((w) => w.webhook_id === hook.webhook_id));
    await admin.deleteWebhook(hook.webhook_id);
  });
});

describe('errors', () => {
  it('404 with the code and the request id (ours when we send one)', async () => {
    await rejectsApi(admin.getEvent(randomUUID()), 404, 'not_found');
    const requestId = unique('req');
    const error = await admin.getEvent(randomUUID(), { requestId }).catch((e) => e);
    assert.equal(error.requestId, requestId);
    assert.equal(error.body.error.request_id, requestId);
    assert.equal(error.method, 'GET');
    assert.match(error.path, /^\/v1\/events\/[0-9a-f-]{36}$/);
    assert.ok(ApiError.is(error) && TriggersError.is(error) && !NetworkError.is(error));
  });

  it('400 validation codes', async () => {
    await rejectsApi(admin.createEvent({ source: 'shop', event_type: 'x', payload: [1, 2] }), 400, 'invalid_field');
    await rejectsApi(admin.createEvent({ source: '', event_type: 'x', payload: {} }), 400, 'invalid_field');
    await rejectsApi(admin.listInbox({ limit: 0 }), 400, 'invalid_query');
    await rejectsApi(admin.listInbox({ cursor: 'not-a-cursor' }), 400, 'invalid_cursor');
    await rejectsApi(admin.getEvent('not-a-uuid'), 400, 'invalid_event_id');
    await rejectsApi(admin.createWebhook({ url: 'ftp://127.0.0.1/x' }), 400, 'invalid_url');
    await rejectsApi(admin.createWebhook({ url: 'http://127.0.0.1:9/x', events: [] }), 400, 'invalid_events');
  });

  it('401 for a bad or missing key', async () => {
    const bad = new TriggersClient({ baseUrl: env.baseUrl, apiKey: 'trgk_' + 'A'.repeat(54) });
    await rejectsApi(bad.listInbox(), 401, 'invalid_api_key');
    await rejectsApi(new TriggersClient({ baseUrl: env.baseUrl }).listInbox(), 401, 'missing_api_key');
  });

  it('NetworkError when nothing listens', async () => {
    const port = await closedPort();
    const client = new TriggersClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: env.adminKey });
    const error = await client.listInbox().catch((e) => e);
    assert.ok(error instanceof NetworkError, `got ${error?.name}: ${error?.message}`);
    assert.ok(NetworkError.is(error) && TriggersError.is(error) && !ApiError.is(error));
    assert.equal(error.timedOut, false);
    assert.ok(error.cause instanceof Error, 'the cause is kept');
    assert.match(error.message, /ECONNREFUSED/);
    assert.equal(error.url, `http://127.0.0.1:${port}/v1/inbox`);
    assert.ok(!error.message.includes(env.adminKey) && !String(error.stack).includes(env.adminKey));
  });
});

describe('the ESM and CommonJS builds together', () => {
  it('share error recognition', async () => {
    const { createRequire } = await import('node:module');
    const cjs = createRequire(import.meta.url)('@zapier/triggers-api-client');
    assert.notEqual(cjs.TriggersClient, TriggersClient, 'two builds');
    const error = await new cjs.TriggersClient({ baseUrl: env.baseUrl, apiKey: env.adminKey }).getEvent(randomUUID()).catch((e) => e);
    assert.ok(!(error instanceof ApiError), 'instanceof does not cross builds');
    assert.ok(ApiError.is(error) && TriggersError.is(error), 'is() does');
    assert.equal(error.code, 'not_found');
  });
});
