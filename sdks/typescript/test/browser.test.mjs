// The browser build in a real browser: Debian's Chromium, driven by
// playwright-core (which never downloads a browser), loads the package's ESM
// browser entry from a static server on 127.0.0.1 through an import map, as a
// page without a bundler would, and signs vectors with it.
// The browser build in a real browser: Debian's Chromium, driven by
// playwright-core (which never downloads a browser), loads the package's ESM
// browser entry from a static server on 127.0.0.1 through an import map, as a
// page without a bundler would, signs vectors with it, and sends signed
// requests with the client to that server, which verifies them.
// (test/live/browser-live.test.mjs calls the real service from Chromium.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyRequest } from '@zapier/triggers-api-client';
import { SKIP, openPage } from './helpers/chromium.mjs';
import helpers from './helpers/vectors.cjs';

if (SKIP) console.log(`# browser test skipped: ${SKIP}`);

/** Requests the page's client sent to /api/ (recorded, answered with JSON). */
const apiRequests = [];
function apiRoute(req, res, path) {
  if (!path.startsWith('/api/')) return false;
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    apiRequests.push({ method: req.method, target: req.url, headers: req.headers, body: Buffer.concat(chunks) });
    if (path === '/api/v1/events/missing') {
      res.writeHead(404, { 'content-type': 'application/json', 'x-request-id': 'rid-404' });
      res.end('{"error":{"code":"not_found","message":"event not found","request_id":"rid-404"}}');
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"event_id":"e-1","status":"pending"}');
  });
  return true;
}

describe('browser build in Chromium', { skip: SKIP }, () => {
  let session;
  let page;
  let requests;
  let offHost;
  let pageErrors;

  before(async () => {
    session = await openPage({ route: apiRoute });
    ({ page, requests, offHost, pageErrors } = session);
  });

  after(async () => {
    await session?.close();
  });

  it('signs a request vector with the exact bytes', async () => {
    const c = helpers.vectors.request_cases.find((v) => v.name === 'full_request');
    assert.ok(c, 'vector full_request');
    const result = await page.evaluate((v) => {
      const body = Uint8Array.from(atob(v.body_base64), (ch) => ch.charCodeAt(0));
      const signed = window.sdk.signRequest({ secret: v.secret, method: v.method, target: v.target, body, timestamp: v.timestamp });
      const canonical = window.sdk.canonicalString({ method: v.method, target: v.target, body, timestamp: v.timestamp });
      const verified = window.sdk.verifyRequest({
        secrets: [v.secret],
        method: v.method,
        target: v.target,
        body,
        headers: new Headers(signed.headers),
        now: v.timestamp,
      });
      return { signature: signed.signature, canonical, verified };
    }, c);
    assert.equal(result.signature, c.signature);
    assert.equal(result.canonical, c.canonical);
    assert.deepEqual(result.verified, { timestamp: c.timestamp, secretIndex: 0 });
  });

  it('signs every request and webhook vector like Node does', async () => {
    const { request_cases, webhook_cases } = helpers.vectors;
    const got = await page.evaluate(
      ({ requests, webhooks }) => {
        const bytes = (b64) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        return {
          requests: requests.map((v) =>
            window.sdk.signRequest({ secret: v.secret, method: v.method, target: v.target, body: bytes(v.body_base64), timestamp: v.timestamp }).signature,
          ),
          webhooks: webhooks.map((v) =>
            window.sdk.signWebhook({ secret: v.secrets ?? v.secret, id: v.id, body: bytes(v.body_base64), timestamp: v.timestamp }).signature,
          ),
        };
      },
      { requests: request_cases, webhooks: webhook_cases },
    );
    assert.deepEqual(got.requests, request_cases.map((v) => v.signature));
    assert.deepEqual(got.webhooks, webhook_cases.map((v) => v.signature));
  });

  it('throws SignatureError with the spec code', async () => {
    const c = helpers.vectors.request_invalid.find((v) => v.name === 'bad_encoding_in_query_key');
    const error = await page.evaluate((v) => {
      try {
        window.sdk.verifyRequest({ secrets: [v.secret], method: v.method, target: v.target, headers: v.headers, now: v.now });
        return null;
      } catch (e) {
        return { name: e.name, code: e.code, isSignatureError: e instanceof window.sdk.SignatureError };
      }
    }, c);
    assert.deepEqual(error, { name: 'SignatureError', code: c.error, isSignatureError: true });
  });

  it('the client signs what it sends with the browser fetch (verified by the server)', async () => {
    const secret = 'trgs_' + 'b'.repeat(43);
    const result = await page.evaluate(async (secret) => {
      const client = new window.sdk.TriggersClient({
        baseUrl: `${location.origin}/api`,
        apiKey: 'trgk_browser',
        signing: { keyId: 'key_BBBBBBBBBBBBBBBB', secret },
      });
      const event = await client.createEvent({ source: 'browser é', event_type: 'page.view', payload: { path: '/a?b' } });
      let error;
      try {
        await client.getEvent('missing');
      } catch (e) {
        error = { name: e.name, status: e.status, code: e.code, requestId: e.requestId, isApiError: window.sdk.ApiError.is(e), base: e instanceof window.sdk.TriggersError };
      }
      return { event, error, shown: String(client) + JSON.stringify(client) };
    }, secret);
    assert.deepEqual(result.event, { event_id: 'e-1', status: 'pending' });
    assert.deepEqual(result.error, { name: 'ApiError', status: 404, code: 'not_found', requestId: 'rid-404', isApiError: true, base: true });
    assert.ok(!result.shown.includes(secret) && !result.shown.includes('trgk_browser'));

    assert.equal(apiRequests.length, 2);
    const [post, get] = apiRequests;
    assert.equal(post.method, 'POST');
    assert.equal(post.target, '/api/v1/events');
    assert.equal(post.headers.authorization, 'Bearer trgk_browser');
    assert.equal(post.headers['x-key-id'], 'key_BBBBBBBBBBBBBBBB');
    assert.deepEqual(JSON.parse(post.body.toString('utf8')), { source: 'browser é', event_type: 'page.view', payload: { path: '/a?b' } });
    assert.ok(!/^triggers-api-client-js/.test(post.headers['user-agent'] ?? ''), 'the browser keeps its own User-Agent');
    for (const r of [post, get]) {
      const verified = verifyRequest({ secrets: secret, method: r.method, target: r.target, body: r.body, headers: r.headers });
      assert.equal(verified.secretIndex, 0, `${r.method} ${r.target}`);
    }
  });

  it('loaded the inlined module: no .wasm fetched, nothing off 127.0.0.1, no page error', () => {
    assert.ok(requests.includes('/dist/esm/index.browser.js'), requests.join(' '));
    assert.ok(requests.includes('/dist/wasm/web/triggers_wasm_inline.js'), requests.join(' '));
    assert.deepEqual(requests.filter((p) => p.endsWith('.wasm')), []);
    assert.deepEqual(offHost, []);
    assert.deepEqual(pageErrors, []);
  });
});
