/**
 * How the dashboard writes its figures: counts with group separators, rates
 * as percentages, latencies (microseconds in the API) in milliseconds with
 * three significant digits (the percentiles are within 1% anyway), and the
 * time of a bucket at the precision its width needs.
 */
import type { AnalyticsBucket } from '../api/types';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `1234` -> `1,234`; `null` -> `—`. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : integer.format(n);
}

/** A rate (0..1) as a percentage: `0.9876` -> `98.8%`, `1` -> `100%`, `0.0004` -> `0.04%`; `null` -> `—`. */
export function formatRate(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return '—';
  const pct = r * 100;
  if (pct === 0 || pct === 100) return `${pct}%`;
  // Enough digits that a rate close to 0 or 100% does not round to it.
  const digits = pct < 0.1 || pct > 99.9 ? 2 : 1;
  return `${pct.toFixed(digits)}%`;
}

/**
 * Microseconds as milliseconds (or seconds from 10 s): three significant
 * digits. `812.4` -> `0.812 ms`, `20311.8` -> `20.3 ms`, `48001.2` -> `48.0 ms`,
 * `1530900` -> `1,531 ms`, `12_300_000` -> `12.3 s`; `null` -> `—`.
 */
export function formatLatency(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return '—';
  const ms = us / 1000;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${integer.format(Math.round(ms))} ms`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

/** An axis tick for milliseconds: short, no unit (the axis says it). */
export function formatMsTick(ms: number): string {
  if (ms >= 1000) return integer.format(Math.round(ms));
  if (ms >= 10) return ms.toFixed(0);
  // Number() drops a trailing zero: 6.0 -> "6", 0.50 -> "0.5".
  if (ms >= 1) return String(Number(ms.toFixed(1)));
  return String(Number(ms.toFixed(2)));
}

/** An axis tick for a rate: whole percentages, one decimal below 10%. */
export function formatPercentTick(r: number): string {
  const pct = r * 100;
  return pct >= 10 || Number.isInteger(pct) ? `${Math.round(pct)}%` : `${pct.toFixed(1)}%`;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayClock = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const fullDay = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

/**
 * An axis tick for a bucket start (the reader's time zone): a clock for
 * minutes and for hours within a day, the date with the clock for hours over
 * longer ranges, the date for days.
 */
export function tickFormatter(bucket: AnalyticsBucket, spanMs: number): (t: number) => string {
  if (bucket === 'day') return (t) => day.format(t);
  if (bucket === 'hour' && spanMs > 86_400_000) return (t) => dayClock.format(t);
  return (t) => clock.format(t);
}

/** A bucket start in full, for tooltips and tables. */
export function formatBucket(bucket: AnalyticsBucket, t: number | string): string {
  const d = typeof t === 'number' ? new Date(t) : new Date(t);
  return bucket === 'day' ? fullDay.format(d) : full.format(d);
}

/** `minute` -> `per minute`. */
export function perBucket(bucket: AnalyticsBucket): string {
  return `per ${bucket}`;
}
