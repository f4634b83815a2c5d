import type { DeadLetterEntry } from '@ferry/browser';
import { useEffect, useRef } from 'preact/hooks';
import { formatBytes, formatCount, formatTime } from '../lib/format.js';
import { isSchemaRefusal } from '../lib/schema-dead-letters.js';
import { MessageHeaders } from '../ui/message-headers.js';
import { PayloadViewer } from '../ui/payload-viewer.js';
import { GroupCell } from './dead-letter-table.js';

/** One entry in full: where it came from, why it failed, its headers and payload. */
export function DeadLetterDetail(props: { entry: DeadLetterEntry; onClose: () => void }) {
  const { entry } = props;
  const box = useRef<HTMLElement>(null);
  // Focus follows the Show button to what it opened, for keyboard and screen reader users.
  useEffect(() => box.current?.focus(), [entry.id]);
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
        <dd>
          <GroupCell group={entry.group} />
        </dd>
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
        {isSchemaRefusal(entry.group) && (
          <>
            <dt>Resend</dt>
            <dd>produces it again through the station's schema: stored if it passes now</dd>
          </>
        )}
        <dt>Deliveries</dt>
        <dd>{formatCount(entry.deliveryCount)}</dd>
        <dt>Reason</dt>
        <dd class="reason">{entry.reason}</dd>
      </dl>
      <MessageHeaders headers={entry.headers} />
      <PayloadViewer payload={entry.payload}>
        <h3>Payload</h3>
        <span class="muted">{formatBytes(entry.payload.length)}</span>
      </PayloadViewer>
    </section>
  );
}
