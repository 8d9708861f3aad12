import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { FamilyEvent, NotificationEvent, scope, ShopEvent } from '@operate/shared';
import { asCaller, seedFamily, type Tenants } from '../support/fixtures.js';
import { FakeEventsService } from '../../src/events/testing/index.js';
import { startServiceTest, type ServiceTest } from '../support/service-module.js';
import type { PrismaService } from '../../src/prisma/prisma.service.js';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';
import { ShopService } from '../../src/modules/shop-family/shop.service.js';

describe(ShopService.name, () => {
  let ctx: ServiceTest;
  let prisma: PrismaService;
  let shop: ShopService;
  let tenants: Tenants;
  let family: Awaited<ReturnType<typeof seedFamily>>;
  const events = new FakeEventsService();
  const as = asCaller;

  beforeAll(async () => {
    ctx = await startServiceTest([ShopService, NotificationsService], events);
    ({ prisma, tenants } = ctx);
    shop = ctx.moduleRef.get(ShopService);
    // a1 owns the family, b1 (another organization) may spend in it, a2 only watches.
    family = await seedFamily(prisma, { owner: tenants.a1, spender: tenants.b1, viewer: tenants.a2 }, 250);
    await prisma.user.update({ where: { id: tenants.a2.id }, data: { sbdBalance: 15 } });
  });

  afterAll(async () => {
    await ctx.close();
  });

  beforeEach(() => events.clear());

  it('debits the family wallet and tells the family, with who bought what and the new balance', async () => {
    const purchase = await shop.purchase(as(tenants.b1), { itemId: family.itemId, payWith: 'family', familyId: family.familyId });
    expect(purchase).toMatchObject({ paidWith: 'family', price: 100, newBalance: 150, familyId: family.familyId });
    events.expectEmitted(FamilyEvent.ShopPurchase, scope.family(family.familyId), {
      familyId: family.familyId,
      purchaserId: tenants.b1.id,
      purchaserUsername: 'b1',
      itemId: family.itemId,
      itemType: 'THEME',
      itemName: 'Aurora theme',
      price: 100,
      newBalance: 150,
    });
    events.expectNotEmitted(ShopEvent.PurchaseCompleted);
    // The other members are notified, each in their own organization; the purchaser is not.
    for (const member of [tenants.a1, tenants.a2]) {
      events.expectEmitted(NotificationEvent.Created, scope.user(member.id), {
        title: 'Family purchase',
        message: expect.stringContaining('b1 bought'),
      });
    }
    events.expectNotEmitted(NotificationEvent.Created, scope.user(tenants.b1.id));
  });

  it('refuses a member who may not spend (403), a non-member (404) and an empty wallet (409), emitting nothing', async () => {
    await expect(
      shop.purchase(as(tenants.a2), { itemId: family.itemId, payWith: 'family', familyId: family.familyId }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(
      shop.purchase(as(tenants.inactive), { itemId: family.itemId, payWith: 'family', familyId: family.familyId }),
    ).rejects.toMatchObject({
      status: 404,
    });
    await shop.purchase(as(tenants.a1), { itemId: family.itemId, payWith: 'family', familyId: family.familyId });
    events.clear();
    await expect(
      shop.purchase(as(tenants.a1), { itemId: family.itemId, payWith: 'family', familyId: family.familyId }),
    ).rejects.toMatchObject({
      status: 409,
      response: { code: 'insufficient_funds' },
    });
    expect((await prisma.family.findUniqueOrThrow({ where: { id: family.familyId } })).balance).toBe(50);
    expect(events.emitted).toHaveLength(0);
  });

  it('pays personally from the purchaser wallet and tells only the purchaser', async () => {
    const purchase = await shop.purchase(as(tenants.a2), { itemId: family.cheapItemId, payWith: 'personal' });
    expect(purchase).toMatchObject({ paidWith: 'personal', newBalance: 5, familyId: null });
    events.expectEmitted(ShopEvent.PurchaseCompleted, scope.user(tenants.a2.id), { itemId: family.cheapItemId, price: 10, newBalance: 5 });
    events.expectNotEmitted(FamilyEvent.ShopPurchase);
    await expect(shop.purchase(as(tenants.a2), { itemId: family.cheapItemId, payWith: 'personal' })).rejects.toMatchObject({ status: 409 });
  });

  it('announces catalog changes to everyone, and a retired item can no longer be bought', async () => {
    const created = await shop.createItem({ type: 'BANNER', name: 'Sunset banner', price: 40 });
    events.expectEmitted(ShopEvent.Updated, scope.broadcast(), { newItems: [created], updatedItems: [] });
    const repriced = await shop.updateItem(created.itemId, { price: 30 });
    events.expectEmitted(ShopEvent.Updated, scope.broadcast(), { newItems: [], updatedItems: [{ ...created, price: 30 }] });
    const retired = await shop.retireItem(repriced.itemId);
    expect(retired.active).toBe(false);
    events.expectEmitted(ShopEvent.Updated, scope.broadcast(), { updatedItems: [retired] });
    expect((await shop.listItems()).map((item) => item.itemId)).not.toContain(created.itemId);
    await expect(shop.purchase(as(tenants.a1), { itemId: created.itemId, payWith: 'personal' })).rejects.toMatchObject({ status: 404 });
    await expect(shop.retireItem(created.itemId)).rejects.toMatchObject({ status: 404 });
  });
});
