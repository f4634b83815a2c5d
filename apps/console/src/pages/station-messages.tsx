/**
 * The message browser: a page of one partition read without a consumer group (nothing moves),
 * from an offset, a time or the last N, its position in the URL so a link opens the same page.
 */
import type { BrowsedMessage, BrowsePage, StationInfo } from '@ferry/browser';
import { useEffect, useState } from 'preact/hooks';
import { formatBytes, formatCount, formatTime } from '../lib/format.js';
import { previewPayload } from '../lib/payload.js';
import { hrefOf } from '../lib/route.js';
import { parseLocalTime } from '../lib/start-position.js';
import {
  type BrowseFrom,
  type BrowsePosition,
  lastNStart,
  olderStart,
  positionOf,
  queryOf,
} from '../lib/station-browse.js';
import { navigate } from '../lib/use-route.js';
import { useSession } from '../session.js';
import { Empty, Loading } from '../ui/empty.js';
import { ErrorNotice, Notice } from '../ui/notice.js';
import { type Column, Table } from '../ui/table.js';
import { MessageDetail } from './station-message-detail.js';

type Loaded =
  | { kind: 'loading' }
  | { kind: 'error'; error: unknown }
  | { kind: 'page'; page: BrowsePage; start: number };

/** The form as typed: every mode's value kept, so switching modes loses nothing. */
interface BrowseForm {
  partition: string;
  mode: BrowseFrom['kind'];
  offset: string;
  time: string;
  last: string;
  size: string;
}

function formOf(position: BrowsePosition): BrowseForm {
  const { from } = position;
  return {
    partition: String(position.partition),
    mode: from.kind,
    offset: from.kind === 'offset' ? String(from.offset) : '',
    time: from.kind === 'time' ? from.time : '',
    last: from.kind === 'last' ? String(from.n) : '50',
    size: String(position.size),
  };
}

export function StationMessages(props: {
  info: StationInfo;
  query: URLSearchParams;
  /** Called after each page read, so the partition counts beside it are as fresh. */
  onRead?: () => void;
}) {
  const { client, may } = useSession();
  const station = props.info.name;
  const maxSize = client.server.limits.maxBatchMessages;
  const position = positionOf(props.query, maxSize);
  const queryKey = props.query.toString();
  const [form, setForm] = useState(() => formOf(position));
  const [loaded, setLoaded] = useState<Loaded>({ kind: 'loading' });
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [reloads, setReloads] = useState(0);
  const allowed = may('browse', station);

  // A new position in the URL (Load, paging, back and forward) reads that page.
  useEffect(() => {
    if (!allowed) return;
    setForm(formOf(position));
    const abort = new AbortController();
    const { signal } = abort;
    setLoaded({ kind: 'loading' });
    (async () => {
      const read = { signal, maxMessages: position.size };
      let page: BrowsePage;
      const { from } = position;
      if (from.kind === 'offset')
        page = await client.stations.browse(station, position.partition, {
          ...read,
          offset: from.offset,
        });
      else if (from.kind === 'time') {
        const timestamp = parseLocalTime(from.time);
        if (timestamp === undefined) throw new Error(`“${from.time}” is not a date and time`);
        page = await client.stations.browse(station, position.partition, { ...read, timestamp });
      } else if (from.kind === 'last') {
        // The partition's end as of now, not as of the last poll.
        const info = await client.stations.info(station, { signal });
        const partition = info.partitions[position.partition];
        const offset = partition === undefined ? 0 : lastNStart(from.n, partition);
        page = await client.stations.browse(station, position.partition, { ...read, offset });
      } else page = await client.stations.browse(station, position.partition, read);
      if (signal.aborted) return;
      setLoaded({ kind: 'page', page, start: page.messages[0]?.offset ?? page.next });
      props.onRead?.();
    })().catch((error: unknown) => {
      if (!signal.aborted) setLoaded({ kind: 'error', error });
    });
    return () => abort.abort();
  }, [client, station, queryKey, reloads, allowed]);

  if (!allowed)
    return (
      <Notice kind="info">
        Your credentials may not browse <strong>{station}</strong>, so its messages cannot be shown
        here. Ask an operator for the <code>browse</code> permission on it.
      </Notice>
    );

  const go = (next: BrowsePosition) =>
    navigate(hrefOf({ page: 'station', station }, { tab: 'messages', ...queryOf(next) }));

  const submit = (e: Event) => {
    e.preventDefault();
    const size = Math.min(Math.max(Number(form.size) || 1, 1), maxSize);
    const partition = Number(form.partition);
    const from: BrowseFrom =
      form.mode === 'offset'
        ? { kind: 'offset', offset: Math.max(0, Number(form.offset) || 0) }
        : form.mode === 'time'
          ? { kind: 'time', time: form.time }
          : form.mode === 'last'
            ? { kind: 'last', n: Math.max(1, Number(form.last) || size) }
            : { kind: 'first' };
    const next = { partition, from, size };
    const href = hrefOf({ page: 'station', station }, { tab: 'messages', ...queryOf(next) });
    // Load on the same position reads it again, though the URL does not change.
    if (href === window.location.hash) setReloads((n) => n + 1);
    else navigate(href);
    setSelected(undefined);
  };

  const partitionInfo = props.info.partitions[position.partition];
  const page = loaded.kind === 'page' ? loaded : undefined;
  const older =
    page === undefined || partitionInfo === undefined
      ? undefined
      : olderStart(page.start, position.size, partitionInfo.firstOffset);
  const set = <K extends keyof BrowseForm>(key: K, value: BrowseForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const selectedMessage = page?.page.messages.find((m) => rowKey(m) === selected);

  return (
    <>
      <form class="card form browse-form" onSubmit={submit} aria-label="Where to read">
        <div class="field-row">
          <label class="field">
            <span>Partition</span>
            <select
              name="partition"
              value={form.partition}
              onChange={(e) => set('partition', e.currentTarget.value)}
            >
              {props.info.partitions.map((p) => (
                <option key={p.partition} value={p.partition}>
                  {p.partition} ({formatCount(p.nextOffset - p.firstOffset)}{' '}
                  {p.nextOffset - p.firstOffset === 1 ? 'message' : 'messages'})
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>Start from</span>
            <select
              name="from"
              value={form.mode}
              onChange={(e) => set('mode', e.currentTarget.value as BrowseForm['mode'])}
            >
              <option value="first">the first retained message</option>
              <option value="offset">an offset</option>
              <option value="time">a time</option>
              <option value="last">the latest N</option>
            </select>
          </label>
          {form.mode === 'offset' && (
            <label class="field">
              <span>Offset</span>
              <input
                name="offset"
                type="number"
                min={0}
                value={form.offset}
                onInput={(e) => set('offset', e.currentTarget.value)}
                required
              />
            </label>
          )}
          {form.mode === 'time' && (
            <label class="field">
              <span>Time (your time zone)</span>
              <input
                name="time"
                type="datetime-local"
                step={1}
                value={form.time}
                onInput={(e) => set('time', e.currentTarget.value)}
                required
              />
            </label>
          )}
          {form.mode === 'last' && (
            <label class="field">
              <span>N</span>
              <input
                name="last"
                type="number"
                min={1}
                value={form.last}
                onInput={(e) => set('last', e.currentTarget.value)}
                required
              />
            </label>
          )}
          <label class="field">
            <span>Page size</span>
            <input
              name="size"
              type="number"
              min={1}
              max={maxSize}
              value={form.size}
              onInput={(e) => set('size', e.currentTarget.value)}
            />
          </label>
          <button type="submit" class="primary" data-testid="browse-load">
            Load
          </button>
        </div>
        <p class="hint">Browsing reads without a consumer group: no group moves.</p>
      </form>
      <div class="toolbar browse-pager">
        <button
          type="button"
          data-testid="browse-older"
          disabled={older === undefined}
          onClick={() =>
            older !== undefined && go({ ...position, from: { kind: 'offset', offset: older } })
          }
        >
          ← Older
        </button>
        <button
          type="button"
          data-testid="browse-next"
          disabled={page === undefined}
          onClick={() =>
            page !== undefined &&
            go({ ...position, from: { kind: 'offset', offset: page.page.next } })
          }
        >
          Newer →
        </button>
        {page !== undefined && (
          <span class="muted">
            {page.page.messages.length === 0
              ? `Nothing from offset ${formatCount(page.start)}`
              : `Offsets ${formatCount(page.start)} to ${formatCount(page.page.next - 1)}`}{' '}
            of {formatCount(page.page.end)} appended
          </span>
        )}
      </div>
      {loaded.kind === 'loading' && <Loading what="messages" />}
      {loaded.kind === 'error' && <ErrorNotice error={loaded.error} action="Reading messages" />}
      {page !== undefined &&
        (page.page.messages.length === 0 ? (
          <Empty title="No messages here">
            {page.page.next >= page.page.end
              ? 'This is the end of the partition: produce to it (see the Produce tab), or read from an earlier offset.'
              : 'Nothing is visible from this position yet.'}
          </Empty>
        ) : (
          <div class="browser">
            {/* A click anywhere on a row selects it; by keyboard, the offset's button does (its click bubbles here). */}
            {/* biome-ignore lint/a11y/noStaticElementInteractions: the rows' buttons are the interactive elements */}
            {/* biome-ignore lint/a11y/useKeyWithClickEvents: Enter on a row's button clicks it, and the click bubbles here */}
            <div
              class="browser-list"
              onClick={(e) => {
                const row = (e.target as Element).closest('tr[data-row]');
                const key = row?.getAttribute('data-row');
                if (key !== null && key !== undefined) setSelected(key);
              }}
            >
              <Table
                columns={messageColumns(selected)}
                rows={page.page.messages}
                rowKey={rowKey}
                label={`Messages of partition ${position.partition}`}
                testId="messages-table"
              />
            </div>
            {selectedMessage !== undefined && (
              <MessageDetail message={selectedMessage} onClose={() => setSelected(undefined)} />
            )}
          </div>
        ))}
    </>
  );
}

function rowKey(m: BrowsedMessage): string {
  return `${m.partition}/${m.offset}`;
}

function messageColumns(selected: string | undefined): Column<BrowsedMessage>[] {
  return [
    {
      key: 'offset',
      label: 'Offset',
      numeric: true,
      render: (m) => (
        <button
          type="button"
          class="link"
          aria-pressed={rowKey(m) === selected}
          aria-label={`Show message at offset ${m.offset}`}
        >
          {m.offset}
        </button>
      ),
    },
    { key: 'timestamp', label: 'Time', render: (m) => formatTime(m.timestamp) },
    { key: 'key', label: 'Key', render: (m) => m.key ?? <span class="muted">–</span> },
    { key: 'msgId', label: 'Message id', render: (m) => m.msgId ?? <span class="muted">–</span> },
    { key: 'size', label: 'Size', numeric: true, render: (m) => formatBytes(m.payload.length) },
    {
      key: 'payload',
      label: 'Payload',
      render: (m) => <span class="mono preview">{previewPayload(m.payload)}</span>,
    },
  ];
}
