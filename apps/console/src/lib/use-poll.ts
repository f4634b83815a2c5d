import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  /** True until the first answer (or failure). */
  loading: boolean;
  /** Asks again now (after an action), without waiting for the next tick. */
  refresh: () => void;
}

/**
 * Calls `load` now and every `intervalMs` while the page is shown: one request at a time (the
 * next waits for the previous answer), none while the tab is hidden, aborted when the
 * component goes away or `deps` change. This is the console's only way of staying live, so a
 * page costs the broker one small request per interval.
 */
export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  deps: readonly unknown[],
): Polled<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const kick = useRef<() => void>(() => {});
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    let again = false;
    setState({ data: undefined, error: undefined, loading: true });
    const tick = async () => {
      clearTimeout(timer);
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        const data = await load(abort.signal);
        if (!abort.signal.aborted) setState({ data, error: undefined, loading: false });
      } catch (error) {
        if (!abort.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      } finally {
        running = false;
      }
      if (abort.signal.aborted) return;
      if (again) {
        again = false;
        void tick();
      } else if (!document.hidden) timer = setTimeout(tick, intervalMs);
    };
    const visible = () => {
      if (!document.hidden && !running) void tick();
    };
    kick.current = () => void tick();
    document.addEventListener('visibilitychange', visible);
    void tick();
    return () => {
      abort.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', visible);
    };
  }, deps);
  const refresh = useCallback(() => kick.current(), []);
  return { ...state, refresh };
}
