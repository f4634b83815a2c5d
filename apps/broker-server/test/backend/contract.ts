/**
 * The backend contract: one suite every storage backend runs (as aedes-persistence's abstract
 * tests are for aedes backends), written against the interface of src/backend/types.ts only.
 * A backend is done when it passes; restart tests run for harnesses that can reopen.
 */
import { describe } from 'vitest';
import { appendContract } from './contract/append.js';
import { deadLettersContract } from './contract/dead-letters.js';
import { dedupContract } from './contract/dedup.js';
import { type BackendHarness, fixture } from './contract/fixture.js';
import { groupDeadLetterContract } from './contract/group-dead-letter.js';
import { groupFetchContract } from './contract/group-fetch.js';
import { groupRestartContract } from './contract/group-restart.js';
import { groupSeekContract } from './contract/group-seek.js';
import { groupSettleContract } from './contract/group-settle.js';
import { metadataContract } from './contract/metadata.js';
import { stationsContract } from './contract/stations.js';

export type { BackendHarness } from './contract/fixture.js';

export function backendContract(name: string, harness: BackendHarness): void {
  describe(`backend contract: ${name}`, () => {
    const fx = fixture(harness);
    stationsContract(fx);
    appendContract(fx);
    dedupContract(fx);
    groupFetchContract(fx);
    groupSettleContract(fx);
    groupDeadLetterContract(fx);
    groupRestartContract(fx);
    groupSeekContract(fx);
    deadLettersContract(fx);
    metadataContract(fx);
  });
}
