import { codecs, connect } from '@ferry/node';

const client = await connect(process.env.FERRY_URL ?? 'ferry://127.0.0.1:6666');
const orders = client.producer('orders', { codec: codecs.json() });
const ack = await orders.produce({ id: 42, total: 9.5 }, { key: 'customer-7' });
console.log(`stored in partition ${ack.partition} at offset ${ack.offset}`);

const consumer = await client.consume('orders', { group: 'billing', start: 'earliest' });
for await (const message of consumer) {
  console.log('received', message.json(), 'delivery', message.deliveryCount);
  await message.ack();
  break;
}
await client.close();
