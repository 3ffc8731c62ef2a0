// Shared pieces of the end-to-end tests and the screenshot script: the live
// service (scripts/with-service.sh), Debian's Chromium through
// playwright-core, and webhook receivers on 127.0.0.1 that verify Standard
// Webhooks signatures.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { chromium } from 'playwright-core';

export function service() {
  const baseUrl = process.env.TRIGGERS_TEST_BASE_URL;
  const adminKey = process.env.TRIGGERS_TEST_ADMIN_KEY;
  if (!baseUrl || !adminKey) {
    throw new Error('run through ../scripts/with-service.sh (console/test.sh does): TRIGGERS_TEST_BASE_URL is not set');
  }
  return { baseUrl, adminKey };
}

/** An API call with the admin key (or `key`): test set-up and checks, not the code under test. */
export async function api(method, path, body, key) {
  const { baseUrl, adminKey } = service();
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${key ?? adminKey}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Polls `check` (an async predicate returning a value or null) until it gives a value, or fails after `timeoutMs`. */
export async function eventually(what, check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Chromium from Debian (never a downloaded browser), headless. Playwright
 * gives every launch a fresh, throwaway profile directory.
 */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Verifies one `webhook-signature` entry (`v1,<base64>`) against a `whsec_` secret. */
export function signatureMatches(secret, { id, timestamp, body }, entry) {
  if (!entry.startsWith('v1,')) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  const got = Buffer.from(entry.slice(3), 'base64');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/**
 * A webhook receiver on 127.0.0.1. `status(path)` chooses the answer (200 by
 * default); every request is recorded with its Standard Webhooks headers.
 */
export async function receiver() {
  const received = [];
  const statuses = new Map();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({
        path: req.url,
        id: req.headers['webhook-id'],
        timestamp: req.headers['webhook-timestamp'],
        signatures: String(req.headers['webhook-signature'] ?? '').split(' ').filter(Boolean),
        body,
      });
      const status = statuses.get(req.url) ?? 200;
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(status < 300 ? `received by ${req.url}` : `failing on purpose (${status})`);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    at: (path) => received.filter((r) => r.path === path),
    answer: (path, status) => statuses.set(path, status),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
