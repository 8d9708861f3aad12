import { PrismaPg } from '@prisma/adapter-pg';
import { hashPassword } from '../auth/password.js';
import { Prisma, PrismaClient } from '../generated/prisma/client.js';
import {
  DEMO_PASSWORD,
  DEMO_PERSONAL_TOKENS,
  DEMO_SALES_DAYS,
  DEMO_SALES_LISTING,
  DEMO_SALES_REFERENCE_PREFIX,
  demoSettledEscrow,
  demoEscrow,
  demoFamily,
  demoInvoices,
  demoListings,
  demoOrganizations,
  demoSellers,
  demoShopItems,
  demoUsers,
} from './demo-data.js';
import { tierFor } from '../modules/seller/tiers.js';
import { runDatabaseCommand } from './run.js';

const DAY_MS = 24 * 60 * 60 * 1000;

type Users = ReadonlyMap<string, { readonly id: string; readonly organizationId: string }>;

/** The camera escrow, with its history: opened, paid, confirmed by the buyer, then by the seller (released). */
async function seedSettledEscrow(prisma: PrismaClient, users: Users): Promise<void> {
  const [buyer, seller] = [users.get(demoSettledEscrow.buyer)!, users.get(demoSettledEscrow.seller)!];
  const at = (daysAgo: number, hour: number) => new Date(Date.now() - daysAgo * DAY_MS + hour * 3_600_000);
  await prisma.escrow.deleteMany({ where: { paymentReference: demoSettledEscrow.paymentReference } });
  const escrow = await prisma.escrow.create({
    data: {
      paymentReference: demoSettledEscrow.paymentReference,
      buyerId: buyer.id,
      sellerId: seller.id,
      buyerOrganizationId: buyer.organizationId,
      sellerOrganizationId: seller.organizationId,
      amount: new Prisma.Decimal(demoSettledEscrow.amount),
      currency: demoSettledEscrow.currency,
      description: demoSettledEscrow.description,
      status: 'RELEASED',
      paymentStatus: 'CAPTURED',
      buyerConfirmedAt: at(5, 0),
      sellerConfirmedAt: at(4, 0),
      createdAt: at(10, 0),
    },
  });
  const steps = [
    { at: at(10, 0), action: 'opened', actorId: buyer.id, fromStatus: null, toStatus: 'INITIATED', paymentStatus: 'AWAITING_PAYMENT' },
    {
      at: at(9, 2),
      action: 'payment',
      actorId: null,
      fromStatus: 'INITIATED',
      toStatus: 'HELD',
      paymentStatus: 'CAPTURED',
      providerEventId: 'evt_demo_camera',
    },
    { at: at(5, 0), action: 'confirmed', actorId: buyer.id, fromStatus: null, toStatus: 'HELD', paymentStatus: 'CAPTURED' },
    { at: at(4, 0), action: 'confirmed', actorId: seller.id, fromStatus: 'HELD', toStatus: 'RELEASED', paymentStatus: 'CAPTURED' },
  ] as const;
  for (const step of steps) await prisma.escrowHistory.create({ data: { escrowId: escrow.id, ...step } });
}

/** Carol's last DEMO_SALES_DAYS days of delivered orders (some reviewed), so her chart and reviews open full. */
async function seedSalesHistory(prisma: PrismaClient, users: Users): Promise<number> {
  const seller = users.get('carol@globex.test')!;
  const buyer = users.get('bob@acme.test')!;
  await prisma.order.deleteMany({ where: { paymentReference: { startsWith: DEMO_SALES_REFERENCE_PREFIX } } });
  const existing = await prisma.listing.findFirst({ where: { sellerId: seller.id, title: DEMO_SALES_LISTING } });
  const listing =
    existing ??
    (await prisma.listing.create({
      data: { sellerId: seller.id, title: DEMO_SALES_LISTING, price: new Prisma.Decimal('24.00'), currency: 'EUR', quantity: 40 },
    }));
  let count = 0;
  for (let daysAgo = DEMO_SALES_DAYS - 1; daysAgo >= 1; daysAgo--) {
    // A steady shop with a weekly rhythm: 0 to 3 orders a day, every third one reviewed.
    const orders = (daysAgo * 7) % 4;
    for (let index = 0; index < orders; index++) {
      const placed = new Date(Date.now() - daysAgo * DAY_MS + index * 3_600_000);
      const order = await prisma.order.create({
        data: {
          listingId: listing.id,
          sellerId: seller.id,
          buyerId: buyer.id,
          quantity: 1,
          amount: listing.price,
          currency: 'EUR',
          status: 'DELIVERED',
          paymentReference: `${DEMO_SALES_REFERENCE_PREFIX}${daysAgo}_${index}`,
          transactionReference: `txn_demo_${daysAgo}_${index}`,
          createdAt: placed,
          paidAt: placed,
          shippedAt: placed,
          deliveredAt: placed,
        },
      });
      count++;
      if (count % 3 === 0)
        await prisma.review.create({
          data: {
            orderId: order.id,
            sellerId: seller.id,
            buyerId: buyer.id,
            rating: 4 + (daysAgo % 2),
            comment: 'Arrived quickly',
            createdAt: placed,
          },
        });
    }
  }
  const delivered = await prisma.order.aggregate({
    where: { sellerId: seller.id, status: 'DELIVERED' },
    _sum: { amount: true },
    _count: true,
  });
  const volume = delivered._sum.amount ?? new Prisma.Decimal(0);
  await prisma.sellerProfile.update({
    where: { userId: seller.id },
    data: { completedSales: delivered._count, completedSalesVolume: volume, tier: tierFor(volume) },
  });
  return count;
}

/** Idempotent: running it twice leaves the same demo data. */
runDatabaseCommand('db:seed', async (database, logger) => {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: database.url }) });
  try {
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    const orgIds = new Map<string, string>();
    for (const org of demoOrganizations) {
      const row = await prisma.organization.upsert({ where: { slug: org.slug }, update: { name: org.name }, create: org });
      orgIds.set(org.slug, row.id);
    }
    for (const user of demoUsers) {
      const organizationId = orgIds.get(user.organization)!;
      const platformRole = 'platformRole' in user ? user.platformRole : null;
      await prisma.user.upsert({
        where: { email: user.email },
        update: { name: user.name, role: user.role, platformRole, active: true, organizationId, sbdBalance: DEMO_PERSONAL_TOKENS },
        create: {
          email: user.email,
          name: user.name,
          role: user.role,
          platformRole,
          passwordHash,
          organizationId,
          sbdBalance: DEMO_PERSONAL_TOKENS,
        },
      });
    }
    const now = Date.now();
    for (const invoice of demoInvoices) {
      const organizationId = orgIds.get(invoice.organization)!;
      const dueAt = new Date(now + invoice.dueInDays * DAY_MS);
      const data = {
        customerName: invoice.customerName,
        total: new Prisma.Decimal(invoice.total),
        currency: invoice.currency,
        status: invoice.status,
        dueAt,
        sentAt: invoice.status === 'DRAFT' ? null : new Date(now - 2 * DAY_MS),
        paidAt: invoice.status === 'PAID' ? new Date(now - DAY_MS) : null,
      };
      await prisma.invoice.upsert({
        where: { organizationId_number: { organizationId, number: invoice.number } },
        update: data,
        create: { organizationId, number: invoice.number, ...data },
      });
    }
    for (const item of demoShopItems) {
      const existing = await prisma.shopItem.findFirst({ where: { name: item.name } });
      if (existing) await prisma.shopItem.update({ where: { id: existing.id }, data: { ...item, active: true } });
      else await prisma.shopItem.create({ data: item });
    }
    const family =
      (await prisma.family.findFirst({ where: { name: demoFamily.name } })) ??
      (await prisma.family.create({ data: { name: demoFamily.name } }));
    await prisma.family.update({ where: { id: family.id }, data: { balance: demoFamily.balance } });
    for (const member of demoFamily.members) {
      const user = await prisma.user.findUniqueOrThrow({ where: { email: member.email } });
      await prisma.familyMember.upsert({
        where: { familyId_userId: { familyId: family.id, userId: user.id } },
        update: { role: member.role },
        create: { familyId: family.id, userId: user.id, role: member.role },
      });
    }
    const userIds = new Map(
      (await prisma.user.findMany({ select: { id: true, email: true, organizationId: true } })).map((u) => [u.email, u]),
    );
    for (const seller of demoSellers) {
      const userId = userIds.get(seller.email)!.id;
      await prisma.sellerProfile.upsert({
        where: { userId },
        update: { displayName: seller.displayName },
        create: { userId, displayName: seller.displayName, currency: seller.currency },
      });
    }
    for (const listing of demoListings) {
      const seller = demoSellers.find((entry) => entry.email === listing.seller)!;
      const sellerId = userIds.get(listing.seller)!.id;
      const data = {
        price: new Prisma.Decimal(listing.price),
        currency: seller.currency,
        quantity: listing.quantity,
        status: 'ACTIVE' as const,
      };
      const existing = await prisma.listing.findFirst({ where: { sellerId, title: listing.title } });
      if (existing) await prisma.listing.update({ where: { id: existing.id }, data });
      else await prisma.listing.create({ data: { sellerId, title: listing.title, ...data } });
    }
    const [buyer, seller] = [userIds.get(demoEscrow.buyer)!, userIds.get(demoEscrow.seller)!];
    const escrow = {
      amount: new Prisma.Decimal(demoEscrow.amount),
      currency: demoEscrow.currency,
      description: demoEscrow.description,
      status: 'INITIATED' as const,
      paymentStatus: 'AWAITING_PAYMENT' as const,
      buyerConfirmedAt: null,
      sellerConfirmedAt: null,
    };
    await prisma.escrow.upsert({
      where: { paymentReference: demoEscrow.paymentReference },
      update: escrow,
      create: {
        ...escrow,
        paymentReference: demoEscrow.paymentReference,
        buyerId: buyer.id,
        sellerId: seller.id,
        buyerOrganizationId: buyer.organizationId,
        sellerOrganizationId: seller.organizationId,
      },
    });
    await prisma.paymentEvent.deleteMany({ where: { escrow: { paymentReference: demoEscrow.paymentReference } } });
    const laptop = await prisma.escrow.findUniqueOrThrow({ where: { paymentReference: demoEscrow.paymentReference } });
    await prisma.escrowHistory.deleteMany({ where: { escrowId: laptop.id } });
    await prisma.escrowHistory.create({
      data: {
        escrowId: laptop.id,
        at: laptop.createdAt,
        action: 'opened',
        actorId: buyer.id,
        toStatus: 'INITIATED',
        paymentStatus: 'AWAITING_PAYMENT',
      },
    });
    await seedSettledEscrow(prisma, userIds);
    const sales = await seedSalesHistory(prisma, userIds);
    logger.log(
      `Seeded ${demoOrganizations.length} organizations, ${demoUsers.length} users, ${demoInvoices.length} invoices, ${demoShopItems.length} shop items, 1 family, ${demoSellers.length} sellers, ${demoListings.length} listings, ${sales} past orders, 2 escrows`,
    );
    logger.log(
      `Demo logins (password "${DEMO_PASSWORD}"): ${demoUsers.map((user) => `${user.email} (${'platformRole' in user ? `platform ${user.platformRole}` : user.role})`).join(', ')}`,
    );
  } finally {
    await prisma.$disconnect();
  }
});
