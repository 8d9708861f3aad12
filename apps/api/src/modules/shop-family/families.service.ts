import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../../auth/token.service.js';
import { batchedLookup, isUuid } from '../../common/batched-lookup.js';
import { PrismaService } from '../../prisma/prisma.service.js';

export interface FamilyView {
  readonly familyId: string;
  readonly name: string;
  readonly balance: number;
  readonly myRole: 'OWNER' | 'SPENDER' | 'VIEWER';
  readonly canSpend: boolean;
  readonly members: { readonly userId: string; readonly name: string; readonly role: 'OWNER' | 'SPENDER' | 'VIEWER' }[];
}

@Injectable()
export class FamiliesService {
  /** Asked at every socket handshake: batched like the account check. */
  private readonly memberships = batchedLookup<string, string[]>(
    async (userIds) => {
      const rows = await this.prisma.rows<{ userId: string; familyId: string }>(
        'SELECT "userId", "familyId" FROM "FamilyMember" WHERE "userId" = ANY($1::uuid[])',
        [userIds],
      );
      const byUser = new Map<string, string[]>();
      for (const { userId, familyId } of rows) byUser.set(userId, [...(byUser.get(userId) ?? []), familyId]);
      return byUser;
    },
    { validKey: isUuid },
  );

  constructor(private readonly prisma: PrismaService) {}

  /** The caller's families, with the shared wallet balance and who is in them. */
  async mine(caller: AuthUser): Promise<FamilyView[]> {
    const memberships = await this.prisma.familyMember.findMany({
      where: { userId: caller.userId },
      include: { family: { include: { members: { include: { user: { select: { name: true } } }, orderBy: { joinedAt: 'asc' } } } } },
      orderBy: { joinedAt: 'asc' },
    });
    return memberships.map(({ role, family }) => ({
      familyId: family.id,
      name: family.name,
      balance: family.balance,
      myRole: role,
      canSpend: role !== 'VIEWER',
      members: family.members.map((member) => ({ userId: member.userId, name: member.user.name, role: member.role })),
    }));
  }

  /** Family ids the user belongs to (for their socket rooms). */
  async familyIdsOf(userId: string): Promise<string[]> {
    return (await this.memberships.load(userId)) ?? [];
  }
}
