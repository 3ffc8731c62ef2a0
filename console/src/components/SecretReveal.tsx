import { useId, useRef, useState } from 'react';

/**
 * A webhook signing secret, shown once: a warning, the secret in a read-only
 * field (selectable by keyboard) and a copy button. The caller drops the
 * secret from its state when the user is done.
 */
export function SecretReveal({ secret, label = 'Signing secret' }: { secret: string; label?: string }) {
  const inputId = useId();
  const noteId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopyState('copied');
    } catch {
      input.current?.select();
      setCopyState('failed');
    }
  }

  return (
    <div className="secret">
      <p id={noteId} className="warning">
        <strong>Store this secret now.</strong> It is shown only this once and cannot be read again; your receiver
        needs it to verify the <code>webhook-signature</code> header. Lost it? Rotate the secret to get a new one.
      </p>
      <label htmlFor={inputId}>{label}</label>
      <div className="secret-row">
        <input
          id={inputId}
          ref={input}
          className="mono"
          readOnly
          value={secret}
          aria-describedby={noteId}
          spellCheck={false}
          autoComplete="off"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={copy} data-autofocus>
          Copy
        </button>
      </div>
      <p role="status" className="small">
        {copyState === 'copied' && 'Copied to the clipboard.'}
        {copyState === 'failed' && 'Copying was refused by the browser: the secret is selected, copy it with Ctrl+C (⌘C).'}
      </p>
    </div>
  );
}
