/**
 * Runs `task(0) .. task(count - 1)`, at most `limit` at a time. On a failure no
 * new task starts, and the first error is thrown once every started task has
 * ended, so the caller's cleanup races nothing.
 */
export async function forEachLimited(
  count: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < count && !failed) {
      try {
        await task(next++);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, count) }, worker));
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** Runs every task, at most `limit` at a time, whatever fails; then throws the first error, if any. */
export async function forEachSettled(
  count: number,
  limit: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  const errors: unknown[] = [];
  await forEachLimited(count, limit, (i) => task(i).catch((e: unknown) => void errors.push(e)));
  if (errors.length > 0) throw errors[0];
}
