// The client without the service: completeness against docs/openapi.json,
// models, options, secrets never shown, and the wire format seen by a real
// node:http server on 127.0.0.1 (headers, signatures over the exact target
// and bytes, path prefixes, timeouts, aborts, non-JSON answers). The client
// against the real service: test/live/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import * as api from '@zapier/triggers-api-client';
import { OPERATIONS } from '../dist/esm/client/operations.js';

const { TriggersClient, ApiError, NetworkError, TriggersError, SignatureError, signWebhook, verifyRequest, verifyWebhookPayload } = api;
const SPEC = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'));
const PKG = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const API_KEY = 'trgk_' + 'k'.repeat(54);
const SECRET = 'trgs_' + 's'.repeat(43);
const KEY_ID = 'key_AAAAAAAAAAAAAAAA';

/** Every operation of openapi.json: operationId -> { method, path, auth, params }. */
function specOperations() {
  const ops = {};
  for (const [path, item] of Object.entries(SPEC.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) =>
        p.$ref ? SPEC.components.parameters[p.$ref.split('/').pop()] : p,
      );
      ops[op.operationId] = {
        method: method.toUpperCase(),
        path,
        auth: !(Array.isArray(op.security) && op.security.length === 0),
        paged: params.some((p) => p.in === 'query' && p.name === 'cursor'),
      };
    }
  }
  return ops;
}

describe('completeness against docs/openapi.json', () => {
  const ops = specOperations();
  const client = new TriggersClient({ baseUrl: 'http://127.0.0.1:9' });

  it('has a client method for every operationId', () => {
    assert.ok(Object.keys(ops).length >= 23);
    const missing = Object.keys(ops).filter((id) => typeof client[id] !== 'function');
    assert.deepEqual(missing, [], 'operations without a client method');
  });

  it('calls each operation with its method, path and authentication', () => {
    const table = Object.fromEntries(Object.entries(OPERATIONS).map(([id, op]) => [id, { ...op }]));
    const expected = Object.fromEntries(Object.entries(ops).map(([id, { method, path, auth }]) => [id, { method, path, auth }]));
    assert.deepEqual(table, expected);
  });

  it('has an async iterator for every paged listing', () => {
    const paged = Object.entries(ops).filter(([, op]) => op.paged).map(([id]) => id);
    assert.deepEqual(paged.sort(), ['listApiKeys', 'listDeadLetters', 'listInbox', 'listWebhookDeliveries', 'listWebhooks']);
    for (const id of paged) {
      const name = id.replace(/^list/, 'iterate');
      assert.equal(typeof client[name], 'function', name);
    }
  });

  it('exports a type alias for every schema', () => {
    const dts = readFileSync(new URL('../dist/esm/models.d.ts', import.meta.url), 'utf8');
    const rename = { Error: 'ApiErrorBody' };
    for (const schema of Object.keys(SPEC.components.schemas)) {
      const alias = rename[schema] ?? schema;
      assert.ok(dts.includes(`export type ${alias} = Schemas["${schema}"]`) || dts.includes(`export type ${alias} = Schemas['${schema}']`), `${alias} for ${schema}`);
    }
    const index = readFileSync(new URL('../dist/esm/index.d.ts', import.meta.url), 'utf8');
    assert.match(index, /export \* from '\.\/models\.js'|export \* from "\.\/models\.js"/);
  });
});

describe('package', () => {
  it('VERSION is package.json version', () => {
    assert.equal(api.VERSION, PKG.version);
  });

  it('every error class extends TriggersError', () => {
    for (const E of [ApiError, NetworkError, SignatureError]) assert.ok(E.prototype instanceof TriggersError, E.name);
    const e = new SignatureError('bad_encoding');
    assert.ok(TriggersError.is(e) && SignatureError.is(e) && !ApiError.is(e) && !NetworkError.is(e));
    assert.ok(!TriggersError.is(new Error('x')));
  });
});

describe('options', () => {
  it('refuses bad options with TypeError/RangeError/SignatureError', () => {
    const bad = [
      [{}, TypeError],
      [{ baseUrl: 'not a url' }, TypeError],
      [{ baseUrl: 'ftp://127.0.0.1' }, TypeError],
      [{ baseUrl: 'http://user:pw@127.0.0.1' }, TypeError],
      [{ baseUrl: 'http://127.0.0.1/?a=1' }, TypeError],
      [{ baseUrl: 42 }, TypeError],
      [{ baseUrl: 'http://127.0.0.1', apiKey: '' }, TypeError],
      [{ baseUrl: 'http://127.0.0.1', signing: { secret: SECRET } }, TypeError],
      [{ baseUrl: 'http://127.0.0.1', timeoutMs: -1 }, RangeError],
      [{ baseUrl: 'http://127.0.0.1', timeoutMs: Number.NaN }, RangeError],
      [{ baseUrl: 'http://127.0.0.1', fetch: 'no' }, TypeError],
    ];
    for (const [options, E] of bad) assert.throws(() => new TriggersClient(options), E, JSON.stringify(options));
    assert.throws(() => new TriggersClient(), TypeError);
    assert.throws(
      () => new TriggersClient({ baseUrl: 'http://127.0.0.1', signing: { keyId: KEY_ID, secret: '' } }),
      (e) => e instanceof SignatureError && e.code === 'invalid_secret',
    );
    assert.equal(new TriggersClient({ baseUrl: new URL('http://127.0.0.1:8080/base/') }).baseUrl, 'http://127.0.0.1:8080/base');
  });

  it('never shows the API key or the signing secret', () => {
    const client = new TriggersClient({ baseUrl: 'http://127.0.0.1:9', apiKey: API_KEY, signing: { keyId: KEY_ID, secret: SECRET } });
    const shown = [
      inspect(client, { showHidden: true, depth: Infinity, getters: true }),
      JSON.stringify(client),
      String(client),
      `${client}`,
      JSON.stringify(Object.getOwnPropertyNames(client).map((n) => client[n])),
      inspect(Object.getOwnPropertyDescriptors(client), { showHidden: true, depth: Infinity }),
    ];
    for (const text of shown) {
      assert.ok(!text.includes(API_KEY), text);
      assert.ok(!text.includes(SECRET), text);
    }
    assert.match(String(client), /key_AAAAAAAAAAAAAAAA/, 'the key id (not secret) is shown');
    assert.equal(client.signingKeyId, KEY_ID);
  });
});

describe('on the wire (a node:http server on 127.0.0.1)', () => {
  let server;
  let base;
  const seen = [];
  let reply = () => ({ status: 200, body: '{}' });

  before(async () => {
    server = createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const request = { method: req.method, target: req.url, headers: req.headers, body: Buffer.concat(chunks) };
        seen.push(request);
        const answer = reply(request);
        if (answer === 'hang') return; // never answer
        res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json', 'x-request-id': 'rid-from-server', ...answer.headers });
        res.end(answer.body);
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

  it('sends authentication, a Node User-Agent, a request id and JSON', async () => {
    reply = () => ({ status: 201, body: '{"event_id":"e1"}' });
    const client = new TriggersClient({ baseUrl: base, apiKey: API_KEY });
    const event = await client.createEvent(
      { source: 's', event_type: 't', payload: { x: 1 } },
      { requestId: 'my-request', headers: { 'X-Extra': 'yes', authorization: 'Bearer not-this-one', accept: 'text/html' } },
    );
    assert.deepEqual(event, { event_id: 'e1' });
    const r = last();
    assert.equal(r.method, 'POST');
    assert.equal(r.target, '/v1/events');
    assert.equal(r.headers.authorization, `Bearer ${API_KEY}`);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers.accept, 'application/json');
    assert.equal(r.headers['x-request-id'], 'my-request');
    assert.equal(r.headers['x-extra'], 'yes');
    assert.equal(r.headers['user-agent'], `triggers-api-client-js/${PKG.version} node/${process.versions.node}`);
    assert.equal(r.headers['x-signature'], undefined, 'unsigned without signing options');
    assert.deepEqual(JSON.parse(r.body), { source: 's', event_type: 't', payload: { x: 1 } });
    // A custom User-Agent, or none.
    await new TriggersClient({ baseUrl: base, userAgent: 'my-app/1.0' }).health();
    assert.equal(last().headers['user-agent'], 'my-app/1.0');
    assert.equal(last().headers.authorization, undefined, 'health is public: no key sent');
  });

  it('signs the exact target (path prefix, encoded id, query) and bytes, verifiable by the receiver', async () => {
    reply = () => ({ status: 200, body: '{"events":[],"next_cursor":null}' });
    const client = new TriggersClient({ baseUrl: `${base}/prefix/`, apiKey: API_KEY, signing: { keyId: KEY_ID, secret: SECRET } });
    await client.listInbox({ source: 'a b&c=d/é', event_type: undefined, limit: 5 });
    let r = last();
    assert.equal(r.target, '/prefix/v1/inbox?source=a%20b%26c%3Dd%2F%C3%A9&limit=5');
    assert.equal(r.headers['x-key-id'], KEY_ID);
    const check = (request) =>
      verifyRequest({ secrets: SECRET, method: request.method, target: request.target, body: request.body, headers: request.headers });
    assert.equal(check(r).secretIndex, 0);

    reply = () => ({ status: 200, body: '{}' });
    await client.ackEvent('a/b c?');
    r = last();
    assert.equal(r.target, '/prefix/v1/events/a%2Fb%20c%3F/ack');
    assert.equal(r.body.length, 0);
    assert.equal(check(r).secretIndex, 0);

    await client.updateWebhook('w1', { description: 'Zürich 😀' });
    r = last();
    assert.equal(r.method, 'PUT');
    assert.equal(r.body.toString('utf8'), '{"description":"Zürich 😀"}');
    assert.equal(check(r).secretIndex, 0);
    // The receiver's check is real: another body does not verify.
    assert.throws(() => check({ ...r, body: Buffer.from('{"description":"Zurich"}') }), (e) => e.code === 'signature_mismatch');
  });

  it('turns error statuses into ApiError, with or without an envelope', async () => {
    reply = () => ({ status: 404, body: '{"error":{"code":"webhook_not_found","message":"webhook not found","request_id":"rid-in-body"}}' });
    const client = new TriggersClient({ baseUrl: base, apiKey: API_KEY });
    let error = await client.getWebhook('w1').catch((e) => e);
    assert.ok(error instanceof ApiError);
    assert.deepEqual(
      { status: error.status, code: error.code, message: error.message, requestId: error.requestId, method: error.method, path: error.path },
      { status: 404, code: 'webhook_not_found', message: 'webhook not found', requestId: 'rid-from-server', method: 'GET', path: '/v1/webhooks/w1' },
    );
    assert.equal(error.headers.get('content-type'), 'application/json');

    reply = () => ({ status: 502, type: 'text/html', body: '<h1>Bad gateway</h1>', headers: { 'x-request-id': '' } });
    error = await client.listWebhooks().catch((e) => e);
    assert.equal(error.status, 502);
    assert.equal(error.code, 'http_502');
    assert.equal(error.body, '<h1>Bad gateway</h1>');
    assert.equal(error.requestId, undefined, 'an empty X-Request-Id is none');
    assert.match(error.message, /^HTTP 502/);

    reply = () => ({ status: 200, type: 'text/plain', body: 'not json' });
    error = await client.health().catch((e) => e);
    assert.equal(error.code, 'invalid_response');
    assert.equal(error.status, 200);

    reply = () => ({ status: 204, body: '' });
    assert.equal(await client.deleteWebhook('w1'), undefined);
    assert.equal(last().method, 'DELETE');
  });

  it('times out with NetworkError(timedOut), per client or per call', async () => {
    reply = () => 'hang';
    const client = new TriggersClient({ baseUrl: base, apiKey: API_KEY, timeoutMs: 100 });
    let error = await client.listInbox().catch((e) => e);
    assert.ok(error instanceof NetworkError, `${error?.name}: ${error?.message}`);
    assert.equal(error.timedOut, true);
    assert.match(error.message, /no answer within 100 ms/);
    error = await new TriggersClient({ baseUrl: base }).health({ timeoutMs: 50 }).catch((e) => e);
    assert.equal(error.timedOut, true);
  });

  it('rejects with the reason of an aborted signal, sending nothing when aborted before', async () => {
    reply = () => 'hang';
    const client = new TriggersClient({ baseUrl: base, apiKey: API_KEY });
    const controller = new AbortController();
    const pending = client.listInbox({}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await pending.catch((e) => e);
    assert.equal(error.name, 'AbortError');
    assert.ok(!TriggersError.is(error));

    const count = seen.length;
    const reason = new Error('changed my mind');
    await assert.rejects(client.health({ signal: AbortSignal.abort(reason) }), (e) => e === reason);
    assert.equal(seen.length, count, 'nothing sent');
  });

  it('refuses bad arguments before sending', async () => {
    const client = new TriggersClient({ baseUrl: base, apiKey: API_KEY });
    const count = seen.length;
    await assert.rejects(client.getEvent(''), TypeError);
    await assert.rejects(client.getEvent(undefined), TypeError);
    await assert.rejects(client.listInbox({ source: { nested: true } }), TypeError);
    await assert.rejects(client.request('GET', 'v1/inbox'), TypeError);
    await assert.rejects(client.request('GET', '/v1/inbox?x=1'), TypeError);
    await assert.rejects(client.createEvent({ source: 's', event_type: 't', payload: { n: 1n } }), TypeError);
    assert.equal(seen.length, count);
  });

  it('request(): raw bytes, status and headers', async () => {
    reply = () => ({ status: 200, body: '{"ok":true}', headers: { 'idempotent-replayed': 'true' } });
    const client = new TriggersClient({ baseUrl: base, apiKey: API_KEY, signing: { keyId: KEY_ID, secret: SECRET } });
    const raw = '{"source":"s","event_type":"t","payload":{"n":1.50}}';
    const response = await client.request('post', '/v1/events', { body: raw, query: { dry: true } });
    assert.deepEqual(response, { status: 200, headers: response.headers, requestId: 'rid-from-server', data: { ok: true } });
    assert.equal(response.headers.get('idempotent-replayed'), 'true');
    const r = last();
    assert.equal(r.body.toString('utf8'), raw, 'sent byte for byte');
    assert.equal(r.target, '/v1/events?dry=true');
    assert.equal(verifyRequest({ secrets: SECRET, method: r.method, target: r.target, body: r.body, headers: r.headers }).secretIndex, 0);
  });
});

describe('NetworkError without a server', () => {
  it('reports a refused connection with its cause', async () => {
    const probe = createServer();
    await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address();
    await new Promise((resolve) => probe.close(resolve));
    const error = await new TriggersClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: API_KEY }).listInbox().catch((e) => e);
    assert.ok(NetworkError.is(error));
    assert.equal(error.timedOut, false);
    assert.ok(error.cause);
    assert.ok(!inspect(error, { depth: Infinity }).includes(API_KEY));
  });
});

describe('verifyWebhookPayload', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const payload = { id: '0b7e4a52-3c1d-4f6e-9a8b-2d5c7e9f1a3b', type: 'order.created', source: 'shop', timestamp: '2025-01-15T09:30:00.123456Z', data: { order_id: 1001 } };
  const body = JSON.stringify(payload);
  const { headers } = signWebhook({ secret, id: 'msg_0b7e4a523c1d4f6e9a8b2d5c7e9f1a3b', body });

  it('returns the payload for a string, a Uint8Array or a Buffer, with any header form', () => {
    const nodeHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    for (const b of [body, new TextEncoder().encode(body), Buffer.from(body)]) {
      for (const h of [headers, nodeHeaders, new Headers(headers)]) {
        assert.deepEqual(verifyWebhookPayload({ secrets: secret, headers: h, body: b }), payload);
      }
    }
  });

  it('throws SignatureError before parsing anything unverified', () => {
    const cases = [
      [{ body: body.replace('1001', '1002') }, 'signature_mismatch'],
      [{ body: 'not json at all' }, 'signature_mismatch'],
      [{ headers: {} }, 'missing_header'],
      [{ now: Math.floor(Date.now() / 1000) + 3600 }, 'stale_timestamp'],
    ];
    for (const [override, code] of cases) {
      assert.throws(
        () => verifyWebhookPayload({ secrets: secret, headers, body, ...override }),
        (e) => e instanceof SignatureError && e.code === code,
        code,
      );
    }
  });

  it('a correctly signed body that is not a JSON object is a SyntaxError', () => {
    for (const bad of ['[1,2]', 'null', 'nope', new Uint8Array([0xff, 0xfe])]) {
      const signed = signWebhook({ secret, id: 'msg_1', body: bad });
      assert.throws(() => verifyWebhookPayload({ secrets: secret, headers: signed.headers, body: bad }), SyntaxError);
    }
  });
});
