import type { StationInfo } from '@ferry/browser';
import { formatCount } from '../lib/format.js';
import { hrefOf } from '../lib/route.js';
import { usePoll } from '../lib/use-poll.js';
import { navigate } from '../lib/use-route.js';
import { useSession } from '../session.js';
import { Empty, Loading } from '../ui/empty.js';
import { ErrorNotice } from '../ui/notice.js';
import { Table } from '../ui/table.js';
import { DeadLetterStore, EmptyHint } from './dead-letter-store.js';

/**
 * Dead letters across stations: which stations hold some, and one station's store. The
 * station list feeds the picker; with a station chosen its entries are the live part, so the
 * list is asked for less often.
 */
export function DeadLettersPage(props: { station?: string; query: URLSearchParams }) {
  const { client } = useSession();
  const { station } = props;
  const group = props.query.get('group') || undefined;
  const stations = usePoll(
    async (signal) => {
      const all: StationInfo[] = [];
      for await (const info of client.stations.list({ signal })) all.push(info);
      return all;
    },
    station === undefined ? 3000 : 10_000,
    [client, station],
  );
  const known = stations.data ?? [];
  const current = known.find((s) => s.name === station);
  const names = known.map((s) => s.name);
  if (station !== undefined && current === undefined) names.push(station);

  return (
    <main>
      <h1>Dead letters</h1>
      <div class="toolbar">
        <label class="inline-field">
          Station
          <select
            name="station"
            value={station ?? ''}
            onChange={(e) =>
              navigate(
                hrefOf({
                  page: 'dead-letters',
                  ...(e.currentTarget.value === '' ? {} : { station: e.currentTarget.value }),
                }),
              )
            }
          >
            <option value="">All stations</option>
            {names.map((name) => {
              const count = known.find((s) => s.name === name)?.deadLetters;
              return (
                <option key={name} value={name}>
                  {name}
                  {count === undefined ? '' : ` (${formatCount(count)})`}
                </option>
              );
            })}
          </select>
        </label>
        {station !== undefined && (
          <a href={hrefOf({ page: 'station', station })}>Open station {station}</a>
        )}
      </div>
      {stations.error !== undefined && (
        <ErrorNotice error={stations.error} action="Listing stations" />
      )}
      {station !== undefined ? (
        <DeadLetterStore
          key={group ?? ''}
          station={station}
          group={group}
          groups={current?.groups.map((g) => g.name) ?? []}
          onChanged={stations.refresh}
        />
      ) : stations.data === undefined ? (
        stations.loading && <Loading what="stations" />
      ) : (
        <StationsWithDeadLetters stations={stations.data} />
      )}
    </main>
  );
}

function StationsWithDeadLetters(props: { stations: readonly StationInfo[] }) {
  const holding = props.stations.filter((s) => s.deadLetters > 0);
  if (holding.length === 0)
    return (
      <Empty title="No dead letters">
        <EmptyHint />
      </Empty>
    );
  return (
    <Table
      label="Stations with dead letters"
      testId="dead-letter-stations"
      rows={holding}
      rowKey={(s) => s.name}
      initialSort={{ key: 'deadLetters', descending: true }}
      columns={[
        {
          key: 'name',
          label: 'Station',
          sortBy: (s) => s.name,
          render: (s) => <a href={hrefOf({ page: 'dead-letters', station: s.name })}>{s.name}</a>,
        },
        {
          key: 'deadLetters',
          label: 'Dead letters',
          numeric: true,
          sortBy: (s) => s.deadLetters,
          render: (s) => formatCount(s.deadLetters),
        },
        {
          key: 'groups',
          label: 'Groups',
          render: (s) => s.groups.map((g) => g.name).join(', ') || <span class="muted">none</span>,
        },
      ]}
    />
  );
}
