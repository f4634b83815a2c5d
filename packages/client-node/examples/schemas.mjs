import { codecs, connect } from '@ferry/node';

const client = await connect(process.env.FERRY_URL ?? 'ferry://127.0.0.1:6666');
await client.schemas.create('payments', {
  type: 'json',
  definition: JSON.stringify({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    required: ['id', 'amount', 'currency'],
    properties: {
      id: { type: 'string', pattern: '^pay_[a-z0-9]+$' },
      amount: { type: 'integer', minimum: 1 },
      currency: { enum: ['EUR', 'USD'] },
      email: { type: 'string', format: 'email' },
    },
    additionalProperties: false,
  }),
});
await client.stations.create('payments');
// deadletter keeps what fails in the station's dead-letter store; reject (the default) drops it.
await client.stations.attachSchema('payments', 'payments', { mode: 'deadletter' });

const payments = client.producer('payments', { codec: codecs.json() });
const ack = await payments.produce({ id: 'pay_1', amount: 1250, currency: 'EUR' });
console.log('stored at offset', ack.offset);
try {
  await payments.produce({ id: 'pay_2', amount: 0, currency: 'EUR' });
} catch (err) {
  console.log(err.code, `(dead letter ${err.deadLetterId}):`, err.message);
}

const consumer = await client.consume('payments', { group: 'ledger', start: 'earliest' });
for await (const message of consumer) {
  const { 'ferry-schema': schema, 'ferry-schema-version': version } = message.headers;
  console.log('received', message.json(), `checked against ${schema} v${version}`);
  await message.ack();
  break;
}
await client.close();
