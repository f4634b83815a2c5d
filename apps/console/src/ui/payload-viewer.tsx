/** A message's payload in a chosen view (auto guesses it), with a button to copy what is shown. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { guessView, PAYLOAD_VIEWS, type PayloadView, renderPayload } from '../lib/payload.js';
import { CopyButton } from './copy-button.js';

/** `children` lead the toolbar, e.g. a heading and the size. */
export function PayloadViewer(props: { payload: Uint8Array; children?: ComponentChildren }) {
  const { payload } = props;
  const [view, setView] = useState<PayloadView | 'auto'>('auto');
  const rendered = renderPayload(payload, view);
  return (
    <>
      <div class="toolbar payload-bar">
        {props.children}
        <label class="inline-field">
          View
          <select
            name="view"
            value={view}
            onChange={(e) => setView(e.currentTarget.value as PayloadView | 'auto')}
          >
            <option value="auto">auto ({guessView(payload)})</option>
            {PAYLOAD_VIEWS.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
        <span class="grow" />
        <CopyButton text={rendered.text} />
      </div>
      {rendered.error !== undefined && (
        <p class="hint">The payload is {rendered.error}: shown as hex.</p>
      )}
      {payload.length === 0 ? (
        <p class="muted">Empty payload.</p>
      ) : (
        <pre data-testid="payload">{rendered.text}</pre>
      )}
    </>
  );
}
