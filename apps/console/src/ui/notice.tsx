import type { ComponentChildren } from 'preact';
import { describeError } from '../lib/errors.js';

/** A message in the page's flow: `error` is announced to screen readers at once. */
export function Notice(props: {
  kind: 'error' | 'info' | 'success' | 'warning';
  children: ComponentChildren;
}) {
  return (
    <div
      class={`notice notice-${props.kind}`}
      role={props.kind === 'error' ? 'alert' : 'status'}
      data-testid={`notice-${props.kind}`}
    >
      {props.children}
    </div>
  );
}

/** An error as the broker coded it, with what to do for the codes a person can act on. */
export function ErrorNotice(props: { error: unknown; action?: string }) {
  const { code, message } = describeError(props.error);
  const hint = code === undefined ? undefined : HINTS[code];
  return (
    <Notice kind="error">
      {props.action !== undefined && <strong>{props.action} failed. </strong>}
      {code === 'NOT_AUTHORIZED' ? (
        <span data-testid="denied">Denied: {message}</span>
      ) : (
        <span>{message}</span>
      )}
      {code !== undefined && <code class="code"> {code}</code>}
      {hint !== undefined && <div class="hint">{hint}</div>}
    </Notice>
  );
}

const HINTS: Record<string, string> = {
  NOT_AUTHORIZED: 'Your credentials do not allow this. Ask an operator for the permission.',
  CONNECTION_CLOSED: 'The connection to the broker dropped; the console is reconnecting.',
  CONNECTION_FAILED: 'The broker cannot be reached. Check that it is running.',
  STATION_NOT_FOUND: 'It may have been deleted. Go back to the stations list.',
  GROUP_IN_USE: 'The group has members. Stop its consumers first, or delete with force.',
  SCHEMA_EXISTS: 'A schema has this name already: add a version to it, or pick another name.',
  SCHEMA_INCOMPATIBLE:
    'The schema’s compatibility refuses it: keep what the latest version reads, or set compatibility to none.',
  SCHEMA_IN_USE: 'Detach it from its stations first, on each station’s overview.',
  SCHEMA_NOT_FOUND: 'It may have been deleted. Go back to the schemas list.',
  TIMEOUT: 'The broker did not answer in time. Try again.',
  OVERLOADED: 'The broker is busy. Try again in a moment.',
};
