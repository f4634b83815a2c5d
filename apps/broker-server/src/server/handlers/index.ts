/** One handler per frame type, bound to the broker core. */

import type { BrokerCore } from '../../broker/core.js';
import type { FrameHandlers } from '../types.js';
import { ack } from './ack.js';
import { brokerInfo } from './broker-info.js';
import { browse } from './browse.js';
import { credit } from './credit.js';
import { deadLetter } from './dead-letter.js';
import { dlsDrop } from './dls-drop.js';
import { dlsList } from './dls-list.js';
import { dlsResend } from './dls-resend.js';
import { groupCreate } from './group-create.js';
import { groupDelete } from './group-delete.js';
import { groupInfo } from './group-info.js';
import { groupList } from './group-list.js';
import { groupSeek } from './group-seek.js';
import { groupUpdate } from './group-update.js';
import { nack } from './nack.js';
import { produce, produceLatency } from './produce.js';
import { schemaAddVersion } from './schema-add-version.js';
import { schemaAttach } from './schema-attach.js';
import { schemaCreate } from './schema-create.js';
import { schemaDelete } from './schema-delete.js';
import { schemaDetach } from './schema-detach.js';
import { schemaGet } from './schema-get.js';
import { schemaInfo } from './schema-info.js';
import { schemaList } from './schema-list.js';
import { schemaUpdate } from './schema-update.js';
import { stationCreate } from './station-create.js';
import { stationDelete } from './station-delete.js';
import { stationInfo } from './station-info.js';
import { stationList } from './station-list.js';
import { stationPurge } from './station-purge.js';
import { stationUpdate } from './station-update.js';
import { subscribe } from './subscribe.js';
import { unsubscribe } from './unsubscribe.js';

export function frameHandlers(core: BrokerCore): FrameHandlers {
  const latency = produceLatency(core.metrics);
  return {
    stationCreate: (conn, frame) => stationCreate(core, conn, frame),
    stationUpdate: (conn, frame) => stationUpdate(core, conn, frame),
    stationDelete: (conn, frame) => stationDelete(core, conn, frame),
    stationInfo: (conn, frame) => stationInfo(core, conn, frame),
    stationList: (conn, frame) => stationList(core, conn, frame),
    stationPurge: (conn, frame) => stationPurge(core, conn, frame),
    produce: (conn, frame) => produce(core, conn, frame, latency),
    subscribe: (conn, frame) => subscribe(core, conn, frame),
    unsubscribe: (conn, frame) => unsubscribe(core, conn, frame),
    credit: (conn, frame) => credit(core, conn, frame),
    ack: (conn, frame) => ack(core, conn, frame),
    nack: (conn, frame) => nack(core, conn, frame),
    deadLetter: (conn, frame) => deadLetter(core, conn, frame),
    dlsList: (conn, frame) => dlsList(core, conn, frame),
    dlsResend: (conn, frame) => dlsResend(core, conn, frame),
    dlsDrop: (conn, frame) => dlsDrop(core, conn, frame),
    groupCreate: (conn, frame) => groupCreate(core, conn, frame),
    groupUpdate: (conn, frame) => groupUpdate(core, conn, frame),
    groupDelete: (conn, frame) => groupDelete(core, conn, frame),
    groupInfo: (conn, frame) => groupInfo(core, conn, frame),
    groupList: (conn, frame) => groupList(core, conn, frame),
    groupSeek: (conn, frame) => groupSeek(core, conn, frame),
    browse: (conn, frame) => browse(core, conn, frame),
    brokerInfo: (conn, frame) => brokerInfo(core, conn, frame),
    schemaAddVersion: (conn, frame) => schemaAddVersion(core, conn, frame),
    schemaAttach: (conn, frame) => schemaAttach(core, conn, frame),
    schemaCreate: (conn, frame) => schemaCreate(core, conn, frame),
    schemaDelete: (conn, frame) => schemaDelete(core, conn, frame),
    schemaDetach: (conn, frame) => schemaDetach(core, conn, frame),
    schemaGet: (conn, frame) => schemaGet(core, conn, frame),
    schemaInfo: (conn, frame) => schemaInfo(core, conn, frame),
    schemaList: (conn, frame) => schemaList(core, conn, frame),
    schemaUpdate: (conn, frame) => schemaUpdate(core, conn, frame),
  };
}
