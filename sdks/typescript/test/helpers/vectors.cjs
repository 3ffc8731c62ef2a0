'use strict';
// Runs every case of triggers-signing/vectors/v1.json through one build of
// the package (its public API only). Shared by the ESM, CommonJS and
// browser-build-in-Node test files.
const assert = require('node:assert/strict');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { after, before, describe, it } = require('node:test');

const VECTORS_PATH = join(__dirname, '..', '..', '..', '..', 'triggers-signing', 'vectors', 'v1.json');
const vectors = JSON.parse(readFileSync(VECTORS_PATH, 'utf8'));

const bytes = (b64) => new Uint8Array(Buffer.from(b64, 'base64'));

function seconds(value) {
  assert.ok(Number.isSafeInteger(value), `vector timestamp ${value} is not a safe integer`);
  return value;
}

/** Asserts that `run` throws a SignatureError with `code` that does not leak `secrets`. */
function assertCode(api, run, code, secrets) {
  assert.throws(run, (error) => {
    assert.ok(error instanceof api.SignatureError, `expected a SignatureError, got ${error && error.name}`);
    assert.ok(api.SignatureError.is(error));
    assert.equal(error.name, 'SignatureError');
    assert.equal(error.code, code);
    for (const secret of secrets) assert.ok(!error.message.includes(secret), 'error message contains the secret');
    return true;
  });
}

/**
 * Runs every vector through `api`. `backend` (optional) is the build's
 * internal backend module: with `hashBodies` 'wasm' every body is hashed in
 * WebAssembly, with 'platform' every body is hashed by the platform's
 * SHA-256 (node:crypto) and only its digest is given to WebAssembly.
 */
function vectorSuite(api, label, { backend, hashBodies } = {}) {
  describe(`${label}: vectors/v1.json`, () => {
    if (backend !== undefined) {
      let previous;
      before(() => {
        previous = backend.setBodyHashThreshold(hashBodies === 'platform' ? 0 : Number.POSITIVE_INFINITY);
      });
      after(() => backend.setBodyHashThreshold(previous));
    }
    it('holds every section, with cases', () => {
      assert.equal(vectors.version, 'v1');
      assert.ok(vectors.request_cases.length >= 60);
      assert.ok(vectors.request_invalid.length >= 60);
      assert.ok(vectors.webhook_cases.length >= 10);
      for (const c of vectors.request_invalid) assert.ok(api.SIGNATURE_ERROR_CODES.includes(c.error), c.error);
    });

    describe('request_cases: exact signature, string to sign, and verification', () => {
      for (const c of vectors.request_cases) {
        it(c.name, () => {
          const body = bytes(c.body_base64);
          const timestamp = seconds(c.timestamp);
          const signed = api.signRequest({ secret: c.secret, method: c.method, target: c.target, body, timestamp });
          assert.equal(signed.signature, c.signature);
          assert.equal(signed.timestamp, String(c.timestamp));
          assert.equal(signed.version, 'v1');
          assert.deepEqual(signed.headers, {
            'X-Signature-Timestamp': String(c.timestamp),
            'X-Signature': c.signature,
            'X-Signature-Version': 'v1',
          });
          assert.equal(api.canonicalString({ method: c.method, target: c.target, body, timestamp }), c.canonical);

          const verified = api.verifyRequest({
            secrets: [c.secret],
            method: c.method,
            target: c.target,
            body,
            headers: signed.headers,
            now: timestamp,
          });
          assert.deepEqual(verified, { timestamp, secretIndex: 0 });

          // A body given as a string is signed as its UTF-8 bytes.
          const text = Buffer.from(body).toString('utf8');
          if (Buffer.from(text, 'utf8').equals(Buffer.from(body))) {
            const fromText = api.signRequest({ secret: c.secret, method: c.method, target: c.target, body: text, timestamp });
            assert.equal(fromText.signature, c.signature);
          }
        });
      }
    });

    describe('request_invalid: exact error code', () => {
      for (const c of vectors.request_invalid) {
        it(`${c.name} -> ${c.error}`, () => {
          assertCode(
            api,
            () =>
              api.verifyRequest({
                secrets: [c.secret],
                method: c.method,
                target: c.target,
                body: bytes(c.body_base64),
                headers: c.headers,
                now: seconds(c.now),
              }),
            c.error,
            [c.secret],
          );
        });
      }
    });

    describe('webhook_cases: exact signature and verification', () => {
      for (const c of vectors.webhook_cases) {
        it(c.name, () => {
          const body = bytes(c.body_base64);
          const timestamp = seconds(c.timestamp);
          const secrets = c.secrets ?? [c.secret];
          const signed = api.signWebhook({ secret: c.secrets ?? c.secret, id: c.id, body, timestamp });
          assert.equal(signed.signature, c.signature);
          assert.deepEqual(signed.headers, {
            'webhook-id': c.id,
            'webhook-timestamp': String(c.timestamp),
            'webhook-signature': c.signature,
          });
          // Any one of the secrets verifies the (possibly multi-entry) header.
          for (const secret of secrets) {
            const verified = api.verifyWebhook({ secrets: secret, headers: signed.headers, body, now: timestamp });
            assert.deepEqual(verified, { id: c.id, timestamp });
          }
          // One flipped body byte: no secret matches.
          const tampered = Uint8Array.from(body.length ? body : [0]);
          tampered[0] ^= 1;
          assertCode(
            api,
            () => api.verifyWebhook({ secrets, headers: signed.headers, body: tampered, now: timestamp }),
            'signature_mismatch',
            secrets,
          );
        });
      }
    });
  });
}

module.exports = { vectorSuite, vectors, bytes, assertCode };
