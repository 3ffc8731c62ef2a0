// Screenshots of the console at a laptop and a phone width, for the docs
// (docs/images/console-*.png). Against a live service:
//
//   ../scripts/with-service.sh node e2e/screenshots.mjs [OUT_DIR]
//
// It fills the account with a few webhooks, deliveries and a dead letter
// first (receivers on 127.0.0.1, addressed as localhost) and shoots the
// webhook pages. Then it sends events in four waves 35 s apart (several
// sources and types, a failing webhook, a few refused requests), so the
// dashboard's charts have a few minutes of data, and shoots the dashboard:
// about two and a half minutes in all.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { api, eventually, launch, receiver, service } from './support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, '../../docs/images'));
mkdirSync(out, { recursive: true });
const { baseUrl, adminKey } = service();
const rx = await receiver();
const at = (path) => `http://localhost:${rx.port}${path}`;

async function must(method, path, body) {
  const r = await api(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const orders = await must('POST', '/v1/webhooks', {
  url: at('/hooks/orders'),
  events: ['order.*'],
  description: 'Order sync to the warehouse',
  max_retries: 0,
});
await must('POST', '/v1/webhooks', { url: at('/hooks/invoices'), events: ['invoice.paid', 'invoice.failed'], description: 'Billing' });
const crm = await must('POST', '/v1/webhooks', { url: at('/hooks/crm'), description: 'CRM mirror (paused)' });
await must('PUT', `/v1/webhooks/${crm.webhook_id}`, { is_active: false });

for (const [type, n] of [['order.created', 1001], ['order.paid', 1001], ['order.created', 1002]]) {
  await must('POST', '/v1/events', { source: 'shop', event_type: type, payload: { order_id: n } });
}
await eventually('three deliveries', () => rx.at('/hooks/orders').length >= 3);
rx.answer('/hooks/orders', 500);
await must('POST', '/v1/events', { source: 'shop', event_type: 'order.refunded', payload: { order_id: 1001 } });
await eventually('a dead letter', async () => (await api('GET', '/v1/dead-letters')).body.dead_letters.length > 0);
rx.answer('/hooks/orders', 200);

const browser = await launch();
const shots = [];
for (const [name, viewport, isMobile] of [
  ['laptop', { width: 1280, height: 800 }, false],
  ['phone', { width: 390, height: 844 }, true],
]) {
  const context = await browser.newContext({ viewport, isMobile, hasTouch: isMobile, locale: 'en-US', timezoneId: 'UTC', deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/login`);
  await page.getByLabel('API key').fill(adminKey);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();

  await page.goto(`${baseUrl}/console/webhooks`);
  await page.getByRole('link', { name: at('/hooks/orders') }).waitFor();
  shots.push(join(out, `console-webhooks-${name}.png`));
  await page.screenshot({ path: shots.at(-1), fullPage: true });

  await page.goto(`${baseUrl}/console/webhooks/${orders.webhook_id}`);
  await page.getByRole('button', { name: 'Send test' }).click();
  await page.getByRole('region', { name: /Test delivery/ }).waitFor();
  await page.getByRole('row').filter({ hasText: 'order.refunded' }).waitFor();
  await page.getByText('HTTP 500').first().waitFor();
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  shots.push(join(out, `console-webhook-${name}.png`));
  await page.screenshot({ path: shots.at(-1), fullPage: true });
  await context.close();
}
// The dashboard: a few minutes of traffic. Analytics count by arrival time,
// so the waves are real minutes apart.
await must('POST', '/v1/webhooks', { url: at('/hooks/all'), description: 'Data lake (every event)' });
await must('POST', '/v1/webhooks', { url: at('/hooks/flaky'), events: ['invoice.*'], description: 'Legacy ERP', max_retries: 0 });
rx.answer('/hooks/flaky', 503);
const MIX = [
  ['shop', 'order.created', 9],
  ['shop', 'order.paid', 6],
  ['shop', 'order.refunded', 1],
  ['billing', 'invoice.paid', 4],
  ['billing', 'invoice.failed', 1],
  ['crm', 'contact.created', 3],
  ['crm', 'contact.updated', 2],
  ['warehouse', 'shipment.dispatched', 5],
];
const started = new Date();
let sent = 0;
for (let wave = 0; wave < 4; wave++) {
  if (wave > 0) await new Promise((r) => setTimeout(r, 35_000));
  const posts = [];
  for (const [source, type, n] of MIX) {
    const count = Math.max(1, Math.round(n * (0.6 + 0.25 * ((wave * 7 + n) % 4))));
    for (let i = 0; i < count; i++) posts.push(must('POST', '/v1/events', { source, event_type: type, payload: { wave, i } }));
    sent += count;
  }
  // A few refused requests: API errors on the dashboard.
  for (let i = 0; i <= wave % 3; i++) posts.push(api('POST', '/v1/events', { source: 'shop', payload: {} }));
  await Promise.all(posts);
}
await eventually('the deliveries of the last wave', () => rx.at('/hooks/all').length >= sent, 30_000);
const minute = (d) => d.toISOString().slice(0, 16); // datetime-local, UTC (the pages below run in UTC)
const range = new URLSearchParams({
  range: 'custom',
  from: minute(new Date(started.getTime() - 4 * 60_000)),
  to: minute(new Date(Date.now() + 2 * 60_000)),
});
const expected = await eventually('every event in the analytics', async () => {
  const r = await api('GET', `/v1/analytics/summary?from=${started.toISOString().slice(0, 17)}00Z`);
  return r.status === 200 && r.body.events.total >= sent ? r.body.events.total : null;
}, 30_000);

for (const [name, viewport, isMobile, file] of [
  ['laptop', { width: 1280, height: 800 }, false, 'console-dashboard.png'],
  ['phone', { width: 390, height: 844 }, true, 'console-dashboard-phone.png'],
]) {
  const context = await browser.newContext({ viewport, isMobile, hasTouch: isMobile, locale: 'en-US', timezoneId: 'UTC', deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/console/login`);
  await page.getByLabel('API key').fill(adminKey);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  await page.goto(`${baseUrl}/console/?${range}`);
  const events = page.locator('.stat').filter({ has: page.locator('dt', { hasText: /^Events$/ }) }).locator('.stat-value');
  await eventually('the events card', async () => Number((await events.innerText().catch(() => '')).replace(/,/g, '')) >= expected, 20_000);
  await page.locator('.chart-area svg[role="img"]').nth(5).waitFor();
  await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  shots.push(join(out, file));
  await page.screenshot({ path: shots.at(-1), fullPage: true });
  await context.close();
}
await browser.close();
await rx.close();
for (const s of shots) console.log(s);
