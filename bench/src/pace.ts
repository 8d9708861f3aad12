import { performance } from 'node:perf_hooks';

export interface Pacer {
  /** Resolves with the number of items sent once the duration is over or `stop()` was called. */
  readonly done: Promise<number>;
  stop(): void;
}

const TICK_MS = 5;

/**
 * Sends `rate` items per second in small ticks (`send(count, offeredAt)`), catching up on ticks the event loop
 * was late for, so the offered load is the same whatever the server under test does with it. `offeredAt` is when
 * the tick's items were offered, taken before any of them is sent: a latency measured from it includes the wait
 * behind the items sent before in the same tick, whichever server sends them.
 */
export function pace(rate: number, send: (count: number, offeredAt: Date) => void, durationMs = Number.POSITIVE_INFINITY): Pacer {
  const start = performance.now();
  let sent = 0;
  let finish: (count: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  const tick = () => {
    const elapsed = Math.min(performance.now() - start, durationMs);
    const due = Math.floor((rate * elapsed) / 1000) - sent;
    if (due > 0) {
      sent += due;
      send(due, new Date());
    }
    if (elapsed >= durationMs) stop();
  };
  const timer = setInterval(tick, TICK_MS);
  const stop = () => {
    clearInterval(timer);
    finish(sent);
  };
  return { done, stop };
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
