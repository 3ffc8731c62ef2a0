import { useCallback, useEffect, useRef, useState } from 'react';

export interface PollingState {
  /** When the last run finished successfully. */
  lastUpdated: Date | null;
  /** A run is in flight. */
  running: boolean;
  /** The last run's error; cleared by the next success. */
  error: unknown;
  /** Runs now (and restarts the interval). */
  refresh: () => void;
}

/**
 * Runs `task` now (unless `immediate` is false) and then every `intervalMs` while `enabled`: never two runs
 * at once (the next one is scheduled when the previous one ends), paused while
 * the tab is hidden, the run in flight aborted on unmount or when `deps`
 * change. No page reload: the task updates React state.
 */
export function usePolling(
  task: (signal: AbortSignal) => Promise<void>,
  {
    intervalMs,
    enabled,
    immediate = true,
  }: {
    intervalMs: number;
    enabled: boolean;
    /** false: the first run comes after one interval (the caller loaded already). */
    immediate?: boolean;
  },
  deps: readonly unknown[],
): PollingState {
  const [lastUpdated, setLastUpdated] = useState<Date | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const taskRef = useRef(task);
  taskRef.current = task;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let inFlight = false;

    const schedule = () => {
      if (stopped || !enabled) return;
      timer = setTimeout(run, intervalMs);
    };
    const run = async () => {
      timer = undefined;
      if (stopped) return;
      if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return; // resumed on visibilitychange
      inFlight = true;
      setRunning(true);
      try {
        await taskRef.current(controller.signal);
        if (stopped) return;
        setError(null);
        setLastUpdated(new Date());
      } catch (e) {
        if (stopped) return;
        setError(e);
      } finally {
        inFlight = false;
        if (!stopped) {
          setRunning(false);
          schedule();
        }
      }
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible' && timer === undefined && !inFlight && enabled) void run();
    };
    document.addEventListener('visibilitychange', onVisible);
    if (immediate) void run();
    else schedule();
    return () => {
      stopped = true;
      controller.abort();
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, intervalMs, immediate, tick, ...deps]);

  const refresh = useCallback(() => setTick((t) => t + 1), []);
  return { lastUpdated, running, error, refresh };
}
