/** One browsed message in full: its payload in the chosen view, headers and fields. */
import type { BrowsedMessage } from '@ferry/browser';
import { formatBytes, formatTime } from '../lib/format.js';
import { MessageHeaders } from '../ui/message-headers.js';
import { PayloadViewer } from '../ui/payload-viewer.js';

export function MessageDetail(props: { message: BrowsedMessage; onClose: () => void }) {
  const { message } = props;
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
      <PayloadViewer payload={message.payload} />
      <MessageHeaders headers={message.headers} />
    </section>
  );
}
