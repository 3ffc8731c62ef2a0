// The browser build's client in Chromium against the real service (started
// by ../../scripts/with-service.sh). The service sends no CORS headers, so
// the page's server on 127.0.0.1 forwards /v1/…, /healthz and /openapi.json
// to it unchanged (same path and query, headers and body bytes): a
// same-origin reverse proxy, as a web app in front of the API would have.
// Signatures made in the browser are checked by the service itself.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { TriggersClient } from '@zapier/triggers-api-client';
import { SKIP, openPage } from '../helpers/chromium.mjs';
import { serviceEnv, unique } from './helpers.mjs';

if (SKIP) console.log(`# browser test skipped: ${SKIP}`);
const env = serviceEnv();
const service = new URL(env.baseUrl);
const proxied = [];

/** Forwards API paths to the service, byte for byte. */
function proxy(req, res, path) {
  if (!(path.startsWith('/v1/') || path === '/healthz' || path === '/openapi.json')) return false;
  proxied.push(`${req.method} ${req.url}`);
  const headers = { ...req.headers, host: service.host };
  delete headers.connection;
  delete headers.origin;
  delete headers.referer;
  const upstream = httpRequest(
    { host: service.hostname, port: service.port, method: req.method, path: req.url, headers },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => res.writeHead(502).end(String(error)));
  req.pipe(upstream);
  return true;
}

describe('browser client against the service (same-origin proxy)', { skip: SKIP }, () => {
  let session;
  let key;
  before(async () => {
    const admin = new TriggersClient({ baseUrl: env.baseUrl, apiKey: env.adminKey });
    key = await admin.createApiKey({ name: unique('browser'), role: 'admin', require_signature: true });
    session = await openPage({ route: proxy });
  });
  after(async () => {
    await session?.close();
  });

  it('unsigned and signed calls from Chromium', async () => {
    const source = unique('browser');
    const result = await session.page.evaluate(
      async ({ adminKey, key, source }) => {
        const { TriggersClient, ApiError } = window.sdk;
        const base = location.origin;
        const admin = new TriggersClient({ baseUrl: base, apiKey: adminKey });
        const health = await admin.health();
        const created = await admin.createEvent({ source, event_type: 'browser.unsigned', payload: { n: 1 } });

        const unsigned = new TriggersClient({ baseUrl: base, apiKey: key.api_key });
        let refused;
        try {
          await unsigned.listInbox({ source });
        } catch (e) {
          refused = { isApiError: ApiError.is(e), status: e.status, code: e.code };
        }

        const signed = new TriggersClient({ baseUrl: base, apiKey: key.api_key, signing: { keyId: key.key_id, secret: key.signing_secret } });
        const signedEvent = await signed.createEvent({ source, event_type: 'browser.signed', payload: { text: 'Zürich 😀' } });
        const seen = [];
        for await (const e of signed.iterateInbox({ source, limit: 1 })) seen.push(e.event_type);
        const acked = await signed.ackEvent(signedEvent.event_id);
        return { health, created, refused, seen, acked: acked.status };
      },
      { adminKey: env.adminKey, key, source },
    );
    assert.deepEqual(result.health, { status: 'ok' });
    assert.equal(result.created.source, source);
    assert.deepEqual(result.refused, { isApiError: true, status: 401, code: 'signature_required' });
    assert.deepEqual(result.seen, ['browser.unsigned', 'browser.signed']);
    assert.equal(result.acked, 'acknowledged');
    assert.ok(proxied.some((r) => r.startsWith('GET /v1/inbox?source=')), proxied.join('\n'));
    assert.deepEqual(session.offHost, []);
    assert.deepEqual(session.pageErrors, []);
  });
});
