/** The Ferry broker under test, how to reach it, and the checks read back from it. */
import { type Client, connect, type StationConfig } from '@ferry/node';
import type { Check } from '../outcomes.js';

export interface FerryTarget {
  url: string;
  /** Settings of every station a scenario creates. */
  station: StationConfig;
}

/** A client with the station `name` created. */
export async function open(target: FerryTarget, name?: string): Promise<Client> {
  const client = await connect(target.url);
  if (name !== undefined) await client.stations.create(name, target.station);
  return client;
}

/** The broker holds `expected` messages, and each group has acked all it was given. */
export async function stationChecks(
  client: Client,
  station: string,
  expected: number,
  groups: readonly string[],
): Promise<Check[]> {
  const info = await client.stations.info(station);
  const stored = info.partitions.reduce((sum, p) => sum + p.nextOffset - p.firstOffset, 0);
  const checks: Check[] = [{ what: 'stored', expected, actual: stored }];
  for (const name of groups) {
    const group = info.groups.find((candidate) => candidate.name === name);
    checks.push(
      { what: `${name} unacked on the broker`, expected: 0, actual: group?.pending ?? -1 },
      { what: `${name} undelivered on the broker`, expected: 0, actual: group?.lag ?? -1 },
    );
  }
  return checks;
}
