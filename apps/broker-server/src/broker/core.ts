/** What every frame handler works with: the broker's state, shared by all connections. */
import type { Limits } from '@ferry/protocol';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { GroupRegistry } from './groups/registry.js';
import type { Producer } from './produce.js';
import type { SchemaRegistry } from './schemas/registry.js';
import type { StationRegistry } from './stations/registry.js';

export interface BrokerCore {
  readonly limits: Limits;
  readonly stations: StationRegistry;
  /** The schema registry. [SCHEMA-1] */
  readonly schemas: SchemaRegistry;
  readonly producer: Producer;
  readonly groups: GroupRegistry;
  readonly log: Logger;
  /** What the broker counts and times in. */
  readonly metrics: Metrics;
  /** When the broker started, in milliseconds since the Unix epoch. */
  readonly startedAt: number;
  /** Open connections, over every transport. */
  connections(): number;
}
