import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useApi } from '../auth/AuthContext';
import { ErrorMessage } from '../components/ErrorMessage';
import { BreakdownFigure, ChartFigure, COLORS, SeriesTable, TimeChart, type SeriesSpec } from './charts';
import { DashboardFilters } from './DashboardFilters';
import { loadDashboard, type DashboardData, type Row } from './data';
import { ExportButtons } from './ExportButtons';
import {
  formatBucket,
  formatCount,
  formatLatency,
  formatMsTick,
  formatPercentTick,
  formatRate,
  perBucket,
} from './format';
import { bucketFor, resolveRange, selectionFromParams, selectionToParams, type Selection } from './range';
import { SummaryCards } from './SummaryCards';
import { usePolling } from './usePolling';

/** How often the dashboard refreshes while auto-refresh is on. */
export const POLL_INTERVAL_MS = 5000;

const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/**
 * The analytics dashboard: summary figures, volume over time, the source and
 * event-type distributions, API error and delivery success rates, and latency
 * percentiles for a date range (and a source / event type), refreshed every
 * few seconds in place; CSV and JSON exports of the range.
 */
export function DashboardPage() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const key = params.toString();
  const selection = useMemo(() => selectionFromParams(params), [params]);
  const [autoRefresh, setAutoRefresh] = useState(true);
  const [data, setData] = useState<DashboardData | null>(null);
  // The range and bucket as of now (the figures re-resolve a preset at each refresh).
  const range = useMemo(() => resolveRange(selection, new Date()), [selection]);
  const bucket = useMemo(() => (range instanceof Error ? range : bucketFor(range)), [range]);
  const problem = range instanceof Error ? range : bucket instanceof Error ? bucket : null;

  const setSelection = useCallback(
    (s: Selection) => setParams(selectionToParams(s), { replace: true }),
    [setParams],
  );

  const load = useCallback(
    async (signal: AbortSignal) => {
      const next = await loadDashboard(api, selection, key, new Date(), signal);
      if (!signal.aborted) setData(next);
    },
    [api, selection, key],
  );
  const polling = usePolling(load, { intervalMs: POLL_INTERVAL_MS, enabled: autoRefresh && problem === null }, [key, api]);
  const current = data && data.key === key ? data : null;
  const filtered = selection.source.trim() !== '' || selection.eventType.trim() !== '';

  return (
    <section className="stack">
      <div className="page-head">
        <h1>Dashboard</h1>
        <ExportButtons
          range={current ? { since: current.since, until: current.until } : null}
          bucket={current?.bucket ?? null}
        />
      </div>
      <DashboardFilters
        selection={selection}
        onChange={setSelection}
        autoRefresh={autoRefresh}
        onAutoRefresh={setAutoRefresh}
        onRefresh={polling.refresh}
        refreshing={polling.running}
        sources={current?.sources.rows.map((r) => r.key)}
        eventTypes={current?.eventTypes.rows.map((r) => r.key)}
      />
      {problem ? (
        <ErrorMessage error={problem} />
      ) : (
        <ErrorMessage error={polling.error} title="Could not load the figures" />
      )}
      {!problem && !current && !polling.error && (
        <p role="status" className="muted">
          Loading the figures…
        </p>
      )}
      {current && (
        <DashboardBody
          data={current}
          filtered={filtered}
          selection={selection}
          lastUpdated={polling.lastUpdated}
          autoRefresh={autoRefresh}
        />
      )}
    </section>
  );
}

function DashboardBody({
  data,
  filtered,
  selection,
  lastUpdated,
  autoRefresh,
}: {
  data: DashboardData;
  filtered: boolean;
  selection: Selection;
  lastUpdated: Date | null;
  autoRefresh: boolean;
}) {
  const { summary, bucket, rows } = data;
  const empty = summary.events.total === 0 && summary.deliveries.attempts === 0;
  const filterText = [
    selection.source.trim() && `source ${selection.source.trim()}`,
    selection.eventType.trim() && `type ${selection.eventType.trim()}`,
  ]
    .filter(Boolean)
    .join(', ');
  return (
    <>
      <p className="muted small range-line">
        <span>
          <time dateTime={data.since}>{formatBucket('minute', data.since)}</time> to{' '}
          <time dateTime={data.until}>{formatBucket('minute', data.until)}</time>, {perBucket(bucket)} in the charts.
        </span>{' '}
        {lastUpdated && (
          <span>
            Updated <time dateTime={lastUpdated.toISOString()}>{clock.format(lastUpdated)}</time>
            {autoRefresh ? `; refreshing every ${POLL_INTERVAL_MS / 1000} s.` : '.'}
          </span>
        )}
      </p>
      {empty && (
        <div className="empty" role="status">
          <p>
            <strong>No events yet in this range.</strong> Send one with <code>POST /v1/events</code> (see the
            README&apos;s quick start); this page picks it up within a few seconds. Deliveries show once a{' '}
            <Link to="/webhooks">webhook</Link> matches an event.
          </p>
        </div>
      )}
      <section aria-labelledby="summary-heading" className="stack-tight">
        <h2 id="summary-heading" className="section-title">
          Summary
        </h2>
        <SummaryCards summary={summary} />
        {filtered && <p className="muted small">The summary covers every source and type; the filters apply to the events charts.</p>}
      </section>
      <div className="panels">
        <Panel title="Volume over time" wide>
          <VolumePanel data={data} filterText={filterText} />
        </Panel>
        <Panel title="Sources">
          <BreakdownFigure
            label={selection.eventType.trim() ? `Events of type ${selection.eventType.trim()} by source` : 'Events by source'}
            breakdown={data.sources}
            unit="events"
          />
        </Panel>
        <Panel title="Event types">
          <BreakdownFigure
            label={selection.source.trim() ? `Events from ${selection.source.trim()} by type` : 'Events by type'}
            breakdown={data.eventTypes}
            unit="events"
          />
        </Panel>
        <Panel title="Error rate">
          <p className="panel-figures">
            <strong>{formatRate(summary.api.error_rate)}</strong> of {formatCount(summary.api.requests)} API requests:{' '}
            {formatCount(summary.api.by_class['4xx'])} 4xx ({formatRate(summary.api.client_error_rate)}),{' '}
            {formatCount(summary.api.by_class['5xx'])} 5xx ({formatRate(summary.api.server_error_rate)}).
          </p>
          <RatePanel
            label={`API error rate ${perBucket(bucket)}`}
            what="API requests answered 4xx or 5xx"
            rows={rows}
            bucket={bucket}
            series={[{ key: 'api_error_rate', name: 'Error rate', color: COLORS.red }]}
            none="No API requests in this range."
            yDomain={[0, 'auto']}
          />
        </Panel>
        <Panel title="Delivery success">
          <p className="panel-figures">
            <strong>{formatRate(summary.deliveries.delivery_success_rate)}</strong> delivered;{' '}
            {formatRate(summary.deliveries.attempt_success_rate)} of {formatCount(summary.deliveries.attempts)} attempts
            answered 2xx. <Outcomes summary={summary} />
          </p>
          <RatePanel
            label={`Delivery success ${perBucket(bucket)}`}
            what="success"
            rows={rows}
            bucket={bucket}
            series={[
              { key: 'delivery_success_rate', name: 'Deliveries', color: COLORS.green },
              { key: 'attempt_success_rate', name: 'Attempts', color: COLORS.purple },
            ]}
            none="No delivery attempts in this range."
            yDomain={[0, 1]}
          />
        </Panel>
        <Panel title="Latency percentiles" wide>
          <div className="panel-grid">
            <LatencyChart
              label={`Ingest latency ${perBucket(bucket)}`}
              rows={rows}
              bucket={bucket}
              prefix="ingest_latency"
              overall={summary.events.ingest_latency}
              none="No events in this range."
            />
            <LatencyChart
              label={`Ingest to delivery ${perBucket(bucket)}`}
              rows={rows}
              bucket={bucket}
              prefix="ingest_to_delivery"
              overall={summary.deliveries.ingest_to_delivery}
              none="No delivered events in this range."
            />
          </div>
        </Panel>
      </div>
    </>
  );
}

function Panel({ title, wide, children }: { title: string; wide?: boolean; children: ReactNode }) {
  const slug = title.toLowerCase().replace(/[^a-z]+/g, '-');
  return (
    <section className={`panel${wide ? ' panel-wide' : ''}`} aria-labelledby={`panel-${slug}`}>
      <h2 id={`panel-${slug}`}>{title}</h2>
      {children}
    </section>
  );
}

function VolumePanel({ data, filterText }: { data: DashboardData; filterText: string }) {
  const { rows, bucket } = data;
  const series: SeriesSpec[] = [{ key: 'events', name: 'Events', color: COLORS.blue }];
  const total = rows.reduce((n, r) => n + r.events, 0);
  const peak = rows.reduce<Row | null>((p, r) => (p === null || r.events > p.events ? r : p), null);
  const label = `Events ${perBucket(bucket)}${filterText ? ` (${filterText})` : ''}`;
  const bound = data.eventsExact ? '' : 'at least ';
  let summary = `${bound}${formatCount(total)} events in ${rows.length} ${bucket}s`;
  if (total === 0 && data.eventsExact) summary = `no events in these ${rows.length} ${bucket}s`;
  else if (total > 0 && peak) {
    summary += `; the busiest ${bucket} had ${bound}${formatCount(peak.events)}, at ${formatBucket(bucket, peak.t)}`;
  }
  return (
    <>
      <ChartFigure
        label={label}
        summary={summary}
        height={220}
        table={
          <SeriesTable
            caption={label}
            rows={rows}
            series={series}
            bucket={bucket}
            format={(v) => formatCount(v)}
            lowerBound={(r) => !r.eventsExact}
          />
        }
      >
        {({ width, height, ariaLabel }) => (
          <TimeChart
            rows={rows}
            series={series}
            bucket={bucket}
            kind="bar"
            width={width}
            height={height}
            ariaLabel={ariaLabel}
            yTick={(v) => formatCount(v)}
            format={(v) => formatCount(v)}
          />
        )}
      </ChartFigure>
      {!data.eventsExact && (
        <p className="warning small" role="note">
          Counts marked ≥ are lower bounds: some buckets track more sources or types than they keep apart, so part of a
          filtered count may sit in their “other”.
        </p>
      )}
    </>
  );
}

function RatePanel({
  label,
  what,
  rows,
  bucket,
  series,
  none,
  yDomain,
}: {
  label: string;
  what: string;
  rows: Row[];
  bucket: DashboardData['bucket'];
  series: SeriesSpec[];
  none: string;
  /** [0, 1]: the whole scale; [0, 'auto']: up to the largest value (small rates stay visible). */
  yDomain: [number, number | 'auto'];
}) {
  const values = rows.flatMap((r) => series.map((s) => r[s.key])).filter((v): v is number => v !== null);
  if (values.length === 0) return <p className="muted">{none}</p>;
  const withData = rows.filter((r) => series.some((s) => r[s.key] !== null)).length;
  const summary = `${what} between ${formatRate(Math.min(...values))} and ${formatRate(Math.max(...values))} in the ${withData} ${
    withData === 1 ? bucket : `${bucket}s`
  } with data`;
  return (
    <ChartFigure
      label={label}
      summary={summary}
      height={200}
      table={<SeriesTable caption={label} rows={rows} series={series} bucket={bucket} format={formatRate} />}
    >
      {({ width, height, ariaLabel }) => (
        <TimeChart
          rows={rows}
          series={series}
          bucket={bucket}
          kind="line"
          width={width}
          height={height}
          ariaLabel={ariaLabel}
          yTick={formatPercentTick}
          format={formatRate}
          yDomain={yDomain}
        />
      )}
    </ChartFigure>
  );
}

function LatencyChart({
  label,
  rows,
  bucket,
  prefix,
  overall,
  none,
}: {
  label: string;
  rows: Row[];
  bucket: DashboardData['bucket'];
  prefix: 'ingest_latency' | 'ingest_to_delivery';
  overall: DashboardData['summary']['events']['ingest_latency'];
  none: string;
}) {
  const series: SeriesSpec[] = [
    { key: `${prefix}_p50`, name: 'p50', color: COLORS.blue },
    { key: `${prefix}_p90`, name: 'p90', color: COLORS.orange },
    { key: `${prefix}_p99`, name: 'p99', color: COLORS.red },
  ];
  const figures = (
    <p className="panel-figures">
      Whole range: p50 <strong>{formatLatency(overall.p50_us)}</strong>, p90 <strong>{formatLatency(overall.p90_us)}</strong>,
      p99 <strong>{formatLatency(overall.p99_us)}</strong> ({formatCount(overall.count)}{' '}
      {overall.count === 1 ? 'sample' : 'samples'}).
    </p>
  );
  const hasData = rows.some((r) => series.some((s) => r[s.key] !== null));
  // What the chart adds to the figures above: how the percentiles moved.
  const p50s = rows.map((r) => r[`${prefix}_p50`]).filter((v): v is number => v !== null);
  const worst = rows.reduce<Row | null>((w, r) => {
    const v = r[`${prefix}_p99`];
    return v !== null && (w === null || v > (w[`${prefix}_p99`] ?? -1)) ? r : w;
  }, null);
  const summary = hasData
    ? `p50 between ${formatLatency(Math.min(...p50s))} and ${formatLatency(Math.max(...p50s))}; the highest p99, ${formatLatency(
        worst?.[`${prefix}_p99`],
      )}, in the ${bucket} of ${worst ? formatBucket(bucket, worst.t) : '—'}`
    : '';
  return (
    <div className="stack-tight">
      <h3>{label.replace(/ per \w+$/, '')}</h3>
      {figures}
      {hasData ? (
        <ChartFigure
          label={label}
          summary={summary}
          height={200}
          table={<SeriesTable caption={label} rows={rows} series={series} bucket={bucket} format={formatLatency} />}
        >
          {({ width, height, ariaLabel }) => (
            <TimeChart
              rows={rows}
              series={series}
              bucket={bucket}
              kind="line"
              width={width}
              height={height}
              ariaLabel={ariaLabel}
              yTick={formatMsTick}
              format={formatLatency}
              yLabel="ms"
              scale={0.001}
            />
          )}
        </ChartFigure>
      ) : (
        <p className="muted">{none}</p>
      )}
    </div>
  );
}

function Outcomes({ summary }: { summary: DashboardData['summary'] }) {
  const entries = Object.entries(summary.deliveries.by_outcome).filter(([, n]) => n > 0);
  if (entries.length === 0) return null;
  return (
    <span className="muted">
      Outcomes: {entries.map(([k, n]) => `${k} ${formatCount(n)}`).join(' · ')}.
    </span>
  );
}
