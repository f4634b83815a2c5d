/** How the MQTT settings that are more than a number are read. */
import { DEFAULT_LIMITS } from '@ferry/protocol';
import { isName } from '../backend/names.js';
import { parseShared, topicFilterProblem } from '../mqtt/topics.js';
import type { MqttStationRule } from './types.js';
import {
  type JsonValue,
  nonEmpty,
  objectWithKeys,
  oneOf,
  ValueError,
  withIndex,
} from './values.js';

export const mqttKey = oneOf(['topic', 'none'] as const);

/** Mapping rules: each an MQTT topic filter (not a shared one) and a station name. */
export const mqttStations: JsonValue<MqttStationRule[]> = {
  fromJson(value) {
    if (!Array.isArray(value))
      throw new ValueError('expected an array of { "topic": "<filter>", "station": "<name>" }');
    return value.map((entry, i) =>
      withIndex(i, () => {
        const fields = objectWithKeys(entry, ['topic', 'station']);
        const topic = nonEmpty(fields.topic, '.topic');
        const problem =
          parseShared(topic) === undefined
            ? topicFilterProblem(topic)
            : 'a shared subscription is not a rule';
        if (problem !== undefined) throw new ValueError(problem, '.topic');
        const station = nonEmpty(fields.station, '.station');
        if (!isName(station, DEFAULT_LIMITS.maxNameBytes))
          throw new ValueError(`${JSON.stringify(station)} is not a station name`, '.station');
        return { topic, station };
      }),
    );
  },
};
