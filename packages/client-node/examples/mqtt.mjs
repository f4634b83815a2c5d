import { codecs, connect } from '@ferry/node';
import mqtt from 'mqtt';

const ferry = await connect(process.env.FERRY_URL ?? 'ferry://127.0.0.1:6666');
const mqttUrl = process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1883';

// A service reads what devices publish under sensors/… : the first topic level names the station.
await ferry.stations.create('sensors');
const readings = await ferry.consume('sensors', { group: 'dashboard', codec: codecs.text });

// A device publishes over MQTT 5; PUBACK comes once the message is on disk.
const device = await mqtt.connectAsync(mqttUrl, { protocolVersion: 5, clientId: 'thermostat-7' });
await device.subscribeAsync('sensors/kitchen/setpoint', { qos: 1 });
const setpoint = new Promise((resolve) =>
  device.once('message', (topic, payload) => resolve([topic, `${payload}`])),
);
await device.publishAsync('sensors/kitchen/temp', '21.5', {
  qos: 1,
  properties: { userProperties: { unit: 'C' } },
});

for await (const m of readings) {
  console.log(
    `ferry got ${m.data} on ${m.headers['mqtt-topic']} (key ${m.key}, unit ${m.headers.unit})`,
  );
  await m.ack();
  break;
}

// A Ferry producer answers; the mqtt-topic header is the topic MQTT subscribers see.
await ferry.producer('sensors').produce(new TextEncoder().encode('19'), {
  headers: { 'mqtt-topic': 'sensors/kitchen/setpoint' },
});
const [topic, value] = await setpoint;
console.log(`mqtt got ${value} on ${topic}`);

await device.endAsync();
await ferry.close();
