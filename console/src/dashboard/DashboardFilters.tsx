import { useEffect, useId, useRef, useState } from 'react';
import { PRESETS, type PresetId, type Selection } from './range';

/** How long typing in a filter waits before the dashboard reloads with it. */
export const FILTER_DEBOUNCE_MS = 600;

/**
 * A text filter applied when the user stops typing (or presses Enter, or
 * leaves the field), not on every keystroke: each change reloads every panel.
 */
function useDraft(value: string, commit: (v: string) => void): [string, (v: string) => void, () => void] {
  const [draft, setDraft] = useState(value);
  const commitRef = useRef(commit);
  commitRef.current = commit;
  // The URL changed under us (back button, another control): follow it.
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (draft === value) return;
    const t = setTimeout(() => commitRef.current(draft), FILTER_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [draft, value]);
  const flush = () => {
    if (draft !== value) commitRef.current(draft);
  };
  return [draft, setDraft, flush];
}

/** Date range, filters and refresh controls of the dashboard. Every control has a label. */
export function DashboardFilters({
  selection,
  onChange,
  autoRefresh,
  onAutoRefresh,
  onRefresh,
  refreshing,
  sources = [],
  eventTypes = [],
}: {
  selection: Selection;
  onChange: (s: Selection) => void;
  autoRefresh: boolean;
  onAutoRefresh: (on: boolean) => void;
  onRefresh: () => void;
  refreshing: boolean;
  /** Known sources and event types, offered as suggestions. */
  sources?: readonly string[];
  eventTypes?: readonly string[];
}) {
  const id = useId();
  const selectionRef = useRef(selection);
  selectionRef.current = selection;
  const set = (k: keyof Selection) => (e: { target: { value: string } }) => onChange({ ...selection, [k]: e.target.value });
  const [source, setSource, flushSource] = useDraft(selection.source, (v) => onChange({ ...selectionRef.current, source: v }));
  const [eventType, setEventType, flushType] = useDraft(selection.eventType, (v) =>
    onChange({ ...selectionRef.current, eventType: v }),
  );
  return (
    <form
      className="filters"
      aria-label="Dashboard filters"
      onSubmit={(e) => {
        e.preventDefault();
        if (source !== selection.source || eventType !== selection.eventType) {
          onChange({ ...selection, source, eventType });
        }
      }}
    >
      <div className="field">
        <label htmlFor={`${id}-range`}>Time range</label>
        <select
          id={`${id}-range`}
          value={selection.preset}
          onChange={(e) => onChange({ ...selection, preset: e.target.value as PresetId })}
        >
          {PRESETS.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom range</option>
        </select>
      </div>
      {selection.preset === 'custom' && (
        <>
          <div className="field field-datetime">
            <label htmlFor={`${id}-from`}>From</label>
            <input id={`${id}-from`} type="datetime-local" value={selection.from} onChange={set('from')} />
          </div>
          <div className="field field-datetime">
            <label htmlFor={`${id}-to`}>To</label>
            <input id={`${id}-to`} type="datetime-local" value={selection.to} onChange={set('to')} />
          </div>
        </>
      )}
      <div className="field">
        <label htmlFor={`${id}-source`}>Source</label>
        <input
          id={`${id}-source`}
          placeholder="All sources"
          value={source}
          list={`${id}-sources`}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => setSource(e.target.value)}
          onBlur={flushSource}
        />
        <datalist id={`${id}-sources`}>
          {sources.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      </div>
      <div className="field">
        <label htmlFor={`${id}-type`}>Event type</label>
        <input
          id={`${id}-type`}
          placeholder="All types"
          value={eventType}
          list={`${id}-types`}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => setEventType(e.target.value)}
          onBlur={flushType}
        />
        <datalist id={`${id}-types`}>
          {eventTypes.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
      </div>
      <div className="field field-inline">
        <label className="checkbox">
          <input type="checkbox" checked={autoRefresh} onChange={(e) => onAutoRefresh(e.target.checked)} /> Refresh
          every few seconds
        </label>
        <button type="button" onClick={onRefresh} disabled={refreshing}>
          Refresh now
        </button>
      </div>
      {/* Enter in a text field applies the filters. */}
      <button type="submit" className="visually-hidden" tabIndex={-1}>
        Apply filters
      </button>
    </form>
  );
}
