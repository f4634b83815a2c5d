/**
 * One station: its settings and administration in the header, then tabs for its partitions and
 * groups, its messages, producing to it and the code to use it.
 */
import type { GroupInfo, StationInfo } from '@ferry/browser';
import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { describeError } from '../lib/errors.js';
import { hrefOf } from '../lib/route.js';
import { configBadges } from '../lib/station-summary.js';
import { usePoll } from '../lib/use-poll.js';
import { navigate } from '../lib/use-route.js';
import { useSession } from '../session.js';
import { Confirm } from '../ui/dialog.js';
import { Empty, Loading } from '../ui/empty.js';
import { ErrorNotice, Notice } from '../ui/notice.js';
import { StationCode } from './station-code.js';
import { EditStationDialog } from './station-form.js';
import { StationMessages } from './station-messages.js';
import { StationOverview } from './station-overview.js';
import { StationProduce } from './station-produce.js';
import { PurgeDialog } from './station-purge.js';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'messages', label: 'Messages' },
  { id: 'produce', label: 'Produce' },
  { id: 'code', label: 'Code' },
] as const;
type Tab = (typeof TABS)[number]['id'];

/** Live on the overview (its tables move); elsewhere only the header's settings need it. */
const POLL_MS = { overview: 2000, other: 5000 };

export interface StationData {
  info: StationInfo;
  /** With per-partition detail; only loaded for the overview tab. */
  groups: GroupInfo[] | undefined;
}

export function StationPage(props: { station: string; query: URLSearchParams }) {
  const { client, may } = useSession();
  const { station, query } = props;
  const tab: Tab = TABS.find((t) => t.id === query.get('tab'))?.id ?? 'overview';
  const overview = tab === 'overview';
  const polled = usePoll<StationData>(
    async (signal) => {
      const info = await client.stations.info(station, { signal });
      if (!overview) return { info, groups: undefined };
      const groups: GroupInfo[] = [];
      for await (const group of client.groups.list(station, { signal })) groups.push(group);
      return { info, groups };
    },
    overview ? POLL_MS.overview : POLL_MS.other,
    [client, station, overview],
  );
  const [dialog, setDialog] = useState<'edit' | 'purge' | 'delete' | undefined>(undefined);

  if (describeError(polled.error).code === 'STATION_NOT_FOUND')
    return (
      <main>
        <h1>{station}</h1>
        <Empty title={`There is no station “${station}”`}>
          <p>It may have been deleted, or never created.</p>
          <a href={hrefOf({ page: 'stations' })}>Back to the stations</a>
        </Empty>
      </main>
    );
  const info = polled.data?.info;
  const admin = may('admin', station);
  return (
    <main>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href={hrefOf({ page: 'stations' })}>Stations</a> /
      </nav>
      <div class="page-head">
        <h1>{station}</h1>
        {admin && info !== undefined && (
          <div class="actions">
            <button type="button" data-testid="edit-station" onClick={() => setDialog('edit')}>
              Edit
            </button>
            <button
              type="button"
              class="danger"
              data-testid="purge-station"
              onClick={() => setDialog('purge')}
            >
              Purge
            </button>
            <button
              type="button"
              class="danger"
              data-testid="delete-station"
              onClick={() => setDialog('delete')}
            >
              Delete
            </button>
          </div>
        )}
      </div>
      {info !== undefined && (
        <ul class="badges" aria-label="Settings">
          {configBadges(info.config).map((b) => (
            <li key={b} class="badge">
              {b}
            </li>
          ))}
        </ul>
      )}
      <nav class="tabs" aria-label="Station">
        {TABS.map((t) => (
          <a
            key={t.id}
            class="tab"
            href={hrefOf({ page: 'station', station }, { tab: t.id === 'overview' ? '' : t.id })}
            aria-current={t.id === tab ? 'page' : undefined}
          >
            {t.label}
          </a>
        ))}
      </nav>
      {polled.error !== undefined && <ErrorNotice error={polled.error} />}
      {info === undefined ? (
        polled.loading && <Loading what="the station" />
      ) : (
        <TabContent tab={tab} data={polled.data} query={query} refresh={polled.refresh} />
      )}
      {dialog === 'edit' && info !== undefined && (
        <EditStationDialog
          info={info}
          onClose={() => setDialog(undefined)}
          onSaved={polled.refresh}
        />
      )}
      {dialog === 'purge' && info !== undefined && (
        <PurgeDialog info={info} onClose={() => setDialog(undefined)} onPurged={polled.refresh} />
      )}
      {dialog === 'delete' && (
        <Confirm
          title={`Delete ${station}`}
          message={
            <p>
              This deletes the station with all its messages, consumer groups and dead letters.
              Consumers subscribed to it stop with an error. It cannot be undone.
            </p>
          }
          confirmLabel="Delete station"
          danger
          typeToConfirm={station}
          onConfirm={async () => {
            await client.stations.delete(station);
            navigate(hrefOf({ page: 'stations' }));
          }}
          onClose={() => setDialog(undefined)}
        />
      )}
    </main>
  );
}

function TabContent(props: {
  tab: Tab;
  data: StationData | undefined;
  query: URLSearchParams;
  refresh: () => void;
}): JSX.Element | null {
  const { data } = props;
  if (data === undefined) return null;
  switch (props.tab) {
    case 'overview':
      return <StationOverview data={data} refresh={props.refresh} />;
    case 'messages':
      return <StationMessages info={data.info} query={props.query} onRead={props.refresh} />;
    case 'produce':
      return <StationProduce info={data.info} />;
    case 'code':
      return <StationCode info={data.info} />;
  }
}

/** What a tab shows when the principal may not use it. */
export function NotAllowed(props: { children: ComponentChildren }) {
  return <Notice kind="info">{props.children}</Notice>;
}
