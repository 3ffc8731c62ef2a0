import type { ReactNode } from 'react';
import { ApiError, NetworkError } from '../api/client';

/** Extra advice for codes a console user can act on. */
const ADVICE: Record<string, string> = {
  forbidden: 'The console manages webhooks and dead letters, which needs an admin API key.',
  signature_required:
    'This key only accepts signed requests; the console sends the key alone. Use a key created without require_signature.',
  invalid_api_key: 'Check that the whole key was pasted (it starts with trgk_).',
  key_expired: 'This key version was rotated out. Use the current key.',
  key_revoked: 'This key was revoked. Use another admin key.',
  url_not_allowed: "The deployment's URL policy or host allowlist refuses this destination.",
  webhook_inactive: 'Enable the webhook first, then replay.',
};

/** Shows an error: the API's `error.code` and `error.message` (and request id), or a network problem. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (error === null || error === undefined) return null;
  let body: ReactNode;
  if (error instanceof ApiError) {
    const advice = ADVICE[error.code];
    body = (
      <>
        <p>
          <code className="error-code">{error.code}</code> {error.message}
        </p>
        {advice && <p>{advice}</p>}
        {error.requestId && (
          <p className="muted small">
            Request id: <code>{error.requestId}</code>
          </p>
        )}
      </>
    );
  } else if (error instanceof NetworkError) {
    body = <p>{error.message}. Check that the service is running and reachable.</p>;
  } else {
    body = <p>{error instanceof Error ? error.message : String(error)}</p>;
  }
  return (
    <div className="error" role="alert">
      {title && <p className="error-title">{title}</p>}
      {body}
    </div>
  );
}
