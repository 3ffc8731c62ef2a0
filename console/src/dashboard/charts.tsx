/**
 * The dashboard's charts (Recharts, SVG) and their text alternatives. Every
 * chart is a `<figure>` whose SVG has `role="img"` and an accessible name
 * that states what it shows in words (totals, peaks, ranges); the numbers
 * themselves are in a data table under a disclosure. Charts are sized from
 * their container (ResizeObserver), so they follow the layout from a phone to
 * a laptop; without a measured width (jsdom) only the text alternative shows.
 * No animations: a refresh replaces the figures in place.
 */
import { useCallback, useEffect, useId, useState, type ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { AnalyticsBreakdown, AnalyticsBucket } from '../api/types';
import type { ChartMetric, Row } from './data';
import { formatBucket, formatCount, tickFormatter } from './format';

/** The width of an element, followed with a ResizeObserver; 0 until measured (or without ResizeObserver). */
export function useWidth(): [(el: HTMLElement | null) => void, number] {
  const [el, setEl] = useState<HTMLElement | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!el || typeof ResizeObserver === 'undefined') return;
    const measure = () => setWidth(Math.floor(el.getBoundingClientRect().width));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [el]);
  const ref = useCallback((node: HTMLElement | null) => setEl(node), []);
  return [ref, width];
}

/** The width of a breakdown's key axis: 40% of the chart, 96 to 200 px. */
function axisWidth(chartWidth: number): number {
  return Math.min(200, Math.max(96, Math.floor(chartWidth * 0.4)));
}

/** `s` cut to `max` characters with an ellipsis (the table has it in full). */
function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(1, max - 1))}…` : s;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Colours with enough contrast on white, told apart by dash pattern too. */
export const COLORS = { blue: '#1d4ed8', orange: '#b45309', green: '#15803d', purple: '#7e22ce', red: '#b91c1c', grey: '#6b7280' };
const DASHES = [undefined, '6 3', '2 3'];
const BUCKET_MS: Record<AnalyticsBucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/**
 * A chart with its text alternative: `label` names it (the SVG's accessible
 * name is `label: summary`), `summary` says what it shows, and `table` is
 * the data (shown on request).
 */
export function ChartFigure({
  label,
  summary,
  table,
  height,
  children,
}: {
  label: string;
  summary: string;
  table: ReactNode;
  height: number;
  children: (size: { width: number; height: number; ariaLabel: string }) => ReactNode;
}) {
  const id = useId();
  const [ref, width] = useWidth();
  return (
    <figure className="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`} className="chart-caption">
        <span className="chart-label">{label}</span> <span className="muted small">{summary}</span>
      </figcaption>
      <div ref={ref} className="chart-area">
        {width > 0 && children({ width, height, ariaLabel: `${label}: ${summary}` })}
      </div>
      <details className="chart-data">
        <summary>Data table: {label.toLowerCase()}</summary>
        {table}
      </details>
    </figure>
  );
}

export interface SeriesSpec {
  key: ChartMetric | 'events';
  name: string;
  color: string;
}

/** Which rows a table lists: the buckets where some series has a non-zero value, or a lower bound. */
function rowsWithData(rows: Row[], series: SeriesSpec[], lowerBound?: (row: Row) => boolean): Row[] {
  return rows.filter((r) => lowerBound?.(r) || series.some((s) => r[s.key] !== null && r[s.key] !== 0));
}

/** The data of a timeseries chart as a table: the buckets with data (the others are empty). */
export function SeriesTable({
  caption,
  rows,
  series,
  bucket,
  format,
  lowerBound,
}: {
  caption: string;
  rows: Row[];
  series: SeriesSpec[];
  bucket: AnalyticsBucket;
  format: (v: number | null) => string;
  /** Marks a value as a lower bound (`≥`). */
  lowerBound?: (row: Row) => boolean;
}) {
  const shown = rowsWithData(rows, series, lowerBound);
  return (
    <div className="table-wrap">
      <table className="table compact-table">
        <caption className="table-caption">
          {caption}: {shown.length} of {rows.length} buckets have data
          {shown.length < rows.length ? ' (the others are empty)' : ''}.
        </caption>
        <thead>
          <tr>
            <th scope="col">{bucket === 'day' ? 'Day' : `${capitalize(bucket)} starting`}</th>
            {series.map((s) => (
              <th key={s.key} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.t}>
              <th scope="row">
                <time dateTime={r.start}>{formatBucket(bucket, r.t)}</time>
              </th>
              {series.map((s) => (
                <td key={s.key}>
                  {lowerBound?.(r) ? '≥ ' : ''}
                  {format(r[s.key] as number | null)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A timeseries: bars (counts) or lines (rates, latencies), one per series. */
export function TimeChart({
  rows,
  series,
  bucket,
  kind,
  width,
  height,
  ariaLabel,
  yTick,
  format,
  yDomain,
  yLabel,
  scale = 1,
}: {
  rows: Row[];
  series: SeriesSpec[];
  bucket: AnalyticsBucket;
  kind: 'bar' | 'line';
  width: number;
  height: number;
  ariaLabel: string;
  yTick: (v: number) => string;
  format: (v: number | null) => string;
  yDomain?: [number, number | 'auto'];
  yLabel?: string;
  /** Drawn values are the data's times `scale` (µs -> ms: 0.001), so the axis gets round ticks; `format` gets the data's. */
  scale?: number;
}) {
  const data =
    scale === 1
      ? rows
      : rows.map((r) => {
          const out: Record<string, unknown> = { ...r };
          for (const s of series) {
            const v = r[s.key];
            out[s.key] = typeof v === 'number' ? v * scale : v;
          }
          return out;
        });
  const first = rows[0]?.t ?? 0;
  const last = rows.at(-1)?.t ?? 0;
  const xTick = tickFormatter(bucket, last - first);
  // Bars are centred on their bucket's start: half a bucket of room at each end.
  const pad = kind === 'bar' ? BUCKET_MS[bucket] / 2 : 0;
  const common = {
    width,
    height,
    data,
    margin: { top: 8, right: 12, bottom: 0, left: 0 },
    role: 'img',
    'aria-label': ariaLabel,
  };
  const axes = [
    <CartesianGrid key="grid" stroke="#e5e7eb" vertical={false} />,
    <XAxis
      key="x"
      dataKey="t"
      type="number"
      scale="time"
      domain={[first - pad, last + pad]}
      tickFormatter={xTick}
      minTickGap={24}
      tick={{ fontSize: 12 }}
      stroke="#6b7280"
    />,
    <YAxis
      key="y"
      tickFormatter={yTick}
      width={yLabel ? 56 : 48}
      tick={{ fontSize: 12 }}
      stroke="#6b7280"
      allowDecimals={kind === 'line'}
      domain={yDomain ?? [0, 'auto']}
      label={yLabel ? { value: yLabel, angle: -90, position: 'insideLeft', fontSize: 12, fill: '#5b6472' } : undefined}
    />,
    <Tooltip
      key="tip"
      labelFormatter={(t) => formatBucket(bucket, Number(t))}
      formatter={(v) => format(typeof v === 'number' ? v / scale : null)}
      isAnimationActive={false}
    />,
  ];
  if (series.length > 1) axes.push(<Legend key="legend" wrapperStyle={{ fontSize: 13 }} />);
  if (kind === 'bar') {
    return (
      <BarChart {...common} barCategoryGap={rows.length > 60 ? 0 : '15%'}>
        {axes}
        {series.map((s) => (
          <Bar key={s.key} dataKey={s.key} name={s.name} fill={s.color} isAnimationActive={false} minPointSize={0} />
        ))}
      </BarChart>
    );
  }
  return (
    <LineChart {...common}>
      {axes}
      {series.map((s, i) => (
        <Line
          key={s.key}
          dataKey={s.key}
          name={s.name}
          type="linear"
          stroke={s.color}
          strokeWidth={2}
          strokeDasharray={DASHES[i % DASHES.length]}
          dot={rows.length <= 48 ? { r: 2 } : false}
          connectNulls={false}
          isAnimationActive={false}
        />
      ))}
    </LineChart>
  );
}

/** A breakdown as horizontal bars (largest first), with `other` as the last bar when there is one. */
export function BreakdownFigure({ label, breakdown, unit }: { label: string; breakdown: AnalyticsBreakdown; unit: string }) {
  const bars = breakdown.rows.map((r) => ({ key: r.key, count: r.count, exact: r.exact, other: false }));
  if (breakdown.other > 0) bars.push({ key: 'Other', count: breakdown.other, exact: true, other: true });
  const top = breakdown.rows[0];
  const lowerBounds = !breakdown.total_exact || breakdown.rows.some((r) => !r.exact);
  const summary =
    breakdown.total === 0
      ? `no ${unit} in this range`
      : `${breakdown.total_exact ? '' : 'at least '}${formatCount(breakdown.total)} ${unit} in ${breakdown.rows.length}${
          breakdown.other > 0 ? '+' : ''
        } groups; the largest is ${top?.key ?? '—'} with ${top && !top.exact ? 'at least ' : ''}${formatCount(top?.count)}`;
  const height = Math.max(80, bars.length * 30 + 16);
  const table = (
    <div className="table-wrap">
      <table className="table compact-table">
        <caption className="table-caption">{label}</caption>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            <th scope="col">{capitalize(unit)}</th>
            <th scope="col">Share</th>
          </tr>
        </thead>
        <tbody>
          {bars.map((b) => (
            <tr key={`${b.other ? 'other:' : ''}${b.key}`}>
              <th scope="row" className="break">
                {b.other ? <em>Other</em> : b.key}
              </th>
              <td>
                {b.exact ? '' : '≥ '}
                {formatCount(b.count)}
              </td>
              <td>{breakdown.total > 0 ? `${((b.count / breakdown.total) * 100).toFixed(1)}%` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  if (bars.length === 0) {
    return <p className="muted">No {unit} in this range.</p>;
  }
  return (
    <>
      <ChartFigure label={label} summary={summary} table={table} height={height}>
        {({ width, ariaLabel }) => (
          <BarChart
            width={width}
            height={height}
            data={bars}
            layout="vertical"
            margin={{ top: 0, right: 16, bottom: 0, left: 0 }}
            role="img"
            aria-label={ariaLabel}
          >
            <CartesianGrid stroke="#e5e7eb" horizontal={false} />
            <XAxis type="number" allowDecimals={false} tick={{ fontSize: 12 }} stroke="#6b7280" />
            <YAxis
              type="category"
              dataKey="key"
              width={axisWidth(width)}
              tick={{ fontSize: 12 }}
              tickFormatter={(k: string) => truncate(k, Math.floor((axisWidth(width) - 12) / 7.5))}
              stroke="#6b7280"
              interval={0}
            />
            <Tooltip formatter={(v) => formatCount(typeof v === 'number' ? v : null)} isAnimationActive={false} />
            <Bar dataKey="count" name={unit} isAnimationActive={false}>
              {bars.map((b) => (
                <Cell key={`${b.other ? 'other:' : ''}${b.key}`} fill={b.other ? COLORS.grey : COLORS.blue} />
              ))}
            </Bar>
          </BarChart>
        )}
      </ChartFigure>
      {lowerBounds && (
        <p className="muted small">
          ≥: a lower bound. A bucket tracks a bounded number of keys; the rest of a key&apos;s count may sit in Other.
        </p>
      )}
    </>
  );
}
