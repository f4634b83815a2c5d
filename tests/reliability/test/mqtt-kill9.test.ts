import { expect, it } from 'vitest';
import { run } from '../src/mqtt-kill9.js';
import { shortRun } from './short-run.js';

it('kill -9 cycles over MQTT: no acknowledged publish lost, nothing unexpected', async () => {
  expect((await shortRun(run)).failures).toEqual([]);
});
