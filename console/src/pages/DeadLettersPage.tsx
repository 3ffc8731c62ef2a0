import { DeadLetterSection } from '../components/DeadLetterTable';

export function DeadLettersPage() {
  return (
    <div className="stack">
      <DeadLetterSection headingLevel={1} />
      <p className="hint">
        A delivery becomes a dead letter when every attempt failed, the receiver answered <code>410 Gone</code>, the
        destination was refused, or the webhook was disabled while it waited. Replaying sends the event again with the
        same <code>webhook-id</code>, so receivers can deduplicate.
      </p>
    </div>
  );
}
