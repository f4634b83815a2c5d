/** Producing one message to the station by hand: text, checked JSON or hex, with its options. */
import type { ProduceAck, ProduceOptions, Producer, StationInfo } from '@ferry/browser';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type PayloadFormat, parseHeaders, payloadBytes } from '../lib/station-produce.js';
import { useAction } from '../lib/use-action.js';
import { useSession } from '../session.js';
import { ErrorNotice, Notice } from '../ui/notice.js';

export function StationProduce(props: { info: StationInfo }) {
  const { client, may } = useSession();
  const station = props.info.name;
  // One producer for as long as the tab is shown; closing it lets the client forget it.
  const producer = useRef<Producer | undefined>(undefined);
  useEffect(() => {
    producer.current = client.producer(station);
    return () => {
      void producer.current?.close();
      producer.current = undefined;
    };
  }, [client, station]);
  const [payload, setPayload] = useState('');
  const [format, setFormat] = useState<PayloadFormat>('text');
  const [key, setKey] = useState('');
  const [msgId, setMsgId] = useState('');
  const [headers, setHeaders] = useState('');
  const [partition, setPartition] = useState('');
  const action = useAction();
  const [ack, setAck] = useState<ProduceAck | undefined>();

  if (!may('produce', station))
    return (
      <Notice kind="info">
        Your credentials may not produce to <strong>{station}</strong>. Ask an operator for the{' '}
        <code>produce</code> permission on it.
      </Notice>
    );

  const submit = async (e: Event) => {
    e.preventDefault();
    const bytes = payloadBytes(payload, format);
    const parsedHeaders = parseHeaders(headers);
    if (!bytes.ok || !parsedHeaders.ok) {
      setAck(undefined);
      action.fail(new Error(!bytes.ok ? bytes.error : parsedHeaders.ok ? '' : parsedHeaders.error));
      return;
    }
    const options: ProduceOptions = {};
    if (key !== '') options.key = key;
    if (msgId !== '') options.msgId = msgId;
    if (parsedHeaders.value !== undefined) options.headers = parsedHeaders.value;
    if (partition !== '') options.partition = Number(partition);
    const target = producer.current;
    if (target === undefined) return;
    setAck(undefined);
    await action.run(async () => setAck(await target.produce(bytes.value, options)));
  };

  return (
    <form class="form card produce" onSubmit={submit} aria-label="Produce a message">
      <div class="field-row">
        <label class="field">
          <span>Format</span>
          <select
            name="format"
            value={format}
            onChange={(e) => setFormat(e.currentTarget.value as PayloadFormat)}
          >
            <option value="text">text (UTF-8)</option>
            <option value="json">JSON (checked before sending)</option>
            <option value="hex">hex bytes</option>
          </select>
        </label>
        <label class="field">
          <span>Partition</span>
          <select
            name="partition"
            value={partition}
            onChange={(e) => setPartition(e.currentTarget.value)}
          >
            <option value="">by key (or any)</option>
            {props.info.partitions.map((p) => (
              <option key={p.partition} value={p.partition}>
                {p.partition}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Key</span>
          <input
            name="key"
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            placeholder="picks the partition"
          />
        </label>
        <label class="field">
          <span>Message id</span>
          <input
            name="msgId"
            value={msgId}
            onInput={(e) => setMsgId(e.currentTarget.value)}
            placeholder="deduplicates repeats"
          />
        </label>
      </div>
      <label class="field">
        <span>Payload</span>
        <textarea
          name="payload"
          value={payload}
          onInput={(e) => setPayload(e.currentTarget.value)}
          placeholder={PLACEHOLDERS[format]}
          spellcheck={false}
        />
      </label>
      <label class="field">
        <span>Headers</span>
        <textarea
          name="headers"
          class="short"
          value={headers}
          onInput={(e) => setHeaders(e.currentTarget.value)}
          placeholder={'name=value, one a line\nsource=console'}
          spellcheck={false}
        />
      </label>
      {ack !== undefined && (
        <Notice kind="success">
          Produced to partition {ack.partition} at offset {ack.offset}
          {ack.duplicate && ' (duplicate: that message id was already stored there)'}
        </Notice>
      )}
      {action.error !== undefined && <ErrorNotice error={action.error} action="Produce" />}
      <div class="actions">
        <button type="submit" class="primary" disabled={action.busy} data-testid="produce-submit">
          {action.busy ? 'Producing…' : 'Produce'}
        </button>
      </div>
    </form>
  );
}

const PLACEHOLDERS: Record<PayloadFormat, string> = {
  text: 'hello',
  json: '{ "id": 42, "total": 9.5 }',
  hex: '68 65 6c 6c 6f',
};
