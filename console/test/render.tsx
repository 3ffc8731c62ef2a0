import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { App } from '../src/App';
import { SESSION_KEY } from '../src/auth/session';
import { service } from './live';

/** The whole console at `path`, against the test service; logged in with `key` when given. */
export function renderConsole(path: string, key?: string) {
  const { baseUrl } = service();
  if (key) window.sessionStorage.setItem(SESSION_KEY, key);
  const user = userEvent.setup();
  const view = render(
    <MemoryRouter initialEntries={[path]}>
      <App baseUrl={baseUrl} />
    </MemoryRouter>,
  );
  return { user, ...view };
}
