import type { Backend } from '../../src/backend/types.js';
import { EmbeddedStorageEngine } from '../../src/storage/engine.js';
import { useTempDirs } from '../support/temp-dir.js';
import { backendContract } from './contract.js';

const tempDir = useTempDirs('contract');
const dataDirs = new WeakMap<Backend, string>();

async function open(dataDir: string): Promise<Backend> {
  const engine = await EmbeddedStorageEngine.open({ dataDir });
  dataDirs.set(engine, dataDir);
  return engine;
}

backendContract('file engine, file stations', {
  storage: 'file',
  open: () => open(tempDir()),
  reopen: (closed) => {
    const dataDir = dataDirs.get(closed);
    if (dataDir === undefined) throw new Error('not a backend of this harness');
    return open(dataDir);
  },
});

// Memory stations of the file engine: the same contract, lost on close.
backendContract('file engine, memory stations', {
  storage: 'memory',
  open: () => open(tempDir()),
});
