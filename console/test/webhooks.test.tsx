import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Webhook, WebhookList } from '../src/api/types';
import { AuthProvider } from '../src/auth/AuthContext';
import { SESSION_KEY } from '../src/auth/session';
import { WebhooksPage } from '../src/pages/WebhooksPage';
import { admin, receiver, service } from './live';
import { renderConsole } from './render';

let rx: Awaited<ReturnType<typeof receiver>>;
beforeAll(async () => {
  rx = await receiver();
});
afterAll(() => rx.close());

/** Every webhook of the account, through the API. */
async function allWebhooks(): Promise<Webhook[]> {
  const out: Webhook[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await admin<WebhookList>('GET', `/v1/webhooks?limit=100${q}`);
    out.push(...page.body.webhooks);
    cursor = page.body.next_cursor;
  } while (cursor);
  return out;
}

function dialog(): HTMLElement {
  const d = document.querySelector('dialog[open]');
  if (!(d instanceof HTMLElement)) throw new Error('no open dialog');
  return d;
}

describe('webhook list and create', () => {
  it('creates a webhook and shows its secret once', async () => {
    const { adminKey } = service();
    const url = rx.url('/created-in-the-console');
    const { user } = renderConsole('/webhooks', adminKey);
    await screen.findByRole('heading', { name: 'Webhooks', level: 1 });

    await user.click(screen.getByRole('button', { name: 'New webhook' }));
    const form = within(dialog());
    expect(dialog().getAttribute('aria-labelledby')).toBe(form.getByRole('heading', { name: 'New webhook' }).id);
    // Focus starts in the first field.
    expect(document.activeElement).toBe(form.getByLabelText('Destination URL'));
    await user.type(form.getByLabelText('Destination URL'), url);
    await user.clear(form.getByLabelText('Event types'));
    await user.type(form.getByLabelText('Event types'), 'order.*, invoice.paid');
    await user.type(form.getByLabelText('Description (optional)'), 'from the component test');
    await user.type(form.getByLabelText('Max retries (optional)'), '2');
    await user.click(form.getByRole('button', { name: 'Create webhook' }));

    const done = await within(dialog()).findByRole('heading', { name: 'Webhook created' });
    expect(done).toBeTruthy();
    const secretField = within(dialog()).getByLabelText('Signing secret') as HTMLInputElement;
    const secret = secretField.value;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(secretField.readOnly).toBe(true);
    expect(dialog().textContent).toContain('shown only this once');

    // The service stored what was typed, and never shows the secret again.
    const stored = (await allWebhooks()).find((w) => w.url === url);
    expect(stored).toMatchObject({ events: ['order.*', 'invoice.paid'], description: 'from the component test', max_retries: 2, is_active: true });
    const one = await admin<Record<string, unknown>>('GET', `/v1/webhooks/${stored?.webhook_id}`);
    expect(one.body).not.toHaveProperty('secret');

    // Escape does not dismiss a secret shown once; "Done" does, and the secret is gone from the page.
    fireEvent(dialog(), new Event('cancel', { cancelable: true }));
    expect(within(dialog()).getByLabelText('Signing secret')).toBeTruthy();
    await user.click(within(dialog()).getByRole('button', { name: 'Done, I stored the secret' }));
    await waitFor(() => expect(document.querySelector('dialog[open]')).toBeNull());
    expect(document.body.innerHTML).not.toContain(secret);
    expect(screen.getByRole('status').textContent).toContain(`Webhook for ${url} created.`);
    const row = (await screen.findByRole('link', { name: url })).closest('tr');
    expect(row).not.toBeNull();
    expect(within(row as HTMLElement).getByText('Active')).toBeTruthy();
    expect(within(row as HTMLElement).getByText('order.*, invoice.paid')).toBeTruthy();
    // Focus went back to the button that opened the dialog.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'New webhook' }));
  });

  it("shows the API's validation errors on the field they name, and creates nothing", async () => {
    const { adminKey } = service();
    const before = (await allWebhooks()).length;
    const { user } = renderConsole('/webhooks', adminKey);
    await user.click(await screen.findByRole('button', { name: 'New webhook' }));
    const form = within(dialog());

    // Not in the test deployment's host allowlist (127.0.0.1, localhost).
    await user.type(form.getByLabelText('Destination URL'), 'https://example.com/hook');
    await user.click(form.getByRole('button', { name: 'Create webhook' }));
    let alert = await form.findByRole('alert');
    expect(alert.textContent).toContain('url_not_allowed');
    expect(alert.textContent).toContain('example.com');
    expect(form.getByLabelText('Destination URL').getAttribute('aria-invalid')).toBe('true');

    await user.clear(form.getByLabelText('Destination URL'));
    await user.type(form.getByLabelText('Destination URL'), rx.url('/never'));
    await user.clear(form.getByLabelText('Event types'));
    await user.type(form.getByLabelText('Event types'), 'order*');
    await user.click(form.getByRole('button', { name: 'Create webhook' }));
    await waitFor(() => expect(form.getByRole('alert').textContent).toContain('invalid_events'));
    expect(form.getByLabelText('Event types').getAttribute('aria-invalid')).toBe('true');
    expect(form.getByLabelText('Destination URL').getAttribute('aria-invalid')).toBeNull();

    await user.clear(form.getByLabelText('Event types'));
    await user.type(form.getByLabelText('Event types'), '*');
    await user.type(form.getByLabelText('Max retries (optional)'), '21');
    await user.click(form.getByRole('button', { name: 'Create webhook' }));
    await waitFor(() => expect(form.getByRole('alert').textContent).toContain('invalid_field'));
    alert = form.getByRole('alert');
    expect(alert.textContent).toContain('max_retries');

    // Cancel: nothing was created.
    await user.click(form.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(document.querySelector('dialog[open]')).toBeNull());
    expect((await allWebhooks()).length).toBe(before);
  });

  it('pages through the list with next_cursor', async () => {
    const { adminKey } = service();
    for (let i = 0; i < 3; i++) {
      const r = await admin('POST', '/v1/webhooks', { url: rx.url(`/paging-${i}`) });
      expect(r.status).toBe(201);
    }
    const expected = (await allWebhooks()).map((w) => w.url);
    expect(expected.length).toBeGreaterThanOrEqual(3);

    window.sessionStorage.setItem(SESSION_KEY, adminKey);
    const user = userEvent.setup();
    render(
      <MemoryRouter initialEntries={['/webhooks']}>
        <AuthProvider baseUrl={service().baseUrl}>
          <Routes>
            <Route path="/webhooks" element={<WebhooksPage pageSize={2} />} />
          </Routes>
        </AuthProvider>
      </MemoryRouter>,
    );

    const seen: string[] = [];
    const pager = await screen.findByRole('navigation', { name: 'Webhook pages' });
    const pageButton = (name: string) => within(pager).getByRole('button', { name }) as HTMLButtonElement;
    for (let page = 1; ; page++) {
      await waitFor(() => expect(pager.textContent).toContain(`Page ${page}`));
      await waitFor(() => expect(screen.getByRole('table').getAttribute('aria-busy')).toBe('false'));
      const links = within(screen.getByRole('table')).getAllByRole('link').map((a) => a.textContent ?? '');
      expect(links.length).toBeLessThanOrEqual(2);
      seen.push(...links);
      if (pageButton('Next page').disabled) break;
      await user.click(pageButton('Next page'));
      // The pager stays put while the page loads: focus stays on its button.
      expect(document.activeElement).toBe(pageButton('Next page'));
    }
    expect(seen).toEqual(expected);

    const last = Number(/Page (\d+)/.exec(pager.textContent ?? '')?.[1]);
    expect(last).toBeGreaterThanOrEqual(2);
    await user.click(pageButton('Previous page'));
    await waitFor(() => expect(pager.textContent).toContain(`Page ${last - 1}`));
    await waitFor(() => expect(screen.getAllByRole('link').map((a) => a.textContent)).toEqual(seen.slice((last - 2) * 2, (last - 1) * 2)));
  });
});
