import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SESSION_KEY } from '../src/auth/session';
import { admin, newKey, service } from './live';
import { renderConsole } from './render';

async function logIn(user: ReturnType<typeof renderConsole>['user'], key: string) {
  const field = screen.getByLabelText('API key');
  await user.clear(field);
  if (key) await user.type(field, key);
  await user.click(screen.getByRole('button', { name: 'Log in' }));
}

describe('login', () => {
  it('a protected page without a key shows the login form', async () => {
    renderConsole('/webhooks');
    expect(await screen.findByRole('heading', { name: 'Triggers console' })).toBeTruthy();
    expect(screen.getByLabelText('API key')).toHaveProperty('type', 'password');
    expect(screen.queryByRole('heading', { name: 'Webhooks' })).toBeNull();
  });

  it('refuses an empty or malformed key without calling the service', async () => {
    const { user } = renderConsole('/login');
    await logIn(user, '');
    expect((await screen.findByRole('alert')).textContent).toContain('Enter an API key.');
    await logIn(user, 'trgk_has a space');
    expect((await screen.findByRole('alert')).textContent).toContain('without spaces');
    expect(window.sessionStorage.getItem(SESSION_KEY)).toBeNull();
  });

  it("shows the API's error for a wrong key and keeps nothing", async () => {
    const { user } = renderConsole('/login');
    await logIn(user, 'trgk_thisIsNotAKeyOfTheService');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('invalid_api_key');
    expect(alert.textContent).toContain('Request id');
    expect(screen.getByLabelText('API key').getAttribute('aria-invalid')).toBe('true');
    expect(window.sessionStorage.getItem(SESSION_KEY)).toBeNull();
  });

  it('explains that a standard key is not enough (403 forbidden)', async () => {
    const standard = await newKey('standard');
    const { user } = renderConsole('/login');
    await logIn(user, standard.api_key);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('forbidden');
    expect(alert.textContent).toContain('needs an admin API key');
    expect(window.sessionStorage.getItem(SESSION_KEY)).toBeNull();
  });

  it('an admin key logs in (sessionStorage only), returns to the page asked for, and logs out', async () => {
    const { adminKey } = service();
    const { user } = renderConsole('/webhooks');
    await logIn(user, `  ${adminKey}  `);
    expect(await screen.findByRole('heading', { name: 'Webhooks', level: 1 })).toBeTruthy();
    expect(window.sessionStorage.getItem(SESSION_KEY)).toBe(adminKey);
    expect(window.localStorage.length).toBe(0);
    expect(document.cookie).toBe('');

    await user.click(screen.getByRole('button', { name: 'Log out' }));
    expect(await screen.findByRole('status')).toHaveProperty('textContent', expect.stringContaining('You logged out'));
    expect(window.sessionStorage.getItem(SESSION_KEY)).toBeNull();
    expect(screen.getByLabelText('API key')).toHaveProperty('value', '');
  });

  it('a 401 on any page (a key revoked meanwhile) returns to the login page with the reason', async () => {
    const key = await newKey('admin');
    const { user } = renderConsole('/webhooks', key.api_key);
    expect(await screen.findByRole('heading', { name: 'Webhooks', level: 1 })).toBeTruthy();
    const revoked = await admin('DELETE', `/v1/api-keys/${key.key_id}`);
    expect(revoked.status).toBeLessThan(300);
    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Dead letters' }));
    const status = await screen.findByText(/You were signed out/);
    expect(status.getAttribute('role')).toBe('status');
    expect(status.textContent).toContain('key_revoked');
    expect(screen.getByLabelText('API key')).toBeTruthy();
    expect(window.sessionStorage.getItem(SESSION_KEY)).toBeNull();
  });
});
