import { useId } from 'react';
import { PRESETS, type PresetId, type Selection } from './range';

/** Date range, filters and refresh controls of the dashboard. Every control has a label. */
export function DashboardFilters({
  selection,
  onChange,
  autoRefresh,
  onAutoRefresh,
  onRefresh,
  refreshing,
}: {
  selection: Selection;
  onChange: (s: Selection) => void;
  autoRefresh: boolean;
  onAutoRefresh: (on: boolean) => void;
  onRefresh: () => void;
  refreshing: boolean;
}) {
  const id = useId();
  const set = (k: keyof Selection) => (e: { target: { value: string } }) => onChange({ ...selection, [k]: e.target.value });
  return (
    <form className="filters" aria-label="Dashboard filters" onSubmit={(e) => e.preventDefault()}>
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
          <div className="field">
            <label htmlFor={`${id}-from`}>From</label>
            <input id={`${id}-from`} type="datetime-local" value={selection.from} onChange={set('from')} />
          </div>
          <div className="field">
            <label htmlFor={`${id}-to`}>To</label>
            <input id={`${id}-to`} type="datetime-local" value={selection.to} onChange={set('to')} />
          </div>
        </>
      )}
      <div className="field">
        <label htmlFor={`${id}-source`}>Source</label>
        <input id={`${id}-source`} placeholder="All sources" value={selection.source} onChange={set('source')} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-type`}>Event type</label>
        <input id={`${id}-type`} placeholder="All types" value={selection.eventType} onChange={set('eventType')} />
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
    </form>
  );
}
