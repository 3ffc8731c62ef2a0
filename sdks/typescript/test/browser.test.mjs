// The browser build in a real browser: Debian's Chromium, driven by
// playwright-core (which never downloads a browser), loads the package's ESM
// browser entry from a static server on 127.0.0.1 through an import map, as a
// page without a bundler would, and signs vectors with it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import helpers from './helpers/vectors.cjs';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SKIP = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is absent (install it with: apt-get install -y chromium; test.sh does when root)`;
if (SKIP) console.log(`# browser test skipped: ${SKIP}`);

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>triggers-api-client browser test</title>
<script type="importmap">{ "imports": { "@zapier/triggers-api-client": "/dist/esm/index.browser.js" } }</script>
<script type="module">
  import * as sdk from '@zapier/triggers-api-client';
  window.sdk = sdk;
</script>`;

/** Serves PAGE at / and the files under dist/ (nothing else), on 127.0.0.1. */
function startServer(requests) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    requests.push(path);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(join(ROOT, 'dist') + sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('browser build in Chromium', { skip: SKIP }, () => {
  let server;
  let context;
  let page;
  let userDataDir;
  const requests = [];
  const offHost = [];
  const pageErrors = [];

  before(async () => {
    server = await startServer(requests);
    const { chromium } = await import('playwright-core');
    userDataDir = mkdtempSync(join(tmpdir(), 'triggers-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    // Only 127.0.0.1 is ever contacted.
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      offHost.push(url.href);
      return route.abort();
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => window.sdk !== undefined, null, { timeout: 30_000 });
  });

  after(async () => {
    await context?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
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

  it('loaded the inlined module: no .wasm fetched, nothing off 127.0.0.1, no page error', () => {
    assert.ok(requests.includes('/dist/esm/index.browser.js'), requests.join(' '));
    assert.ok(requests.includes('/dist/wasm/web/triggers_wasm_inline.js'), requests.join(' '));
    assert.deepEqual(requests.filter((p) => p.endsWith('.wasm')), []);
    assert.deepEqual(offHost, []);
    assert.deepEqual(pageErrors, []);
  });
});
