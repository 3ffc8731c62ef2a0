import { act, render } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SELECTION, resolveRange, selectionFromParams, selectionToParams } from '../src/dashboard/range';
import { usePolling } from '../src/dashboard/usePolling';

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
