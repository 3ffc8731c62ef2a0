import { screen, waitFor, within } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Webhook, WebhookWithSecret } from '../src/api/types';
import { admin, receiver, service } from './live';
import { renderConsole } from './render';

let ok: Awaited<ReturnType<typeof receiver>>;
let failing: Awaited<ReturnType<typeof receiver>>;
beforeAll(async () => {
  ok = await receiver(200, 'thanks from the receiver');
  failing = await receiver(503, 'down for maintenance');
});
afterAll(async () => {
  await ok.close();
  await failing.close();
});

async function createWebhook(url: string, extra: Record<string, unknown> = {}): Promise<WebhookWithSecret> {
  const r = await admin<WebhookWithSecret>('POST', '/v1/webhooks', { url, ...extra });
  expect(r.status).toBe(201);
  return r.body;
}

function dialog(): HTMLElement {
  const d = document.querySelector('dialog[open]');
  if (!(d instanceof HTMLElement)) throw new Error('no open dialog');
  return d;
}

describe('webhook page', () => {
  it("shows the API's error for a webhook that does not exist", async () => {
    renderConsole('/webhooks/00000000-0000-4000-8000-000000000000', service().adminKey);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('webhook_not_found');
    expect(alert.textContent).toContain('Could not load this webhook');
  });

  it("sends a test and shows the receiver's answer, success or not", async () => {
    const good = await createWebhook(ok.url('/detail-test'));
    const { user, unmount } = renderConsole(`/webhooks/${good.webhook_id}`, service().adminKey);
    await screen.findByRole('heading', { name: ok.url('/detail-test'), level: 1 });
    await user.click(screen.getByRole('button', { name: 'Send test' }));
    const result = await screen.findByRole('region', { name: 'Test delivery: succeeded' });
    expect(result.textContent).toContain('HTTP 200');
    expect(result.textContent).toContain('thanks from the receiver');
    const got = ok.received.find((r) => r.path === '/detail-test');
    expect(got?.headers['webhook-id']).toBe(within(result).getByText(/^msg_/).textContent);
    unmount();

    const bad = await createWebhook(failing.url('/detail-test'));
    const second = renderConsole(`/webhooks/${bad.webhook_id}`, service().adminKey);
    await screen.findByRole('heading', { name: failing.url('/detail-test'), level: 1 });
    await second.user.click(screen.getByRole('button', { name: 'Send test' }));
    const failed = await screen.findByRole('region', { name: 'Test delivery: failed' });
    expect(failed.textContent).toContain('HTTP 503');
    expect(failed.textContent).toContain('down for maintenance');
  });

  it('edits, disables, enables, rotates and deletes', async () => {
    const w = await createWebhook(ok.url('/detail-edit'), { events: ['order.*'] });
    const { user } = renderConsole(`/webhooks/${w.webhook_id}`, service().adminKey);
    await screen.findByRole('heading', { name: ok.url('/detail-edit'), level: 1 });
    const get = async () => (await admin<Webhook>('GET', `/v1/webhooks/${w.webhook_id}`)).body;

    // Edit: the form starts with the current values.
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    let d = within(dialog());
    expect(d.getByLabelText('Destination URL')).toHaveProperty('value', ok.url('/detail-edit'));
    expect(d.getByLabelText('Event types')).toHaveProperty('value', 'order.*');
    await user.clear(d.getByLabelText('Event types'));
    await user.type(d.getByLabelText('Event types'), 'invoice.paid order.created');
    await user.type(d.getByLabelText('Description (optional)'), 'edited');
    await user.type(d.getByLabelText('Max retries (optional)'), '0');
    await user.click(d.getByRole('button', { name: 'Save changes' }));
    await screen.findByText('Changes saved.');
    expect(await get()).toMatchObject({ events: ['invoice.paid', 'order.created'], description: 'edited', max_retries: 0 });
    expect(screen.getByText('invoice.paid, order.created')).toBeTruthy();

    // Disable (confirmed), then enable.
    await user.click(screen.getByRole('button', { name: 'Disable' }));
    d = within(dialog());
    expect(document.activeElement).toBe(d.getByRole('button', { name: 'Cancel' }));
    await user.click(d.getByRole('button', { name: 'Disable webhook' }));
    await screen.findByText(/Webhook disabled/);
    expect((await get()).is_active).toBe(false);
    expect(screen.getAllByText('Disabled').length).toBeGreaterThan(0);
    await user.click(screen.getByRole('button', { name: 'Enable' }));
    await screen.findByText(/Webhook enabled/);
    expect((await get()).is_active).toBe(true);

    // Rotate with a one-hour window: a new secret, shown once, and the previous one's expiry.
    await user.click(screen.getByRole('button', { name: 'Rotate secret' }));
    d = within(dialog());
    expect(dialog().textContent).toContain('two signatures');
    await user.selectOptions(d.getByLabelText('Transition window'), '3600');
    await user.click(d.getByRole('button', { name: 'Rotate secret' }));
    const field = (await within(dialog()).findByLabelText('Signing secret, version 2')) as HTMLInputElement;
    expect(field.value).toMatch(/^whsec_/);
    expect(field.value).not.toBe(w.secret);
    const after = await get();
    expect(after.secret_version).toBe(2);
    expect(after.previous_secret_expires_at).not.toBeNull();
    const window = Date.parse(after.previous_secret_expires_at ?? '') - Date.parse(after.updated_at);
    expect(Math.round(window / 1000)).toBe(3600);
    const rotatedSecret = field.value;
    await user.click(within(dialog()).getByRole('button', { name: 'Done, I stored the secret' }));
    await screen.findByText('Secret rotated: version 2.');
    expect(document.body.innerHTML).not.toContain(rotatedSecret);

    // Delete (confirmed): back to the list, gone from the service.
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    await user.click(within(dialog()).getByRole('button', { name: 'Delete webhook' }));
    await screen.findByRole('heading', { name: 'Webhooks', level: 1 });
    expect(screen.getByRole('status').textContent).toContain(`Webhook for ${ok.url('/detail-edit')} deleted.`);
    await waitFor(async () => expect((await admin('GET', `/v1/webhooks/${w.webhook_id}`)).status).toBe(404));
  });
});
