/** Every station the principal sees, live: size, retention, groups, lag and dead letters. */
import type { StationInfo } from '@ferry/browser';
import { useState } from 'preact/hooks';
import { formatBytes, formatCount } from '../lib/format.js';
import { hrefOf } from '../lib/route.js';
import { type StationRow, stationRow } from '../lib/station-summary.js';
import { usePoll } from '../lib/use-poll.js';
import { navigate } from '../lib/use-route.js';
import { useSession } from '../session.js';
import { Empty, Loading } from '../ui/empty.js';
import { ErrorNotice } from '../ui/notice.js';
import { type Column, Table } from '../ui/table.js';
import { NewStationDialog } from './station-form.js';

const POLL_MS = 3000;

async function allStations(
  list: (options: { signal: AbortSignal }) => AsyncGenerator<StationInfo>,
  signal: AbortSignal,
): Promise<StationInfo[]> {
  const stations: StationInfo[] = [];
  for await (const station of list({ signal })) stations.push(station);
  return stations;
}

const COLUMNS: readonly Column<StationRow>[] = [
  {
    key: 'name',
    label: 'Station',
    sortBy: (r) => r.name,
    render: (r) => <a href={hrefOf({ page: 'station', station: r.name })}>{r.name}</a>,
  },
  {
    key: 'partitions',
    label: 'Partitions',
    numeric: true,
    sortBy: (r) => r.partitions,
    render: (r) => r.partitions,
  },
  {
    key: 'messages',
    label: 'Messages',
    numeric: true,
    sortBy: (r) => r.messages,
    render: (r) => formatCount(r.messages),
  },
  {
    key: 'bytes',
    label: 'Bytes',
    numeric: true,
    sortBy: (r) => r.bytes,
    render: (r) => formatBytes(r.bytes),
  },
  { key: 'retention', label: 'Retention', sortBy: (r) => r.retention, render: (r) => r.retention },
  {
    key: 'groups',
    label: 'Groups',
    numeric: true,
    sortBy: (r) => r.groups,
    render: (r) => r.groups,
  },
  {
    key: 'lag',
    label: 'Total lag',
    numeric: true,
    sortBy: (r) => r.lag,
    render: (r) => formatCount(r.lag),
  },
  {
    key: 'deadLetters',
    label: 'Dead letters',
    numeric: true,
    sortBy: (r) => r.deadLetters,
    render: (r) =>
      r.deadLetters === 0 ? (
        0
      ) : (
        <a href={hrefOf({ page: 'dead-letters', station: r.name })}>{formatCount(r.deadLetters)}</a>
      ),
  },
];

export function StationsPage(props: { query: URLSearchParams }) {
  const { client, mayAny } = useSession();
  const [creating, setCreating] = useState(false);
  const search = props.query.get('q') ?? '';
  const polled = usePoll(
    (signal) => allStations((options) => client.stations.list(options), signal),
    POLL_MS,
    [client],
  );
  const rows = (polled.data ?? [])
    .filter((s) => s.name.toLowerCase().includes(search.trim().toLowerCase()))
    .map(stationRow);
  const mayCreate = mayAny('admin');
  return (
    <main>
      <h1>Stations</h1>
      <div class="toolbar">
        <input
          type="search"
          aria-label="Filter stations by name"
          placeholder="Filter by name"
          data-testid="station-search"
          value={search}
          // The filter lives in the URL, so a link or a reload keeps it.
          onInput={(e) =>
            navigate(hrefOf({ page: 'stations' }, { q: e.currentTarget.value }), true)
          }
        />
        <span class="grow" />
        {mayCreate && (
          <button
            type="button"
            class="primary"
            data-testid="new-station"
            onClick={() => setCreating(true)}
          >
            New station
          </button>
        )}
      </div>
      {polled.error !== undefined && <ErrorNotice error={polled.error} action="Listing stations" />}
      {polled.loading ? (
        <Loading what="stations" />
      ) : polled.data === undefined ? null : polled.data.length === 0 ? (
        <NoStations mayCreate={mayCreate} />
      ) : rows.length === 0 ? (
        <Empty title={`No station name contains “${search}”`}>
          <a href={hrefOf({ page: 'stations' })}>Clear the filter</a>
        </Empty>
      ) : (
        <Table
          columns={COLUMNS}
          rows={rows}
          rowKey={(r) => r.name}
          initialSort={{ key: 'name' }}
          label="Stations"
          testId="stations-table"
        />
      )}
      {creating && <NewStationDialog onClose={() => setCreating(false)} />}
    </main>
  );
}

function NoStations(props: { mayCreate: boolean }) {
  return (
    <Empty title="No stations yet">
      <p>
        {props.mayCreate ? 'Create one with New station above, or produce' : 'Produce'} to one with
        an SDK: the broker creates a station on its first message (unless auto-create is off).
      </p>
      <pre class="snippet-inline">
        {
          "const producer = client.producer('orders');\nawait producer.produce(new TextEncoder().encode('hello'));"
        }
      </pre>
    </Empty>
  );
}
