import type { ComponentChildren } from 'preact';

/** What an empty list says, and what to do about it. */
export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty" data-testid="empty">
      <p class="empty-title">{props.title}</p>
      {props.children !== undefined && <div class="empty-hint">{props.children}</div>}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return (
    <p class="loading" aria-busy="true">
      Loading {props.what}…
    </p>
  );
}
