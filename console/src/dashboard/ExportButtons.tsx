import { useId, useState } from 'react';
import type { AnalyticsBucket, AnalyticsExportFile } from '../api/types';
import { useApi } from '../auth/AuthContext';
import { ErrorMessage } from '../components/ErrorMessage';

/**
 * Saves a Blob under `filename` through a temporary object URL and an
 * `<a download>` (the export needs the Authorization header, so a plain link
 * cannot fetch it). The URL is revoked once the browser has taken it.
 */
export function saveFile(file: Pick<AnalyticsExportFile, 'blob' | 'filename'>): void {
  const url = URL.createObjectURL(file.blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  }
}

/** How many buckets an export holds: CSV lines after the header, or JSON `rows`. */
async function countRows(file: AnalyticsExportFile, format: 'csv' | 'json'): Promise<number | null> {
  try {
    const text = await file.blob.text();
    if (format === 'csv') return text.split(/\r?\n/).filter((l) => l.length > 0).length - 1;
    const body: unknown = JSON.parse(text);
    return typeof body === 'object' && body !== null && Array.isArray((body as { rows?: unknown }).rows)
      ? (body as { rows: unknown[] }).rows.length
      : null;
  } catch {
    return null;
  }
}

/**
 * The CSV and JSON export buttons: every non-empty bucket of the range (all
 * sources and types: the export takes no filter), at the charts' bucket width.
 */
export function ExportButtons({
  range,
  bucket,
  disabled,
}: {
  range: { since: string; until: string } | null;
  bucket: AnalyticsBucket | null;
  disabled?: boolean;
}) {
  const api = useApi();
  const id = useId();
  const [busy, setBusy] = useState<'csv' | 'json' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run(format: 'csv' | 'json') {
    if (!range || !bucket || busy !== null) return;
    setBusy(format);
    setError(null);
    setNotice(null);
    try {
      const file = await api.exportAnalytics({ format, bucket, from: range.since, to: range.until });
      saveFile(file);
      const rows = await countRows(file, format);
      setNotice(
        `Saved ${file.filename}${rows === null ? '' : ` (${rows.toLocaleString('en-US')} ${rows === 1 ? bucket : `${bucket}s`} with data)`}.`,
      );
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  // Not `disabled` while busy: that would drop the keyboard focus.
  const off = disabled || !range || !bucket;
  return (
    <div className="export">
      <div className="inline" role="group" aria-labelledby={`${id}-label`} aria-describedby={`${id}-hint`}>
        <span id={`${id}-label`} className="visually-hidden">
          Export
        </span>
        <button type="button" onClick={() => void run('csv')} disabled={off} aria-disabled={busy !== null}>
          {busy === 'csv' ? 'Exporting…' : 'Export CSV'}
        </button>
        <button type="button" onClick={() => void run('json')} disabled={off} aria-disabled={busy !== null}>
          {busy === 'json' ? 'Exporting…' : 'Export JSON'}
        </button>
      </div>
      <p id={`${id}-hint`} className="hint">
        {bucket ? `One row per ${bucket} with data, all sources and types.` : 'Choose a valid range to export.'}
      </p>
      <p role="status" className="small">
        {notice}
      </p>
      <ErrorMessage error={error} title="Could not export" />
    </div>
  );
}
