import { PrismaPg } from '@prisma/adapter-pg';
import { hashPassword } from '../auth/password.js';
import { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { DEMO_PASSWORD, DEMO_PERSONAL_TOKENS, demoFamily, demoInvoices, demoOrganizations, demoShopItems, demoUsers } from './demo-data.js';
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
      await prisma.user.upsert({
        where: { email: user.email },
        update: { name: user.name, role: user.role, active: true, organizationId, sbdBalance: DEMO_PERSONAL_TOKENS },
        create: { email: user.email, name: user.name, role: user.role, passwordHash, organizationId, sbdBalance: DEMO_PERSONAL_TOKENS },
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
    logger.log(
      `Seeded ${demoOrganizations.length} organizations, ${demoUsers.length} users, ${demoInvoices.length} invoices, ${demoShopItems.length} shop items, 1 family`,
    );
    logger.log(`Demo logins (password "${DEMO_PASSWORD}"): ${demoUsers.map((user) => `${user.email} (${user.role})`).join(', ')}`);
  } finally {
    await prisma.$disconnect();
  }
});
