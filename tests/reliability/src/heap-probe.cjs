// Preloaded into the broker (NODE_OPTIONS=--require) by the soak: writes the process's memory
// use to HEAP_PROBE_FILE every second, so the soak reports the heap without changing the broker.
const { writeFileSync } = require('node:fs');

const file = process.env.HEAP_PROBE_FILE;
if (file !== undefined) {
  setInterval(() => writeFileSync(file, JSON.stringify(process.memoryUsage())), 1000).unref();
}
