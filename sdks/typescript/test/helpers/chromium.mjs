// Drives Debian's Chromium with playwright-core (which never downloads a
// browser) on a page served from 127.0.0.1 that loads the package's browser
// build through an import map, as a page without a bundler would. Shared by
// test/browser.test.mjs and test/live/browser-live.test.mjs.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';
export const SKIP = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is absent (install it with: apt-get install -y chromium; test.sh does when root)`;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm' };
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>triggers-api-client browser test</title>
<script type="importmap">{ "imports": { "@zapier/triggers-api-client": "/dist/esm/index.browser.js" } }</script>
<script type="module">
  import * as sdk from '@zapier/triggers-api-client';
  window.sdk = sdk;
</script>`;

/**
 * Serves the page at / and the files under dist/ (nothing else) on
 * 127.0.0.1; `route(req, res, path)` may answer other paths first (return
 * true when it did).
 */
function startServer(requests, route) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    requests.push(path);
    if (route?.(req, res, path)) return;
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

/**
 * Starts the server and Chromium on the page; resolves once `window.sdk` is
 * loaded. Only 127.0.0.1 is ever contacted (other hosts are aborted and
 * listed in `offHost`).
 */
export async function openPage({ route } = {}) {
  const session = { requests: [], offHost: [], pageErrors: [], server: undefined, context: undefined, page: undefined, origin: '' };
  session.server = await startServer(session.requests, route);
  session.origin = `http://127.0.0.1:${session.server.address().port}`;
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'triggers-chromium-'));
  session.context = await chromium.launchPersistentContext(userDataDir, {
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
  await session.context.route('**/*', (r) => {
    const url = new URL(r.request().url());
    if (url.hostname === '127.0.0.1') return r.continue();
    session.offHost.push(url.href);
    return r.abort();
  });
  session.page = session.context.pages()[0] ?? (await session.context.newPage());
  session.page.on('pageerror', (error) => session.pageErrors.push(String(error)));
  await session.page.goto(`${session.origin}/`);
  await session.page.waitForFunction(() => window.sdk !== undefined, null, { timeout: 30_000 });
  session.close = async () => {
    await session.context?.close();
    await new Promise((resolve) => (session.server ? session.server.close(resolve) : resolve()));
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return session;
}
