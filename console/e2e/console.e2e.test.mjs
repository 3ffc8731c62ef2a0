// End to end: the console served by a live `triggers-service serve`
// (../scripts/with-service.sh), in Debian's Chromium driven by
// playwright-core, delivering to webhook receivers on 127.0.0.1.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { api, eventually, exportColumns, freshAdminKey, launch, receiver, service, signatureMatches } from './support.mjs';

const { baseUrl, adminKey } = service();
let browser;
let rx;
/** Every Content-Security-Policy report and uncaught page error, of every page. */
const problems = [];

before(async () => {
  browser = await launch();
  rx = await receiver();
});
after(async () => {
  await browser?.close();
  await rx?.close();
});

async function newPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { context, page };
}

async function logIn(page, key = adminKey) {
  await page.goto(`${baseUrl}/console/`);
  await page.waitForURL('**/console/login');
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
}

const dialog = (page) => page.locator('dialog[open]');

describe('serving', () => {
  it('serves the app with its CSP, types and caching; client routes get index.html; missing files are 404', async () => {
    const index = await fetch(`${baseUrl}/console`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self';/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(index.headers.get('x-request-id'), 'the envelope middleware still runs');
    const html = await index.text();

    const deep = await fetch(`${baseUrl}/console/webhooks/3f2b8c1e-6d4a-4e9b-8c7f-1a2b3c4d5e6f`);
    assert.equal(deep.status, 200);
    assert.equal(await deep.text(), html);

    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), `assets: ${assets}`);
    for (const a of assets) {
      const r = await fetch(`${baseUrl}${a}`);
      assert.equal(r.status, 200, a);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=31536000, immutable', a);
      assert.match(r.headers.get('content-type') ?? '', a.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
    }

    const missing = await fetch(`${baseUrl}/console/assets/missing.js`);
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, 'not_found');
    // The API is untouched: no key, no data.
    assert.equal((await fetch(`${baseUrl}/v1/webhooks`)).status, 401);
  });
});

// In an account of its own: its analytics are exactly what is sent here,
// which the cards, the breakdowns and the exported CSV must add up to.
describe('the dashboard in Chromium', () => {
  const hookPath = '/e2e-dashboard';
  const SENT = [
    ['e2e-shop', 'order.created'],
    ['e2e-shop', 'order.created'],
    ['e2e-shop', 'order.created'],
    ['e2e-shop', 'order.paid'],
    ['e2e-crm', 'contact.created'],
    ['e2e-crm', 'contact.created'],
    ['e2e-billing', 'invoice.paid'],
  ];
  let page;
  let context;
  let key;

  before(async () => {
    key = await freshAdminKey('dashboard');
    ({ page, context } = await newPage({ acceptDownloads: true }));
  });
  after(async () => {
    await context?.close();
  });

  /** A summary card's figure. */
  const card = (label) => page.locator('.stat').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('.stat-value');
  const figure = (panel) => page.getByRole('region', { name: panel }).getByRole('figure').first();

  it('logs in, creates a webhook, and shows the empty dashboard', async () => {
    await logIn(page, key);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('button', { name: 'New webhook' }).click();
    const d = dialog(page);
    await d.getByLabel('Destination URL').fill(rx.url(hookPath));
    await d.getByRole('button', { name: 'Create webhook' }).click();
    await d.getByRole('button', { name: 'Done, I stored the secret' }).click();
    await page.getByRole('link', { name: rx.url(hookPath) }).waitFor();
    assert.deepEqual((await api('GET', '/v1/webhooks?limit=100', undefined, key)).body.webhooks.map((w) => [w.url, w.events]), [[rx.url(hookPath), ['*']]]);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.getByText('No events yet in this range.').waitFor();
    assert.equal(await card('Events').innerText(), '0');
  });

  it('updates by polling as events arrive, without a reload', async () => {
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    for (const [source, event_type] of SENT) {
      const r = await api('POST', '/v1/events', { source, event_type, payload: { from: 'e2e' } }, key);
      assert.equal(r.status, 201);
    }
    // No click: the 5 s refresh picks them up.
    await eventually('the events card to count every event sent', async () => (await card('Events').innerText()) === String(SENT.length), 30_000);
    await eventually('the volume chart to count them', async () => (await figure('Volume over time').innerText()).includes(`${SENT.length} events in`), 15_000);
    await eventually('every delivery in the figures', async () => (await card('Delivery attempts').innerText()) === String(SENT.length), 30_000);
    assert.equal(rx.at(hookPath).length >= SENT.length, true);
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'no page reload');
    assert.equal(await page.getByText('No events yet in this range.').count(), 0);

    // The distributions: the data tables (text alternatives) hold the exact counts.
    const rows = async (panel) =>
      page
        .getByRole('region', { name: panel })
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th,td')].slice(0, 2).map((c) => c.textContent)));
    await eventually('the source breakdown', async () => JSON.stringify(await rows('Sources')) === JSON.stringify([['e2e-shop', '4'], ['e2e-crm', '2'], ['e2e-billing', '1']]), 15_000);
    assert.deepEqual(await rows('Event types'), [
      ['order.created', '3'],
      ['contact.created', '2'],
      ['invoice.paid', '1'],
      ['order.paid', '1'],
    ]);
    assert.equal(await card('Delivery success').innerText(), '100%');
    assert.match(await card('Ingest latency p50').innerText(), /^[\d,]+(\.\d+)? m?s$/);
    assert.match(await card('Ingest to delivery p50').innerText(), /^[\d,]+(\.\d+)? m?s$/);

    // Charts: SVGs with an accessible name; the volume bars are drawn.
    const charts = page.locator('.chart-area svg[role="img"]');
    assert.ok((await charts.count()) >= 6, `charts: ${await charts.count()}`);
    for (const label of await charts.evaluateAll((svgs) => svgs.map((s) => s.getAttribute('aria-label') ?? ''))) {
      assert.match(label, /\w+.*: .+/);
    }
    assert.ok((await page.getByRole('region', { name: 'Volume over time' }).locator('.recharts-bar-rectangle').count()) > 0);
  });

  it('filters by source (typed, applied after a pause, kept in the URL)', async () => {
    await page.getByLabel('Source', { exact: true }).fill('e2e-shop');
    await eventually('the filtered volume', async () => (await figure('Volume over time').innerText()).includes('Events per hour (source e2e-shop)'), 15_000);
    await eventually('4 events of e2e-shop', async () => (await figure('Volume over time').innerText()).includes('4 events in'), 15_000);
    assert.match(page.url(), /[?&]source=e2e-shop\b/);
    assert.match(await figure('Event types').innerText(), /Events from e2e-shop by type/);
    await page.getByLabel('Source', { exact: true }).fill('');
    await page.getByLabel('Source', { exact: true }).press('Enter');
    await eventually('the filter removed', async () => !page.url().includes('source='), 5_000);
  });

  it('exports a CSV and a JSON file from the keyboard; the events column adds up to what was sent', async () => {
    // The buttons are disabled until the figures of the current selection
    // arrived (the previous test just changed it): focus waits for that.
    const exportCsv = page.getByRole('button', { name: 'Export CSV' });
    await eventually('the export buttons enabled', () => exportCsv.isEnabled(), 15_000);
    await exportCsv.focus();
    const [csv] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.keyboard.press('Enter')]);
    assert.match(csv.suggestedFilename(), /^[\w.-]+\.csv$/);
    const lines = (await readFile(await csv.path(), 'utf8')).split(/\r?\n/).filter(Boolean);
    assert.deepEqual(lines[0].split(','), await exportColumns());
    const events = lines[0].split(',').indexOf('events');
    assert.equal(
      lines.slice(1).reduce((n, l) => n + Number(l.split(',')[events]), 0),
      SENT.length,
    );
    await page.getByText(new RegExp(`Saved ${csv.suggestedFilename().replace(/\./g, '\\.')}`)).waitFor();

    await page.keyboard.press('Tab');
    const [json] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.keyboard.press('Space')]);
    assert.match(json.suggestedFilename(), /\.json$/);
    const body = JSON.parse(await readFile(await json.path(), 'utf8'));
    assert.equal(body.rows.length, lines.length - 1);
    assert.equal(body.rows.reduce((n, r) => n + r.events, 0), SENT.length);
  });

  it('fits a phone: charts drawn, no sideways scrolling', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.getByRole('region', { name: 'Latency percentiles' }).scrollIntoViewIfNeeded();
    await eventually('the charts redrawn at 360 px', async () => {
      const widths = await page.locator('.chart-area svg[role="img"]').evaluateAll((svgs) => svgs.map((s) => s.getBoundingClientRect().width));
      return widths.length >= 6 && widths.every((w) => w > 100 && w <= 360);
    }, 10_000);
    const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width, `${scroll}px wide content in a ${width}px screen`);
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});

describe('the console in Chromium', () => {
  let page;
  let webhookId;
  let secret;
  const hookPath = '/e2e-orders';

  before(async () => {
    ({ page } = await newPage({ permissions: ['clipboard-read', 'clipboard-write'] }));
  });

  it('refuses a wrong key, then logs in; the key is in sessionStorage only', async () => {
    await page.goto(`${baseUrl}/console/webhooks`);
    await page.waitForURL('**/console/login');
    await page.getByLabel('API key').fill('trgk_wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /invalid_api_key/);

    await page.getByLabel('API key').fill(adminKey);
    await page.getByRole('button', { name: 'Log in' }).click();
    // Back to the page first asked for.
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    assert.match(page.url(), /\/console\/webhooks$/);
    const storage = await page.evaluate(() => ({
      session: Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k)]),
      local: localStorage.length,
      cookie: document.cookie,
    }));
    assert.deepEqual(storage, { session: [['triggers.console.apiKey', adminKey]], local: 0, cookie: '' });
  });

  it('creates a webhook and shows its secret once, with a working copy button', async () => {
    await page.getByRole('button', { name: 'New webhook' }).click();
    const d = dialog(page);
    await d.getByLabel('Destination URL').fill(rx.url(hookPath));
    await d.getByLabel('Event types').fill('order.*');
    await d.getByLabel('Description (optional)').fill('end-to-end');
    await d.getByRole('button', { name: 'Create webhook' }).click();
    await d.getByRole('heading', { name: 'Webhook created' }).waitFor();
    secret = await d.getByLabel('Signing secret').inputValue();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+={0,2}$/);
    await d.getByRole('button', { name: 'Copy' }).click();
    await d.getByText('Copied to the clipboard.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);

    await d.getByRole('button', { name: 'Done, I stored the secret' }).click();
    await d.waitFor({ state: 'detached' });
    assert.ok(!(await page.content()).includes(secret), 'the secret is gone from the page');
    await page.getByRole('link', { name: rx.url(hookPath) }).click();
    await page.getByRole('heading', { name: rx.url(hookPath), level: 1 }).waitFor();
    webhookId = page.url().split('/').pop();
    const stored = await api('GET', `/v1/webhooks/${webhookId}`);
    assert.equal(stored.status, 200);
    assert.deepEqual(stored.body.events, ['order.*']);
    assert.equal(stored.body.secret, undefined);
  });

  it("sends a test: the result shows the receiver's answer, signed with the secret shown", async () => {
    await page.getByRole('button', { name: 'Send test' }).click();
    const result = page.getByRole('region', { name: 'Test delivery: succeeded' });
    await result.waitFor();
    const text = await result.innerText();
    assert.match(text, /HTTP 200/);
    assert.match(text, new RegExp(`received by ${hookPath}`));
    const got = rx.at(hookPath).at(-1);
    assert.ok(got, 'the receiver got the test');
    assert.match(text, new RegExp(got.id));
    assert.equal(JSON.parse(got.body).type, 'webhook.test');
    assert.ok(got.signatures.some((s) => signatureMatches(secret, got, s)), 'signed with the secret the console showed');
  });

  it('disables (confirmed) and enables', async () => {
    await page.getByRole('button', { name: 'Disable' }).click();
    await dialog(page).getByRole('button', { name: 'Disable webhook' }).click();
    await page.getByText(/Webhook disabled/).waitFor();
    assert.equal((await api('GET', `/v1/webhooks/${webhookId}`)).body.is_active, false);
    await page.getByRole('button', { name: 'Enable' }).click();
    await page.getByText(/Webhook enabled/).waitFor();
    assert.equal((await api('GET', `/v1/webhooks/${webhookId}`)).body.is_active, true);
  });

  it('rotates the secret: deliveries carry the new and the previous signature', async () => {
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const d = dialog(page);
    await d.getByLabel('Transition window').selectOption('3600');
    await d.getByRole('button', { name: 'Rotate secret' }).click();
    const field = d.getByLabel('Signing secret, version 2');
    await field.waitFor();
    const newSecret = await field.inputValue();
    assert.notEqual(newSecret, secret);
    assert.match(await d.innerText(), /two signatures/);
    await d.getByRole('button', { name: 'Done, I stored the secret' }).click();
    await page.getByText('Secret rotated: version 2.').waitFor();

    const before = rx.at(hookPath).length;
    await page.getByRole('button', { name: 'Send test' }).click();
    await eventually('the test after rotation', () => rx.at(hookPath).length > before);
    const got = rx.at(hookPath).at(-1);
    assert.equal(got.signatures.length, 2);
    assert.ok(got.signatures.some((s) => signatureMatches(newSecret, got, s)), 'new secret');
    assert.ok(got.signatures.some((s) => signatureMatches(secret, got, s)), 'previous secret, in its window');
    secret = newSecret;
  });

  it('shows the attempts of an event sent through the API, without reloading the page', async () => {
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    const event = await api('POST', '/v1/events', { source: 'e2e', event_type: 'order.created', payload: { n: 1 } });
    assert.equal(event.status, 201);
    await eventually('the delivery', () => rx.at(hookPath).find((r) => JSON.parse(r.body).type === 'order.created'));
    // Auto-refresh picks the attempt up.
    const attempts = page.getByRole('table').filter({ has: page.locator('caption', { hasText: 'Delivery attempts' }) });
    await attempts.getByText('HTTP 200').first().waitFor({ timeout: 20_000 });
    const listed = await api('GET', `/v1/webhooks/${webhookId}/deliveries`);
    assert.equal(listed.body.attempts.length, 1);
    assert.match(await attempts.innerText(), new RegExp(`received by ${hookPath}`));
    assert.equal(await page.evaluate(() => window.__notReloaded), true);
  });

  it('lists a dead letter and replays it', async () => {
    const path = '/e2e-dead';
    rx.answer(path, 500);
    const created = await api('POST', '/v1/webhooks', { url: rx.url(path), events: ['dead.*'], max_retries: 0 });
    assert.equal(created.status, 201);
    const id = created.body.webhook_id;
    await api('POST', '/v1/events', { source: 'e2e', event_type: 'dead.letter', payload: {} });
    const dead = await eventually('the dead letter', async () => {
      const r = await api('GET', `/v1/dead-letters?webhook_id=${id}`);
      return r.body.dead_letters[0] ?? null;
    });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('heading', { name: 'Dead letters', level: 1 }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'dead.letter' });
    await row.waitFor();
    assert.match(await row.innerText(), /Retries exhausted/);
    assert.match(await row.innerText(), /HTTP 500/);

    rx.answer(path, 200);
    await row.getByRole('button', { name: /^Replay:/ }).click();
    await page.getByText('Replay of the dead.letter delivery enqueued.').waitFor();
    await row.getByRole('button', { name: /^Replayed:/ }).waitFor();
    const replayed = await eventually('the replayed delivery', () => rx.at(path).find((r) => r.id === dead.msg_id && r.body.includes('dead.letter') && rx.at(path).indexOf(r) > 0));
    assert.equal(replayed.id, dead.msg_id, 'a replay keeps the webhook-id');
    await api('DELETE', `/v1/webhooks/${id}`);
  });

  it('deletes the webhook (confirmed)', async () => {
    await page.goto(`${baseUrl}/console/webhooks/${webhookId}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog(page).getByRole('button', { name: 'Delete webhook' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText(`Webhook for ${rx.url(hookPath)} deleted.`).waitFor();
    assert.equal(await page.getByRole('link', { name: rx.url(hookPath) }).count(), 0);
    assert.equal((await api('GET', `/v1/webhooks/${webhookId}`)).status, 404);
  });

  it('logs out: the key leaves sessionStorage', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API key').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.goto(`${baseUrl}/console/webhooks`);
    await page.waitForURL('**/console/login');
  });
});

describe('keyboard only', () => {
  it('logs in and creates a webhook without a mouse; dialogs trap focus, Escape cancels, focus returns', async () => {
    const { page } = await newPage();
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        return {
          label: el?.getAttribute('aria-label') ?? el?.labels?.[0]?.textContent ?? el?.textContent?.trim() ?? '',
          tag: el?.tagName,
          inDialog: Boolean(el?.closest('dialog[open]')),
          outline: el ? getComputedStyle(el).outlineStyle : 'none',
        };
      });
    const tabTo = async (label, max = 30) => {
      for (let i = 0; i < max; i++) {
        if ((await focused()).label === label) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached ${label}`);
    };

    await page.goto(`${baseUrl}/console/`);
    await page.waitForURL('**/console/login');
    await tabTo('API key');
    await page.keyboard.type(adminKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();

    await tabTo('Webhooks');
    assert.equal((await focused()).outline, 'solid', 'focus is visible');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await tabTo('New webhook');
    await page.keyboard.press('Enter');
    await dialog(page).waitFor();
    assert.deepEqual(await focused().then((f) => [f.label, f.inDialog]), ['Destination URL', true]);
    // Focus stays in the modal dialog.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      const f = await focused();
      assert.ok(f.inDialog || f.tag === 'BODY', `Tab left the dialog for ${f.label}`);
    }
    await page.keyboard.press('Escape');
    await dialog(page).waitFor({ state: 'detached' });
    assert.equal((await focused()).label, 'New webhook', 'focus returns to the opener');

    const before = (await api('GET', '/v1/webhooks?limit=100')).body.webhooks.length;
    await page.keyboard.press('Enter');
    await dialog(page).waitFor();
    await page.keyboard.type(rx.url('/keyboard'));
    await page.keyboard.press('Enter'); // submits the form
    await dialog(page).getByRole('heading', { name: 'Webhook created' }).waitFor();
    assert.equal((await focused()).label, 'Copy');
    await page.keyboard.press('Escape'); // a secret shown once is not dismissed by a stray Escape
    assert.equal(await dialog(page).count(), 1);
    await tabTo('Done, I stored the secret');
    await page.keyboard.press('Enter');
    await dialog(page).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: rx.url('/keyboard') }).waitFor();
    assert.equal((await api('GET', '/v1/webhooks?limit=100')).body.webhooks.length, before + 1);
    await page.context().close();
  });
});

describe('sessions and screens', () => {
  it('a key revoked during the session sends the user back to the login page with the reason', async () => {
    const key = await api('POST', '/v1/api-keys', { name: 'e2e revoked', role: 'admin' });
    assert.equal(key.status, 201);
    const { page, context } = await newPage();
    await logIn(page, key.body.api_key);
    await api('DELETE', `/v1/api-keys/${key.body.key_id}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    const notice = page.getByText(/You were signed out/);
    await notice.waitFor();
    assert.match(await notice.innerText(), /key_revoked/);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await context.close();
  });

  it('fits a phone screen: no sideways scrolling on the webhook pages', async () => {
    const created = await api('POST', '/v1/webhooks', {
      url: rx.url('/a-rather-long-path/that/should/wrap/on/a/phone/screen'),
      events: ['order.*', 'invoice.paid'],
      description: 'phone layout',
    });
    const { page, context } = await newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    await logIn(page);
    for (const path of ['/console/webhooks', `/console/webhooks/${created.body.webhook_id}`, '/console/dead-letters', '/console/']) {
      await page.goto(`${baseUrl}${path}`);
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
      assert.ok(scroll <= width, `${path}: ${scroll}px wide content in a ${width}px screen`);
    }
    await context.close();
  });

  it('no Content-Security-Policy violation or page error happened in any page', () => {
    assert.deepEqual(problems, []);
  });
});
