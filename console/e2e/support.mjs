// Shared pieces of the end-to-end tests and the screenshot script: the live
// service (scripts/with-service.sh), Debian's Chromium through
// playwright-core, and webhook receivers on 127.0.0.1 that verify Standard
// Webhooks signatures.
import { execFile } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { promisify } from 'node:util';
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

/** The columns of an analytics CSV export, as docs/openapi.json's AnalyticsExportRow lists them. */
export async function exportColumns() {
  const doc = JSON.parse(await readFile(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
  return Object.keys(doc.components.schemas.AnalyticsExportRow.properties);
}

/**
 * An admin key of a new, empty account (`triggers-service keys create
 * --account … --admin` on the test service's data directory): its analytics
 * are exactly what the test sends.
 */
export async function freshAdminKey(name) {
  const bin = process.env.TRIGGERS_TEST_SERVICE_BIN;
  const dataDir = process.env.TRIGGERS_TEST_DATA_DIR;
  if (!bin || !dataDir) throw new Error('run through ../scripts/with-service.sh: TRIGGERS_TEST_SERVICE_BIN is not set');
  const account = `acct_e2e_${name}_${Math.random().toString(36).slice(2, 10)}`;
  const { stdout } = await promisify(execFile)(bin, ['keys', 'create', '--name', `e2e-${name}`, '--account', account, '--admin', '--data-dir', dataDir]);
  const key = /^api_key:\s+(trgk_\S+)/m.exec(stdout)?.[1];
  if (!key) throw new Error(`keys create printed no api_key: ${stdout}`);
  return key;
}
