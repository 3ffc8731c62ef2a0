import { useCallback, useEffect, useRef, useState } from 'react';

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Pages<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  /** 1-based. */
  pageNumber: number;
  hasNext: boolean;
  hasPrevious: boolean;
  /** More than one page was seen or exists: the pager stays (its buttons keep focus while pages load). */
  paged: boolean;
  next: () => void;
  previous: () => void;
  /** Loads the current page again (e.g. after a change). */
  reload: () => Promise<void>;
}

/**
 * Cursor paging over a listing (`limit` + `next_cursor`): remembers the cursors
 * of the pages seen so far, so "Previous" goes back without a backwards cursor.
 * `key` restarts from the first page when it changes.
 */
export function usePages<T>(
  load: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>,
  key: string,
): Pages<T> {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [index, setIndex] = useState(0);
  const [page, setPage] = useState<Page<T> | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const current = useRef<AbortController | null>(null);

  useEffect(() => {
    setCursors([null]);
    setIndex(0);
  }, [key]);

  const cursor = cursors[index] ?? null;

  const fetchPage = useCallback(async () => {
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    setLoading(true);
    try {
      const result = await loadRef.current(cursor, controller.signal);
      if (controller.signal.aborted) return;
      setPage(result);
      setError(null);
    } catch (e) {
      if (controller.signal.aborted) return;
      setError(e);
    } finally {
      if (!controller.signal.aborted) setLoading(false);
    }
  }, [cursor, key]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    void fetchPage();
    return () => current.current?.abort();
  }, [fetchPage]);

  const nextCursor = page?.next ?? null;
  return {
    items: page?.items ?? [],
    loading,
    error,
    pageNumber: index + 1,
    hasNext: nextCursor !== null,
    hasPrevious: index > 0,
    paged: cursors.length > 1 || nextCursor !== null,
    next: () => {
      if (nextCursor === null) return;
      setCursors((cs) => [...cs.slice(0, index + 1), nextCursor]);
      setIndex(index + 1);
    },
    previous: () => setIndex((i) => Math.max(0, i - 1)),
    reload: fetchPage,
  };
}

export function Pager({ pages, label }: { pages: Pages<unknown>; label: string }) {
  if (!pages.paged) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" onClick={pages.previous} disabled={!pages.hasPrevious || pages.loading}>
        Previous page
      </button>
      <span aria-live="polite">Page {pages.pageNumber}</span>
      <button type="button" onClick={pages.next} disabled={!pages.hasNext || pages.loading}>
        Next page
      </button>
    </nav>
  );
}
