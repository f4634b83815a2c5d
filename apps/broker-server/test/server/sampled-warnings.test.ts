import { describe, expect, it } from 'vitest';
import { SampledWarnings } from '../../src/server/sampled-warnings.js';
import { recordingLogger } from '../support/test-servers.js';

describe('sampled warnings', () => {
  it('[SEC-3] a flood of refusals logs the first of each kind, then one line per interval with the count left out', () => {
    const log = recordingLogger();
    let now = 0;
    const sampled = new SampledWarnings(log, 10_000, () => now);
    for (let i = 0; i < 1000; i++)
      sampled.warn({ remote: `127.0.0.${i % 9}` }, 'handshake refused');
    sampled.warn({ remote: '127.0.0.2' }, 'connection refused');
    expect(log.entries.map((e) => e.message)).toEqual(['handshake refused', 'connection refused']);
    now = 10_000;
    sampled.warn({ remote: '127.0.0.3' }, 'handshake refused');
    expect(log.entries.at(-1)).toEqual(
      expect.objectContaining({
        message: 'handshake refused',
        fields: expect.objectContaining({ remote: '127.0.0.3', suppressed: 999 }),
      }),
    );
    expect(log.entries).toHaveLength(3);
  });
});
