const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A timestamp in the reader's locale and time zone; the exact RFC 3339 value on hover. */
export function Time({ value }: { value: string | null | undefined }) {
  if (!value) return <span className="muted">—</span>;
  const d = new Date(value);
  const text = Number.isNaN(d.getTime()) ? value : dateTime.format(d);
  return (
    <time dateTime={value} title={value}>
      {text}
    </time>
  );
}

/** The first 8 characters of an id, with the whole id for assistive technology and on hover. */
export function ShortId({ id }: { id: string }) {
  return (
    <code className="short-id" title={id} aria-label={id}>
      {id.slice(0, 8)}
    </code>
  );
}

export function ActiveBadge({ active }: { active: boolean }) {
  return <span className={`badge ${active ? 'badge-ok' : 'badge-off'}`}>{active ? 'Active' : 'Disabled'}</span>;
}
