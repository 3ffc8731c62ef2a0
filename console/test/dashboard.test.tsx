import { act, render, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnalyticsBreakdown, AnalyticsSummary } from '../src/api/types';
import { ANALYTICS_EXPORT_COLUMNS } from '../src/api/types';
import { BreakdownFigure } from '../src/dashboard/charts';
import { formatCount, formatLatency, formatRate } from '../src/dashboard/format';
import { bucketFor, DEFAULT_SELECTION, resolveRange, selectionFromParams, selectionToParams } from '../src/dashboard/range';
import { usePolling } from '../src/dashboard/usePolling';
import { admin, freshAccount, newKey, service } from './live';
import { renderConsole } from './render';

describe('dashboard selection', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('presets end now and start their length before', () => {
    expect(resolveRange({ ...DEFAULT_SELECTION, preset: '1h' }, now)).toEqual({
      since: '2026-03-01T11:00:00.000Z',
      until: '2026-03-01T12:00:00.000Z',
    });
    expect(resolveRange({ ...DEFAULT_SELECTION, preset: '7d' }, now)).toEqual({
      since: '2026-02-22T12:00:00.000Z',
      until: '2026-03-01T12:00:00.000Z',
    });
  });

  it('a custom range must be complete and ordered', () => {
    const custom = { ...DEFAULT_SELECTION, preset: 'custom' as const };
    expect(resolveRange({ ...custom, from: '', to: '2026-03-01T10:00' }, now)).toBeInstanceOf(Error);
    expect(resolveRange({ ...custom, from: '2026-03-01T10:00', to: '2026-03-01T09:00' }, now)).toBeInstanceOf(Error);
    const ok = resolveRange({ ...custom, from: '2026-03-01T09:00Z', to: '2026-03-01T10:00Z' }, now);
    expect(ok).toEqual({ since: '2026-03-01T09:00:00.000Z', until: '2026-03-01T10:00:00.000Z' });
  });

  it('round-trips through the query string; the defaults and junk leave it short', () => {
    const s = { preset: 'custom' as const, from: '2026-03-01T09:00', to: '2026-03-01T10:00', source: 'shop', eventType: 'order.created' };
    expect(selectionFromParams(selectionToParams(s))).toEqual(s);
    expect(selectionToParams(DEFAULT_SELECTION).toString()).toBe('');
    expect(selectionFromParams(new URLSearchParams('range=forever'))).toEqual(DEFAULT_SELECTION);
  });
});

describe('usePolling', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function Poller(props: { task: (s: AbortSignal) => Promise<void>; enabled: boolean }) {
    const [n] = useState(0);
    const p = usePolling(props.task, { intervalMs: 5000, enabled: props.enabled }, [n]);
    return <p>{p.lastUpdated ? 'updated' : 'never'}</p>;
  }

  it('runs at once, then every interval after the previous run ended, never overlapping', async () => {
    let calls = 0;
    let release: (() => void) | null = null;
    const task = vi.fn(() => {
      calls++;
      return new Promise<void>((r) => (release = r));
    });
    const view = render(<Poller task={task} enabled />);
    expect(calls).toBe(1);
    // The first run has not ended: no second one, however long it takes.
    await act(() => vi.advanceTimersByTimeAsync(20_000));
    expect(calls).toBe(1);
    await act(async () => release?.());
    expect(view.container.textContent).toBe('updated');
    await act(() => vi.advanceTimersByTimeAsync(4_999));
    expect(calls).toBe(1);
    await act(() => vi.advanceTimersByTimeAsync(1));
    expect(calls).toBe(2);
    view.unmount();
  });

  it('aborts the run in flight on unmount and stops', async () => {
    const signals: AbortSignal[] = [];
    const task = vi.fn((s: AbortSignal) => {
      signals.push(s);
      return Promise.resolve();
    });
    const view = render(<Poller task={task} enabled />);
    await act(() => vi.advanceTimersByTimeAsync(5_000));
    expect(task).toHaveBeenCalledTimes(2);
    view.unmount();
    expect(signals.every((s) => s.aborted)).toBe(true);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(task).toHaveBeenCalledTimes(2);
  });

  it('immediate: false waits one interval for the first run', async () => {
    const task = vi.fn(() => Promise.resolve());
    function Later() {
      usePolling(task, { intervalMs: 5000, enabled: true, immediate: false }, []);
      return null;
    }
    render(<Later />);
    await act(() => vi.advanceTimersByTimeAsync(4_999));
    expect(task).not.toHaveBeenCalled();
    await act(() => vi.advanceTimersByTimeAsync(1));
    expect(task).toHaveBeenCalledTimes(1);
  });

  it('disabled: one run, no polling', async () => {
    const task = vi.fn(() => Promise.resolve());
    render(<Poller task={task} enabled={false} />);
    await act(() => vi.advanceTimersByTimeAsync(60_000));
    expect(task).toHaveBeenCalledTimes(1);
  });
});

describe('timeseries bucket', () => {
  const at = (ms: number) => ({ since: new Date(Date.UTC(2026, 2, 1) - ms).toISOString(), until: new Date(Date.UTC(2026, 2, 1)).toISOString() });
  const H = 3_600_000;

  it('minutes up to 6 hours, hours up to 14 days, days beyond', () => {
    expect(bucketFor(at(H))).toEqual({ bucket: 'minute', points: 60 });
    expect(bucketFor(at(6 * H))).toEqual({ bucket: 'minute', points: 360 });
    expect(bucketFor(at(6 * H + 60_000))).toEqual({ bucket: 'hour', points: 7 });
    expect(bucketFor(at(14 * 24 * H))).toEqual({ bucket: 'hour', points: 336 });
    expect(bucketFor(at(15 * 24 * H))).toEqual({ bucket: 'day', points: 15 });
  });

  it('counts the partial buckets at both ends (the API widens the range to whole buckets)', () => {
    expect(bucketFor({ since: '2026-03-01T10:30:30Z', until: '2026-03-01T11:30:30Z' })).toEqual({ bucket: 'minute', points: 61 });
  });

  it('refuses a range beyond 10,000 points', () => {
    expect(bucketFor({ since: '1990-01-01T00:00:00Z', until: '2017-05-19T00:00:00Z' })).toEqual({ bucket: 'day', points: 10_000 });
    expect(bucketFor({ since: '1990-01-01T00:00:00Z', until: '2017-05-20T00:00:00Z' })).toBeInstanceOf(Error);
  });
});

describe('figures', () => {
  it('latencies: microseconds in, milliseconds out, three significant digits', () => {
    expect(formatLatency(812.4)).toBe('0.812 ms');
    expect(formatLatency(4102.2)).toBe('4.10 ms');
    expect(formatLatency(20311.8)).toBe('20.3 ms');
    expect(formatLatency(480_012)).toBe('480 ms');
    expect(formatLatency(1_530_900)).toBe('1,531 ms');
    expect(formatLatency(12_300_000)).toBe('12.3 s');
    expect(formatLatency(null)).toBe('—');
  });

  it('rates as percentages that never round to 0 or 100 when they are not', () => {
    expect(formatRate(0.9876)).toBe('98.8%');
    expect(formatRate(1)).toBe('100%');
    expect(formatRate(0)).toBe('0%');
    expect(formatRate(0.0004)).toBe('0.04%');
    expect(formatRate(0.9994)).toBe('99.94%');
    expect(formatRate(null)).toBe('—');
    expect(formatCount(1234567)).toBe('1,234,567');
  });
});

const SOURCE = 'shop';

/** Sends events with `key`. */
async function send(key: string, source: string, eventType: string, n = 1): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await admin('POST', '/v1/events', { source, event_type: eventType, payload: { i } }, key);
    expect(r.status).toBe(201);
  }
}

/** The panel (a region named by its heading). */
function panel(name: string): HTMLElement {
  return screen.getByRole('region', { name });
}

/** The events of the last hour by source, through the API. */
async function sourceCount(key: string, source: string): Promise<number> {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const r = await admin<AnalyticsBreakdown>('GET', `/v1/analytics/breakdown?by=source&limit=1000&from=${from}`, undefined, key);
  return r.body.rows.find((row) => row.key === source)?.count ?? 0;
}

// Each test reads an account of its own (a new one per file): its analytics
// are exactly what the test sent.
describe('dashboard page (live service)', () => {
  let key = '';
  beforeAll(async () => {
    key = (await freshAccount('dashboard')).apiKey;
    await send(key, SOURCE, 'order.created', 2);
    await send(key, SOURCE, 'order.paid', 1);
    await send(key, 'crm', 'contact.created', 1);
    await vi.waitFor(async () => expect(await sourceCount(key, 'crm')).toBe(1), { timeout: 15_000, interval: 250 });
  });

  it('shows the summary, the filtered volume and the breakdowns, and picks up new events on refresh', async () => {
    const { user } = renderConsole(`/?range=1h&source=${SOURCE}`, key);
    const volume = await screen.findByRole('region', { name: 'Volume over time' }, { timeout: 10_000 });
    // The text alternative of the chart: the filtered count in words, and its data table.
    const caption = () => within(volume).getByRole('figure').querySelector('figcaption')?.textContent ?? '';
    expect(caption()).toContain(`Events per minute (source ${SOURCE})`);
    expect(caption()).toMatch(/\b3 events in 6[01] minutes/);
    const table = within(volume).getByRole('table');
    const cells = within(table).getAllByRole('cell').map((c) => Number(c.textContent));
    expect(cells.reduce((a, b) => a + b, 0)).toBe(3);

    // The event types of this source, largest first.
    const types = within(panel('Event types')).getByRole('table');
    const rows = within(types)
      .getAllByRole('row')
      .slice(1)
      .map((r) => [...r.querySelectorAll('th,td')].slice(0, 2).map((c) => c.textContent));
    expect(rows).toEqual([
      ['order.created', '2'],
      ['order.paid', '1'],
    ]);
    expect(within(panel('Event types')).getByRole('figure').textContent).toContain(`Events from ${SOURCE} by type`);

    // The summary cards cover every source: 4 events.
    const cards = screen.getByRole('region', { name: 'Summary' });
    const card = (label: string) => (within(cards).getByText(label).closest('.stat') as HTMLElement).querySelector('.stat-value')?.textContent;
    expect(card('Events')).toBe('4');
    expect(card('Delivery attempts')).toBe('0');
    expect(card('Dead letters')).toBe('0');
    expect(card('Delivery success')).toBe('—');
    expect(card('Ingest latency p50')).toMatch(/^[\d.,]+ m?s$/);
    expect(screen.getByText(/The summary covers every source and type/)).toBeTruthy();
    const summary = (await admin<AnalyticsSummary>('GET', `/v1/analytics/summary?from=${new Date(Date.now() - 3_600_000).toISOString()}`, undefined, key)).body;
    expect(card('Ingest latency p50')).toBe(formatLatency(summary.events.ingest_latency.p50_us));

    // New events appear on the next refresh, without a new page.
    await send(key, SOURCE, 'order.created', 2);
    await vi.waitFor(async () => expect(await sourceCount(key, SOURCE)).toBe(5), { timeout: 15_000, interval: 250 });
    await user.click(screen.getByRole('button', { name: 'Refresh now' }));
    await waitFor(() => expect(caption()).toMatch(/\b5 events in 6[01] minutes/), { timeout: 10_000 });
    expect(screen.getByRole('region', { name: 'Volume over time' })).toBe(volume);
    await waitFor(() => expect(card('Events')).toBe('6'));
  });

  it('a new account shows the empty state', async () => {
    const empty = await freshAccount('empty');
    renderConsole('/', empty.apiKey);
    const notice = await screen.findByText(/No events yet in this range/, {}, { timeout: 10_000 });
    expect(notice.closest('[role="status"]')).not.toBeNull();
    const volume = panel('Volume over time');
    expect(within(volume).getByRole('figure').textContent).toMatch(/no events in these 2[45] hours/);
    const cards = screen.getByRole('region', { name: 'Summary' });
    const card = (label: string) => (within(cards).getByText(label).closest('.stat') as HTMLElement).querySelector('.stat-value')?.textContent;
    expect([card('Events'), card('Delivery attempts'), card('Dead letters'), card('Ingest latency p50')]).toEqual(['0', '0', '0', '—']);
    expect(within(panel('Sources')).getByText('No events in this range.')).toBeTruthy();
    expect(within(panel('Latency percentiles')).getByText('No events in this range.')).toBeTruthy();
  });

  it('an impossible custom range is explained, not sent', async () => {
    renderConsole('/?range=custom&from=2026-03-02T00:00&to=2026-03-01T00:00', service().adminKey);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('The end of the range must be after its start.');
    expect(screen.queryByRole('region', { name: 'Volume over time' })).toBeNull();
  });

  it("shows the API's error with its request id (a standard key: 403 forbidden)", async () => {
    const standard = await newKey('standard');
    renderConsole('/', standard.api_key);
    const alert = await screen.findByRole('alert', {}, { timeout: 10_000 });
    expect(alert.textContent).toContain('Could not load the figures');
    expect(alert.textContent).toContain('forbidden');
    expect(alert.textContent).toMatch(/Request id: [0-9a-f-]{36}/);
  });

  it('exports the range as CSV and JSON files, from the keyboard', async () => {
    const saved: { name: string; href: string }[] = [];
    const blobs = new Map<string, Blob>();
    const createObjectURL = vi.spyOn(URL, 'createObjectURL');
    const revokeObjectURL = vi.spyOn(URL, 'revokeObjectURL');
    // jsdom has no object URLs nor downloads: keep the blob, record the download the page asks for.
    createObjectURL.mockImplementation((b) => {
      const url = `blob:test/${blobs.size}`;
      blobs.set(url, b as Blob);
      return url;
    });
    revokeObjectURL.mockImplementation(() => {});
    const onClick = (e: MouseEvent) => {
      const a = e.target;
      if (a instanceof HTMLAnchorElement && a.download) {
        saved.push({ name: a.download, href: a.href });
        e.preventDefault();
      }
    };
    document.addEventListener('click', onClick, true);
    try {
      const { user } = renderConsole('/?range=1h', key);
      await screen.findByRole('region', { name: 'Volume over time' }, { timeout: 10_000 });
      const csvButton = screen.getByRole('button', { name: 'Export CSV' });
      csvButton.focus();
      await user.keyboard('{Enter}');
      await screen.findByText(/^Saved .+\.csv \(\d+ minutes? with data\)\.$/, {}, { timeout: 10_000 });
      expect(document.activeElement).toBe(csvButton);
      await user.keyboard('{Tab}');
      expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Export JSON' }));
      await user.keyboard(' ');
      await screen.findByText(/^Saved .+\.json /, {}, { timeout: 10_000 });

      expect(saved.map((s) => s.name.split('.').pop())).toEqual(['csv', 'json']);
      const csv = await blobs.get(saved[0]?.href ?? '')?.text();
      const lines = (csv ?? '').split(/\r?\n/).filter(Boolean);
      expect(lines[0]).toBe(ANALYTICS_EXPORT_COLUMNS.join(','));
      const events = lines.slice(1).reduce((n, l) => n + Number(l.split(',')[2]), 0);
      expect(events).toBe(6);
      const json = JSON.parse((await blobs.get(saved[1]?.href ?? '')?.text()) ?? '{}') as { bucket: string; rows: unknown[] };
      expect(json.bucket).toBe('minute');
      expect(json.rows.length).toBe(lines.length - 1);
    } finally {
      document.removeEventListener('click', onClick, true);
      createObjectURL.mockRestore();
      revokeObjectURL.mockRestore();
    }
  });
});

describe('lower bounds', () => {
  it('marks counts that may be partly in "other" and says so', () => {
    const breakdown: AnalyticsBreakdown = {
      by: 'source',
      from: '2026-03-01T00:00:00Z',
      to: '2026-03-01T01:00:00Z',
      filter: { source: null, event_type: null },
      total: 120,
      total_exact: true,
      rows: [
        { key: 'shop', count: 70, exact: true, webhook: null },
        { key: 'crm', count: 30, exact: false, webhook: null },
      ],
      other: 20,
    };
    render(<BreakdownFigure label="Events by source" breakdown={breakdown} unit="events" />);
    const cells = screen.getAllByRole('row').map((r) => [...r.querySelectorAll('th,td')].map((c) => c.textContent));
    expect(cells.slice(1)).toEqual([
      ['shop', '70', '58.3%'],
      ['crm', '≥ 30', '25.0%'],
      ['Other', '20', '16.7%'],
    ]);
    expect(screen.getByText(/≥: a lower bound/)).toBeTruthy();
    expect(screen.getByRole('figure').textContent).toContain('120 events in 2+ groups; the largest is shop with 70');
  });

  it('filtered volume over a bucket with more sources than it keeps apart: the note and ≥ marks (live)', async () => {
    // 70 sources in one minute overflow the 64 a bucket keeps apart; those left out are in its "other".
    const { apiKey } = await freshAccount('overflow');
    const minute = () => Math.floor(Date.now() / 60_000);
    let sources: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const m = minute();
      sources = Array.from({ length: 70 }, (_, i) => `source-${attempt}-${i}`);
      await Promise.all(sources.map((s) => admin('POST', '/v1/events', { source: s, event_type: 'overflow.test', payload: {} }, apiKey)));
      if (minute() === m) break; // all in one minute bucket
    }
    const missing = await vi.waitFor(
      async () => {
        const from = new Date(Date.now() - 600_000).toISOString();
        const r = await admin<AnalyticsBreakdown>('GET', `/v1/analytics/breakdown?by=source&limit=1000&from=${from}`, undefined, apiKey);
        const kept = new Set(r.body.rows.map((row) => row.key));
        expect(r.body.total).toBeGreaterThanOrEqual(70);
        const out = sources.find((s) => !kept.has(s));
        expect(out).toBeDefined();
        return out as string;
      },
      { timeout: 15_000, interval: 250 },
    );
    renderConsole(`/?range=1h&source=${missing}`, apiKey);
    const note = await screen.findByText(/Counts marked ≥ are lower bounds/, {}, { timeout: 10_000 });
    expect(note).toBeTruthy();
    const volume = panel('Volume over time');
    expect(within(volume).getByRole('figure').textContent).toMatch(/at least \d+ events in \d+ minutes/);
    expect(within(volume).getAllByRole('cell').some((c) => c.textContent?.startsWith('≥ '))).toBe(true);
  });
});
