/** A station as the broker runs it: its backend, its effective settings and its groups' own. */
import type { GroupOrdering, SchemaAttachment, StationConfig } from '@ferry/protocol';
import type { StationBackend } from '../../backend/types.js';
import type { Partitioner } from '../partitioner.js';
import type { PushSettings } from '../push/push-settings.js';
import type { EffectiveConfig } from '../station-settings.js';

/** Settings a group was created with (from its first subscribe), over the station's. */
export interface GroupOverrides {
  ackTimeoutMs?: number;
  maxDeliveries?: number;
  /** Absent for 'none', so settings written before ordering existed read the same. [GROUP-4] */
  ordering?: GroupOrdering;
  /** The group's push endpoint, its secret included (kept as the station's settings are). [GROUP-6] */
  push?: PushSettings;
}

export interface Station {
  readonly name: string;
  readonly backend: StationBackend;
  config: EffectiveConfig;
  readonly groups: Map<string, GroupOverrides>;
  readonly partitioner: Partitioner;
  /** The schema its produced messages are validated against (SCHEMA-4). */
  schema: SchemaAttachment | undefined;
}

/** What the station keeps in its backend settings. */
export interface SavedSettings {
  config: StationConfig;
  groups: Record<string, GroupOverrides>;
  schema?: SchemaAttachment;
}

export function saved(station: Station): SavedSettings {
  return {
    config: station.config,
    groups: Object.fromEntries(station.groups),
    ...(station.schema === undefined ? {} : { schema: station.schema }),
  };
}
