import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/client';
import { withoutSecret, type Attempt, type TestDeliveryResult, type Webhook, type WebhookWithSecret } from '../api/types';
import { useApi } from '../auth/AuthContext';
import { DeadLetterSection } from '../components/DeadLetterTable';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { ErrorMessage } from '../components/ErrorMessage';
import { ActiveBadge, ShortId, Time } from '../components/format';
import { SecretReveal } from '../components/SecretReveal';
import { Pager, usePages } from '../components/usePages';
import { usePolling } from '../dashboard/usePolling';
import {
  WebhookFields,
  fieldOfError,
  formFromWebhook,
  parseEvents,
  parseMaxRetries,
  type WebhookFormValues,
} from './WebhookForm';

type Modal = 'edit' | 'disable' | 'delete' | 'rotate' | null;

export function WebhookDetailPage() {
  const { webhookId = '' } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const [webhook, setWebhook] = useState<Webhook | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [modal, setModal] = useState<Modal>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [testResult, setTestResult] = useState<TestDeliveryResult | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    setWebhook(null);
    setLoadError(null);
    api.getWebhook(webhookId, controller.signal).then(
      (w) => setWebhook(w),
      (e) => {
        if (!controller.signal.aborted) setLoadError(e);
      },
    );
    return () => controller.abort();
  }, [api, webhookId]);

  const run = useCallback(async <T,>(label: string, action: () => Promise<T>): Promise<T | undefined> => {
    setBusy(label);
    setActionError(null);
    setNotice(null);
    try {
      return await action();
    } catch (e) {
      setActionError(e);
      return undefined;
    } finally {
      setBusy(null);
    }
  }, []);

  if (loadError) {
    return (
      <section className="stack">
        <p>
          <Link to="/webhooks">← Webhooks</Link>
        </p>
        <h1>Webhook</h1>
        <ErrorMessage error={loadError} title="Could not load this webhook" />
      </section>
    );
  }
  if (!webhook) {
    return (
      <p role="status" className="muted">
        Loading the webhook…
      </p>
    );
  }
  const w = webhook;

  async function sendTest() {
    setTestResult(null);
    const r = await run('test', () => api.testWebhook(w.webhook_id));
    if (r) setTestResult(r);
  }

  async function setActive(active: boolean) {
    const updated = await run('active', () => api.updateWebhook(w.webhook_id, { is_active: active }));
    if (updated) {
      setWebhook(updated);
      setModal(null);
      setNotice(active ? 'Webhook enabled: new events are delivered again.' : 'Webhook disabled: nothing more is delivered.');
    }
  }

  async function remove() {
    const done = await run('delete', async () => {
      await api.deleteWebhook(w.webhook_id);
      return true;
    });
    if (done) navigate('/webhooks', { state: { flash: `Webhook for ${w.url} deleted.` } });
  }

  return (
    <section className="stack">
      <p>
        <Link to="/webhooks">← Webhooks</Link>
      </p>
      <div className="page-head">
        <h1 className="break">{w.url}</h1>
        <ActiveBadge active={w.is_active} />
      </div>
      <div className="toolbar" role="group" aria-label="Webhook actions">
        <button type="button" className="primary" onClick={() => void sendTest()} disabled={busy !== null}>
          {busy === 'test' ? 'Sending…' : 'Send test'}
        </button>
        <button type="button" onClick={() => setModal('edit')} disabled={busy !== null}>
          Edit
        </button>
        {w.is_active ? (
          <button type="button" onClick={() => setModal('disable')} disabled={busy !== null}>
            Disable
          </button>
        ) : (
          <button type="button" onClick={() => void setActive(true)} disabled={busy !== null}>
            {busy === 'active' ? 'Enabling…' : 'Enable'}
          </button>
        )}
        <button type="button" onClick={() => setModal('rotate')} disabled={busy !== null}>
          Rotate secret
        </button>
        <button type="button" className="danger" onClick={() => setModal('delete')} disabled={busy !== null}>
          Delete
        </button>
      </div>
      <p className="notice" role="status">
        {notice}
      </p>
      {modal === null && <ErrorMessage error={actionError} title="The action failed" />}
      {testResult && <TestResultPanel result={testResult} />}

      <dl className="details">
        <dt>Webhook id</dt>
        <dd>
          <code>{w.webhook_id}</code>
        </dd>
        <dt>Event types</dt>
        <dd>
          <code>{w.events.join(', ')}</code>
        </dd>
        <dt>Description</dt>
        <dd>{w.description || <span className="muted">—</span>}</dd>
        <dt>Max retries</dt>
        <dd>{w.max_retries === null ? "Deployment's default" : w.max_retries}</dd>
        <dt>Secret version</dt>
        <dd>
          {w.secret_version}
          {w.previous_secret_expires_at && (
            <>
              {' '}
              (the previous secret also signs until <Time value={w.previous_secret_expires_at} />)
            </>
          )}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time value={w.created_at} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <Time value={w.updated_at} />
        </dd>
      </dl>

      <AttemptsSection webhookId={w.webhook_id} />
      <DeadLetterSection webhookId={w.webhook_id} />

      <EditWebhookDialog
        open={modal === 'edit'}
        webhook={w}
        onClose={(updated) => {
          setModal(null);
          if (updated) {
            setWebhook(updated);
            setNotice('Changes saved.');
          }
        }}
      />
      <ConfirmDialog
        open={modal === 'disable'}
        title="Disable this webhook?"
        confirmLabel="Disable webhook"
        danger
        busy={busy === 'active'}
        error={<ErrorMessage error={actionError} />}
        onConfirm={() => void setActive(false)}
        onCancel={() => {
          setActionError(null);
          setModal(null);
        }}
      >
        <p>
          Nothing more is delivered to <span className="break">{w.url}</span>. Deliveries already waiting become dead
          letters (<code>webhook_inactive</code>); you can replay them after enabling it again. Test sends still work.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={modal === 'delete'}
        title="Delete this webhook?"
        confirmLabel="Delete webhook"
        danger
        busy={busy === 'delete'}
        error={<ErrorMessage error={actionError} />}
        onConfirm={() => void remove()}
        onCancel={() => {
          setActionError(null);
          setModal(null);
        }}
      >
        <p>
          Nothing more is delivered to <span className="break">{w.url}</span> and its waiting deliveries are dropped.
          Its dead letters stay listed but can no longer be replayed, and its attempt log is gone. This cannot be
          undone.
        </p>
      </ConfirmDialog>
      <RotateSecretDialog
        open={modal === 'rotate'}
        webhook={w}
        onClose={(rotated) => {
          setModal(null);
          if (rotated) {
            setWebhook(rotated);
            setNotice(`Secret rotated: version ${rotated.secret_version}.`);
          }
        }}
      />
    </section>
  );
}

function TestResultPanel({ result }: { result: TestDeliveryResult }) {
  return (
    <section className={`result ${result.success ? 'result-ok' : 'result-fail'}`} aria-labelledby="test-result-heading">
      <h2 id="test-result-heading">Test delivery: {result.success ? 'succeeded' : 'failed'}</h2>
      <dl className="details compact">
        <dt>Answer</dt>
        <dd>{result.status_code !== null ? `HTTP ${result.status_code}` : `No response (${result.failure ?? 'unknown'})`}</dd>
        <dt>Latency</dt>
        <dd>{result.latency_ms} ms</dd>
        <dt>Message id</dt>
        <dd>
          <code>{result.msg_id}</code>
        </dd>
        {result.error && (
          <>
            <dt>Error</dt>
            <dd>{result.error}</dd>
          </>
        )}
      </dl>
      {result.response_excerpt !== null && (
        <>
          <h3>Response body (start)</h3>
          <pre className="excerpt">{result.response_excerpt || '(empty)'}</pre>
        </>
      )}
    </section>
  );
}

function AttemptsSection({ webhookId, pageSize = 20 }: { webhookId: string; pageSize?: number }) {
  const api = useApi();
  const [auto, setAuto] = useState(true);
  const load = useCallback(
    async (cursor: string | null, signal: AbortSignal) => {
      const page = await api.listDeliveries(webhookId, { limit: pageSize, cursor }, signal);
      return { items: page.attempts, next: page.next_cursor };
    },
    [api, webhookId, pageSize],
  );
  const pages = usePages<Attempt>(load, `${webhookId}:${pageSize}`);
  const { reload, pageNumber } = pages;
  // Watch new attempts arrive on the first page (later pages stay still while read).
  usePolling(() => reload(), { intervalMs: 5000, enabled: auto && pageNumber === 1, immediate: false }, [reload]);

  return (
    <section className="stack" aria-labelledby="attempts-heading">
      <div className="page-head">
        <h2 id="attempts-heading">Recent attempts</h2>
        <div className="inline">
          <label className="checkbox">
            <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} /> Auto-refresh
          </label>
          <button type="button" onClick={() => void reload()} disabled={pages.loading}>
            Refresh attempts
          </button>
        </div>
      </div>
      <ErrorMessage error={pages.error} title="Could not load the attempts" />
      {!pages.error && pages.items.length === 0 && pageNumber === 1 && !pages.loading && (
        <p className="empty">No delivery attempts yet (test sends are not listed here).</p>
      )}
      {pages.items.length > 0 && (
        <div className="table-wrap">
          <table className="table responsive">
            <caption className="visually-hidden">Delivery attempts, newest first, page {pageNumber}</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Delivery</th>
                <th scope="col">Attempt</th>
                <th scope="col">Result</th>
                <th scope="col">Latency</th>
                <th scope="col">Response or error</th>
              </tr>
            </thead>
            <tbody>
              {pages.items.map((a) => (
                <tr key={`${a.delivery_id}:${a.attempt}`}>
                  <td data-label="Time">
                    <Time value={a.attempted_at} />
                  </td>
                  <td data-label="Delivery">
                    <ShortId id={a.delivery_id} />
                  </td>
                  <td data-label="Attempt">{a.attempt}</td>
                  <td data-label="Result">
                    <span className={`badge ${a.success ? 'badge-ok' : 'badge-fail'}`}>
                      {a.status_code !== null ? `HTTP ${a.status_code}` : (a.failure ?? 'failed')}
                    </span>
                  </td>
                  <td data-label="Latency">{a.latency_ms} ms</td>
                  <td data-label="Response or error" className="excerpt-cell">
                    {a.error ?? a.response_excerpt ?? <span className="muted">—</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pages={pages} label="Attempt pages" />
    </section>
  );
}

function EditWebhookDialog({
  open,
  webhook,
  onClose,
}: {
  open: boolean;
  webhook: Webhook;
  onClose: (updated: Webhook | null) => void;
}) {
  const api = useApi();
  const [values, setValues] = useState<WebhookFormValues>(() => formFromWebhook(webhook));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (open) {
      setValues(formFromWebhook(webhook));
      setError(null);
    }
  }, [open, webhook]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const maxRetries = parseMaxRetries(values.maxRetries);
    if (maxRetries instanceof Error) {
      setError(maxRetries);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const updated = await api.updateWebhook(webhook.webhook_id, {
        url: values.url.trim(),
        events: parseEvents(values.events),
        description: values.description.trim(),
        max_retries: maxRetries,
      });
      onClose(updated);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const invalid = error instanceof ApiError ? fieldOfError(error.code, error.message) : null;
  return (
    <Dialog open={open} onClose={() => onClose(null)} title="Edit webhook">
      <form onSubmit={submit} noValidate className="stack">
        <WebhookFields values={values} onChange={setValues} invalidField={invalid} />
        <ErrorMessage error={error} title="The changes were not saved" />
        <div className="actions">
          <button type="button" onClick={() => onClose(null)}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const TRANSITIONS: { value: string; label: string }[] = [
  { value: '', label: "The deployment's default (one day unless configured)" },
  { value: '0', label: 'None: replace the secret at once' },
  { value: '3600', label: 'One hour' },
  { value: '86400', label: 'One day' },
  { value: '604800', label: 'Seven days (the most)' },
];

function RotateSecretDialog({
  open,
  webhook,
  onClose,
}: {
  open: boolean;
  webhook: Webhook;
  onClose: (rotated: Webhook | null) => void;
}) {
  const api = useApi();
  const [transition, setTransition] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [rotated, setRotated] = useState<WebhookWithSecret | null>(null);

  function close() {
    const result = rotated ? withoutSecret(rotated) : null;
    setRotated(null); // the secret leaves memory with the dialog
    setError(null);
    setTransition('');
    onClose(result);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setRotated(
        await api.rotateWebhookSecret(
          webhook.webhook_id,
          transition === '' ? {} : { transition_seconds: Number(transition) },
        ),
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={open} onClose={close} title={rotated ? 'New signing secret' : 'Rotate the signing secret'} dismissible={!rotated}>
      {rotated ? (
        <div className="stack">
          <SecretReveal secret={rotated.secret} label={`Signing secret, version ${rotated.secret_version}`} />
          <p>
            {rotated.previous_secret_expires_at ? (
              <>
                Until <Time value={rotated.previous_secret_expires_at} />, deliveries carry two signatures (new and
                previous secret): update your receiver to the new secret before then.
              </>
            ) : (
              <>The previous secret stopped signing now: deliveries carry only the new signature.</>
            )}
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={close}>
              Done, I stored the secret
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit} className="stack">
          <p>
            A new signing secret replaces the current one. During the transition window the current secret keeps
            signing too, so every delivery carries two signatures (<code>v1,&lt;new&gt; v1,&lt;old&gt;</code>) and
            your receiver can switch to the new secret without losing a delivery.
          </p>
          <div className="field">
            <label htmlFor="rotate-transition">Transition window</label>
            <select id="rotate-transition" value={transition} onChange={(e) => setTransition(e.target.value)}>
              {TRANSITIONS.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </div>
          <ErrorMessage error={error} title="The secret was not rotated" />
          <div className="actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Rotating…' : 'Rotate secret'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
