import { useEffect, useId, useRef, type ReactNode } from 'react';

interface DialogProps {
  open: boolean;
  /** Escape, the close button, or the caller's own buttons. */
  onClose: () => void;
  title: string;
  children: ReactNode;
  /**
   * false: neither Escape nor a × button closes it, only the content's own
   * buttons (a secret shown once must not vanish on a stray key press).
   */
  dismissible?: boolean;
}

/**
 * A modal dialog on the native <dialog> element: showModal() makes the rest
 * of the page inert and traps focus; Escape closes it (through onClose, so
 * state stays in React); focus goes to the first field (or the element
 * marked data-autofocus) on open and back to the opener on close.
 */
export function Dialog({ open, onClose, title, children, dismissible = true }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      focusFirst(dialog);
    } else if (!open && dialog.open) {
      dialog.close();
    }
    if (!open && opener.current) {
      const back = opener.current;
      opener.current = null;
      if (back.isConnected) back.focus();
    }
  }, [open]);

  // New content (a form replaced by its result): focus would fall to the
  // page; put it on the new content's first control.
  useEffect(() => {
    const dialog = ref.current;
    if (open && dialog?.open && !dialog.contains(document.activeElement)) focusFirst(dialog);
  }, [open, title]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (dismissible) onClose();
      }}
    >
      {open && (
        <>
          <header className="dialog-header">
            <h2 id={titleId}>{title}</h2>
            {dismissible && (
              <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
                ×
              </button>
            )}
          </header>
          <div className="dialog-body">{children}</div>
        </>
      )}
    </dialog>
  );
}

function focusFirst(dialog: HTMLDialogElement) {
  const target =
    dialog.querySelector<HTMLElement>('[data-autofocus]') ??
    dialog.querySelector<HTMLElement>('input:not([type=hidden]), select, textarea') ??
    dialog.querySelector<HTMLElement>('.dialog-body button');
  target?.focus();
}

interface ConfirmProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: ReactNode;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A yes/no question; the safe answer (Cancel) has the focus first. */
export function ConfirmDialog({ open, title, children, confirmLabel, danger, busy, error, onConfirm, onCancel }: ConfirmProps) {
  return (
    <Dialog open={open} onClose={onCancel} title={title}>
      <div className="stack">
        {children}
        {error}
        <div className="actions">
          <button type="button" data-autofocus onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className={danger ? 'danger' : 'primary'} disabled={busy} onClick={onConfirm}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
