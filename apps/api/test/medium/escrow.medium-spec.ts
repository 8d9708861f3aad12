import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { EscrowEvent, NotificationEvent, scope, type EscrowSummary } from '@operate/shared';
import { testConfig } from '../support/config.js';
import { asCaller, makeSeller, seedUser, type Tenants } from '../support/fixtures.js';
import { APP_CONFIG } from '../../src/config/config.js';
import { startServiceTest, type ServiceTest } from '../support/service-module.js';
import { EventsService } from '../../src/events/events.service.js';
import { FakeEventsService } from '../../src/events/testing/index.js';
import type { PrismaService } from '../../src/prisma/prisma.service.js';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';
import { PaymentEventType } from '../../src/modules/escrow/dto/escrow.dto.js';
import { EscrowService } from '../../src/modules/escrow/escrow.service.js';

const OPENINGS_PER_HOUR = 3;

describe(EscrowService.name, () => {
  let ctx: ServiceTest;
  let prisma: PrismaService;
  let escrows: EscrowService;
  let tenants: Tenants;
  const events = new FakeEventsService();
  const as = asCaller;
  // a2 (organization A, MEMBER) buys from b1 (organization B, OWNER); a1 is A's owner, an admin of the buyer's side.
  const buyer = () => as(tenants.a2);
  const seller = () => as(tenants.b1);
  const parties = (escrow: EscrowSummary) =>
    [scope.escrow(escrow.escrowId), scope.user(escrow.buyerId), scope.user(escrow.sellerId)] as const;
  let providerEvent = 0;
  const pay = (escrow: EscrowSummary, type: PaymentEventType, overrides: Partial<{ id: string; amount: string; currency: string }> = {}) =>
    escrows.applyPaymentEvent({
      id: overrides.id ?? `evt_${++providerEvent}`,
      type,
      data: {
        paymentReference: escrow.paymentReference,
        amount: overrides.amount ?? escrow.amount,
        currency: overrides.currency ?? escrow.currency,
      },
    });
  const open = () => escrows.create(buyer(), { sellerId: tenants.b1.id, amount: '250.5', currency: 'EUR', description: 'Vintage lamp' });
  const held = async () => {
    const escrow = await open();
    await pay(escrow, PaymentEventType.Captured);
    events.clear();
    return escrow;
  };

  beforeAll(async () => {
    ctx = await startServiceTest(
      [EscrowService, NotificationsService, { provide: APP_CONFIG, useValue: testConfig('postgresql://unused') }],
      events,
    );
    ({ prisma, tenants } = ctx);
    await makeSeller(prisma, tenants.b1);
    escrows = ctx.moduleRef.get(EscrowService);
  });

  afterAll(async () => {
    await ctx.close();
  });

  beforeEach(() => events.clear());

  it('opens an escrow for the buyer and tells both parties and its room, with the seller notified', async () => {
    const escrow = await open();
    expect(escrow).toMatchObject({ status: 'INITIATED', paymentStatus: 'AWAITING_PAYMENT', amount: '250.50', currency: 'EUR' });
    expect(escrow.paymentReference).toMatch(/^pay_[0-9a-f]{24}$/);
    events.expectEmitted(EscrowEvent.Created, [...parties(escrow)], { escrowId: escrow.escrowId, buyerId: tenants.a2.id });
    events.expectEmitted(NotificationEvent.Created, scope.user(tenants.b1.id), { title: 'New escrow' });
    expect(events.emitted.every((entry) => entry.inTransaction)).toBe(true);
  });

  it('refuses an escrow with oneself, with someone who sells nothing (422) or with an unknown or inactive seller (404)', async () => {
    const create = (sellerId: string) => escrows.create(buyer(), { sellerId, amount: '1', currency: 'EUR', description: 'x' });
    await expect(create(tenants.a2.id)).rejects.toMatchObject({ status: 422, response: { code: 'invalid_counterparty' } });
    // A stranger's user id is not enough to push a notification to them: they must sell on the marketplace.
    await expect(create(tenants.a1.id)).rejects.toMatchObject({ status: 422, response: { code: 'not_a_counterparty' } });
    await expect(create(tenants.inactive.id)).rejects.toMatchObject({ status: 404 });
    expect(events.emitted).toHaveLength(0);
    const listed = await escrows.counterparties(buyer());
    expect(listed.map((counterparty) => counterparty.userId)).toEqual([tenants.b1.id]);
    expect(await escrows.counterparties(as(tenants.b1))).toEqual([]);
  });

  it('lets one buyer open only so many escrows an hour with one seller (each notifies the seller)', async () => {
    const limited = new EscrowService(
      prisma,
      ctx.moduleRef.get(EventsService),
      ctx.moduleRef.get(NotificationsService),
      testConfig('postgresql://unused', { ESCROW_OPENINGS_PER_SELLER_PER_HOUR: String(OPENINGS_PER_HOUR) }),
    );
    const eager = await seedUser(prisma, { name: 'eager-buyer', organizationId: tenants.orgA });
    const create = () => limited.create(as(eager), { sellerId: tenants.b1.id, amount: '1', currency: 'EUR', description: 'again' });
    for (let opened = 0; opened < OPENINGS_PER_HOUR; opened++) await create();
    events.clear();
    await expect(create()).rejects.toMatchObject({ status: 429, response: { code: 'rate_limited' } });
    expect(events.emitted).toHaveLength(0);
    // Another buyer is not held back by this one.
    await expect(
      limited.create(buyer(), { sellerId: tenants.b1.id, amount: '1', currency: 'EUR', description: 'mine' }),
    ).resolves.toMatchObject({ status: 'INITIATED' });
  });

  it('holds the money when the provider captures it: payment status, state change and the escrow as it is now', async () => {
    const escrow = await open();
    events.clear();
    await expect(pay(escrow, PaymentEventType.Processing, { id: 'evt_processing' })).resolves.toEqual({
      received: true,
      duplicate: false,
      escrowId: escrow.escrowId,
    });
    await pay(escrow, PaymentEventType.Captured, { id: 'evt_captured' });
    events.expectEmitted(EscrowEvent.PaymentStatus, [...parties(escrow)], {
      previous: 'PROCESSING',
      paymentStatus: 'CAPTURED',
      providerEventId: 'evt_captured',
      amount: '250.50',
    });
    events.expectEmitted(EscrowEvent.StatusChanged, [...parties(escrow)], { from: 'INITIATED', to: 'HELD' });
    events.expectEmitted(EscrowEvent.Updated, scope.escrow(escrow.escrowId), { status: 'HELD', paymentStatus: 'CAPTURED' });
    events.expectEmittedTimes(EscrowEvent.StatusChanged, 1);
  });

  it('applies a provider event once: a replay changes nothing and emits nothing', async () => {
    const escrow = await open();
    await pay(escrow, PaymentEventType.Captured, { id: 'evt_once' });
    events.clear();
    await expect(pay(escrow, PaymentEventType.Captured, { id: 'evt_once' })).resolves.toMatchObject({ duplicate: true });
    expect(events.emitted).toHaveLength(0);
    expect(await prisma.paymentEvent.count({ where: { escrowId: escrow.escrowId } })).toBe(1);
  });

  it('refuses a payment of another amount (422) or one that does not fit the state (409), recording neither', async () => {
    const escrow = await held();
    await expect(pay(escrow, PaymentEventType.Captured, { id: 'evt_short', amount: '25.05' })).rejects.toMatchObject({
      status: 422,
      response: { code: 'payment_mismatch' },
    });
    await expect(pay(escrow, PaymentEventType.Failed, { id: 'evt_late_failure' })).rejects.toMatchObject({
      status: 409,
      response: { code: 'illegal_transition' },
    });
    await expect(
      escrows.applyPaymentEvent({
        id: 'evt_x',
        type: PaymentEventType.Captured,
        data: { paymentReference: 'pay_unknown', amount: '1', currency: 'EUR' },
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect(events.emitted).toHaveLength(0);
    expect(await prisma.paymentEvent.count({ where: { providerEventId: { in: ['evt_short', 'evt_late_failure', 'evt_x'] } } })).toBe(0);
  });

  it('releases the money once both parties confirmed, and notifies both', async () => {
    const escrow = await held();
    const first = await escrows.confirm(buyer(), escrow.escrowId);
    expect(first).toMatchObject({ status: 'HELD', buyerConfirmedAt: expect.any(String), sellerConfirmedAt: null });
    events.expectEmitted(EscrowEvent.ConfirmationAdded, [...parties(escrow)], {
      party: 'buyer',
      buyerConfirmed: true,
      sellerConfirmed: false,
    });
    events.expectNotEmitted(EscrowEvent.StatusChanged);
    await expect(escrows.confirm(buyer(), escrow.escrowId)).rejects.toMatchObject({ status: 409, response: { code: 'already_confirmed' } });

    const released = await escrows.confirm(seller(), escrow.escrowId);
    expect(released.status).toBe('RELEASED');
    events.expectEmitted(EscrowEvent.ConfirmationAdded, scope.user(tenants.b1.id), {
      party: 'seller',
      buyerConfirmed: true,
      sellerConfirmed: true,
    });
    events.expectEmitted(EscrowEvent.StatusChanged, [...parties(escrow)], { from: 'HELD', to: 'RELEASED' });
    for (const party of [tenants.a2, tenants.b1]) {
      events.expectEmitted(NotificationEvent.Created, scope.user(party.id), { title: 'Escrow released', type: 'success' });
    }
    await expect(escrows.raiseDispute(buyer(), escrow.escrowId, 'too late')).rejects.toMatchObject({
      status: 409,
      response: { code: 'illegal_transition' },
    });
  });

  it('lets only a party confirm or dispute, and only before the money is held or settled (409)', async () => {
    const escrow = await open();
    await expect(escrows.confirm(buyer(), escrow.escrowId)).rejects.toMatchObject({
      status: 409,
      response: { code: 'illegal_transition' },
    });
    await pay(escrow, PaymentEventType.Captured);
    // a1 administers the buyer's organization: it may see the escrow but is no party to it.
    await expect(escrows.confirm(as(tenants.a1), escrow.escrowId)).rejects.toMatchObject({ status: 403 });
    await expect(escrows.raiseDispute(as(tenants.a1), escrow.escrowId, 'x')).rejects.toMatchObject({ status: 403 });
  });

  it('hands a dispute to the platform arbiter alone, who releases or refunds it', async () => {
    const escrow = await held();
    const disputed = await escrows.raiseDispute(seller(), escrow.escrowId, 'The buyer never collected it');
    expect(disputed).toMatchObject({
      status: 'DISPUTED',
      dispute: { raisedById: tenants.b1.id, reason: 'The buyer never collected it', outcome: null },
    });
    events.expectEmitted(EscrowEvent.DisputeRaised, [...parties(escrow)], { party: 'seller', reason: 'The buyer never collected it' });
    events.expectEmitted(EscrowEvent.StatusChanged, scope.escrow(escrow.escrowId), { from: 'HELD', to: 'DISPUTED' });
    await expect(escrows.confirm(buyer(), escrow.escrowId)).rejects.toMatchObject({ status: 409 });

    // Neither party nor the owner of a party's organization decides; to the operator the escrow does not exist.
    for (const user of [buyer(), seller(), as(tenants.a1)])
      await expect(escrows.resolveDispute(user, escrow.escrowId, 'refund', undefined)).rejects.toMatchObject({ status: 403 });
    await expect(escrows.resolveDispute(as(tenants.operator), escrow.escrowId, 'refund', undefined)).rejects.toMatchObject({ status: 404 });
    // An arbiter who works for one of the parties' organizations is no neutral arbiter: a member does not see the
    // dispute, an admin (who sees the organization's escrows) is refused.
    for (const role of ['MEMBER', 'ADMIN'] as const) {
      const colleague = await seedUser(prisma, { name: `colleague-${role}`, organizationId: tenants.orgA, role, platformRole: 'ARBITER' });
      await expect(escrows.resolveDispute(as(colleague), escrow.escrowId, 'refund', undefined)).rejects.toMatchObject({
        status: role === 'ADMIN' ? 403 : 404,
      });
    }
    events.expectNotEmitted(EscrowEvent.DisputeResolved);
    events.clear();
    const refunded = await escrows.resolveDispute(as(tenants.arbiter), escrow.escrowId, 'refund', 'Never delivered');
    expect(refunded).toMatchObject({
      status: 'REFUNDED',
      dispute: { outcome: 'refund', resolvedById: tenants.arbiter.id, note: 'Never delivered' },
    });
    events.expectEmitted(EscrowEvent.DisputeResolved, [...parties(escrow)], { outcome: 'refund', resolvedById: tenants.arbiter.id });
    events.expectEmitted(EscrowEvent.StatusChanged, scope.user(tenants.a2.id), { from: 'DISPUTED', to: 'REFUNDED' });
    events.expectEmitted(NotificationEvent.Created, scope.user(tenants.b1.id), { title: 'Escrow refunded' });
    await expect(escrows.resolveDispute(as(tenants.arbiter), escrow.escrowId, 'release', undefined)).rejects.toMatchObject({
      status: 409,
    });

    // The provider later confirms the refund: the payment status follows, the escrow stays refunded.
    events.clear();
    await pay(escrow, PaymentEventType.Refunded);
    events.expectEmitted(EscrowEvent.PaymentStatus, scope.escrow(escrow.escrowId), { previous: 'CAPTURED', paymentStatus: 'REFUNDED' });
    events.expectNotEmitted(EscrowEvent.StatusChanged);
  });

  it('decides two confirmations at once one after the other: released once, with one status change', async () => {
    const escrow = await held();
    const results = await Promise.all([escrows.confirm(buyer(), escrow.escrowId), escrows.confirm(seller(), escrow.escrowId)]);
    expect(results.map((result) => result.status).sort()).toEqual(['HELD', 'RELEASED']);
    events.expectEmittedTimes(EscrowEvent.StatusChanged, 1);
    events.expectEmittedTimes(EscrowEvent.ConfirmationAdded, 2);
  });

  it('shows an escrow to its parties and to admins of their organizations only', async () => {
    const escrow = await open();
    for (const user of [buyer(), seller(), as(tenants.a1)]) {
      await expect(escrows.get(user, escrow.escrowId)).resolves.toMatchObject({ escrowId: escrow.escrowId });
      expect(await escrows.followable(user, [escrow.escrowId])).toEqual(new Set([escrow.escrowId]));
    }
    const stranger = await prisma.user.create({
      data: { email: `stranger-${escrow.escrowId}@test.operate`, name: 'stranger', organizationId: tenants.orgB, passwordHash: 'x' },
    });
    const outsider = as({ id: stranger.id, email: stranger.email, organizationId: tenants.orgB, role: 'MEMBER' });
    await expect(escrows.get(outsider, escrow.escrowId)).rejects.toMatchObject({ status: 404 });
    expect(await escrows.followable(outsider, [escrow.escrowId])).toEqual(new Set());

    const mine = await escrows.listMine(seller(), { page: 1, pageSize: 100 });
    expect(mine.items.map((item) => item.escrowId)).toContain(escrow.escrowId);
    expect(mine.items.every((item) => item.sellerId === tenants.b1.id || item.buyerId === tenants.b1.id)).toBe(true);
    expect((await escrows.listMine(outsider, { page: 1, pageSize: 100 })).total).toBe(0);
  });
});
