import { codecs, connect } from '@ferry/browser';

const client = await connect('ws://127.0.0.1:9000/ws');
const orders = client.producer('orders', { codec: codecs.json() });
const ack = await orders.produce({ id: 42, total: 9.5 }, { key: 'customer-7' });
document.body.append(`stored in partition ${ack.partition} at offset ${ack.offset}. `);

const consumer = await client.consume('orders', { group: 'billing', start: 'earliest' });
for await (const message of consumer) {
  document.body.append(`received ${message.text()}, delivery ${message.deliveryCount}`);
  await message.ack();
  break;
}
await client.close();
