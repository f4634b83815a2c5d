import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { descriptorLimit, storageShare } from '../../src/storage/fs/descriptor-budget.js';
import { useTempDirs } from '../support/temp-dir.js';

const tempDir = useTempDirs('descriptor-budget');

describe('storage file pool size [LIMITS-3]', () => {
  it('[LIMITS-3] reads the soft limit from /proc/self/limits, with a fallback', () => {
    const file = join(tempDir(), 'limits');
    writeFileSync(
      file,
      [
        'Limit                     Soft Limit           Hard Limit           Units     ',
        'Max processes             63541                63541                processes ',
        'Max open files            4096                 524288               files     ',
      ].join('\n'),
    );
    expect(descriptorLimit(file)).toBe(4096);
    writeFileSync(
      file,
      'Max open files            unlimited            unlimited            files\n',
    );
    expect(descriptorLimit(file)).toBe(Number.MAX_SAFE_INTEGER);
    expect(descriptorLimit(join(tempDir(), 'missing'))).toBe(1024);
    expect(descriptorLimit('/proc/self/limits')).toBeGreaterThan(0);
  });

  it('[LIMITS-3] leaves room for the process and the connections, and stays within its bounds', () => {
    // 1024: 64 reserved, sockets and storage halve the rest.
    expect(storageShare(1024, 10_000)).toBe(480);
    // Few connections: storage takes what they do not need.
    expect(storageShare(1024, 100)).toBe(860);
    expect(storageShare(100, 10_000)).toBe(18);
    expect(storageShare(64, 10_000)).toBe(16);
    expect(storageShare(Number.MAX_SAFE_INTEGER, 10_000)).toBe(65_536);
  });
});
