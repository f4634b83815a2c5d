import type { BrokerInfo } from '@ferry/browser';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { formatBytes, formatCount, formatDuration, formatRate } from '../lib/format.js';
import { currentRates, emptyHistory, push } from '../lib/rate-history.js';
import { hrefOf } from '../lib/route.js';
import { usePoll } from '../lib/use-poll.js';
import { useSession } from '../session.js';
import { Loading } from '../ui/empty.js';
import { ErrorNotice } from '../ui/notice.js';
import { RateChart } from '../ui/rate-chart.js';

/** brokerInfo every 2 s: the chart's 90 samples then span its three minutes. */
const POLL_MS = 2000;

/** The broker at a glance: live rates, totals over the stations this principal sees, uptime. */
export function OverviewPage(_props: { query: URLSearchParams }) {
  const { client } = useSession();
  const info = usePoll((signal) => client.brokerInfo({ signal }), POLL_MS, [client]);
  const [history, setHistory] = useState(emptyHistory);
  const data = info.data;
  useEffect(() => {
    if (data !== undefined)
      setHistory((h) =>
        push(h, { at: data.now, appended: data.appended, delivered: data.delivered }),
      );
  }, [data]);
  const rates = currentRates(history);

  return (
    <main>
      <h1>Overview</h1>
      {info.error !== undefined && <ErrorNotice error={info.error} action="Refreshing" />}
      {data === undefined ? (
        info.loading && <Loading what="the broker's totals" />
      ) : (
        <>
          {data.stations === 0 && <GettingStarted />}
          <RateChart history={history} />
          <div class="cards overview-cards">
            <Stat testId="stat-messages-in" label="Messages in">
              {rates === undefined ? '…' : formatRate(rates.in)}
            </Stat>
            <Stat testId="stat-messages-out" label="Messages out">
              {rates === undefined ? '…' : formatRate(rates.out)}
            </Stat>
            <Stat
              testId="stat-stations"
              label="Stations"
              href={hrefOf({ page: 'stations' })}
              sub={plural(data.partitions, 'partition')}
            >
              {formatCount(data.stations)}
            </Stat>
            <Stat
              testId="stat-groups"
              label="Consumer groups"
              href={hrefOf({ page: 'stations' })}
              sub={plural(data.members, 'member')}
            >
              {formatCount(data.groups)}
            </Stat>
            <Stat
              testId="stat-dead-letters"
              label="Dead letters"
              href={hrefOf({ page: 'dead-letters' })}
            >
              {formatCount(data.deadLetters)}
            </Stat>
            <Stat testId="stat-storage" label="Stored" sub={plural(data.storedMessages, 'message')}>
              {formatBytes(data.storedBytes)}
            </Stat>
            <Connections info={data} />
            <Stat testId="stat-uptime" label="Uptime">
              {formatDuration(data.now - data.startedAt)}
            </Stat>
            <Stat testId="stat-version" label="Version">
              <span class="mono">{data.serverVersion}</span>
            </Stat>
          </div>
          <p class="hint">
            Totals over the stations you may see; rates from the broker's counters every{' '}
            {POLL_MS / 1000} s.
          </p>
        </>
      )}
    </main>
  );
}

function Connections(props: { info: BrokerInfo }) {
  const { connections } = props.info;
  return (
    <Stat
      testId="stat-connections"
      label="Connections"
      sub={
        connections === undefined
          ? 'Only for a principal that may administer every station.'
          : undefined
      }
    >
      {connections === undefined ? (
        <>
          <span aria-hidden="true">—</span>
          <span class="visually-hidden">Not shown</span>
        </>
      ) : (
        formatCount(connections)
      )}
    </Stat>
  );
}

/** One number card; with `href`, the whole card is a link to where the number comes from. */
function Stat(props: {
  testId: string;
  label: string;
  href?: string;
  /** A line under the number, outside it. */
  sub?: ComponentChildren;
  children: ComponentChildren;
}) {
  const body = (
    <>
      <div class="label">{props.label}</div>
      <div class="value">{props.children}</div>
      {props.sub !== undefined && <div class="hint">{props.sub}</div>}
    </>
  );
  return props.href === undefined ? (
    <div class="card stat" data-testid={props.testId}>
      {body}
    </div>
  ) : (
    <a class="card stat stat-link" href={props.href} data-testid={props.testId}>
      {body}
    </a>
  );
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

const SNIPPET = `import { codecs, connect } from '@ferry/node';

const client = await connect('ferry://localhost:6666');
const orders = client.producer('orders', { codec: codecs.json() });
await orders.produce({ id: 42, total: 9.5 }); // creates the station on first use
await client.close();`;

/** What an empty broker needs: a first station, made here or by producing to it. */
function GettingStarted() {
  return (
    <section
      class="card getting-started"
      aria-labelledby="getting-started"
      data-testid="getting-started"
    >
      <h2 id="getting-started">No stations yet</h2>
      <p>
        Create one on the <a href={hrefOf({ page: 'stations' })}>Stations page</a>, or produce to it
        from the SDK: the broker creates a station the first time it is used, unless it runs with{' '}
        <code>--no-auto-create-stations</code>.
      </p>
      <pre class="snippet">{SNIPPET}</pre>
    </section>
  );
}
