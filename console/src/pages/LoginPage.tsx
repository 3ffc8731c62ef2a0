import { useId, useState, type FormEvent } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useAuth } from '../auth/AuthContext';
import { ErrorMessage } from '../components/ErrorMessage';

export function LoginPage() {
  const { api, login, notice } = useAuth();
  const location = useLocation();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fieldId = useId();
  const hintId = useId();

  if (api) {
    const from = (location.state as { from?: string } | null)?.from;
    return <Navigate to={from && from !== '/login' ? from : '/'} replace />;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(key);
      setKey('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login">
      <div className="card login-card">
        <h1>Triggers console</h1>
        {notice && !error && (
          <p className="notice" role="status">
            {notice.message}
            {notice.code && (
              <>
                {' '}
                <code>{notice.code}</code>
              </>
            )}
          </p>
        )}
        <form onSubmit={submit} noValidate className="stack">
          <div className="field">
            <label htmlFor={fieldId}>API key</label>
            <input
              id={fieldId}
              name="api-key"
              type="password"
              className="mono"
              autoComplete="off"
              spellCheck={false}
              placeholder="trgk_…"
              aria-describedby={hintId}
              aria-invalid={error ? true : undefined}
              value={key}
              onChange={(e) => setKey(e.target.value)}
              autoFocus
            />
            <p id={hintId} className="hint">
              An admin API key. It is kept in this browser tab's session storage only: closing the tab or logging out
              forgets it.
            </p>
          </div>
          <ErrorMessage error={error} title="The key was not accepted" />
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Checking…' : 'Log in'}
          </button>
        </form>
      </div>
    </main>
  );
}
