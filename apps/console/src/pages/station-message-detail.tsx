/** One browsed message in full: its payload in the chosen view, headers and fields. */
import type { BrowsedMessage } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { formatBytes, formatTime } from '../lib/format.js';
import { PAYLOAD_VIEWS, type PayloadView, renderPayload } from '../lib/payload.js';
import { CopyButton } from './station-copy.js';

export function MessageDetail(props: { message: BrowsedMessage; onClose: () => void }) {
  const { message } = props;
  const [view, setView] = useState<PayloadView | 'auto'>('auto');
  const rendered = renderPayload(message.payload, view);
  const headers = Object.entries(message.headers);
  return (
    <section
      class="card detail"
      data-testid="message-detail"
      aria-label={`Message ${message.partition}/${message.offset}`}
    >
      <div class="section-head">
        <h2>
          Partition {message.partition}, offset {message.offset}
        </h2>
        <button type="button" class="icon" aria-label="Close the message" onClick={props.onClose}>
          ×
        </button>
      </div>
      <dl class="facts">
        <dt>Time</dt>
        <dd>{formatTime(message.timestamp)}</dd>
        <dt>Key</dt>
        <dd class="mono">{message.key ?? '–'}</dd>
        <dt>Message id</dt>
        <dd class="mono">{message.msgId ?? '–'}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(message.payload.length)}</dd>
      </dl>
      <div class="toolbar">
        <label class="field inline">
          <span>View</span>
          <select
            name="view"
            value={view}
            onChange={(e) => setView(e.currentTarget.value as PayloadView | 'auto')}
          >
            <option value="auto">auto ({rendered.view})</option>
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
      <pre data-testid="payload">{rendered.text}</pre>
      <h3>Headers</h3>
      {headers.length === 0 ? (
        <p class="muted">No headers.</p>
      ) : (
        <div class="table-wrap">
          <table aria-label="Headers" data-testid="message-headers">
            <tbody>
              {headers.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row" class="mono">
                    {name}
                  </th>
                  <td class="mono wrap">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
