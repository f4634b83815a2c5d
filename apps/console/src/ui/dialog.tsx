import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Action, useAction } from '../lib/use-action.js';
import { ErrorNotice } from './notice.js';

/**
 * A modal on the native <dialog>: focus moves into it, Escape closes it, and the page behind
 * is inert while it is open.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-label={props.title}
      data-testid={props.testId}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      <header class="dialog-header">
        <h2>{props.title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={props.onClose}>
          ×
        </button>
      </header>
      {props.children}
    </dialog>
  );
}

/**
 * Asks before something that cannot be undone. With `typeToConfirm`, the button is enabled
 * only once that text (a station's name) is typed.
 */
export function Confirm(props: {
  title: string;
  message: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  typeToConfirm?: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  const action = useAction();
  const ready = props.typeToConfirm === undefined || typed === props.typeToConfirm;
  const confirm = async (e: Event) => {
    e.preventDefault();
    if (!ready || action.busy) return;
    await action.run(async () => {
      await props.onConfirm();
      props.onClose();
    });
  };
  return (
    <Dialog title={props.title} onClose={props.onClose} testId="confirm">
      <form onSubmit={confirm} class="form">
        <div class="dialog-message">{props.message}</div>
        {props.typeToConfirm !== undefined && (
          <label class="field">
            <span>
              Type <code>{props.typeToConfirm}</code> to confirm
            </span>
            <input
              value={typed}
              onInput={(e) => setTyped(e.currentTarget.value)}
              autocomplete="off"
              autofocus
              data-testid="confirm-input"
            />
          </label>
        )}
        {action.error !== undefined && <ErrorNotice error={action.error} />}
        <div class="actions">
          {/* Focus starts on Cancel for what destroys, on the confirmation otherwise. */}
          <button
            type="button"
            onClick={props.onClose}
            autofocus={props.danger === true && props.typeToConfirm === undefined}
          >
            Cancel
          </button>
          <button
            type="submit"
            autofocus={props.danger !== true && props.typeToConfirm === undefined}
            class={props.danger === true ? 'danger' : 'primary'}
            disabled={!ready || action.busy}
            data-testid="confirm-button"
          >
            {action.busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** A dialog form's foot: what the submit failed with, then Cancel and the submit button. */
export function DialogActions(props: {
  action: Action;
  label: string;
  busyLabel: string;
  disabled?: boolean;
  onCancel: () => void;
}) {
  const { action } = props;
  return (
    <>
      {action.error !== undefined && <ErrorNotice error={action.error} />}
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy || props.disabled === true}>
          {action.busy ? props.busyLabel : props.label}
        </button>
      </div>
    </>
  );
}
