import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// Frontend message types that end a request: after them another connection may take its turn.
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q' (simple query protocol)
const TERMINATE = 0x58; // 'X'
const PROTOCOL_3 = 196_608;

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}

/** The parts of pglite-socket 0.2.17's connection handler this patch relies on. */
interface HandlerInternals {
  readonly handlerId: number;
  detach(close: boolean): Promise<unknown>;
}

/** The parts of pglite-socket 0.2.17's QueryQueueManager this patch relies on. */
interface QueueInternals {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue: () => Promise<void>;
  clearQueueForHandler: (handlerId: number) => void;
}

function endsRequest(message: Uint8Array): boolean {
  const type = message[0];
  if (type === SYNC || type === QUERY || type === TERMINATE) return true;
  // A startup message has no type byte: length, then the protocol version.
  return message.length >= 8 && new DataView(message.buffer, message.byteOffset, message.byteLength).getInt32(4) === PROTOCOL_3;
}

/**
 * Every connection to the embedded server shares PGlite's single session, and pglite-socket queues each
 * protocol message on its own, keeping a connection's turn only inside a transaction. Two connections'
 * extended-protocol messages (Parse/Bind/Execute … Sync) can then interleave and replace each other's
 * unnamed statement or portal ("portal \"\" does not exist"). This keeps a connection's turn until its
 * request ends, as well as through its transaction; it also keeps the queue running after a failed
 * message (the original stops processing for good).
 *
 * Holding the turn stops every other connection, so a connection that holds it and sends nothing for
 * `idleInTurnMs` (a transaction left open) is cut and its transaction rolled back, as PostgreSQL's
 * `idle_in_transaction_session_timeout` would (PGlite has no timers of its own: it cannot).
 */
export function keepProtocolSequencesTogether(server: PGLiteSocketServer, idleInTurnMs: number): void {
  const internals = server as unknown as { queryQueue?: QueueInternals; handlers?: Set<HandlerInternals> };
  const queue = internals.queryQueue;
  const handlers = internals.handlers;
  if (!queue || typeof queue.processQueue !== 'function' || !Array.isArray(queue.queue) || !(handlers instanceof Set)) {
    throw new Error('pglite-socket internals changed: review keepProtocolSequencesTogether before upgrading it');
  }
  let midRequest = false;
  let idleTimer: NodeJS.Timeout | undefined;

  const watchTurn = (handlerId: number | null, holdsTurn: boolean) => {
    clearTimeout(idleTimer);
    idleTimer = undefined;
    if (!holdsTurn || handlerId === null) return;
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      const idle = [...handlers].find((handler) => handler.handlerId === handlerId);
      // Detaching clears its queue, rolls its transaction back and closes its socket; the others go on.
      if (idle) void idle.detach(true).catch(() => undefined);
    }, idleInTurnMs);
    idleTimer.unref();
  };

  queue.processQueue = async function processQueue(this: QueueInternals): Promise<void> {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const pinned = this.lastHandlerId !== null && (midRequest || this.db.isInTransaction());
        const index = pinned ? this.queue.findIndex((entry) => entry.handlerId === this.lastHandlerId) : 0;
        // The pinned connection has sent nothing more yet: wait for it (its next message restarts this loop).
        if (index === -1) break;
        const [entry] = this.queue.splice(index, 1);
        if (!entry) break;
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(entry.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                entry.onData(data);
              },
            }),
          );
        } catch (error) {
          entry.reject(error instanceof Error ? error : new Error(String(error)));
        }
        this.lastHandlerId = entry.handlerId;
        midRequest = !endsRequest(entry.message);
        watchTurn(entry.handlerId, midRequest || this.db.isInTransaction());
        entry.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }.bind(queue);

  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    // A connection that goes away mid-request must not keep the turn.
    if (queue.lastHandlerId === handlerId) {
      midRequest = false;
      watchTurn(null, false);
    }
    clear(handlerId);
  };
}
