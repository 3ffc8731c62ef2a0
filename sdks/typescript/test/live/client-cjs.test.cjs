'use strict';
// The CommonJS build (`require`) against the real service: the same client,
// signed, and its errors.
const assert = require('node:assert/strict');
const { randomUUID } = require('node:crypto');
const { describe, it } = require('node:test');
const triggers = require('@zapier/triggers-api-client');

describe('CommonJS build against the service', () => {
  const env = {
    baseUrl: process.env.TRIGGERS_TEST_BASE_URL,
    apiKey: process.env.TRIGGERS_TEST_ADMIN_KEY,
    keyId: process.env.TRIGGERS_TEST_KEY_ID,
    secret: process.env.TRIGGERS_TEST_SIGNING_SECRET,
  };

  it('is loaded from dist/cjs', () => {
    assert.ok(env.baseUrl, 'run through scripts/with-service.sh (npm run test:live)');
    assert.match(require.resolve('@zapier/triggers-api-client'), /dist[\\/]cjs[\\/]index\.js$/);
    for (const name of ['TriggersClient', 'ApiError', 'NetworkError', 'SignatureError', 'TriggersError', 'verifyWebhookPayload']) {
      assert.equal(typeof triggers[name], 'function', name);
    }
  });

  it('signs, creates and reads an event', async () => {
    const client = new triggers.TriggersClient({
      baseUrl: env.baseUrl,
      apiKey: env.apiKey,
      signing: { keyId: env.keyId, secret: env.secret },
    });
    const created = await client.createEvent({ source: 'cjs', event_type: 'cjs.test', payload: { ok: true } });
    const got = await client.getEvent(created.event_id);
    assert.deepEqual(got, created);
    assert.equal((await client.ackEvent(created.event_id)).status, 'acknowledged');
  });

  it('maps errors to ApiError', async () => {
    const client = new triggers.TriggersClient({ baseUrl: env.baseUrl, apiKey: env.apiKey });
    await assert.rejects(client.getEvent(randomUUID()), (error) => {
      assert.ok(error instanceof triggers.ApiError);
      assert.ok(error instanceof triggers.TriggersError);
      assert.equal(error.status, 404);
      assert.equal(error.code, 'not_found');
      return true;
    });
  });
});
