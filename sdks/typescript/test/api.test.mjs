// The package's API beyond the vectors: input forms, defaults, validation,
// errors, rotation, the raw WebAssembly exports, and the package layout.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import * as api from '@zapier/triggers-api-client';
import * as signingSubpath from '@zapier/triggers-api-client/signing';
import helpers from './helpers/vectors.cjs';

const { assertCode } = helpers;
const require = createRequire(import.meta.url);
const { signRequest, verifyRequest, signWebhook, verifyWebhook, canonicalString, SignatureError } = api;

// The worked example of docs/SIGNING.md, section 9.
const SECRET = 'demo-secret';
const TARGET = '/v1/events/a%2fb?source=shop&b=2&a=1&flag';
const BODY = '{"x":1}';
const TS = 1_700_000_000;
const SIG = '3336b662172fd18a6d0824f92047bba06245ba8e2e03824930951a44b9e3043f';
const signed = () => signRequest({ secret: SECRET, method: 'post', target: TARGET, body: BODY, timestamp: TS });
const verify = (overrides = {}) =>
  verifyRequest({ secrets: SECRET, method: 'POST', target: TARGET, body: BODY, headers: signed().headers, now: TS, ...overrides });

const WH_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const WH_OTHER = 'whsec_AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcY';
const WH_ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const WH_TS = 1_614_265_330;
const WH_BODY = '{"test": 2432232314}';
const WH_SIG = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

describe('signRequest', () => {
  it('gives the worked example of the spec', () => {
    const s = signed();
    assert.equal(s.signature, SIG);
    assert.deepEqual(s.headers, { 'X-Signature-Timestamp': '1700000000', 'X-Signature': SIG, 'X-Signature-Version': 'v1' });
  });

  it('signs a string body as its UTF-8 bytes, and any byte view alike', () => {
    const text = '{"name":"José","emoji":"😀"}';
    const expected = signRequest({ secret: SECRET, method: 'POST', target: '/v1/events', body: text, timestamp: TS }).signature;
    const utf8 = new TextEncoder().encode(text);
    for (const body of [utf8, Buffer.from(text, 'utf8'), new DataView(utf8.buffer)]) {
      assert.equal(signRequest({ secret: SECRET, method: 'POST', target: '/v1/events', body, timestamp: TS }).signature, expected);
    }
    // A view on part of a larger buffer signs only its own bytes.
    const padded = new Uint8Array(utf8.length + 8);
    padded.set(utf8, 4);
    const view = padded.subarray(4, 4 + utf8.length);
    assert.equal(signRequest({ secret: SECRET, method: 'POST', target: '/v1/events', body: view, timestamp: TS }).signature, expected);
  });

  it('treats a missing body as empty', () => {
    const a = signRequest({ secret: SECRET, method: 'GET', target: '/v1/events', timestamp: TS });
    const b = signRequest({ secret: SECRET, method: 'GET', target: '/v1/events', body: new Uint8Array(0), timestamp: TS });
    assert.equal(a.signature, b.signature);
  });

  it('accepts a URL for its pathname and search', () => {
    const url = new URL('https://api.example.invalid/v1/events/a%2fb?source=shop&b=2&a=1&flag');
    assert.equal(signRequest({ secret: SECRET, method: 'post', target: url, body: BODY, timestamp: TS }).signature, SIG);
  });

  it('defaults the timestamp to now', () => {
    const before = Math.floor(Date.now() / 1000);
    const s = signRequest({ secret: SECRET, method: 'GET', target: '/' });
    const after = Math.floor(Date.now() / 1000);
    assert.ok(Number(s.timestamp) >= before && Number(s.timestamp) <= after);
    // …and verification defaults `now` to now.
    assert.equal(verifyRequest({ secrets: SECRET, method: 'GET', target: '/', headers: s.headers }).secretIndex, 0);
  });

  it('signs bigint timestamps up to 19 digits and refuses more', () => {
    const max = 9_999_999_999_999_999_999n;
    const s = signRequest({ secret: SECRET, method: 'GET', target: '/', timestamp: max });
    assert.equal(s.timestamp, '9999999999999999999');
    assert.match(s.signature, /^[0-9a-f]{64}$/);
    assertCode(api, () => signRequest({ secret: SECRET, method: 'GET', target: '/', timestamp: max + 1n }), 'malformed_header', [SECRET]);
  });

  it('refuses timestamps that are not non-negative integers', () => {
    for (const timestamp of [-1, 1.5, Number.NaN, Infinity, 2 ** 53, -1n, 1n << 64n]) {
      assert.throws(() => signRequest({ secret: SECRET, method: 'GET', target: '/', timestamp }), RangeError, String(timestamp));
    }
    assert.throws(() => signRequest({ secret: SECRET, method: 'GET', target: '/', timestamp: '1700000000' }), TypeError);
  });

  it('reports the spec codes for bad input', () => {
    assertCode(api, () => signRequest({ secret: '', method: 'GET', target: '/' }), 'invalid_secret', []);
    assertCode(api, () => signRequest({ secret: 42, method: 'GET', target: '/' }), 'invalid_secret', []);
    assertCode(api, () => signRequest({ secret: SECRET, method: 'GET /', target: '/' }), 'invalid_method', [SECRET]);
    assertCode(api, () => signRequest({ secret: SECRET, method: '', target: '/' }), 'invalid_method', [SECRET]);
    assertCode(api, () => signRequest({ secret: SECRET, method: 'GET', target: '/50%' }), 'bad_encoding', [SECRET]);
    assertCode(api, () => canonicalString({ method: 'GET', target: '/?a=%zz', timestamp: 1 }), 'bad_encoding', []);
    assert.throws(() => signRequest({ secret: SECRET, method: 7, target: '/' }), TypeError);
    assert.throws(() => signRequest({ secret: SECRET, method: 'GET', target: 7 }), TypeError);
    assert.throws(() => signRequest({ secret: SECRET, method: 'GET', target: '/', body: 7 }), TypeError);
  });

  it('survives strings that are not valid UTF-16 (lone surrogates)', () => {
    assertCode(api, () => signRequest({ secret: SECRET, method: 'GET\uD800', target: '/' }), 'invalid_method', [SECRET]);
    // Encoded as U+FFFD, like TextEncoder does, then normalised.
    assert.equal(
      canonicalString({ method: 'GET', target: '/\uD800', timestamp: 1 }).split('\n')[1],
      '/%EF%BF%BD',
    );
    const s = signRequest({ secret: 'k\uDC00', method: 'GET', target: '/', timestamp: 1 });
    assert.match(s.signature, /^[0-9a-f]{64}$/);
    // The module is still healthy afterwards.
    assert.equal(signed().signature, SIG);
  });
});

describe('verifyRequest', () => {
  it('reads headers from a fetch Headers, a Map, and plain objects, case-insensitively', () => {
    const h = signed().headers;
    const lower = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
    const upper = Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toUpperCase(), v]));
    for (const headers of [h, lower, upper, new Headers(h), new Map(Object.entries(upper))]) {
      assert.deepEqual(verify({ headers }), { timestamp: TS, secretIndex: 0 });
    }
    // Any object with a case-insensitive get(), like an Express request.
    const express = { get: (name) => lower[name.toLowerCase()] };
    assert.equal(verify({ headers: express }).secretIndex, 0);
  });

  it('accepts an upper-case hex signature', () => {
    const h = { ...signed().headers, 'X-Signature': SIG.toUpperCase() };
    assert.equal(verify({ headers: h }).secretIndex, 0);
  });

  it('joins repeated header values, which then do not parse', () => {
    const h = { ...signed().headers, 'x-signature-timestamp': ['1700000000', '1700000000'] };
    assertCode(api, () => verify({ headers: h }), 'malformed_header', [SECRET]);
    const dup = { ...signed().headers, 'x-signature': SIG };
    assertCode(api, () => verify({ headers: dup }), 'malformed_header', [SECRET]);
  });

  it('reports which secret matched during a rotation', () => {
    assert.equal(verify({ secrets: ['new-secret', SECRET] }).secretIndex, 1);
    assert.equal(verify({ secrets: [SECRET, 'old-secret'] }).secretIndex, 0);
    assertCode(api, () => verify({ secrets: ['new-secret', 'old-secret'] }), 'signature_mismatch', ['new-secret', 'old-secret']);
  });

  it('fails closed without secrets, and refuses bad ones', () => {
    assertCode(api, () => verify({ secrets: [] }), 'signature_mismatch', []);
    assertCode(api, () => verify({ secrets: [SECRET, ''] }), 'invalid_secret', [SECRET]);
    assertCode(api, () => verify({ secrets: [SECRET, 42] }), 'invalid_secret', [SECRET]);
    assertCode(api, () => verify({ secrets: { 0: SECRET } }), 'invalid_secret', [SECRET]);
  });

  it('applies the tolerance, inclusive, either way', () => {
    assert.equal(verify({ now: TS + 300 }).timestamp, TS);
    assert.equal(verify({ now: TS - 300 }).timestamp, TS);
    assertCode(api, () => verify({ now: TS + 301 }), 'stale_timestamp', [SECRET]);
    assertCode(api, () => verify({ now: TS - 301 }), 'future_timestamp', [SECRET]);
    assert.equal(verify({ now: TS + 10, tolerance: 10 }).secretIndex, 0);
    assertCode(api, () => verify({ now: TS + 11, tolerance: 10 }), 'stale_timestamp', [SECRET]);
    assertCode(api, () => verify({ now: BigInt(TS) + 11n, tolerance: 10n }), 'stale_timestamp', [SECRET]);
    assert.throws(() => verify({ tolerance: -1 }), RangeError);
  });

  it('binds method, path, query and body', () => {
    assertCode(api, () => verify({ method: 'PUT' }), 'signature_mismatch', [SECRET]);
    assertCode(api, () => verify({ target: '/v1/events/a/b?source=shop&b=2&a=1&flag' }), 'signature_mismatch', [SECRET]);
    assertCode(api, () => verify({ target: '/v1/events/a%2fb?source=shop&b=2&a=1' }), 'signature_mismatch', [SECRET]);
    assertCode(api, () => verify({ body: '{"x":2}' }), 'signature_mismatch', [SECRET]);
    // Re-encoding and re-ordering by intermediaries do not break it.
    assert.equal(verify({ target: '/v1/events/a%2Fb?flag=&a=1&b=2&source=shop' }).secretIndex, 0);
  });
});

describe('webhooks', () => {
  it('signs the Standard Webhooks example and verifies it', () => {
    const s = signWebhook({ secret: WH_SECRET, id: WH_ID, body: WH_BODY, timestamp: WH_TS });
    assert.equal(s.signature, WH_SIG);
    assert.deepEqual(s.headers, { 'webhook-id': WH_ID, 'webhook-timestamp': String(WH_TS), 'webhook-signature': WH_SIG });
    assert.deepEqual(verifyWebhook({ secrets: WH_SECRET, headers: new Headers(s.headers), body: WH_BODY, now: WH_TS + 300 }), {
      id: WH_ID,
      timestamp: WH_TS,
    });
    // The secret without its whsec_ prefix works too.
    assert.equal(verifyWebhook({ secrets: WH_SECRET.slice(6), headers: s.headers, body: WH_BODY, now: WH_TS }).id, WH_ID);
  });

  it('signs with every secret during a rotation; any one verifies', () => {
    const s = signWebhook({ secret: [WH_OTHER, WH_SECRET], id: WH_ID, body: WH_BODY, timestamp: WH_TS });
    const entries = s.signature.split(' ');
    assert.equal(entries.length, 2);
    assert.equal(entries[1], WH_SIG);
    for (const secrets of [WH_SECRET, WH_OTHER, [WH_OTHER], ['whsec_AAAAAAAA', WH_SECRET]]) {
      assert.equal(verifyWebhook({ secrets, headers: s.headers, body: WH_BODY, now: WH_TS }).timestamp, WH_TS);
    }
  });

  it('skips entries of other versions, and needs one v1 entry', () => {
    const headers = { 'webhook-id': WH_ID, 'webhook-timestamp': String(WH_TS), 'webhook-signature': `v2,abc ${WH_SIG}` };
    assert.equal(verifyWebhook({ secrets: WH_SECRET, headers, body: WH_BODY, now: WH_TS }).id, WH_ID);
    headers['webhook-signature'] = 'v2,abc v1a,xyz';
    assertCode(api, () => verifyWebhook({ secrets: WH_SECRET, headers, body: WH_BODY, now: WH_TS }), 'unsupported_version', [WH_SECRET]);
  });

  it('reports the spec codes', () => {
    const good = { 'webhook-id': WH_ID, 'webhook-timestamp': String(WH_TS), 'webhook-signature': WH_SIG };
    const check = (overrides, code, extra = {}) =>
      assertCode(
        api,
        () => verifyWebhook({ secrets: WH_SECRET, headers: { ...good, ...overrides }, body: WH_BODY, now: WH_TS, ...extra }),
        code,
        [WH_SECRET],
      );
    check({ 'webhook-id': undefined }, 'missing_header');
    check({ 'webhook-timestamp': undefined }, 'missing_header');
    check({ 'webhook-signature': undefined }, 'missing_header');
    check({ 'webhook-id': 'has space' }, 'malformed_header');
    check({ 'webhook-timestamp': '01614265330' }, 'malformed_header');
    check({}, 'stale_timestamp', { now: WH_TS + 301 });
    check({}, 'future_timestamp', { now: WH_TS - 301 });
    check({}, 'signature_mismatch', { body: WH_BODY + ' ' });
    assertCode(api, () => verifyWebhook({ secrets: 'not base64!', headers: good, body: WH_BODY, now: WH_TS }), 'invalid_secret', []);
    assertCode(api, () => verifyWebhook({ secrets: [], headers: good, body: WH_BODY, now: WH_TS }), 'signature_mismatch', []);
    assertCode(api, () => signWebhook({ secret: [], id: WH_ID, body: WH_BODY }), 'invalid_secret', []);
    assertCode(api, () => signWebhook({ secret: 'whsec_', id: WH_ID, body: WH_BODY }), 'invalid_secret', []);
    assertCode(api, () => signWebhook({ secret: WH_SECRET, id: '', body: WH_BODY }), 'malformed_header', [WH_SECRET]);
    assertCode(api, () => signWebhook({ secret: WH_SECRET, id: 'a\nb', body: WH_BODY }), 'malformed_header', [WH_SECRET]);
  });
});

describe('SignatureError', () => {
  it('carries one of the nine stable codes', () => {
    assert.deepEqual(api.SIGNATURE_ERROR_CODES, [
      'missing_header',
      'malformed_header',
      'unsupported_version',
      'stale_timestamp',
      'future_timestamp',
      'bad_encoding',
      'invalid_method',
      'invalid_secret',
      'signature_mismatch',
    ]);
    const e = new SignatureError('signature_mismatch', 'nope');
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'SignatureError');
    assert.equal(e.code, 'signature_mismatch');
    assert.equal(e.message, 'nope');
    assert.ok(SignatureError.is(e));
    assert.ok(!SignatureError.is(new Error('x')));
    assert.ok(api.isSignatureErrorCode('bad_encoding'));
    assert.ok(!api.isSignatureErrorCode('nope'));
  });

  it('is recognised across the ESM and CommonJS builds by SignatureError.is', () => {
    const cjs = require('@zapier/triggers-api-client');
    let thrown;
    try {
      cjs.verifyRequest({ secrets: 'x', method: 'GET', target: '/', headers: {} });
    } catch (error) {
      thrown = error;
    }
    assert.equal(thrown?.code, 'missing_header');
    assert.ok(SignatureError.is(thrown));
  });
});

describe('raw WebAssembly exports (bindings/wasm)', () => {
  const raw = require('../dist/wasm/node/triggers_wasm.js');
  const codeOf = (run) => {
    try {
      run();
    } catch (error) {
      assert.ok(error instanceof Error, 'throws an Error');
      assert.equal(error.name, 'SignatureError');
      return error.code;
    }
    assert.fail('did not throw');
  };
  const body = new TextEncoder().encode(BODY);

  it('sign and verify with bigint times and Uint8Array bodies', () => {
    assert.equal(raw.signRequest(SECRET, 'post', TARGET, BigInt(TS), body), SIG);
    assert.equal(raw.verifyRequest(['x', SECRET], 'POST', TARGET, body, '1700000000', SIG, 'v1', BigInt(TS), 300n), 1);
    assert.equal(raw.signWebhook([WH_SECRET], WH_ID, BigInt(WH_TS), new TextEncoder().encode(WH_BODY)), WH_SIG);
    assert.equal(
      raw.verifyWebhook([WH_SECRET], WH_ID, String(WH_TS), WH_SIG, new TextEncoder().encode(WH_BODY), BigInt(WH_TS), 300n),
      BigInt(WH_TS),
    );
  });

  it('throw Errors whose code is the spec code, for anything a caller can pass', () => {
    assert.equal(codeOf(() => raw.signRequest('', 'GET', '/', 1n, body)), 'invalid_secret');
    assert.equal(codeOf(() => raw.verifyRequest([1, {}, null], 'GET', '/', body, '1', SIG, 'v1', 1n, 300n)), 'invalid_secret');
    assert.equal(codeOf(() => raw.verifyRequest([SECRET], 'GET', '/', body, undefined, SIG, 'v1', 1n, 300n)), 'missing_header');
    assert.equal(codeOf(() => raw.verifyRequest([SECRET], 'GET', '/', body, null, null, null, 1n, 300n)), 'missing_header');
    // A negative bigint wraps to a huge u64: a timestamp nobody can sign.
    assert.equal(codeOf(() => raw.signRequest(SECRET, 'GET', '/', -1n, body)), 'malformed_header');
    assert.equal(codeOf(() => raw.verifyRequest([SECRET], 'GET', '/', body, '1', SIG, 'v1', -1n, -1n)), 'signature_mismatch');
    assert.equal(codeOf(() => raw.signWebhook([], 'id', 1n, body)), 'invalid_secret');
    assert.equal(codeOf(() => raw.signWebhook(['whsec_!!'], 'id', 1n, body)), 'invalid_secret');
    assert.equal(codeOf(() => raw.verifyWebhook([WH_SECRET], 'id', '1', 'v1,AAAA', body, 1n, 0n)), 'signature_mismatch');
    // Still healthy: no trap happened.
    assert.equal(raw.signRequest(SECRET, 'post', TARGET, BigInt(TS), body), SIG);
  });
});

describe('package layout', () => {
  it('points every export condition at a built file', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const targets = [];
    const walk = (node) => (typeof node === 'string' ? targets.push(node) : Object.values(node).forEach(walk));
    walk(pkg.exports);
    targets.push(pkg.main, pkg.module, pkg.browser, pkg.types);
    assert.equal(targets.length, 17);
    for (const target of targets) assert.ok(existsSync(new URL(`../${target}`, import.meta.url)), target);
  });

  it('exposes the same functions at the root and at ./signing', () => {
    for (const name of ['signRequest', 'verifyRequest', 'signWebhook', 'verifyWebhook', 'verifyWebhookPayload', 'canonicalString', 'SignatureError', 'TriggersError', 'ApiError', 'NetworkError']) {
      assert.equal(typeof api[name], 'function', name);
      assert.equal(api[name], signingSubpath[name], name);
    }
  });

  it('keeps the WebAssembly module within its size budget (100 KiB, 40 KiB gzipped)', () => {
    const wasm = readFileSync(new URL('../dist/wasm/node/triggers_wasm_bg.wasm', import.meta.url));
    assert.ok(wasm.length <= 100 * 1024, `${wasm.length} bytes`);
    assert.ok(gzipSync(wasm, { level: 9 }).length <= 40 * 1024, 'gzipped');
  });

  it('inlines the WebAssembly in the browser build', async () => {
    const { wasmBase64 } = await import('../dist/wasm/web/triggers_wasm_inline.js');
    const inlined = Buffer.from(wasmBase64, 'base64');
    assert.deepEqual(inlined.subarray(0, 4), Buffer.from('\0asm'));
    assert.ok(inlined.equals(readFileSync(new URL('../dist/wasm/node/triggers_wasm_bg.wasm', import.meta.url))));
  });
});
