import type { DeadLetterEntry } from '@ferry/browser';
import { Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatBytes, formatCount, formatTime } from '../lib/format.js';
import { PAYLOAD_VIEWS, type PayloadView, renderPayload } from '../lib/payload.js';

/** One entry in full: where it came from, why it failed, its headers and payload. */
export function DeadLetterDetail(props: { entry: DeadLetterEntry; onClose: () => void }) {
  const { entry } = props;
  const [view, setView] = useState<PayloadView | 'auto'>('auto');
  const rendered = renderPayload(entry.payload, view);
  const box = useRef<HTMLElement>(null);
  // Focus follows the Show button to what it opened, for keyboard and screen reader users.
  useEffect(() => box.current?.focus(), [entry.id]);
  const headers = Object.entries(entry.headers ?? {});
  return (
    <section
      ref={box}
      id="dead-letter-detail"
      class="card dead-letter-detail"
      data-testid="dead-letter-detail"
      tabIndex={-1}
      aria-labelledby="dead-letter-detail-title"
    >
      <header class="detail-header">
        <h2 id="dead-letter-detail-title">Entry {entry.id}</h2>
        <button type="button" onClick={props.onClose}>
          Hide
        </button>
      </header>
      <dl class="facts">
        <dt>Group</dt>
        <dd>{entry.group}</dd>
        <dt>Partition / offset</dt>
        <dd class="mono">
          {entry.partition} / {entry.offset}
        </dd>
        <dt>Key</dt>
        <dd class="mono">{entry.key ?? <span class="muted">none</span>}</dd>
        <dt>Message id</dt>
        <dd class="mono">{entry.msgId ?? <span class="muted">none</span>}</dd>
        <dt>Appended at</dt>
        <dd>{formatTime(entry.timestamp)}</dd>
        <dt>Dead-lettered at</dt>
        <dd>{formatTime(entry.deadLetteredAt)}</dd>
        <dt>Deliveries</dt>
        <dd>{formatCount(entry.deliveryCount)}</dd>
        <dt>Reason</dt>
        <dd class="reason">{entry.reason}</dd>
      </dl>
      <h3>Headers</h3>
      {headers.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <dl class="facts mono">
          {headers.map(([name, value]) => (
            <Fragment key={name}>
              <dt>{name}</dt>
              <dd>{value}</dd>
            </Fragment>
          ))}
        </dl>
      )}
      <div class="toolbar payload-bar">
        <h3>Payload</h3>
        <span class="muted">{formatBytes(entry.payload.length)}</span>
        <label class="inline-field">
          View
          <select
            name="view"
            value={view}
            onChange={(e) => setView(e.currentTarget.value as PayloadView | 'auto')}
          >
            <option value="auto">auto ({renderPayload(entry.payload, 'auto').view})</option>
            {PAYLOAD_VIEWS.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </label>
      </div>
      {rendered.error !== undefined && (
        <p class="hint">The payload is {rendered.error}: shown as hex.</p>
      )}
      {entry.payload.length === 0 ? (
        <p class="muted">Empty payload.</p>
      ) : (
        <pre data-testid="payload">{rendered.text}</pre>
      )}
    </section>
  );
}
