import { expect, it } from 'vitest';
import { run } from '../src/kill9.js';
import { shortRun } from './short-run.js';

it('kill -9 cycles: no acknowledged message lost, nothing unexpected', async () => {
  expect((await shortRun(run)).failures).toEqual([]);
});
