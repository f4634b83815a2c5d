import { expect, it } from 'vitest';
import { run } from '../src/power-loss.js';
import { shortRun } from './short-run.js';

it('power loss at random I/O points: every acknowledged record survives intact, nothing partial', async () => {
  expect((await shortRun(run)).failures).toEqual([]);
});
