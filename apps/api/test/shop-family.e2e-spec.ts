import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  FamilyEvent,
  InvoiceEvent,
  ProtocolEvent,
  ShopEvent,
  WalletEvent,
  type InvoiceSummary,
  type ShopItemView,
  type WalletView,
} from '@operate/shared';
import type { FamilyView } from '../src/modules/shop-family/families.service.js';
import { startApp, type RunningApp } from './support/app.js';
import { seedFamily } from './support/fixtures.js';
import type { RecordingClient } from './support/socket-client.js';

describe('shop and family wallet (e2e)', () => {
  let ctx: RunningApp;
  let family: Awaited<ReturnType<typeof seedFamily>>;
  let tokens: { a1: string; a2: string; b1: string; operator: string };
  let owner: RecordingClient;
  let spender: RecordingClient;
  let outsider: RecordingClient;

  beforeAll(async () => {
    ctx = await startApp();
    // a1 (organization A) owns the family, b1 (organization B) spends in it; a2 is not a member.
    family = await seedFamily(ctx.prisma, { owner: ctx.tenants.a1, spender: ctx.tenants.b1 }, 1_000);
    tokens = {
      a1: await ctx.login(ctx.tenants.a1),
      a2: await ctx.login(ctx.tenants.a2),
      b1: await ctx.login(ctx.tenants.b1),
      operator: await ctx.login(ctx.tenants.operator),
    };
    [owner, spender, outsider] = await Promise.all([ctx.connect(ctx.tenants.a1), ctx.connect(ctx.tenants.b1), ctx.connect(ctx.tenants.a2)]);
  });

  afterAll(async () => {
    await ctx.close();
  });

  const buy = (token: string, body: Record<string, unknown>) =>
    ctx.http().post('/shop/purchases').set('authorization', `Bearer ${token}`).send(body);

  /** An event only organization A's members receive, published after everything before it. */
  async function sentinelForOrgA(): Promise<string> {
    const response = await ctx
      .http()
      .post('/invoices')
      .set('authorization', `Bearer ${tokens.a1}`)
      .send({ customerName: 'Sentinel', total: '1.00', currency: 'EUR', dueAt: '2030-01-01T00:00:00Z' })
      .expect(201);
    return (response.body as InvoiceSummary).invoiceId;
  }

  it('tells every family member about a family purchase, across organizations, and nobody else', async () => {
    const response = await buy(tokens.b1, { itemId: family.itemId, payWith: 'family', familyId: family.familyId }).expect(201);
    expect(response.body).toMatchObject({ paidWith: 'family', newBalance: 900 });
    for (const member of [owner, spender]) {
      const event = await member.waitFor(FamilyEvent.ShopPurchase);
      expect(event.payload).toMatchObject({
        familyId: family.familyId,
        purchaserUsername: 'b1',
        itemType: 'THEME',
        itemName: 'Aurora theme',
        price: 100,
        newBalance: 900,
      });
    }
    const sentinel = await sentinelForOrgA();
    await outsider.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === sentinel);
    expect(outsider.ofType(FamilyEvent.ShopPurchase)).toHaveLength(0);

    const families = (await ctx.http().get('/families/mine').set('authorization', `Bearer ${tokens.a1}`).expect(200)).body as FamilyView[];
    expect(families).toEqual([expect.objectContaining({ familyId: family.familyId, balance: 900, myRole: 'OWNER', canSpend: true })]);
    expect((await ctx.http().get('/families/mine').set('authorization', `Bearer ${tokens.a2}`).expect(200)).body).toEqual([]);
  });

  it('keeps a personal wallet: GET /wallet, and wallet.updated to every socket of its owner and nobody else', async () => {
    await ctx.prisma.user.update({ where: { id: ctx.tenants.a2.id }, data: { sbdBalance: 25 } });
    const secondTab = await ctx.connect(ctx.tenants.a2);
    expect((await ctx.as(tokens.a2).get('/wallet').expect(200)).body).toEqual({ balance: 25, movements: [] });
    const bought = (await buy(tokens.a2, { itemId: family.cheapItemId, payWith: 'personal' }).expect(201)).body as { purchaseId: string };
    const wallet = (await ctx.as(tokens.a2).get('/wallet').expect(200)).body as WalletView;
    expect(wallet).toEqual({
      balance: 15,
      movements: [{ movementId: bought.purchaseId, amount: -10, reason: 'purchase', itemName: 'Pixel avatar', at: expect.any(String) }],
    });
    for (const tab of [outsider, secondTab]) {
      const event = await tab.waitFor(WalletEvent.Updated, (e) => e.payload.movement.movementId === bought.purchaseId);
      expect(event.payload).toEqual({ balance: 15, movement: wallet.movements[0] });
    }
    // Family purchases do not move it; another person's wallet is never sent.
    const sentinel = await sentinelForOrgA();
    await owner.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === sentinel);
    expect(owner.ofType(WalletEvent.Updated)).toHaveLength(0);
    expect(((await ctx.as(tokens.a1).get('/wallet').expect(200)).body as WalletView).movements).toEqual([]);
  });

  it('manages a family: create, add by email, roles, remove, leave — the removed member hears nothing more of it', async () => {
    const as = ctx.as.bind(ctx);
    const created = (await as(tokens.a1).post('/families', { name: 'Garden club' }).expect(201)).body as FamilyView;
    expect(created).toMatchObject({
      name: 'Garden club',
      balance: 0,
      myRole: 'OWNER',
      canSpend: true,
      members: [{ userId: ctx.tenants.a1.id, role: 'OWNER' }],
    });
    const familyId = created.familyId;
    const ofFamily = (client: RecordingClient) => client.ofType(FamilyEvent.MemberChanged).filter((e) => e.payload.familyId === familyId);

    // a2 is added as a viewer: told at once, and from then on in the family's room.
    await as(tokens.a1).post(`/families/${familyId}/members`, { email: ctx.tenants.a2.email, role: 'VIEWER' }).expect(201);
    await outsider.waitFor(FamilyEvent.MemberChanged, (e) => e.payload.familyId === familyId && e.payload.userId === ctx.tenants.a2.id);
    await as(tokens.a1).post(`/families/${familyId}/members`, { email: ctx.tenants.b1.email, role: 'SPENDER' }).expect(201);
    // Sent to the family and to b1 only: a2 gets it through the family's room.
    await outsider.waitFor(FamilyEvent.MemberChanged, (e) => e.payload.familyId === familyId && e.payload.userId === ctx.tenants.b1.id);
    expect(ofFamily(outsider).map((e) => [e.payload.change, e.payload.name])).toEqual([
      ['added', 'a2'],
      ['added', 'b1'],
    ]);

    // Who may do what: a viewer may not spend or manage; a stranger is told the family does not exist.
    await ctx.prisma.family.update({ where: { id: familyId }, data: { balance: 500 } });
    await buy(tokens.a2, { itemId: family.cheapItemId, payWith: 'family', familyId }).expect(403);
    await as(tokens.a2).post(`/families/${familyId}/members`, { email: ctx.tenants.operator.email, role: 'VIEWER' }).expect(403);
    await as(tokens.operator).post(`/families/${familyId}/leave`).expect(404);
    await as(tokens.a1).post(`/families/${familyId}/members`, { email: ctx.tenants.b1.email, role: 'VIEWER' }).expect(409);
    await as(tokens.a1).post(`/families/${familyId}/members`, { email: 'nobody@example.test', role: 'VIEWER' }).expect(404);
    await as(tokens.a1).post(`/families/${familyId}/members`, { email: 'not an email', role: 'OWNER' }).expect(400);
    await as(tokens.a1).delete(`/families/${familyId}/members/${ctx.tenants.a1.id}`).expect(422);
    await as(tokens.a1).post(`/families/${familyId}/leave`).expect(409);

    // The owner makes a2 a spender, then removes them: a2 hears the removal, then nothing more from the family.
    await as(tokens.a1).patch(`/families/${familyId}/members/${ctx.tenants.a2.id}`, { role: 'SPENDER' }).expect(200);
    await as(tokens.a1).delete(`/families/${familyId}/members/${ctx.tenants.a2.id}`).expect(200);
    await outsider.waitFor(FamilyEvent.MemberChanged, (e) => e.payload.familyId === familyId && e.payload.change === 'removed');
    await buy(tokens.b1, { itemId: family.cheapItemId, payWith: 'family', familyId }).expect(201);
    await as(tokens.a1).patch(`/families/${familyId}/members/${ctx.tenants.b1.id}`, { role: 'OWNER' }).expect(200);
    await owner.waitFor(
      FamilyEvent.MemberChanged,
      (e) => e.payload.familyId === familyId && e.payload.role === 'OWNER' && e.payload.userId === ctx.tenants.b1.id,
    );
    const sentinel = await sentinelForOrgA();
    await outsider.waitFor(InvoiceEvent.Created, (e) => e.payload.invoiceId === sentinel);
    expect(ofFamily(outsider).map((e) => e.payload.change)).toEqual(['added', 'added', 'role_changed', 'removed']);
    expect(outsider.ofType(FamilyEvent.ShopPurchase).filter((e) => e.payload.familyId === familyId)).toHaveLength(0);
    await buy(tokens.a2, { itemId: family.cheapItemId, payWith: 'family', familyId }).expect(404);

    // With another owner, a1 may leave; the family goes on with b1.
    await as(tokens.a1).post(`/families/${familyId}/leave`).expect(204);
    await spender.waitFor(FamilyEvent.MemberChanged, (e) => e.payload.familyId === familyId && e.payload.change === 'left');
    const left = (await as(tokens.b1).get('/families/mine').expect(200)).body as FamilyView[];
    expect(left.find((entry) => entry.familyId === familyId)?.members.map((member) => member.userId)).toEqual([ctx.tenants.b1.id]);
  });

  it('answers bad purchases with coded errors and changes nothing', async () => {
    const bad = await buy(tokens.a1, { itemId: family.itemId, payWith: 'family' }).expect(400);
    expect((bad.body as { errors: { field: string }[] }).errors.map((error) => error.field)).toEqual(['familyId']);
    await buy(tokens.a1, { itemId: family.itemId, payWith: 'cash' }).expect(400);
    await buy(tokens.a2, { itemId: family.itemId, payWith: 'family', familyId: family.familyId }).expect(404);
    await buy(tokens.a1, { itemId: '00000000-0000-4000-8000-000000000000', payWith: 'personal' }).expect(404);
    const broke = await buy(tokens.a1, { itemId: family.itemId, payWith: 'personal' }).expect(409);
    expect(broke.body).toMatchObject({ code: 'insufficient_funds' });
    expect((await ctx.prisma.family.findUniqueOrThrow({ where: { id: family.familyId } })).balance).toBe(900);
  });

  it('lets 20 concurrent family purchases against a balance for 5 succeed exactly 5 times, with exactly 5 events', async () => {
    const tight = await seedFamily(ctx.prisma, { owner: ctx.tenants.a1, spender: ctx.tenants.b1 }, 500);
    const member = await ctx.connect(ctx.tenants.b1);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        buy(index % 2 ? tokens.a1 : tokens.b1, { itemId: tight.itemId, payWith: 'family', familyId: tight.familyId }),
      ),
    );
    expect(results.filter((result) => result.status === 201)).toHaveLength(5);
    expect(results.filter((result) => result.status === 409)).toHaveLength(15);
    expect((await ctx.prisma.family.findUniqueOrThrow({ where: { id: tight.familyId } })).balance).toBe(0);
    const balances = results.filter((result) => result.status === 201).map((result) => (result.body as { newBalance: number }).newBalance);
    expect(balances.sort((a, b) => a - b)).toEqual([0, 100, 200, 300, 400]);

    // A catalog change (to everyone) after the purchases: once it arrives, all purchase events have too.
    const item = await ctx
      .http()
      .post('/shop/items')
      .set('authorization', `Bearer ${tokens.operator}`)
      .send({ type: 'BUNDLE', name: 'After', price: 5 })
      .expect(201);
    await member.waitFor(ShopEvent.Updated, (e) => e.payload.newItems[0]?.itemId === (item.body as ShopItemView).itemId);
    const events = member.ofType(FamilyEvent.ShopPurchase).filter((e) => e.payload.familyId === tight.familyId);
    expect(events).toHaveLength(5);
    expect(events.map((e) => e.payload.newBalance).sort((a, b) => a - b)).toEqual([0, 100, 200, 300, 400]);
  });

  it('tells everyone about catalog changes; only the platform operator may make them, no organization owner', async () => {
    for (const token of [tokens.a2, tokens.a1, tokens.b1])
      await ctx
        .http()
        .post('/shop/items')
        .set('authorization', `Bearer ${token}`)
        .send({ type: 'THEME', name: 'Nope', price: 5 })
        .expect(403);
    const created = (
      await ctx
        .http()
        .post('/shop/items')
        .set('authorization', `Bearer ${tokens.operator}`)
        .send({ type: 'AVATAR', name: 'Cat', price: 25 })
        .expect(201)
    ).body as ShopItemView;
    for (const client of [owner, spender, outsider]) {
      const event = await client.waitFor(ShopEvent.Updated, (e) => e.payload.newItems.some((item) => item.itemId === created.itemId));
      expect(event.payload.newItems[0]).toEqual(created);
    }
    await ctx.http().patch(`/shop/items/${created.itemId}`).set('authorization', `Bearer ${tokens.b1}`).send({ price: 1 }).expect(403);
    await ctx.http().delete(`/shop/items/${created.itemId}`).set('authorization', `Bearer ${tokens.a1}`).expect(403);
    await ctx.http().delete(`/shop/items/${created.itemId}`).set('authorization', `Bearer ${tokens.operator}`).expect(200);
    const retired = await outsider.waitFor(ShopEvent.Updated, (e) => e.payload.updatedItems.some((item) => item.itemId === created.itemId));
    expect(retired.payload.updatedItems[0]?.active).toBe(false);
  });

  it("reads a socket's families in the statement that checks its session: no query of their own", async () => {
    const sent: string[] = [];
    const rows = ctx.prisma.rows.bind(ctx.prisma);
    ctx.prisma.rows = (query, values) => {
      sent.push(typeof query === 'string' ? query : query.text);
      return rows(query, values);
    };
    try {
      const again = await ctx.connect(ctx.tenants.b1);
      again.close();
    } finally {
      ctx.prisma.rows = rows;
    }
    const reading = sent.filter((text) => text.includes('"FamilyMember"') || text.includes('"Session"'));
    expect(reading).toHaveLength(1);
    expect(reading[0]).toMatch(/FROM "Session"[\s\S]*ANY\(\$1::uuid\[\]\)/);
    expect(reading[0]).toContain('"FamilyMember"');
    // And the rooms it read are joined: b1 (organization B) hears organization A's family.
    const back = await ctx.connect(ctx.tenants.b1);
    await ctx.prisma.family.update({ where: { id: family.familyId }, data: { balance: { increment: 100 } } });
    await buy(tokens.b1, { itemId: family.itemId, payWith: 'family', familyId: family.familyId }).expect(201);
    expect((await back.waitFor(FamilyEvent.ShopPurchase)).payload.familyId).toBe(family.familyId);
    back.close();
  });

  it('replays family events to a member who was away', async () => {
    const away = await ctx.connect(ctx.tenants.a1);
    const from = away.lastCursor();
    away.close();
    await ctx.prisma.family.update({ where: { id: family.familyId }, data: { balance: { increment: 100 } } });
    await buy(tokens.b1, { itemId: family.itemId, payWith: 'family', familyId: family.familyId }).expect(201);
    await spender.waitFor(
      FamilyEvent.ShopPurchase,
      (e) => e.payload.newBalance === 900 && e.payload.purchasedAt > new Date(Date.now() - 60_000).toISOString(),
    );
    const back = await ctx.connect(ctx.tenants.a1, { cursor: from });
    await back.waitFor(ProtocolEvent.Resumed);
    expect(back.ofType(FamilyEvent.ShopPurchase).map((e) => e.payload.familyId)).toContain(family.familyId);
  });
});
