import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { ErrorCode, InvoiceEvent, PresenceEvent, ProtocolEvent, type Ack, type CommandResponse, type EventEnvelope } from '@operate/shared';
import { EventsService } from '../src/events/events.service.js';
import { RetentionService } from '../src/events/delivery/retention.service.js';
import { startApp, type RunningApp } from './support/app.js';
import { TEST_ACCESS_SECRET } from './support/config.js';
import { invoicePayload } from './support/fixtures.js';
import type { RecordingClient } from './support/socket-client.js';

const REPLAY_LIMIT = 150;
// Smaller than the 100-event replay below, so that one is read from the database and then from memory.
const REPLAY_BUFFER = 60;

describe('delivery guarantees (e2e): resume, reset, tokens on live sockets', () => {
  let ctx: RunningApp;
  let events: EventsService;
  let watcher: RecordingClient;

  beforeAll(async () => {
    ctx = await startApp({ REPLAY_MAX_EVENTS: String(REPLAY_LIMIT), REPLAY_BUFFER_EVENTS: String(REPLAY_BUFFER) });
    events = ctx.app.get(EventsService);
    // Stays connected in organization A throughout: when it has an event, the relay has delivered it.
    watcher = await ctx.connect(ctx.tenants.a2);
  });

  afterAll(async () => {
    await ctx.close();
  });

  /** Publishes n events for A (and one for B after every fifth) and waits until the watcher has them all. */
  async function publishToA(prefix: string, n: number): Promise<string[]> {
    const numbers = Array.from({ length: n }, (_, index) => `${prefix}-${String(index + 1).padStart(3, '0')}`);
    for (const [index, number] of numbers.entries()) {
      await events.toOrganization(ctx.tenants.orgA).emit(InvoiceEvent.Created, invoicePayload(ctx.tenants.orgA, number));
      if (index % 5 === 0)
        await events.toOrganization(ctx.tenants.orgB).emit(InvoiceEvent.Created, invoicePayload(ctx.tenants.orgB, `B-${number}`));
    }
    await watcher.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === numbers.at(-1));
    return numbers;
  }

  const createdNumbers = (client: RecordingClient) => client.ofType(InvoiceEvent.Created).map((e) => e.payload.invoiceNumber);

  it('replays exactly the 100 missed events, in order, without duplicates or foreign ones, then goes live', async () => {
    const first = await ctx.connect(ctx.tenants.a1);
    const [warmup] = await publishToA('WARM', 1);
    await first.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === warmup);
    const from = first.lastCursor();
    first.close();

    const missed = await publishToA('MISSED', 100);
    const resumed = await ctx.connect(ctx.tenants.a1, { cursor: from });
    const confirmation = await resumed.waitFor(ProtocolEvent.Resumed);

    expect(createdNumbers(resumed)).toEqual(missed);
    // Replayed: the 100 invoices, plus any presence change of the organization meanwhile (events like them).
    const replayed = resumed.received.slice(0, resumed.received.indexOf(confirmation));
    expect(replayed.filter((e) => e.type !== PresenceEvent.Changed)).toHaveLength(100);
    expect(confirmation.payload.replayed).toBe(replayed.length);
    const cursors = resumed.ofType(InvoiceEvent.Created).map((e) => e.cursor);
    expect(cursors.every((cursor, index) => index === 0 || cursor > cursors[index - 1]!)).toBe(true);
    expect(new Set(resumed.received.map((e) => e.id)).size).toBe(resumed.received.length);
    expect(confirmation.payload.cursor).toBeGreaterThanOrEqual(cursors.at(-1)!);
    // The confirmation comes after the replay and before `connected`; then events flow live.
    const order = resumed.received.map((e) => e.type);
    expect(order.indexOf(ProtocolEvent.Resumed)).toBe(replayed.length);
    expect(order.at(-1)).toBe(ProtocolEvent.Connected);
    const [live] = await publishToA('LIVE', 1);
    const liveEvent = await resumed.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === live);
    expect(liveEvent.cursor).toBeGreaterThan(confirmation.payload.cursor);
  });

  it('resumes while events keep coming: every client catches up, each event exactly once and in order', async () => {
    const from = watcher.lastCursor();
    const sent: string[] = [];
    let streaming = true;
    const stream = (async () => {
      for (let index = 1; streaming; index++) {
        const number = `STREAM-${String(index).padStart(4, '0')}`;
        await events.toOrganization(ctx.tenants.orgA).emit(InvoiceEvent.Created, invoicePayload(ctx.tenants.orgA, number));
        sent.push(number);
      }
    })();
    let resumed: RecordingClient[];
    try {
      await watcher.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === 'STREAM-0020');
      resumed = await Promise.all(Array.from({ length: 8 }, () => ctx.connect(ctx.tenants.a1, { cursor: from })));
      const later = `STREAM-${String(sent.length + 20).padStart(4, '0')}`;
      await watcher.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === later);
    } finally {
      streaming = false;
      await stream;
    }
    for (const client of resumed) {
      await client.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === sent.at(-1));
      expect(createdNumbers(client)).toEqual(sent);
      expect(client.ofType(ProtocolEvent.Reset)).toHaveLength(0);
    }
  });

  it('resumes with nothing to replay when nothing was missed', async () => {
    const from = watcher.lastCursor();
    const client = await ctx.connect(ctx.tenants.a1, { cursor: from });
    const confirmation = await client.waitFor(ProtocolEvent.Resumed);
    // A presence window of the organization may close between the two: that, and nothing at or before the cursor.
    const after = client.received.filter((e) => e.cursor !== null && e.cursor > from && e.cursor <= confirmation.payload.cursor);
    expect(confirmation.payload.replayed).toBe(after.length);
    expect(after.every((e) => e.type === PresenceEvent.Changed)).toBe(true);
    expect(client.ofType(InvoiceEvent.Created)).toHaveLength(0);
  });

  it('answers reset when more events were missed than replay allows', async () => {
    const from = watcher.lastCursor();
    await publishToA('FLOOD', REPLAY_LIMIT + 10);
    const client = await ctx.connect(ctx.tenants.a1, { cursor: from });
    const reset = await client.waitFor(ProtocolEvent.Reset);
    expect(reset.payload.reason).toBe('too_far_behind');
    expect(reset.payload.cursor).toBeGreaterThanOrEqual(watcher.lastCursor());
    const [after] = await publishToA('AFTER-RESET', 1);
    await client.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceNumber === after);
  });

  it.each([
    ['a cursor from the future', 9_000_000_000],
    ['a cursor that is not a number', 'yesterday'],
  ])('answers reset (invalid_cursor) for %s', async (_name, cursor) => {
    const client = await ctx.connect(ctx.tenants.a1, { cursor });
    expect((await client.waitFor(ProtocolEvent.Reset)).payload.reason).toBe('invalid_cursor');
  });

  it('disconnects a socket whose token expires with token_expired, and keeps one refreshed in-band', async () => {
    const { sessionId } = await ctx.signIn(ctx.tenants.a1);
    const claims = { sub: ctx.tenants.a1.id, org: ctx.tenants.orgA, role: 'OWNER', sid: sessionId, typ: 'access' };
    const options = { issuer: ctx.config.jwt.issuer, audience: ctx.config.jwt.audience };
    const shortLived = jwt.sign(claims, TEST_ACCESS_SECRET, { ...options, expiresIn: 3 });
    const expiring = await ctx.connect(ctx.tenants.a1, { token: shortLived });
    const refreshed = await ctx.connect(ctx.tenants.a1, { token: shortLived });

    type RefreshAck = Ack<CommandResponse<'auth.refresh'>>;
    const refresh = (token: string) => refreshed.socket.timeout(5_000).emitWithAck('auth.refresh', { token }) as Promise<RefreshAck>;
    await expect(refresh('not-a-token')).resolves.toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const otherUser = jwt.sign({ ...claims, sub: ctx.tenants.a2.id }, TEST_ACCESS_SECRET, { ...options, expiresIn: 900 });
    await expect(refresh(otherUser)).resolves.toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const answer = await refresh(jwt.sign(claims, TEST_ACCESS_SECRET, { ...options, expiresIn: 900 }));
    expect(answer.ok).toBe(true);
    if (answer.ok) expect(Date.parse(answer.data.expiresAt)).toBeGreaterThan(Date.now() + 800_000);

    // The unrefreshed socket is told why, then disconnected by the server.
    const expired = await expiring.waitFor(ProtocolEvent.Error, (e) => e.payload.code === ErrorCode.TokenExpired);
    expect(expired.payload.message).toMatch(/expired/);
    expect(await expiring.disconnected()).toBe('io server disconnect');
    // By now the original expiry has passed: the refreshed socket is still connected and still served.
    expect(refreshed.socket.connected).toBe(true);
    await expect(refreshed.socket.timeout(5_000).emitWithAck('ping', {})).resolves.toMatchObject({ ok: true });
    expect(refreshed.ofType(ProtocolEvent.Error)).toHaveLength(0);
  });

  it("ends a deactivated user's sessions and sockets at once; reactivated, they sign in anew", async () => {
    const member = await ctx.connect(ctx.tenants.a2);
    const memberToken = await ctx.login(ctx.tenants.a2);
    const ownerToken = await ctx.login(ctx.tenants.a1);
    await ctx.http().patch(`/users/${ctx.tenants.a2.id}`).set('authorization', `Bearer ${memberToken}`).send({ active: false }).expect(403);
    await ctx.http().patch(`/users/${ctx.tenants.b1.id}`).set('authorization', `Bearer ${ownerToken}`).send({ active: false }).expect(404);

    await ctx.http().patch(`/users/${ctx.tenants.a2.id}`).set('authorization', `Bearer ${ownerToken}`).send({ active: false }).expect(200);
    const notice = await member.waitFor(ProtocolEvent.Error, (e) => e.payload.code === ErrorCode.AccountDeactivated);
    expect(notice.payload.message).toMatch(/deactivated/);
    expect(await member.disconnected()).toBe('io server disconnect');
    await ctx.http().get('/invoices').set('authorization', `Bearer ${memberToken}`).expect(401);

    await ctx.http().patch(`/users/${ctx.tenants.a2.id}`).set('authorization', `Bearer ${ownerToken}`).send({ active: true }).expect(200);
    // Reactivation does not revive the sessions deactivation ended.
    const stale = await ctx.http().get('/invoices').set('authorization', `Bearer ${memberToken}`).expect(401);
    expect(stale.body).toMatchObject({ code: 'session_revoked' });
    await ctx
      .http()
      .get('/invoices')
      .set('authorization', `Bearer ${await ctx.login(ctx.tenants.a2)}`)
      .expect(200);
  });

  it('answers reset (cursor_pruned) when resuming from before what retention removed', async () => {
    const removed = await ctx.app.get(RetentionService).prune(new Date(Date.now() + 30 * 24 * 60 * 60 * 1000));
    expect(removed).toBeGreaterThan(0);
    const client = await ctx.connect(ctx.tenants.a1, { cursor: 1 });
    const reset = await client.waitFor(ProtocolEvent.Reset);
    expect(reset.payload.reason).toBe('cursor_pruned');
    const received: EventEnvelope[] = client.ofType(InvoiceEvent.Created);
    expect(received).toHaveLength(0);
  });
});
