/**
 * Opens thousands of partitions: stationCreate frames of `partitions` partitions each, all sent
 * at once on one connection. Past the broker's partition cap it must answer QUOTA_EXCEEDED and
 * create nothing; it must never run out of descriptors doing it.
 */
import type { Auth } from '@ferry/protocol';
import { handshake, type RawConnection } from '../raw-connection.js';
import { sleep } from '../time.js';
import { type Attack, Tally } from './attack.js';

export interface PartitionHogOptions {
  port: number;
  localAddress: string;
  auth: Auth;
  stations: number;
  partitions: number;
}

export interface PartitionHog extends Attack {
  /** Resolves with the first station it created (or undefined if it created none). */
  readonly firstStation: Promise<string | undefined>;
  /** Stations whose creation was answered with an error: none of them may exist. */
  readonly refusedStations: string[];
}

/** A station create may take a while on a loaded broker; past this it counts as unanswered. */
const CREATE_TIMEOUT_MS = 60_000;

const hogStation = (i: number): string => `hostile-p-${i}`;

export function partitionHog(options: PartitionHogOptions): PartitionHog {
  const refused = new Tally();
  const refusedStations: string[] = [];
  let stopping = false;
  let created = 0;
  let createdPartitions = 0;
  let seconds = 0;
  let connection: RawConnection | undefined;
  let first: (name: string | undefined) => void = () => {};
  const firstStation = new Promise<string | undefined>((resolve) => {
    first = resolve;
  });

  const create = async (conn: RawConnection, name: string) => {
    const config = { partitions: options.partitions };
    const reply = await conn
      .request({ type: 'stationCreate', id: conn.id(), name, config }, CREATE_TIMEOUT_MS)
      .catch((error: Error) => error.message);
    if (typeof reply !== 'string' && reply.type === 'station') {
      created++;
      createdPartitions += options.partitions;
      first(name);
    } else if (stopping) {
      // abandoned, not refused
    } else if (typeof reply === 'string') refused.add(reply);
    else {
      refused.add(reply.type === 'error' ? reply.code : reply.type);
      refusedStations.push(name);
    }
  };
  const run = async () => {
    const started = performance.now();
    while (!stopping) {
      const hs = await handshake({ ...options, timeoutMs: 10_000 });
      if (hs.ok) {
        connection = hs.connection;
        break;
      }
      refused.add(`handshake ${hs.code}`);
      await sleep(200);
    }
    const conn = connection;
    if (conn !== undefined) {
      // All at once, as a client that pipelines its requests: the cap must hold for creations
      // in progress too.
      const names = Array.from({ length: options.stations }, (_, i) => hogStation(i));
      await Promise.all(names.map((name) => create(conn, name)));
    }
    seconds = (performance.now() - started) / 1000;
    first(undefined);
  };
  const done = run();

  return {
    refused,
    firstStation,
    refusedStations,
    async stop() {
      stopping = true;
      connection?.destroy();
      await done;
    },
    figures: () => ({
      stationsCreated: created,
      partitionsCreated: createdPartitions,
      partitionsAsked: options.stations * options.partitions,
      createSeconds: Math.round(seconds * 10) / 10,
      refused: refused.toString(),
    }),
  };
}
