import { useCallback, useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api/client';
import { withoutSecret, type CreateWebhookRequest, type Webhook, type WebhookWithSecret } from '../api/types';
import { useApi } from '../auth/AuthContext';
import { Dialog } from '../components/Dialog';
import { ErrorMessage } from '../components/ErrorMessage';
import { ActiveBadge, Time } from '../components/format';
import { SecretReveal } from '../components/SecretReveal';
import { Pager, usePages } from '../components/usePages';
import {
  EMPTY_FORM,
  WebhookFields,
  fieldOfError,
  parseEvents,
  parseMaxRetries,
  type WebhookFormValues,
} from './WebhookForm';

export function WebhooksPage({ pageSize = 20 }: { pageSize?: number }) {
  const api = useApi();
  const location = useLocation();
  const navigate = useNavigate();
  const flash = (location.state as { flash?: string } | null)?.flash ?? null;
  const [creating, setCreating] = useState(false);
  const load = useCallback(
    async (cursor: string | null, signal: AbortSignal) => {
      const page = await api.listWebhooks({ limit: pageSize, cursor }, signal);
      return { items: page.webhooks, next: page.next_cursor };
    },
    [api, pageSize],
  );
  const pages = usePages<Webhook>(load, String(pageSize));

  return (
    <section className="stack">
      <div className="page-head">
        <h1>Webhooks</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>
          New webhook
        </button>
      </div>
      {flash && (
        <p className="notice" role="status">
          {flash}
        </p>
      )}
      <ErrorMessage error={pages.error} title="Could not load the webhooks" />
      {!pages.loading && !pages.error && pages.items.length === 0 && pages.pageNumber === 1 && (
        <p className="empty">No webhooks yet. Create one to have matching events POSTed to your URL.</p>
      )}
      {pages.items.length > 0 && (
        <div className="table-wrap">
          <table className="table responsive" aria-busy={pages.loading}>
            <caption className="visually-hidden">Webhooks of this account, page {pages.pageNumber}</caption>
            <thead>
              <tr>
                <th scope="col">Destination</th>
                <th scope="col">Event types</th>
                <th scope="col">Status</th>
                <th scope="col">Description</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {pages.items.map((w) => (
                <tr key={w.webhook_id}>
                  <td data-label="Destination">
                    <Link to={`/webhooks/${w.webhook_id}`} className="break">
                      {w.url}
                    </Link>
                  </td>
                  <td data-label="Event types">
                    <code>{w.events.join(', ')}</code>
                  </td>
                  <td data-label="Status">
                    <ActiveBadge active={w.is_active} />
                  </td>
                  <td data-label="Description">{w.description || <span className="muted">—</span>}</td>
                  <td data-label="Created">
                    <Time value={w.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pages={pages} label="Webhook pages" />
      <CreateWebhookDialog
        open={creating}
        onClose={(created) => {
          setCreating(false);
          if (created) {
            navigate('.', { replace: true, state: { flash: `Webhook for ${created.url} created.` } });
            void pages.reload();
          }
        }}
      />
    </section>
  );
}

/**
 * Create a webhook: the form, then (once created) the secret, shown once.
 * Closing the dialog drops the secret.
 */
export function CreateWebhookDialog({ open, onClose }: { open: boolean; onClose: (created: Webhook | null) => void }) {
  const api = useApi();
  const [values, setValues] = useState<WebhookFormValues>(EMPTY_FORM);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<WebhookWithSecret | null>(null);

  function close() {
    const result = created ? withoutSecret(created) : null;
    setValues(EMPTY_FORM);
    setError(null);
    setCreated(null); // the secret leaves memory with the dialog
    onClose(result);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (values.url.trim() === '') {
      setError(new Error('Enter the destination URL.'));
      return;
    }
    const maxRetries = parseMaxRetries(values.maxRetries);
    if (maxRetries instanceof Error) {
      setError(maxRetries);
      return;
    }
    const events = parseEvents(values.events);
    const body: CreateWebhookRequest = { url: values.url.trim() };
    if (events.length > 0) body.events = events;
    if (values.description.trim() !== '') body.description = values.description.trim();
    if (maxRetries !== null) body.max_retries = maxRetries;
    setBusy(true);
    try {
      setCreated(await api.createWebhook(body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const invalid = error instanceof ApiError ? fieldOfError(error.code, error.message) : null;

  return (
    <Dialog open={open} onClose={close} title={created ? 'Webhook created' : 'New webhook'} dismissible={!created}>
      {created ? (
        <div className="stack">
          <p>
            Deliveries for <code>{created.events.join(', ')}</code> go to <span className="break">{created.url}</span>.
          </p>
          <SecretReveal secret={created.secret} />
          <div className="actions">
            <button type="button" className="primary" onClick={close}>
              Done, I stored the secret
            </button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit} noValidate className="stack">
          <WebhookFields values={values} onChange={setValues} invalidField={invalid} />
          <ErrorMessage error={error} title="The webhook was not created" />
          <div className="actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create webhook'}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
