import { expect, it } from 'vitest';
import { run } from '../src/slow-consumer.js';
import { shortRun } from './short-run.js';

it('a consumer that stops reading is held, then cut off; the broker stays bounded and others keep up', async () => {
  expect((await shortRun(run)).failures).toEqual([]);
});
