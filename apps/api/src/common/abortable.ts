import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Resolves after `ms`, or at once when `signal` aborts (never rejects). Leaves no listener on the signal, so a
 * loop may wait on one long-lived signal as often as it likes — unlike racing a long-lived promise, which keeps
 * a reaction on it for every race.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch((error: unknown) => {
    if (!signal.aborted) throw error;
  });
}

/** Resolves when `signal` aborts (at once if it has). */
export async function aborted(signal: AbortSignal): Promise<void> {
  if (!signal.aborted) await once(signal, 'abort');
}
