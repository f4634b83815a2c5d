import { expect, it } from 'vitest';
import { run } from '../src/hostile.js';
import { shortRun } from './short-run.js';

it('hostile clients: nothing acknowledged lost, poison dead-lettered, the broker bounded and serving', async () => {
  expect((await shortRun(run)).failures).toEqual([]);
});
