import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ErrorMessage } from '../components/ErrorMessage';
import { DashboardFilters } from './DashboardFilters';
import { resolveRange, selectionFromParams, selectionToParams, type Selection } from './range';
import { usePolling } from './usePolling';

/** How often the dashboard refreshes while auto-refresh is on. */
export const POLL_INTERVAL_MS = 5000;

/**
 * The analytics dashboard.
 *
 * In place: the layout, the selection (date range + filters, in the URL), and
 * the polling loop. To come with the analytics API (`/v1/analytics/*`):
 * `load` fetches the selection's figures into `data`, each panel below draws
 * its chart (Recharts), and the export buttons download CSV/JSON.
 */
export function DashboardPage() {
  const [params, setParams] = useSearchParams();
  const selection = useMemo(() => selectionFromParams(params), [params]);
  const [autoRefresh, setAutoRefresh] = useState(true);
  const range = useMemo(() => resolveRange(selection, new Date()), [selection]);

  const setSelection = useCallback(
    (s: Selection) => setParams(selectionToParams(s), { replace: true }),
    [setParams],
  );

  // The figures for the selection. Placeholder until the analytics API exists.
  const load = useCallback(async (_signal: AbortSignal) => {}, []);
  const polling = usePolling(load, { intervalMs: POLL_INTERVAL_MS, enabled: autoRefresh && !(range instanceof Error) }, [
    params.toString(),
  ]);

  return (
    <section className="stack">
      <div className="page-head">
        <h1>Dashboard</h1>
        <div className="inline" role="group" aria-label="Export">
          <button type="button" disabled title="Arrives with the analytics API">
            Export CSV
          </button>
          <button type="button" disabled title="Arrives with the analytics API">
            Export JSON
          </button>
        </div>
      </div>
      <DashboardFilters
        selection={selection}
        onChange={setSelection}
        autoRefresh={autoRefresh}
        onAutoRefresh={setAutoRefresh}
        onRefresh={polling.refresh}
        refreshing={polling.running}
      />
      {range instanceof Error && <ErrorMessage error={range} />}
      <ErrorMessage error={polling.error} title="Could not load the figures" />
      <p className="notice">
        The charts arrive with the analytics API (<code>/v1/analytics/*</code>). Webhooks and dead letters are
        managed from the menu above.
      </p>
      <div className="panels">
        <Panel title="Volume over time" wide />
        <Panel title="Sources" />
        <Panel title="Event types" />
        <Panel title="Error rate" />
        <Panel title="Delivery success" />
        <Panel title="Latency percentiles" wide />
      </div>
    </section>
  );
}

function Panel({ title, wide }: { title: string; wide?: boolean }) {
  const slug = title.toLowerCase().replace(/[^a-z]+/g, '-');
  return (
    <section className={`panel${wide ? ' panel-wide' : ''}`} aria-labelledby={`panel-${slug}`}>
      <h2 id={`panel-${slug}`}>{title}</h2>
      <p className="muted">No data yet.</p>
    </section>
  );
}
