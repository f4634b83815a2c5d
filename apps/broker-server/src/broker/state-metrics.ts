/**
 * The gauges of the broker's state (what stations hold, how far behind groups are), read from
 * the stations and groups at each scrape rather than kept current by every produce, delivery and
 * settlement.
 */
import type { Metrics } from '../metrics.js';
import type { GroupRegistry } from './groups/registry.js';
import type { StationRegistry } from './stations/registry.js';
import { stationState } from './stations/station-state.js';

export function collectBrokerState(
  metrics: Metrics,
  stations: StationRegistry,
  groups: GroupRegistry,
): void {
  const gauge = (name: string, help: string, labelNames: readonly string[] = []) =>
    metrics.gauge(name, { help, labelNames, collected: true });
  const byStation = ['station'];
  const byGroup = ['station', 'group'];
  const stationCount = gauge('ferry_stations', 'Stations open');
  const storedBytes = gauge(
    'ferry_stored_bytes',
    "Bytes of the messages a station holds, as they take in its log (its partitions' bytes)",
    byStation,
  );
  const storedMessages = gauge(
    'ferry_stored_messages',
    'Messages a station holds: from the first retained offset to the next, over its partitions',
    byStation,
  );
  const deadLetters = gauge(
    'ferry_dead_letters',
    "Entries in a station's dead-letter store",
    byStation,
  );
  const groupCount = gauge('ferry_groups', 'Consumer groups open');
  const lag = gauge(
    'ferry_group_lag',
    'Messages a group has not had delivered yet: new ones and those waiting for redelivery',
    byGroup,
  );
  const inFlight = gauge(
    'ferry_group_in_flight',
    'Messages delivered to a group and not yet settled',
    byGroup,
  );
  const members = gauge('ferry_group_members', 'Members subscribed to a group', byGroup);

  metrics.onScrape(async () => {
    for (const station of stations.list(undefined, undefined, Number.POSITIVE_INFINITY).stations) {
      const state = await stationState(stations, station);
      if (state === undefined) continue;
      const labels = { station: station.name };
      stationCount.inc();
      storedBytes.inc(labels, state.bytes);
      storedMessages.inc(labels, state.messages);
      deadLetters.inc(labels, state.deadLetters);
    }
    for (const coordinator of [...groups.all()]) {
      const counts = await coordinator.cursor.counts();
      const labels = { station: coordinator.station.name, group: coordinator.name };
      groupCount.inc();
      lag.inc(labels, counts.lag);
      inFlight.inc(labels, counts.pending);
      members.inc(labels, coordinator.members.length);
    }
  });
}
