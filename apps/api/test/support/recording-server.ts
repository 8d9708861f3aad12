import type { EventEnvelope } from '@operate/shared';
import type { OperateServer } from '../../src/events/gateway/socket-types.js';

/** Stands in for one node's socket.io server: records what its fan-out emits, per room, in order. */
export function recordingServer() {
  const delivered: { room: string | undefined; envelope: EventEnvelope }[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const audience = (room: string | undefined) => ({
    emit: (_event: string, envelope: EventEnvelope) => {
      delivered.push({ room, envelope });
      for (const waiter of waiters.filter((w) => delivered.length >= w.count)) waiter.resolve();
      return true;
    },
  });
  // Some socket is in every room: the fan-out emits every event it delivers.
  const everyRoom = { has: () => true, get: () => new Set(['socket']) };
  const server = {
    local: { ...audience(undefined), to: (rooms: string | string[]) => audience([rooms].flat().join(',')) },
    sockets: { adapter: { rooms: everyRoom }, sockets: new Map([['socket', {}]]) },
  } as unknown as OperateServer;
  /** Resolves once `count` events in all have been delivered (generous timeout, never a sleep). */
  const waitForCount = (count: number, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      if (delivered.length >= count) return resolve();
      const timer = setTimeout(() => reject(new Error(`only ${delivered.length} of ${count} delivered`)), timeoutMs);
      waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  return { server, delivered, waitForCount };
}
