import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ClientCommand,
  EscrowEvent,
  InvoiceEvent,
  ProtocolEvent,
  Topic,
  type EscrowHistoryEntry,
  type EscrowSummary,
  type InvoiceSummary,
} from '@operate/shared';
import { signatureHeader } from '../src/modules/escrow/payment-signature.js';
import { startApp, type RunningApp } from './support/app.js';
import { TEST_WEBHOOK_SECRET } from './support/config.js';
import { makeSeller, seedUser, type TestUser } from './support/fixtures.js';
import { RecordingClient } from './support/socket-client.js';

describe('escrow (e2e)', () => {
  let ctx: RunningApp;
  // a2 (organization A) buys from b1 (organization B); a1 owns A (an admin of the buyer's side);
  // stranger is a member of B who is party to nothing.
  let stranger: TestUser;
  let tokens: Record<'a1' | 'a2' | 'b1' | 'stranger' | 'arbiter', string>;
  let buyer: RecordingClient;
  let seller: RecordingClient;
  let outsider: RecordingClient;

  beforeAll(async () => {
    ctx = await startApp();
    stranger = await seedUser(ctx.prisma, { name: 'stranger', organizationId: ctx.tenants.orgB });
    await makeSeller(ctx.prisma, ctx.tenants.b1);
    const { a1, a2, b1 } = ctx.tenants;
    tokens = {
      a1: await ctx.login(a1),
      a2: await ctx.login(a2),
      b1: await ctx.login(b1),
      stranger: await ctx.login(stranger),
      arbiter: await ctx.login(ctx.tenants.arbiter),
    };
    [buyer, seller, outsider] = await Promise.all([ctx.connect(a2), ctx.connect(b1), ctx.connect(stranger)]);
  });

  afterAll(async () => {
    await ctx.close();
  });

  const as = (token: string) => ctx.as(token);

  async function openEscrow(): Promise<EscrowSummary> {
    const response = await as(tokens.a2)
      .post('/escrows', { sellerId: ctx.tenants.b1.id, amount: '120.00', currency: 'EUR', description: 'Camera' })
      .expect(201);
    return response.body as EscrowSummary;
  }

  let providerEvent = 0;
  function paymentEvent(escrow: EscrowSummary, type: string, id = `evt_${++providerEvent}`) {
    return JSON.stringify({
      id,
      type,
      data: { paymentReference: escrow.paymentReference, amount: escrow.amount, currency: escrow.currency },
    });
  }
  /** Posts a provider event, signed now with the test secret unless given another signature (null: none). */
  const webhook = (body: string, signature: string | null = signatureHeader(TEST_WEBHOOK_SECRET, body)) => {
    const call = ctx.http().post('/webhooks/payments').set('content-type', 'application/json');
    return (signature === null ? call : call.set('operate-signature', signature)).send(body);
  };

  /** An invoice of organization `token`'s owner: every member receives it after everything published before. */
  async function sentinel(ownerToken: string): Promise<string> {
    const response = await as(ownerToken)
      .post('/invoices', { customerName: 'Sentinel', total: '1.00', currency: 'EUR', dueAt: '2030-01-01T00:00:00Z' })
      .expect(201);
    return (response.body as InvoiceSummary).invoiceId;
  }

  const escrowEventsOf = (client: RecordingClient, escrowId: string) =>
    client.received.filter(
      (envelope) => envelope.type.startsWith('escrow.') && (envelope.payload as { escrowId?: string }).escrowId === escrowId,
    );

  it('runs an escrow to release; parties get each event once even when subscribed, a non-party is refused and gets none', async () => {
    const escrow = await openEscrow();
    expect(escrow).toMatchObject({ status: 'INITIATED', buyerId: ctx.tenants.a2.id, sellerId: ctx.tenants.b1.id });
    await seller.waitFor(EscrowEvent.Created, (e) => e.payload.escrowId === escrow.escrowId);

    const admin = await ctx.connect(ctx.tenants.a1);
    await expect(buyer.command(ClientCommand.Subscribe, { topic: 'escrow', escrowId: escrow.escrowId })).resolves.toMatchObject({
      ok: true,
      data: { cursor: expect.any(Number) },
    });
    await expect(admin.command(ClientCommand.Subscribe, { topic: 'escrow', escrowId: escrow.escrowId })).resolves.toMatchObject({
      ok: true,
    });
    await expect(outsider.command(ClientCommand.Subscribe, { topic: 'escrow', escrowId: escrow.escrowId })).resolves.toEqual({
      ok: false,
      error: { code: 'forbidden', message: expect.stringContaining(escrow.escrowId) },
    });
    await expect(outsider.command(ClientCommand.Subscribe, { topic: 'escrow', escrowId: 'not-a-uuid' })).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid_payload' },
    });

    await webhook(paymentEvent(escrow, 'payment.captured')).expect(200, { received: true, duplicate: false, escrowId: escrow.escrowId });
    for (const client of [buyer, seller, admin]) {
      await client.waitFor(EscrowEvent.StatusChanged, (e) => e.payload.escrowId === escrow.escrowId && e.payload.to === 'HELD');
    }
    await as(tokens.a2).post(`/escrows/${escrow.escrowId}/confirm`).expect(200);
    const released = await as(tokens.b1).post(`/escrows/${escrow.escrowId}/confirm`).expect(200);
    expect(released.body).toMatchObject({ status: 'RELEASED' });
    for (const client of [buyer, seller, admin]) {
      await client.waitFor(EscrowEvent.Updated, (e) => e.payload.escrowId === escrow.escrowId && e.payload.status === 'RELEASED');
    }

    // Subscribed and a party: still one copy of each event.
    const types = escrowEventsOf(buyer, escrow.escrowId).map((envelope) => envelope.type);
    expect(new Set(escrowEventsOf(buyer, escrow.escrowId).map((envelope) => envelope.id)).size).toBe(types.length);
    expect(types).toEqual([
      EscrowEvent.Created,
      EscrowEvent.PaymentStatus,
      EscrowEvent.StatusChanged,
      EscrowEvent.Updated,
      EscrowEvent.ConfirmationAdded,
      EscrowEvent.Updated,
      EscrowEvent.ConfirmationAdded,
      EscrowEvent.StatusChanged,
      EscrowEvent.Updated,
    ]);
    // The admin only followed from its subscription on, and got the same events as the parties from there.
    expect(escrowEventsOf(admin, escrow.escrowId).map((envelope) => envelope.type)).toEqual(types.slice(1));

    const last = await sentinel(tokens.b1);
    await outsider.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === last);
    expect(outsider.received.filter((envelope) => envelope.type.startsWith('escrow.'))).toHaveLength(0);
    await as(tokens.stranger).get(`/escrows/${escrow.escrowId}`).expect(404);
  });

  it('keeps every change in the escrow’s history: who, when, from → to, the payment and the provider’s event; others 404', async () => {
    const escrow = await openEscrow();
    const captured = paymentEvent(escrow, 'payment.captured', `evt_history_${escrow.escrowId}`);
    await webhook(captured).expect(200);
    await as(tokens.a2).post(`/escrows/${escrow.escrowId}/dispute`, { reason: 'Lens scratched' }).expect(200);
    await as(tokens.arbiter).post(`/escrows/${escrow.escrowId}/resolve`, { outcome: 'refund', note: 'Photos agree' }).expect(200);
    await webhook(paymentEvent(escrow, 'payment.refunded')).expect(200);

    const history = (await as(tokens.b1).get(`/escrows/${escrow.escrowId}/history`).expect(200)).body as EscrowHistoryEntry[];
    expect(
      history.map(({ action, actorId, fromStatus, toStatus, paymentStatus, note }) => ({
        action,
        actorId,
        fromStatus,
        toStatus,
        paymentStatus,
        note,
      })),
    ).toEqual([
      {
        action: 'opened',
        actorId: ctx.tenants.a2.id,
        fromStatus: null,
        toStatus: 'INITIATED',
        paymentStatus: 'AWAITING_PAYMENT',
        note: null,
      },
      { action: 'payment', actorId: null, fromStatus: 'INITIATED', toStatus: 'HELD', paymentStatus: 'CAPTURED', note: null },
      {
        action: 'disputed',
        actorId: ctx.tenants.a2.id,
        fromStatus: 'HELD',
        toStatus: 'DISPUTED',
        paymentStatus: 'CAPTURED',
        note: 'Lens scratched',
      },
      {
        action: 'resolved',
        actorId: ctx.tenants.arbiter.id,
        fromStatus: 'DISPUTED',
        toStatus: 'REFUNDED',
        paymentStatus: 'CAPTURED',
        note: 'Photos agree',
      },
      { action: 'payment', actorId: null, fromStatus: null, toStatus: 'REFUNDED', paymentStatus: 'REFUNDED', note: null },
    ]);
    expect(history[1]!.providerEventId).toBe(`evt_history_${escrow.escrowId}`);
    const times = history.map((entry) => Date.parse(entry.at));
    expect(times.every((time, index) => index === 0 || time >= times[index - 1]!)).toBe(true);
    // The same for the buyer and the arbiter; a stranger, even of the seller's organization, is told it does not exist.
    expect((await as(tokens.a2).get(`/escrows/${escrow.escrowId}/history`).expect(200)).body).toEqual(history);
    await as(tokens.arbiter).get(`/escrows/${escrow.escrowId}/history`).expect(200);
    await as(tokens.stranger).get(`/escrows/${escrow.escrowId}/history`).expect(404);
  });

  it('finds the sellers one may open an escrow with by name or by their whole email, never oneself', async () => {
    type Found = { userId: string; displayName: string }[];
    const find = async (q: string) =>
      (
        (
          await as(tokens.a2)
            .get(`/escrows/counterparties?q=${encodeURIComponent(q)}`)
            .expect(200)
        ).body as Found
      ).map((seller) => seller.userId);
    expect(await find('')).toContain(ctx.tenants.b1.id);
    expect(await find('B1')).toEqual([ctx.tenants.b1.id]);
    expect(await find(ctx.tenants.b1.email.toUpperCase())).toEqual([ctx.tenants.b1.id]);
    expect(await find('no such seller')).toEqual([]);
    // Not a seller, so not a counterparty, whatever the search.
    expect(await find(stranger.email)).toEqual([]);
    expect(
      ((await as(tokens.b1).get('/escrows/counterparties?q=b1').expect(200)).body as Found).map((seller) => seller.userId),
    ).not.toContain(ctx.tenants.b1.id);
    await as(tokens.a2)
      .get(`/escrows/counterparties?q=${'x'.repeat(101)}`)
      .expect(400);
  });

  it('refuses a badly signed, stale or unsigned webhook with 401 and changes and emits nothing; a replay emits nothing new', async () => {
    const escrow = await openEscrow();
    const body = paymentEvent(escrow, 'payment.captured', 'evt_signed_once');
    const refusals = [
      [signatureHeader('another-secret-0123456789abcdef-0123456', body), 'invalid_signature'],
      [signatureHeader(TEST_WEBHOOK_SECRET, body.replace('120.00', '1.00')), 'invalid_signature'],
      [signatureHeader(TEST_WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000) - 301), 'stale_signature'],
      [null, 'missing_signature'],
    ] as const;
    for (const [signature, code] of refusals) {
      const response = await webhook(body, signature).expect(401);
      expect(response.body).toMatchObject({ code });
    }
    // Validation comes after the signature: a signed but malformed body is a 400, an unsigned one a 401.
    await webhook('{"id":"evt_bad"}').expect(400);
    await webhook('{"id":"evt_bad"}', null).expect(401);
    expect(await ctx.prisma.escrow.findUniqueOrThrow({ where: { id: escrow.escrowId } })).toMatchObject({
      status: 'INITIATED',
      paymentStatus: 'AWAITING_PAYMENT',
    });

    await webhook(body).expect(200, { received: true, duplicate: false, escrowId: escrow.escrowId });
    await webhook(body).expect(200, { received: true, duplicate: true, escrowId: escrow.escrowId });
    await webhook(body).expect(200);

    const last = await sentinel(tokens.a1);
    await buyer.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === last);
    const payments = buyer.ofType(EscrowEvent.PaymentStatus).filter((e) => e.payload.escrowId === escrow.escrowId);
    expect(payments.map((e) => e.payload.providerEventId)).toEqual(['evt_signed_once']);
    expect(buyer.ofType(EscrowEvent.StatusChanged).filter((e) => e.payload.escrowId === escrow.escrowId)).toHaveLength(1);
  });

  it('keeps an admin subscription across a reconnect (auth.subscriptions) and replays what it missed; refuses a stranger', async () => {
    const escrow = await openEscrow();
    await webhook(paymentEvent(escrow, 'payment.captured')).expect(200);
    // Delivered on this node before the admin connects: its cursor is then after them, and they are not missed.
    await seller.waitFor(EscrowEvent.Updated, (e) => e.payload.escrowId === escrow.escrowId && e.payload.status === 'HELD');
    const subscriptions = [{ topic: Topic.Escrow, escrowId: escrow.escrowId }];
    const admin = await ctx.connect(ctx.tenants.a1, { subscriptions });
    expect((await admin.waitFor(ProtocolEvent.Connected)).payload.subscriptions).toEqual({ granted: subscriptions, refused: [] });
    const cursor = admin.lastCursor();
    admin.close();

    await as(tokens.b1).post(`/escrows/${escrow.escrowId}/dispute`, { reason: 'Payment looks wrong' }).expect(200);
    await seller.waitFor(EscrowEvent.DisputeRaised, (e) => e.payload.escrowId === escrow.escrowId);

    const back = await ctx.connect(ctx.tenants.a1, { cursor, subscriptions });
    const resumed = await back.waitFor(ProtocolEvent.Resumed);
    expect(resumed.payload.replayed).toBeGreaterThanOrEqual(3);
    const replayed = escrowEventsOf(back, escrow.escrowId).map((envelope) => envelope.type);
    expect(replayed).toEqual([EscrowEvent.DisputeRaised, EscrowEvent.StatusChanged, EscrowEvent.Updated]);

    // The buyer's own organization's owner may not decide it; the platform arbiter does, and both parties hear it.
    await as(tokens.a1).post(`/escrows/${escrow.escrowId}/resolve`, { outcome: 'refund' }).expect(403);
    const disputes = await as(tokens.arbiter).get('/escrows?status=DISPUTED').expect(200);
    expect((disputes.body as { items: EscrowSummary[] }).items.map((item) => item.escrowId)).toContain(escrow.escrowId);
    await as(tokens.arbiter).post(`/escrows/${escrow.escrowId}/resolve`, { outcome: 'release', note: 'Delivered' }).expect(200);
    await back.waitFor(EscrowEvent.DisputeResolved, (e) => e.payload.escrowId === escrow.escrowId && e.payload.outcome === 'release');
    for (const party of [buyer, seller]) {
      const resolved = await party.waitFor(EscrowEvent.DisputeResolved, (e) => e.payload.escrowId === escrow.escrowId);
      expect(resolved.payload.resolvedById).toBe(ctx.tenants.arbiter.id);
    }

    const refused = await ctx.connect(stranger, { subscriptions });
    expect((await refused.waitFor(ProtocolEvent.Connected)).payload.subscriptions).toEqual({
      granted: [],
      refused: [{ subscription: subscriptions[0], code: 'forbidden', message: expect.any(String) }],
    });
    await expect(refused.command(ClientCommand.Unsubscribe, { topic: 'escrow', escrowId: escrow.escrowId })).resolves.toEqual({
      ok: true,
      data: { wasSubscribed: false },
    });
  });

  it('refuses a handshake whose subscriptions are malformed or too many, with a coded connect_error', async () => {
    const bad = await RecordingClient.refusal(ctx.url, { token: tokens.a1, subscriptions: [{ topic: 'escrow', escrowId: 'nope' }] });
    expect(bad.message).toBe('invalid_payload');
    const many = Array.from({ length: 51 }, () => ({ topic: 'marketplace' }));
    const tooMany = await RecordingClient.refusal(ctx.url, { token: tokens.a1, subscriptions: many });
    expect(tooMany.message).toBe('too_many_subscriptions');
  });

  it('answers bad escrow requests with coded errors', async () => {
    await as(tokens.a2).post('/escrows', { sellerId: ctx.tenants.a2.id, amount: '1', currency: 'EUR', description: 'x' }).expect(422);
    const invalid = await as(tokens.a2).post('/escrows', { sellerId: 'x', amount: '-1', currency: 'eur', description: '' }).expect(400);
    expect((invalid.body as { errors: { field: string }[] }).errors.map((error) => error.field).sort()).toEqual([
      'amount',
      'currency',
      'description',
      'sellerId',
    ]);
    const escrow = await openEscrow();
    await as(tokens.a2).post(`/escrows/${escrow.escrowId}/resolve`, { outcome: 'keep' }).expect(400);
    await as(tokens.arbiter).post(`/escrows/${escrow.escrowId}/resolve`, { outcome: 'refund' }).expect(404);
    const list = await as(tokens.a2).get('/escrows?status=INITIATED&pageSize=100').expect(200);
    expect((list.body as { items: EscrowSummary[] }).items.map((item) => item.escrowId)).toContain(escrow.escrowId);
  });
});
