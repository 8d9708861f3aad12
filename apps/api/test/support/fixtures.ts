import { hashPassword } from '../../src/auth/password.js';
import type { AuthUser } from '../../src/auth/token.service.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import type { PlatformRole, Role } from '../../src/generated/prisma/enums.js';

export const TEST_PASSWORD = 'correct horse battery staple';

export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly organizationId: string;
  readonly role: Role;
  readonly platformRole?: PlatformRole | null;
}

export interface Tenants {
  readonly orgA: string;
  readonly orgB: string;
  /** Owner of A. */
  readonly a1: TestUser;
  /** Member of A. */
  readonly a2: TestUser;
  /** Owner of B. */
  readonly b1: TestUser;
  /** A deactivated member of A. */
  readonly inactive: TestUser;
  /** The platform's operator and arbiter, members of a third organization (neither A nor B). */
  readonly operator: TestUser;
  readonly arbiter: TestUser;
}

let passwordHash: Promise<string> | undefined;

/** Two organizations with their users; emails are unique per call so files never collide. */
export async function seedTenants(prisma: PrismaClient, tag = Math.random().toString(36).slice(2, 8)): Promise<Tenants> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const hash = await passwordHash;
  const orgA = await prisma.organization.create({ data: { name: `A ${tag}`, slug: `a-${tag}` } });
  const orgB = await prisma.organization.create({ data: { name: `B ${tag}`, slug: `b-${tag}` } });
  const platform = await prisma.organization.create({ data: { name: `Platform ${tag}`, slug: `p-${tag}` } });
  const user = (name: string, organizationId: string, role: Role, active = true, platformRole: PlatformRole | null = null) =>
    seedUser(prisma, {
      name: `${name}`,
      email: `${name}-${tag}@test.operate`,
      organizationId,
      role,
      active,
      platformRole,
      passwordHash: hash,
    });
  return {
    orgA: orgA.id,
    orgB: orgB.id,
    a1: await user('a1', orgA.id, 'OWNER'),
    a2: await user('a2', orgA.id, 'MEMBER'),
    b1: await user('b1', orgB.id, 'OWNER'),
    inactive: await user('inactive', orgA.id, 'MEMBER', false),
    operator: await user('operator', platform.id, 'MEMBER', true, 'OPERATOR'),
    arbiter: await user('arbiter', platform.id, 'MEMBER', true, 'ARBITER'),
  };
}

/** The session id of a caller built for a service test: services never look it up (the guard did, before them). */
const SERVICE_TEST_SESSION = '00000000-0000-4000-8000-000000000000';

/** The caller a service sees for this user (what JwtStrategy puts on the request). */
export function asCaller(user: TestUser): AuthUser {
  return {
    userId: user.id,
    organizationId: user.organizationId,
    role: user.role,
    platformRole: user.platformRole ?? null,
    sessionId: SERVICE_TEST_SESSION,
    expiresAt: 0,
  };
}

/** One more user (password TEST_PASSWORD), e.g. a member who is party to nothing. */
export async function seedUser(
  prisma: PrismaClient,
  user: {
    name: string;
    organizationId: string;
    role?: Role;
    platformRole?: PlatformRole | null;
    email?: string;
    active?: boolean;
    passwordHash?: string;
  },
): Promise<TestUser> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const email = user.email ?? `${user.name}-${Math.random().toString(36).slice(2, 8)}@test.operate`;
  const role = user.role ?? 'MEMBER';
  const row = await prisma.user.create({
    data: {
      email,
      name: user.name,
      role,
      platformRole: user.platformRole ?? null,
      active: user.active ?? true,
      organizationId: user.organizationId,
      passwordHash: user.passwordHash ?? (await passwordHash),
    },
  });
  return { id: row.id, email, organizationId: user.organizationId, role, platformRole: row.platformRole };
}

/** A valid `invoice.created` payload, for tests that publish events directly. */
export function invoicePayload(organizationId: string, invoiceNumber: string) {
  const now = new Date().toISOString();
  return {
    invoiceId: crypto.randomUUID(),
    organizationId,
    invoiceNumber,
    customerName: 'Stream',
    total: '1.00',
    currency: 'EUR',
    status: 'DRAFT' as const,
    dueAt: now,
    sentAt: null,
    paidAt: null,
    updatedAt: now,
  };
}

/** A family with a funded wallet: `owner` may spend, `viewer` may not; items to buy. */
export async function seedFamily(
  prisma: PrismaClient,
  members: { owner: TestUser; spender?: TestUser; viewer?: TestUser },
  balance: number,
): Promise<{ familyId: string; itemId: string; cheapItemId: string; price: number }> {
  const family = await prisma.family.create({ data: { name: `Family ${Math.random().toString(36).slice(2, 8)}`, balance } });
  const roles = [
    [members.owner, 'OWNER'],
    [members.spender, 'SPENDER'],
    [members.viewer, 'VIEWER'],
  ] as const;
  for (const [user, role] of roles) {
    if (user) await prisma.familyMember.create({ data: { familyId: family.id, userId: user.id, role } });
  }
  const item = await prisma.shopItem.create({ data: { type: 'THEME', name: 'Aurora theme', price: 100 } });
  const cheap = await prisma.shopItem.create({ data: { type: 'AVATAR', name: 'Pixel avatar', price: 10 } });
  return { familyId: family.id, itemId: item.id, cheapItemId: cheap.id, price: item.price };
}

/** Makes a user a marketplace seller: only sellers can be named an escrow's counterparty. */
export async function makeSeller(prisma: PrismaClient, user: TestUser, displayName = `Shop of ${user.email}`): Promise<void> {
  await prisma.sellerProfile.create({ data: { userId: user.id, displayName, currency: 'EUR' } });
}
