import { expect, it } from 'vitest';
import { run } from '../src/fuzz.js';
import { shortRun } from './short-run.js';

it('decoder fuzz: nothing but ProtocolError escapes, the FrameReader returns exactly its frames', async () => {
  expect((await shortRun(run)).failures).toEqual([]);
});
