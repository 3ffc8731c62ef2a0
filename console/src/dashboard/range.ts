/**
 * The dashboard's selection (date range and filters), kept in the URL's query
 * string so a reload or a shared link shows the same view.
 */

export const PRESETS = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

export type PresetId = (typeof PRESETS)[number]['id'] | 'custom';

export interface Selection {
  preset: PresetId;
  /** Custom range, as typed in a datetime-local field (local time, no zone); used when preset is 'custom'. */
  from: string;
  to: string;
  /** Only events from this source (empty: all). */
  source: string;
  /** Only events of this type (empty: all). */
  eventType: string;
}

export const DEFAULT_SELECTION: Selection = { preset: '24h', from: '', to: '', source: '', eventType: '' };

/** The RFC 3339 range a selection means at `now`: `since <= t < until`, or an error to show. */
export function resolveRange(s: Selection, now: Date): { since: string; until: string } | Error {
  if (s.preset !== 'custom') {
    const preset = PRESETS.find((p) => p.id === s.preset);
    if (!preset) return new Error(`unknown range ${s.preset}`);
    return { since: new Date(now.getTime() - preset.ms).toISOString(), until: now.toISOString() };
  }
  const from = new Date(s.from);
  const to = new Date(s.to);
  if (s.from === '' || Number.isNaN(from.getTime())) return new Error('Enter the start of the range.');
  if (s.to === '' || Number.isNaN(to.getTime())) return new Error('Enter the end of the range.');
  if (to.getTime() <= from.getTime()) return new Error('The end of the range must be after its start.');
  return { since: from.toISOString(), until: to.toISOString() };
}

export function selectionFromParams(params: URLSearchParams): Selection {
  const preset = params.get('range');
  const valid = preset === 'custom' || PRESETS.some((p) => p.id === preset);
  return {
    preset: valid ? (preset as PresetId) : DEFAULT_SELECTION.preset,
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
    source: params.get('source') ?? '',
    eventType: params.get('event_type') ?? '',
  };
}

export function selectionToParams(s: Selection): URLSearchParams {
  const p = new URLSearchParams();
  if (s.preset !== DEFAULT_SELECTION.preset) p.set('range', s.preset);
  if (s.preset === 'custom') {
    if (s.from) p.set('from', s.from);
    if (s.to) p.set('to', s.to);
  }
  if (s.source) p.set('source', s.source);
  if (s.eventType) p.set('event_type', s.eventType);
  return p;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const BUCKET_MS = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS } as const;

/** The API's limit on a timeseries (`400 too_many_points` beyond). */
export const MAX_POINTS = 10_000;

/**
 * The timeseries bucket for a range: minutes up to 6 hours, hours up to 14
 * days, days beyond. The points the API will return (the range widened to
 * whole buckets) must stay within `MAX_POINTS`; a longer range is an error to
 * show.
 */
export function bucketFor(range: { since: string; until: string }): { bucket: 'minute' | 'hour' | 'day'; points: number } | Error {
  const since = Date.parse(range.since);
  const until = Date.parse(range.until);
  if (Number.isNaN(since) || Number.isNaN(until)) return new Error('The range is not a valid time range.');
  const span = until - since;
  const bucket = span <= 6 * HOUR_MS ? 'minute' : span <= 14 * DAY_MS ? 'hour' : 'day';
  const width = BUCKET_MS[bucket];
  const points = Math.ceil(until / width) - Math.floor(since / width);
  if (points > MAX_POINTS) {
    return new Error(`The range is too long to chart: at most ${MAX_POINTS.toLocaleString('en-US')} days.`);
  }
  return { bucket, points };
}
