import type { ReactNode } from 'react';
import type { AnalyticsLatency, AnalyticsSummary } from '../api/types';
import { formatCount, formatLatency, formatRate } from './format';

function Stat({ label, value, children }: { label: string; value: string; children?: ReactNode }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd className="stat-value">{value}</dd>
      {children && <dd className="stat-detail">{children}</dd>}
    </div>
  );
}

function Percentiles({ latency }: { latency: AnalyticsLatency }) {
  return (
    <span className="percentiles">
      <span>p90 {formatLatency(latency.p90_us)}</span> <span>p99 {formatLatency(latency.p99_us)}</span>{' '}
      <span className="muted">
        ({formatCount(latency.count)} {latency.count === 1 ? 'sample' : 'samples'})
      </span>
    </span>
  );
}

const REASONS: Record<keyof AnalyticsSummary['deliveries']['dead_letters_by_reason'], string> = {
  retries_exhausted: 'retries exhausted',
  gone: '410 Gone',
  blocked: 'destination refused',
  webhook_inactive: 'webhook disabled',
};

/** The summary figures of the range, as a description list of cards. */
export function SummaryCards({ summary }: { summary: AnalyticsSummary }) {
  const { events, api, deliveries: d } = summary;
  const reasons = (Object.keys(REASONS) as (keyof typeof REASONS)[])
    .filter((k) => d.dead_letters_by_reason[k] > 0)
    .map((k) => `${formatCount(d.dead_letters_by_reason[k])} ${REASONS[k]}`);
  return (
    <dl className="stats">
      <Stat label="Events" value={formatCount(events.total)}>
        ingested
      </Stat>
      <Stat label="API requests" value={formatCount(api.requests)}>
        {formatCount(api.by_class['4xx'])} 4xx · {formatCount(api.by_class['5xx'])} 5xx
      </Stat>
      <Stat label="API error rate" value={formatRate(api.error_rate)}>
        {formatCount(api.errors)} {api.errors === 1 ? 'error' : 'errors'}
      </Stat>
      <Stat label="Delivery attempts" value={formatCount(d.attempts)}>
        {formatCount(d.first_attempts)} first · {formatCount(d.retries)} {d.retries === 1 ? 'retry' : 'retries'}
      </Stat>
      <Stat label="Attempt success" value={formatRate(d.attempt_success_rate)}>
        {formatCount(d.succeeded)} of {formatCount(d.attempts)} answered 2xx
      </Stat>
      <Stat label="Delivery success" value={formatRate(d.delivery_success_rate)}>
        delivered ÷ (delivered + dead letters)
      </Stat>
      <Stat label="Dead letters" value={formatCount(d.dead_lettered)}>
        {reasons.length > 0 ? reasons.join(' · ') : 'none'}
      </Stat>
      <Stat label="Ingest latency p50" value={formatLatency(events.ingest_latency.p50_us)}>
        <Percentiles latency={events.ingest_latency} />
      </Stat>
      <Stat label="Ingest to delivery p50" value={formatLatency(d.ingest_to_delivery.p50_us)}>
        <Percentiles latency={d.ingest_to_delivery} />
      </Stat>
    </dl>
  );
}
