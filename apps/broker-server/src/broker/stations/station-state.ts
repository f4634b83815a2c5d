/**
 * What a station holds, read from its partitions' bounds and its dead-letter store: for the
 * metrics scrape and for brokerInfo. [INFO-1]
 */
import type { StationRegistry } from './registry.js';
import type { Station } from './station.js';

export interface StationState {
  bytes: number;
  messages: number;
  /** Messages ever appended: the sum of the partitions' next offsets. */
  appended: number;
  deadLetters: number;
}

/**
 * The station's state; undefined when it was deleted while being read (it closed under the
 * reads and is simply no longer there).
 */
export async function stationState(
  stations: StationRegistry,
  station: Station,
): Promise<StationState | undefined> {
  const { backend } = station;
  try {
    const state = { bytes: 0, messages: 0, appended: 0, deadLetters: 0 };
    for (let p = 0; p < backend.config.partitions; p++) {
      const bounds = await backend.bounds(p);
      state.bytes += bounds.bytes;
      state.messages += bounds.next - bounds.first;
      state.appended += bounds.next;
    }
    state.deadLetters = await backend.deadLetters.count();
    return state;
  } catch (err) {
    if (stations.has(station)) throw err;
    return undefined;
  }
}
