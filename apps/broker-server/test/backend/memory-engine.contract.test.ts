import { MemoryEngine } from '../../src/storage/memory-engine.js';
import { backendContract } from './contract.js';

backendContract('memory engine', {
  storage: 'memory',
  open: async () => new MemoryEngine(),
});
