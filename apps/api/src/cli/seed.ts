import { PrismaPg } from '@prisma/adapter-pg';
import { hashPassword } from '../auth/password.js';
import { Prisma, PrismaClient } from '../generated/prisma/client.js';
import {
  DEMO_PASSWORD,
  DEMO_PERSONAL_TOKENS,
  demoEscrow,
  demoFamily,
  demoInvoices,
  demoListings,
  demoOrganizations,
  demoSellers,
  demoShopItems,
  demoUsers,
} from './demo-data.js';
import { runDatabaseCommand } from './run.js';

const DAY_MS = 24 * 60 * 60 * 1000;

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
    logger.log(
      `Seeded ${demoOrganizations.length} organizations, ${demoUsers.length} users, ${demoInvoices.length} invoices, ${demoShopItems.length} shop items, 1 family, ${demoSellers.length} sellers, ${demoListings.length} listings, 1 escrow`,
    );
    logger.log(
      `Demo logins (password "${DEMO_PASSWORD}"): ${demoUsers.map((user) => `${user.email} (${'platformRole' in user ? `platform ${user.platformRole}` : user.role})`).join(', ')}`,
    );
  } finally {
    await prisma.$disconnect();
  }
});
