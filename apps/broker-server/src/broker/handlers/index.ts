/** One handler per frame type, bound to the broker core. */
import { FerryError } from '@ferry/protocol';
import type { FrameHandlers } from '../../server/types.js';
import type { BrokerCore } from '../core.js';
import { produce } from './produce.js';
import { stationCreate } from './station-create.js';
import { stationDelete } from './station-delete.js';
import { stationInfo } from './station-info.js';
import { stationList } from './station-list.js';
import { stationUpdate } from './station-update.js';

/** Consumer groups and the dead-letter store are not served by this build yet. */
function notServed(type: string): never {
  throw new FerryError('UNKNOWN_FRAME_TYPE', `this broker does not serve ${type} frames yet`);
}

export function frameHandlers(core: BrokerCore): FrameHandlers {
  return {
    stationCreate: (conn, frame) => stationCreate(core, conn, frame),
    stationUpdate: (conn, frame) => stationUpdate(core, conn, frame),
    stationDelete: (conn, frame) => stationDelete(core, conn, frame),
    stationInfo: (conn, frame) => stationInfo(core, conn, frame),
    stationList: (conn, frame) => stationList(core, conn, frame),
    produce: (conn, frame) => produce(core, conn, frame),
    subscribe: () => notServed('subscribe'),
    unsubscribe: () => notServed('unsubscribe'),
    credit: () => notServed('credit'),
    ack: () => notServed('ack'),
    nack: () => notServed('nack'),
    deadLetter: () => notServed('deadLetter'),
    dlsList: () => notServed('dlsList'),
    dlsResend: () => notServed('dlsResend'),
    dlsDrop: () => notServed('dlsDrop'),
  };
}
