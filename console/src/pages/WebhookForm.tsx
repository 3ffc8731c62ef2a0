import { useId } from 'react';
import type { Webhook } from '../api/types';

/** The editable fields of a webhook, as typed. */
export interface WebhookFormValues {
  url: string;
  events: string;
  description: string;
  maxRetries: string;
}

export const EMPTY_FORM: WebhookFormValues = { url: '', events: '*', description: '', maxRetries: '' };

export function formFromWebhook(w: Webhook): WebhookFormValues {
  return {
    url: w.url,
    events: w.events.join(', '),
    description: w.description,
    maxRetries: w.max_retries === null ? '' : String(w.max_retries),
  };
}

/** Event patterns from the text field: separated by commas, spaces or new lines. */
export function parseEvents(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `max_retries` from the text field: empty is the deployment's default (null). */
export function parseMaxRetries(text: string): number | null | Error {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return new Error('Max retries must be a whole number from 0 to 20, or empty for the default.');
  return Number(t);
}

export function WebhookFields({
  values,
  onChange,
  invalidField,
}: {
  values: WebhookFormValues;
  onChange: (v: WebhookFormValues) => void;
  /** The field the last API error named, marked invalid. */
  invalidField?: string | null;
}) {
  const id = useId();
  const set = (k: keyof WebhookFormValues) => (e: { target: { value: string } }) =>
    onChange({ ...values, [k]: e.target.value });
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-url`}>Destination URL</label>
        <input
          id={`${id}-url`}
          name="url"
          type="url"
          inputMode="url"
          required
          autoComplete="off"
          spellCheck={false}
          placeholder="https://example.com/webhooks/triggers"
          aria-describedby={`${id}-url-hint`}
          aria-invalid={invalidField === 'url' ? true : undefined}
          value={values.url}
          onChange={set('url')}
        />
        <p id={`${id}-url-hint`} className="hint">
          Deliveries are POSTed here, signed with Standard Webhooks headers.
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-events`}>Event types</label>
        <input
          id={`${id}-events`}
          name="events"
          autoComplete="off"
          spellCheck={false}
          aria-describedby={`${id}-events-hint`}
          aria-invalid={invalidField === 'events' ? true : undefined}
          value={values.events}
          onChange={set('events')}
        />
        <p id={`${id}-events-hint`} className="hint">
          Patterns separated by commas: <code>*</code> for every event, an exact type such as{' '}
          <code>invoice.paid</code>, or a prefix such as <code>order.*</code>.
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description (optional)</label>
        <input
          id={`${id}-description`}
          name="description"
          autoComplete="off"
          aria-invalid={invalidField === 'description' ? true : undefined}
          value={values.description}
          onChange={set('description')}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-retries`}>Max retries (optional)</label>
        <input
          id={`${id}-retries`}
          name="max_retries"
          type="number"
          inputMode="numeric"
          min={0}
          max={20}
          step={1}
          aria-describedby={`${id}-retries-hint`}
          aria-invalid={invalidField === 'max_retries' ? true : undefined}
          value={values.maxRetries}
          onChange={set('maxRetries')}
        />
        <p id={`${id}-retries-hint`} className="hint">
          Retries after the first attempt, 0 to 20. Empty: the deployment's default.
        </p>
      </div>
    </>
  );
}

/** The field an API error names (`invalid_url` → url, "field `events`: …" → events). */
export function fieldOfError(code: string, message: string): string | null {
  if (code === 'invalid_url' || code === 'url_not_allowed') return 'url';
  if (code === 'invalid_events') return 'events';
  const m = /field `([a-z_]+)`/.exec(message);
  return m?.[1] ?? null;
}
