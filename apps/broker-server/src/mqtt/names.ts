/**
 * The consumer groups and metadata keys of MQTT sessions. A client id or share name that is a
 * valid group name is kept readable (`mqtt-sensor-7`); any other is hashed, as group names are
 * lowercase and short while client ids are neither.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isName } from '../backend/names.js';

const READABLE_MAX = 64;

const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);
const part = (text: string) => (isName(text, READABLE_MAX) ? text : `h-${hash(text)}`);

/** The group of a persistent session's subscriptions on each station. */
export const sessionGroup = (clientId: string) => `mqtt-${part(clientId)}`;

/** The group a shared subscription `$share/<share>/…` joins on each station. */
export const shareGroup = (share: string) => `mqtt-share-${part(share)}`;

/** Prefix of the groups of clean sessions, which end with their connection. */
export const TEMPORARY_PREFIX = 'mqtt-t-';

export const temporaryGroup = () => `${TEMPORARY_PREFIX}${randomBytes(8).toString('hex')}`;

/** Metadata keys: one segment per record, whatever the client id or topic holds. */
export const sessionKey = (clientId: string) => `mqtt/sessions/${hash(clientId)}`;
export const retainedKey = (topic: string) =>
  `mqtt/retained/${createHash('sha256').update(topic).digest('hex')}`;
export const SESSIONS_PREFIX = 'mqtt/sessions/';
export const RETAINED_PREFIX = 'mqtt/retained/';

/** A client id the broker assigns to a client that sent none. [MQTT-3.1.3-6] */
export const assignedClientId = () => `ferry-${randomBytes(12).toString('hex')}`;
