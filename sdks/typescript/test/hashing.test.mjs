// The two ways the Node build hashes request bodies give the same results:
// SHA-256 inside WebAssembly (signRequest/verifyRequest exports), and
// node:crypto's digest handed to WebAssembly (signRequestHashed/
// verifyRequestHashed), which the package uses from 512 bytes up.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, describe, it } from 'node:test';
import { signRequest, verifyRequest, SignatureError } from '@zapier/triggers-api-client';
import * as backend from '../dist/esm/backend.js';
import helpers from './helpers/vectors.cjs';

const require = createRequire(import.meta.url);
const raw = require('../dist/wasm/node/triggers_wasm.js');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest();
const shipped = backend.setBodyHashThreshold(Number.POSITIVE_INFINITY);
backend.setBodyHashThreshold(shipped);
after(() => backend.setBodyHashThreshold(shipped));

/** Signs with the public API on one path: 'wasm' or 'platform'. */
function signOn(path, options) {
  backend.setBodyHashThreshold(path === 'platform' ? 0 : Number.POSITIVE_INFINITY);
  try {
    return signRequest(options);
  } finally {
    backend.setBodyHashThreshold(shipped);
  }
}

function verifyOn(path, options) {
  backend.setBodyHashThreshold(path === 'platform' ? 0 : Number.POSITIVE_INFINITY);
  try {
    return verifyRequest(options);
  } finally {
    backend.setBodyHashThreshold(shipped);
  }
}

/** A random body: sizes around the threshold, small, and up to 200 KiB. */
function randomBody(i) {
  const sizes = [0, 1, shipped - 1, shipped, shipped + 1, randomInt(0, 2048), randomInt(0, 200 * 1024)];
  return new Uint8Array(randomBytes(sizes[i % sizes.length]));
}

describe('body hashing: WebAssembly and node:crypto agree', () => {
  it('hashes bodies from 512 bytes up with node:crypto by default', () => {
    assert.equal(shipped, 512);
  });

  it('on 300 random bodies, targets and secrets: same signature, both verify either', () => {
    const targets = helpers.vectors.request_cases.map((c) => c.target);
    for (let i = 0; i < 300; i++) {
      const body = randomBody(i);
      const secret = randomBytes(randomInt(1, 64)).toString('base64');
      const target = targets[i % targets.length];
      const method = ['GET', 'post', 'PUT', 'DELETE', 'PATCH'][i % 5];
      const timestamp = randomInt(0, 2 ** 40);
      const inWasm = signOn('wasm', { secret, method, target, body, timestamp });
      const withDigest = signOn('platform', { secret, method, target, body, timestamp });
      assert.equal(withDigest.signature, inWasm.signature, `body of ${body.length} bytes`);
      // The raw exports, directly.
      assert.equal(raw.signRequestHashed(secret, method, target, BigInt(timestamp), sha256(body)), inWasm.signature);
      for (const path of ['wasm', 'platform']) {
        const verified = verifyOn(path, { secrets: ['other', secret], method, target, body, headers: inWasm.headers, now: timestamp });
        assert.deepEqual(verified, { timestamp, secretIndex: 1 });
      }
      // One flipped byte fails on both paths.
      if (body.length > 0) {
        const flipped = Uint8Array.from(body);
        flipped[randomInt(0, flipped.length)] ^= 0x80;
        for (const path of ['wasm', 'platform']) {
          assert.throws(
            () => verifyOn(path, { secrets: secret, method, target, body: flipped, headers: inWasm.headers, now: timestamp }),
            (e) => e instanceof SignatureError && e.code === 'signature_mismatch',
          );
        }
      }
    }
  });

  it('reports the same error codes in the same order on both paths', () => {
    for (const c of helpers.vectors.request_invalid) {
      const body = helpers.bytes(c.body_base64);
      const codes = ['wasm', 'platform'].map((path) => {
        try {
          verifyOn(path, { secrets: [c.secret], method: c.method, target: c.target, body, headers: c.headers, now: c.now });
          return 'ok';
        } catch (e) {
          return e.code;
        }
      });
      assert.deepEqual(codes, [c.error, c.error], c.name);
    }
  });

  it('refuses a digest that is not 32 bytes with a plain Error (a caller bug, not a signature error)', () => {
    for (const digest of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33)]) {
      assert.throws(
        () => raw.signRequestHashed('s', 'GET', '/', 1n, digest),
        (e) => e instanceof Error && e.code === undefined && /32 bytes/.test(e.message),
      );
      assert.throws(
        () => raw.verifyRequestHashed(['s'], 'GET', '/', digest, '1', '0'.repeat(64), 'v1', 1n, 300n),
        (e) => e instanceof Error && e.code === undefined,
      );
    }
    // Still healthy afterwards.
    assert.match(raw.signRequestHashed('s', 'GET', '/', 1n, sha256(new Uint8Array(0))), /^[0-9a-f]{64}$/);
  });
});
