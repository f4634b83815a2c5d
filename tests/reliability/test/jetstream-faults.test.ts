import { expect, it } from 'vitest';
import { run, runPause } from '../src/jetstream-faults.js';
import { shortRun } from './short-run.js';

it('jetstream: kill -9 a nats-server, then a broker, restart both: nothing acknowledged lost, order held', async () => {
  expect((await shortRun(run)).failures).toEqual([]);
}, 90_000);

it('jetstream: a nats-server frozen past an election: the majority goes on, nothing acknowledged lost', async () => {
  expect((await shortRun(runPause)).failures).toEqual([]);
}, 90_000);
