import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import type { DeadLetter, DeadLetterReason } from '../api/types';
import { useApi } from '../auth/AuthContext';
import { ErrorMessage } from './ErrorMessage';
import { ShortId, Time } from './format';
import { Pager, usePages } from './usePages';

const REASONS: Record<DeadLetterReason, string> = {
  retries_exhausted: 'Retries exhausted',
  gone: 'Receiver answered 410 Gone',
  blocked: 'Destination refused',
  webhook_inactive: 'Webhook disabled or deleted',
};

/**
 * Dead letters (of one webhook, or of the account), newest first, each with a
 * Replay button: the event is delivered again with the same `webhook-id` and a
 * fresh retry budget.
 */
export function DeadLetterSection({
  webhookId,
  pageSize = 20,
  headingLevel = 2,
}: {
  webhookId?: string;
  pageSize?: number;
  headingLevel?: 1 | 2;
}) {
  const api = useApi();
  const [notice, setNotice] = useState<string | null>(null);
  const [replayError, setReplayError] = useState<unknown>(null);
  const [replaying, setReplaying] = useState<string | null>(null);
  const load = useCallback(
    async (cursor: string | null, signal: AbortSignal) => {
      const page = await api.listDeadLetters({ webhook_id: webhookId, limit: pageSize, cursor }, signal);
      return { items: page.dead_letters, next: page.next_cursor };
    },
    [api, webhookId, pageSize],
  );
  const pages = usePages<DeadLetter>(load, `${webhookId ?? ''}:${pageSize}`);

  async function replay(d: DeadLetter) {
    setReplaying(d.delivery_id);
    setNotice(null);
    setReplayError(null);
    try {
      await api.replayDeadLetter(d.delivery_id);
      setNotice(`Replay of the ${d.event_type} delivery enqueued.`);
      await pages.reload();
    } catch (e) {
      setReplayError(e);
    } finally {
      setReplaying(null);
    }
  }

  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  return (
    <section className="stack" aria-labelledby={`dead-letters-${webhookId ?? 'all'}`}>
      <div className="page-head">
        <Heading id={`dead-letters-${webhookId ?? 'all'}`}>Dead letters</Heading>
        <button type="button" onClick={() => void pages.reload()} disabled={pages.loading}>
          Refresh dead letters
        </button>
      </div>
      <p className="notice" role="status">
        {notice}
      </p>
      <ErrorMessage error={replayError} title="The replay was refused" />
      <ErrorMessage error={pages.error} title="Could not load the dead letters" />
      {!pages.loading && !pages.error && pages.items.length === 0 && pages.pageNumber === 1 && (
        <p className="empty">No dead letters: every delivery succeeded or is still being retried.</p>
      )}
      {pages.items.length > 0 && (
        <div className="table-wrap">
          <table className="table responsive" aria-busy={pages.loading}>
            <caption className="visually-hidden">Dead letters, newest first, page {pages.pageNumber}</caption>
            <thead>
              <tr>
                <th scope="col">Given up</th>
                {!webhookId && <th scope="col">Webhook</th>}
                <th scope="col">Event type</th>
                <th scope="col">Reason</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Replayed</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pages.items.map((d) => (
                <tr key={d.delivery_id}>
                  <td data-label="Given up">
                    <Time value={d.dead_at} />
                  </td>
                  {!webhookId && (
                    <td data-label="Webhook">
                      <Link to={`/webhooks/${d.webhook_id}`}>
                        <ShortId id={d.webhook_id} />
                      </Link>
                    </td>
                  )}
                  <td data-label="Event type">
                    <code>{d.event_type}</code>
                  </td>
                  <td data-label="Reason">{REASONS[d.reason] ?? d.reason}</td>
                  <td data-label="Attempts">{d.attempts}</td>
                  <td data-label="Last answer">
                    {d.last_status_code !== null ? `HTTP ${d.last_status_code}` : (d.last_failure ?? '—')}
                  </td>
                  <td data-label="Replayed">
                    <Time value={d.replayed_at} />
                  </td>
                  <td data-label="Actions">
                    <button
                      type="button"
                      onClick={() => void replay(d)}
                      disabled={d.replayed_at !== null || replaying !== null}
                      aria-label={`${replayLabel(d, replaying)}: ${d.event_type}, given up at ${d.dead_at}`}
                    >
                      {replayLabel(d, replaying)}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pages={pages} label="Dead letter pages" />
    </section>
  );
}

function replayLabel(d: DeadLetter, replaying: string | null): string {
  if (replaying === d.delivery_id) return 'Replaying…';
  return d.replayed_at ? 'Replayed' : 'Replay';
}
