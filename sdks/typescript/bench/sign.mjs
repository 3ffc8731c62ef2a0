#!/usr/bin/env node
// Benchmark (not a test): signing one v1 request, four ways, same spec.
//
//   wasm          this package's signRequest in Node, as shipped: the Rust core
//                 as WebAssembly canonicalizes and HMACs; bodies of 512 bytes
//                 and more are hashed by node:crypto first (signRequestHashed)
//   wasm-only     the same with every body hashed inside WebAssembly (the
//                 browser build's path, and Node's below 512 bytes)
//   node:crypto   a pure JavaScript canonicalization + node:crypto (OpenSSL) SHA-256/HMAC
//   @noble/hashes the same JavaScript canonicalization + @noble/hashes (pure JS)
//
// Bodies of 1 KiB and 64 KiB. Prints ops/s and the ratios of one run.
// Before timing, every signer is checked against every request case of
// triggers-signing/vectors/v1.json, so all of them sign the same thing.
//
//   node bench/sign.mjs            (BENCH_SECONDS=2 for longer runs; default 1)
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { signRequest } from '@zapier/triggers-api-client';
// The same module instance as the package's ESM build: switches its body hashing.
import { setBodyHashThreshold } from '../dist/esm/backend.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 1);

// ---------------------------------------------------------------- the spec in JavaScript
const encoder = new TextEncoder();
const HEX = '0123456789ABCDEF';
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function hexValue(b) {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

function isUnreserved(b) {
  return (
    (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
    b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e
  );
}

/** Section 2.1: percent-decode, then encode everything but unreserved bytes. */
function normalize(component) {
  const bytes = encoder.encode(component);
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    let b = bytes[i];
    if (b === 0x25) {
      const hi = i + 1 < bytes.length ? hexValue(bytes[i + 1]) : -1;
      const lo = i + 2 < bytes.length ? hexValue(bytes[i + 2]) : -1;
      if (hi < 0 || lo < 0) throw new Error('bad_encoding');
      b = hi * 16 + lo;
      i += 3;
    } else {
      i += 1;
    }
    out += isUnreserved(b) ? String.fromCharCode(b) : '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/** Sections 2.2-2.4 and the string to sign (the body hash is computed by the caller). */
function canonicalPrefix(method, target, timestamp) {
  if (!TOKEN.test(method)) throw new Error('invalid_method');
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  const canonicalPath = path === '' ? '/' : path.split('/').map(normalize).join('/');
  const pairs = query
    .split('&')
    .filter((piece) => piece !== '')
    .map((piece) => {
      const eq = piece.indexOf('=');
      return eq < 0 ? [normalize(piece), ''] : [normalize(piece.slice(0, eq)), normalize(piece.slice(eq + 1))];
    });
  // Normalised strings are ASCII: code-unit order is byte order.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const canonicalQuery = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  return `${method.toUpperCase()}\n${canonicalPath}\n${canonicalQuery}\n${timestamp}\n`;
}

function signNodeCrypto(secret, method, target, timestamp, body) {
  const prefix = canonicalPrefix(method, target, timestamp);
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(prefix + bodyHash).digest('hex');
}

function signNoble(secret, method, target, timestamp, body) {
  const prefix = canonicalPrefix(method, target, timestamp);
  const bodyHash = bytesToHex(sha256(body));
  return bytesToHex(hmac(sha256, utf8ToBytes(secret), utf8ToBytes(prefix + bodyHash)));
}

function signWasm(secret, method, target, timestamp, body) {
  return signRequest({ secret, method, target, body, timestamp }).signature;
}

const SHIPPED_THRESHOLD = setBodyHashThreshold(Number.POSITIVE_INFINITY);
setBodyHashThreshold(SHIPPED_THRESHOLD);
function signWasmOnly(secret, method, target, timestamp, body) {
  setBodyHashThreshold(Number.POSITIVE_INFINITY);
  try {
    return signRequest({ secret, method, target, body, timestamp }).signature;
  } finally {
    setBodyHashThreshold(SHIPPED_THRESHOLD);
  }
}

function signWasmNodeHash(secret, method, target, timestamp, body) {
  setBodyHashThreshold(0);
  try {
    return signRequest({ secret, method, target, body, timestamp }).signature;
  } finally {
    setBodyHashThreshold(SHIPPED_THRESHOLD);
  }
}

const SIGNERS = { wasm: signWasm, 'wasm-only': signWasmOnly, 'node:crypto': signNodeCrypto, '@noble/hashes': signNoble };

// ---------------------------------------------------------------- same spec: check on the vectors
const vectors = JSON.parse(readFileSync(new URL('../../../triggers-signing/vectors/v1.json', import.meta.url), 'utf8'));
for (const c of vectors.request_cases) {
  const body = new Uint8Array(Buffer.from(c.body_base64, 'base64'));
  for (const [name, sign] of Object.entries({ ...SIGNERS, 'wasm + node:crypto digest': signWasmNodeHash })) {
    assert.equal(sign(c.secret, c.method, c.target, c.timestamp, body), c.signature, `${name}: ${c.name}`);
  }
}
console.log(`every signer agrees with the ${vectors.request_cases.length} request vectors`);
console.log(`the package hashes bodies of ${SHIPPED_THRESHOLD} bytes and more with node:crypto\n`);

// ---------------------------------------------------------------- timing
function opsPerSecond(sign, body) {
  const secret = 'bench-signing-secret';
  const target = '/v1/events?source=shop&dry_run&tag=a%2Fb';
  let sink = 0;
  // Warm-up (JIT, WebAssembly tier-up).
  for (const end = performance.now() + 200 * SECONDS; performance.now() < end; ) {
    sink += sign(secret, 'POST', target, 1_700_000_000, body).length;
  }
  let ops = 0;
  const start = performance.now();
  const end = start + 1000 * SECONDS;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 16; i++) sink += sign(secret, 'POST', target, 1_700_000_000, body).length;
    ops += 16;
    now = performance.now();
  }
  if (sink === 0) throw new Error('unreachable');
  return (ops * 1000) / (now - start);
}

const rows = [];
for (const size of [1024, 64 * 1024]) {
  const body = new Uint8Array(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + 7) & 0xff;
  const result = { size };
  for (const [name, sign] of Object.entries(SIGNERS)) result[name] = opsPerSecond(sign, body);
  rows.push(result);
}

const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(11);
const ratio = (a, b) => `${(a / b).toFixed(2)}x`.padStart(8);
console.log(`node ${process.version}, ${SECONDS} s per measurement\n`);
console.log(
  'body      wasm ops/s  wasm-only ops/s  node:crypto ops/s  @noble ops/s   wasm/node:crypto  wasm-only/node:crypto  wasm/@noble',
);
for (const r of rows) {
  const label = r.size >= 1024 ? `${r.size / 1024} KiB` : `${r.size} B`;
  console.log(
    `${label.padEnd(7)} ${fmt(r.wasm)} ${fmt(r['wasm-only']).padStart(16)} ${fmt(r['node:crypto']).padStart(18)}` +
      ` ${fmt(r['@noble/hashes']).padStart(13)}   ${ratio(r.wasm, r['node:crypto']).padStart(16)}` +
      ` ${ratio(r['wasm-only'], r['node:crypto']).padStart(22)} ${ratio(r.wasm, r['@noble/hashes']).padStart(12)}`,
  );
}
console.log('\n(ratios are ops/s: above 1.00x the first is faster; the target is wasm/node:crypto >= 0.67x, within 1.5x)');
