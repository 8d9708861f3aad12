import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { EscrowEvent, InvoiceEvent, ProtocolEvent } from '../catalog.js';
import { ClientCommand, ErrorCode } from '../protocol.js';
import {
  ClientErrorCode,
  memoryCursorStore,
  RealtimeClient,
  RealtimeError,
  storageCursorStore,
  type RealtimeClientOptions,
  type RealtimeStatus,
  type ResyncReason,
} from './realtime-client.js';
import { FakeRealtimeSocket, sampleInvoice as invoice } from './testing/index.js';

const ESCROW_ID = '0b5b8e1c-6f51-4b7a-9d0e-1a2b3c4d5e6f';
const OTHER_ESCROW_ID = '1c6c9f2d-7a62-4c8b-8e1f-2b3c4d5e6f70';

interface Harness {
  readonly client: RealtimeClient;
  readonly socket: FakeRealtimeSocket;
  readonly statuses: RealtimeStatus[];
  readonly resyncs: ResyncReason[];
  readonly problems: RealtimeError[];
  readonly tokenRequests: { forceRefresh: boolean }[];
}

function harness(options: Partial<RealtimeClientOptions> = {}): Harness {
  const fake = FakeRealtimeSocket.factory();
  const tokenRequests: { forceRefresh: boolean }[] = [];
  let issued = 0;
  const client = new RealtimeClient({
    url: 'http://127.0.0.1:1',
    getToken: (request) => {
      tokenRequests.push(request);
      issued += request.forceRefresh ? 1 : 0;
      return Promise.resolve(`token-${issued}`);
    },
    createSocket: fake.create,
    heartbeat: { intervalMs: 1_000, timeoutMs: 500 },
    ...options,
  });
  const statuses: RealtimeStatus[] = [];
  const resyncs: ResyncReason[] = [];
  const problems: RealtimeError[] = [];
  client.onStatus((status) => statuses.push(status));
  client.onResync((reason) => resyncs.push(reason));
  client.onProblem((problem) => problems.push(problem));
  return { client, socket: fake.socket(), statuses, resyncs, problems, tokenRequests };
}

/** Starts the client and completes a handshake the way the gateway does. */
async function connect(h: Harness, cursor = 0): Promise<void> {
  h.client.start();
  await h.socket.accept();
  h.socket.sendConnected({ cursor });
}

describe(RealtimeClient.name, () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
  });

  it('opens WebSocket first (no sticky sessions needed) and falls back to long-polling only when it fails', () => {
    const fake = FakeRealtimeSocket.factory();
    let seen: { transports?: unknown; tryAllTransports?: unknown } = {};
    new RealtimeClient({
      url: 'http://127.0.0.1:1',
      getToken: () => Promise.resolve('token'),
      createSocket: (url, options) => {
        seen = options;
        return fake.create(url, options);
      },
    });
    expect(seen.transports).toEqual(['websocket', 'polling']);
    expect(seen.tryAllTransports).toBe(true);
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  describe('subscribe', () => {
    it('calls handlers with the typed payload and stops after unsubscribe', async () => {
      const h = harness();
      await connect(h);
      const seen: string[] = [];
      const other: string[] = [];
      const unsubscribe = h.client.subscribe(InvoiceEvent.Created, (payload) => seen.push(payload.invoiceNumber));
      h.client.subscribe(InvoiceEvent.Created, (payload, envelope) => other.push(`${payload.invoiceNumber}@${envelope.cursor}`));
      h.client.subscribe(InvoiceEvent.Paid, () => seen.push('paid?'));

      h.socket.deliver(InvoiceEvent.Created, invoice('INV-1'), { cursor: 1 });
      unsubscribe();
      unsubscribe();
      h.socket.deliver(InvoiceEvent.Created, invoice('INV-2'), { cursor: 2 });

      expect(seen).toEqual(['INV-1']);
      expect(other).toEqual(['INV-1@1', 'INV-2@2']);
    });

    it('keeps calling the other handlers, and onEvent (cache invalidation, toasts), when one handler throws', async () => {
      const failures: unknown[] = [];
      const h = harness({ onHandlerError: (error) => failures.push(error) });
      await connect(h);
      const after: string[] = [];
      const everything: string[] = [];
      h.client.subscribe(InvoiceEvent.Created, () => {
        throw new Error('a page’s handler is broken');
      });
      h.client.subscribe(InvoiceEvent.Created, (payload) => after.push(payload.invoiceNumber));
      h.client.onEvent((envelope) => everything.push(envelope.type));
      h.client.onEvent(() => {
        throw new Error('so is a logger');
      });
      h.client.onEvent((envelope) => everything.push(`again ${envelope.type}`));

      h.socket.deliver(InvoiceEvent.Created, invoice('INV-1'), { cursor: 1 });
      h.socket.deliver(InvoiceEvent.Created, invoice('INV-2'), { cursor: 2 });

      expect(after).toEqual(['INV-1', 'INV-2']);
      expect(everything).toEqual(['invoice.created', 'again invoice.created', 'invoice.created', 'again invoice.created']);
      expect(failures.map((failure) => (failure as Error).message)).toEqual([
        'a page’s handler is broken',
        'so is a logger',
        'a page’s handler is broken',
        'so is a logger',
      ]);
    });

    it('ignores names outside the catalog and values that are not envelopes', async () => {
      const h = harness();
      await connect(h);
      const all: string[] = [];
      h.client.onEvent((envelope) => all.push(envelope.type));
      h.socket.emitRaw('invoice.deleted', { id: 'x', payload: {} });
      h.socket.emitRaw(InvoiceEvent.Created, 'not an envelope');
      h.socket.emitRaw(InvoiceEvent.Created, null);
      h.socket.deliver(InvoiceEvent.Created, invoice('INV-1'), { cursor: 1 });
      expect(all).toEqual([InvoiceEvent.Created]);
      expect(h.client.lastCursor).toBe(1);
    });
  });

  describe('resume', () => {
    it('keeps the last cursor and sends it in the next handshake', async () => {
      const store = memoryCursorStore();
      const h = harness({ cursorStore: store });
      await connect(h, 7);
      expect(h.socket.handshakes[0]).toEqual({ token: 'token-0' });
      h.socket.deliver(InvoiceEvent.Created, invoice('INV-8'), { cursor: 8 });
      h.socket.deliver(InvoiceEvent.Created, invoice('INV-9'), { cursor: 9 });
      expect(store.load()).toBe(9);

      h.socket.drop();
      const auth = await h.socket.accept();
      expect(auth).toEqual({ token: 'token-0', cursor: 9 });
    });

    it('resumes a reloaded tab from the cursor in its storage', async () => {
      const storage = new Map<string, string>();
      const webStorage = {
        getItem: (key: string) => storage.get(key) ?? null,
        setItem: (key: string, value: string) => void storage.set(key, value),
      };
      const first = harness({ cursorStore: storageCursorStore(webStorage, 'operate.cursor') });
      await connect(first, 3);
      first.socket.deliver(InvoiceEvent.Created, invoice('INV-4'), { cursor: 4 });
      first.client.stop();

      const reloaded = harness({ cursorStore: storageCursorStore(webStorage, 'operate.cursor') });
      reloaded.client.start();
      expect((await reloaded.socket.accept()).cursor).toBe(4);
      reloaded.socket.deliver(ProtocolEvent.Resumed, { cursor: 6, replayed: 2 });
      reloaded.socket.sendConnected({ cursor: 6 });
      expect(reloaded.resyncs).toEqual([]);
      expect(storage.get('operate.cursor')).toBe('6');
    });

    it('treats a garbled stored cursor as none', () => {
      const store = storageCursorStore({ getItem: () => 'twelve', setItem: () => undefined }, 'k');
      expect(store.load()).toBeUndefined();
    });
  });

  describe('duplicates', () => {
    it('drops an event id seen before, also when a replay repeats it after a reconnect', async () => {
      const h = harness();
      await connect(h);
      const seen: string[] = [];
      h.client.subscribe(InvoiceEvent.Created, (payload) => seen.push(payload.invoiceNumber));
      const first = h.socket.deliver(InvoiceEvent.Created, invoice('INV-1'), { cursor: 1 });
      h.socket.redeliver(first);

      h.socket.drop();
      await h.socket.accept();
      h.socket.redeliver(first);
      h.socket.deliver(InvoiceEvent.Created, invoice('INV-2'), { cursor: 2 });
      h.socket.deliver(ProtocolEvent.Resumed, { cursor: 2, replayed: 2 });
      h.socket.sendConnected({ cursor: 2 });

      expect(seen).toEqual(['INV-1', 'INV-2']);
    });

    it('forgets ids beyond its window (memory stays bounded)', async () => {
      const h = harness({ dedupeWindow: 2 });
      await connect(h);
      const seen: string[] = [];
      h.client.subscribe(InvoiceEvent.Created, (payload) => seen.push(payload.invoiceNumber));
      const first = h.socket.deliver(InvoiceEvent.Created, invoice('INV-1'), { cursor: 1 });
      h.socket.deliver(InvoiceEvent.Created, invoice('INV-2'), { cursor: 2 });
      h.socket.deliver(InvoiceEvent.Created, invoice('INV-3'), { cursor: 3 });
      h.socket.redeliver(first);
      expect(seen).toEqual(['INV-1', 'INV-2', 'INV-3', 'INV-1']);
    });
  });

  describe('resync', () => {
    it('asks for a refetch on a first connection, not after a resume', async () => {
      const h = harness();
      await connect(h, 5);
      expect(h.resyncs).toEqual(['fresh']);

      h.socket.drop();
      await h.socket.accept();
      h.socket.deliver(ProtocolEvent.Resumed, { cursor: 5, replayed: 0 });
      h.socket.sendConnected({ cursor: 5 });
      expect(h.resyncs).toEqual(['fresh']);
    });

    it('tells the app to refetch on reset and continues from the reset cursor', async () => {
      const h = harness({ cursorStore: memoryCursorStore(3) });
      h.client.start();
      expect((await h.socket.accept()).cursor).toBe(3);
      h.socket.deliver(ProtocolEvent.Reset, { cursor: 500, reason: 'cursor_pruned' });
      h.socket.sendConnected({ cursor: 500 });
      expect(h.resyncs).toEqual(['cursor_pruned']);
      expect(h.client.lastCursor).toBe(500);

      h.socket.drop();
      expect((await h.socket.accept()).cursor).toBe(500);
    });

    it('takes a lower cursor from an invalid_cursor reset (the stored one was from another stream)', async () => {
      const h = harness({ cursorStore: memoryCursorStore(9_999) });
      h.client.start();
      await h.socket.accept();
      h.socket.deliver(ProtocolEvent.Reset, { cursor: 12, reason: 'invalid_cursor' });
      h.socket.sendConnected({ cursor: 12 });
      expect(h.client.lastCursor).toBe(12);
      expect(h.resyncs).toEqual(['invalid_cursor']);
    });
  });

  describe('status', () => {
    it('goes connecting → catching-up → live, offline on a drop, and back through catching-up', async () => {
      const h = harness();
      h.client.start();
      expect(h.client.status).toBe('connecting');
      await h.socket.accept();
      expect(h.client.status).toBe('catching-up');
      h.socket.deliver(InvoiceEvent.Created, invoice('INV-1'), { cursor: 1 });
      expect(h.client.status).toBe('catching-up');
      h.socket.sendConnected({ cursor: 1 });
      expect(h.client.status).toBe('live');

      h.socket.drop();
      h.socket.unreachable();
      expect(h.client.status).toBe('offline');
      await h.socket.accept();
      h.socket.deliver(ProtocolEvent.Resumed, { cursor: 1, replayed: 0 });
      h.socket.sendConnected({ cursor: 1 });
      expect(h.statuses).toEqual(['catching-up', 'live', 'offline', 'catching-up', 'live']);
    });

    it('shows offline when the server cannot be reached at first', () => {
      const h = harness();
      h.client.start();
      h.socket.unreachable();
      expect(h.client.status).toBe('offline');
      expect(h.socket.active).toBe(true);
    });

    it('stays live while the heartbeat is answered', async () => {
      const h = harness();
      await connect(h);
      for (let beat = 1; beat <= 3; beat += 1) {
        await jest.advanceTimersByTimeAsync(1_000);
        const pings = h.socket.commands(ClientCommand.Ping);
        expect(pings).toHaveLength(beat);
        pings.at(-1)?.answer({ ok: true, data: { serverTime: new Date().toISOString() } });
      }
      await jest.advanceTimersByTimeAsync(600);
      expect(h.client.status).toBe('live');
      expect(h.socket.connectCalls).toBe(1);
    });

    it('leaves Live and reconnects when a heartbeat goes unanswered (a half-open socket)', async () => {
      const h = harness({ cursorStore: memoryCursorStore(4) });
      h.client.start();
      await h.socket.accept();
      h.socket.sendConnected({ cursor: 4 });
      expect(h.client.status).toBe('live');

      await jest.advanceTimersByTimeAsync(1_000);
      expect(h.socket.commands(ClientCommand.Ping)).toHaveLength(1);
      await jest.advanceTimersByTimeAsync(500);
      expect(h.client.status).toBe('offline');
      expect(h.socket.connectCalls).toBe(2);
      expect(h.socket.connected).toBe(false);

      expect((await h.socket.accept()).cursor).toBe(4);
      h.socket.deliver(ProtocolEvent.Resumed, { cursor: 4, replayed: 0 });
      h.socket.sendConnected({ cursor: 4 });
      expect(h.client.status).toBe('live');
    });

    it('is offline after stop and sends nothing more', async () => {
      const h = harness();
      await connect(h);
      h.client.stop();
      expect(h.client.status).toBe('offline');
      await expect(h.client.command(ClientCommand.Ping, null)).rejects.toMatchObject({ code: ClientErrorCode.Stopped });
      await jest.advanceTimersByTimeAsync(5_000);
      expect(h.socket.commands(ClientCommand.Ping)).toHaveLength(0);
    });
  });

  describe('offline queue', () => {
    it('queues idempotent commands up to the bound, reports overflow, and sends the queue on reconnect', async () => {
      const h = harness({ offlineQueueLimit: 2 });
      await connect(h);
      h.socket.drop();

      const first = h.client.command(ClientCommand.Subscribe, { topic: 'marketplace' });
      const second = h.client.command(ClientCommand.Ping, null);
      const third = h.client.command(ClientCommand.Ping, null);
      await expect(third).rejects.toMatchObject({ code: ClientErrorCode.QueueFull });
      expect(h.problems.map((problem) => problem.code)).toEqual([ClientErrorCode.QueueFull]);
      expect(h.socket.sendBuffer).toHaveLength(2);

      await h.socket.accept();
      expect(h.socket.sent.map((packet) => packet.event)).toEqual([ClientCommand.Subscribe, ClientCommand.Ping]);
      h.socket.sent[0]?.answer({ ok: true, data: { cursor: 3 } });
      h.socket.sent[1]?.answer({ ok: true, data: { serverTime: '2026-11-22T10:00:00.000Z' } });
      await expect(first).resolves.toEqual({ cursor: 3 });
      await expect(second).resolves.toEqual({ serverTime: '2026-11-22T10:00:00.000Z' });
    });

    it('refuses a command that is not idempotent while offline', async () => {
      const h = harness();
      await connect(h);
      h.socket.drop();
      await expect(h.client.command(ClientCommand.RefreshToken, { token: 't' })).rejects.toMatchObject({
        code: ClientErrorCode.Offline,
      });
      expect(h.socket.sendBuffer).toHaveLength(0);
    });

    it('fails a queued command that waited too long, and frees its place', async () => {
      const h = harness({ offlineQueueLimit: 1, offlineCommandTimeoutMs: 2_000 });
      await connect(h);
      h.socket.drop();
      const waiting = h.client.command(ClientCommand.Ping, null);
      const assertion = expect(waiting).rejects.toMatchObject({ code: ClientErrorCode.Timeout });
      await jest.advanceTimersByTimeAsync(2_000);
      await assertion;
      expect(h.socket.sendBuffer).toHaveLength(0);
      const next = h.client.command(ClientCommand.Ping, null);
      expect(h.socket.sendBuffer).toHaveLength(1);
      await h.socket.accept();
      h.socket
        .commands(ClientCommand.Ping)
        .at(-1)
        ?.answer({ ok: true, data: { serverTime: '2026-11-22T10:00:00.000Z' } });
      await expect(next).resolves.toEqual({ serverTime: '2026-11-22T10:00:00.000Z' });
    });

    it('passes on a coded refusal from the server', async () => {
      const h = harness();
      await connect(h);
      const sent = h.client.command(ClientCommand.Subscribe, { topic: 'escrow', escrowId: ESCROW_ID });
      h.socket.sent[0]?.answer({ ok: false, error: { code: ErrorCode.Forbidden, message: 'not a party' } });
      await expect(sent).rejects.toEqual(new RealtimeError(ErrorCode.Forbidden, 'not a party'));
    });
  });

  describe('held subscriptions', () => {
    it('subscribes once per entity, re-joins through every handshake, and unsubscribes when the last holder lets go', async () => {
      const h = harness();
      await connect(h);
      const granted: string[] = [];
      const releaseA = h.client.hold({ topic: 'escrow', escrowId: ESCROW_ID }, () => granted.push('a'));
      const releaseB = h.client.hold({ topic: 'escrow', escrowId: ESCROW_ID });
      h.client.hold({ topic: 'marketplace' });
      expect(h.socket.sent.map((packet) => [packet.event, packet.request])).toEqual([
        [ClientCommand.Subscribe, { topic: 'escrow', escrowId: ESCROW_ID }],
        [ClientCommand.Subscribe, { topic: 'marketplace' }],
      ]);
      h.socket.sent[0]?.answer({ ok: true, data: { cursor: 0 } });
      await Promise.resolve();
      expect(granted).toEqual(['a']);

      h.socket.drop();
      const auth = await h.socket.accept();
      expect(auth.subscriptions).toEqual([{ topic: 'escrow', escrowId: ESCROW_ID }, { topic: 'marketplace' }]);
      h.socket.sendConnected({ cursor: 0, subscriptions: { granted: [...(auth.subscriptions ?? [])], refused: [] } });

      releaseA();
      expect(h.socket.commands(ClientCommand.Unsubscribe)).toHaveLength(0);
      releaseB();
      releaseB();
      expect(h.socket.commands(ClientCommand.Unsubscribe).map((packet) => packet.request)).toEqual([
        { topic: 'escrow', escrowId: ESCROW_ID },
      ]);
      expect(h.client.subscriptions).toEqual([{ topic: 'marketplace' }]);
    });

    it('holds a subscription made while offline and sends it in the next handshake', async () => {
      const h = harness();
      await connect(h);
      h.socket.drop();
      h.client.hold({ topic: 'escrow', escrowId: ESCROW_ID });
      expect(h.socket.sendBuffer).toHaveLength(0);
      expect((await h.socket.accept()).subscriptions).toEqual([{ topic: 'escrow', escrowId: ESCROW_ID }]);
    });

    it('drops and reports a subscription the server refuses, live or in the handshake', async () => {
      const h = harness();
      await connect(h);
      h.client.hold({ topic: 'escrow', escrowId: ESCROW_ID });
      h.socket.sent[0]?.answer({ ok: false, error: { code: ErrorCode.Forbidden, message: 'Not a party to this escrow' } });
      await Promise.resolve();
      expect(h.client.subscriptions).toEqual([]);

      h.socket.drop();
      h.client.hold({ topic: 'escrow', escrowId: OTHER_ESCROW_ID });
      await h.socket.accept();
      h.socket.sendConnected({
        cursor: 0,
        subscriptions: {
          granted: [],
          refused: [{ subscription: { topic: 'escrow', escrowId: OTHER_ESCROW_ID }, code: 'forbidden', message: 'Not yours' }],
        },
      });
      expect(h.client.subscriptions).toEqual([]);
      expect(h.problems.map((problem) => [problem.code, problem.message])).toEqual([
        [ClientErrorCode.SubscriptionRefused, 'Not a party to this escrow'],
        [ClientErrorCode.SubscriptionRefused, 'Not yours'],
      ]);
    });

    it('delivers entity events to typed handlers like any other', async () => {
      const h = harness();
      await connect(h);
      const moves: string[] = [];
      h.client.subscribe(EscrowEvent.StatusChanged, (payload) => moves.push(`${payload.from}→${payload.to}`));
      h.socket.deliver(
        EscrowEvent.StatusChanged,
        { escrowId: ESCROW_ID, from: 'INITIATED', to: 'HELD', changedAt: '2026-11-22T10:00:00.000Z' },
        { cursor: 1 },
      );
      expect(moves).toEqual(['INITIATED→HELD']);
    });
  });

  describe('tokens', () => {
    it('refreshes in-band before the token expires', async () => {
      const h = harness({ refreshMarginMs: 60_000, heartbeat: { intervalMs: 3_600_000, timeoutMs: 1_000 } });
      h.client.start();
      await h.socket.accept();
      h.socket.sendConnected({ cursor: 0, expiresAt: new Date(Date.now() + 180_000).toISOString() });
      await jest.advanceTimersByTimeAsync(119_000);
      expect(h.socket.commands(ClientCommand.RefreshToken)).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1_000);
      const [refresh] = h.socket.commands(ClientCommand.RefreshToken);
      expect(refresh?.request).toEqual({ token: 'token-1' });
      expect(h.tokenRequests.at(-1)).toEqual({ forceRefresh: true });
      refresh?.answer({ ok: true, data: { expiresAt: new Date(Date.now() + 180_000).toISOString() } });
      await jest.advanceTimersByTimeAsync(120_000);
      expect(h.socket.commands(ClientCommand.RefreshToken)).toHaveLength(2);
      expect(h.socket.connectCalls).toBe(1);
    });

    it('reconnects with a fresh token after token_expired', async () => {
      const h = harness();
      await connect(h, 2);
      h.socket.deliver(ProtocolEvent.Error, { code: ErrorCode.TokenExpired, message: 'expired' });
      h.socket.drop('io server disconnect');
      expect(h.client.status).toBe('offline');
      await jest.advanceTimersByTimeAsync(1_000);
      expect(h.socket.connectCalls).toBe(2);
      expect(await h.socket.accept()).toEqual({ token: 'token-1', cursor: 2 });
    });

    it('retries a refused handshake with a fresh token, then gives up with auth_failed', async () => {
      const h = harness();
      h.client.start();
      await h.socket.refuse(ErrorCode.TokenExpired);
      await jest.advanceTimersByTimeAsync(2_000);
      expect(h.socket.connectCalls).toBe(2);
      expect(await h.socket.accept()).toEqual({ token: 'token-1' });
      expect(h.tokenRequests).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
      h.socket.sendConnected({ cursor: 0 });
      expect(h.client.status).toBe('live');

      h.socket.drop();
      await h.socket.refuse(ErrorCode.Unauthorized);
      await jest.advanceTimersByTimeAsync(2_000);
      await h.socket.refuse(ErrorCode.Unauthorized);
      await jest.advanceTimersByTimeAsync(3_000);
      await h.socket.refuse(ErrorCode.Unauthorized);
      await jest.advanceTimersByTimeAsync(5_000);
      expect(h.problems.map((problem) => problem.code)).toEqual([ClientErrorCode.AuthFailed]);
      expect(h.client.status).toBe('offline');
      expect(h.socket.active).toBe(false);
    });

    it.each([ErrorCode.SessionRevoked, ErrorCode.AccountDeactivated])(
      'stops with auth_failed when the server ends the session (%s), and does not reconnect',
      async (code) => {
        const h = harness();
        await connect(h, 2);
        h.socket.deliver(ProtocolEvent.Error, { code, message: 'ended' });
        h.socket.drop('io server disconnect');
        await jest.advanceTimersByTimeAsync(5_000);
        expect(h.problems.map((problem) => problem.code)).toEqual([code, ClientErrorCode.AuthFailed]);
        expect(h.socket.connectCalls).toBe(1);
        expect(h.client.status).toBe('offline');
      },
    );

    it('stops with auth_failed when a handshake is refused for an ended session, without retrying', async () => {
      const h = harness();
      h.client.start();
      await h.socket.refuse(ErrorCode.SessionRevoked);
      await jest.advanceTimersByTimeAsync(5_000);
      expect(h.problems.map((problem) => problem.code)).toEqual([ClientErrorCode.AuthFailed]);
      expect(h.socket.connectCalls).toBe(1);
    });

    it('reports a refusal for too many connections with its code and tries again later (a tab may close)', async () => {
      const h = harness();
      h.client.start();
      await h.socket.refuse(ErrorCode.TooManyConnections);
      expect(h.problems.map((problem) => problem.code)).toEqual([ErrorCode.TooManyConnections]);
      expect(h.client.status).toBe('offline');
      await jest.advanceTimersByTimeAsync(2_000);
      expect(h.socket.connectCalls).toBe(2);
      await h.socket.accept();
      h.socket.sendConnected({ cursor: 0 });
      expect(h.client.status).toBe('live');
    });

    it('stops with auth_failed when the token provider fails (the session ended)', async () => {
      const fake = FakeRealtimeSocket.factory();
      const client = new RealtimeClient({
        url: 'http://127.0.0.1:1',
        getToken: () => Promise.reject(new Error('refresh token expired')),
        createSocket: fake.create,
      });
      const problems: RealtimeError[] = [];
      client.onProblem((problem) => problems.push(problem));
      client.start();
      await fake.socket().refuse(ErrorCode.Unauthorized);
      expect(problems.map((problem) => problem.code)).toEqual([ClientErrorCode.AuthFailed]);
      expect(problems[0]?.message).toContain('refresh token expired');
      expect(client.status).toBe('offline');
    });
  });
});
