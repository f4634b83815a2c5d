import { codecs, schemaDecoder } from '@ferry/codecs';
import { connect } from '@ferry/node';

const proto = `syntax = "proto3";
package shop;
message Order { string id = 1; int64 cents = 2; repeated string items = 3; }`;

const client = await connect(process.env.FERRY_URL ?? 'ferry://127.0.0.1:6666');
await client.schemas.create('orders', {
  type: 'protobuf',
  definition: proto,
  messageType: 'shop.Order',
});
await client.stations.create('orders');
await client.stations.attachSchema('orders', 'orders');

const orders = client.producer('orders', { codec: codecs.protobuf(proto, 'shop.Order') });
await orders.produce({ id: 'o-1', cents: '1250', items: ['tea', 'cup'] });
await orders.close();

const decoder = schemaDecoder(client.schemas);
const consumer = await client.consume('orders', { group: 'billing', start: 'earliest' });
for await (const message of consumer) {
  console.log(message.headers['ferry-schema-version'], await decoder.decode(message));
  await message.ack();
  break;
}
await client.close();
