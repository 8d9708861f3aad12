import { HttpStatus, Injectable } from '@nestjs/common';
import { FamilyChange, FamilyEvent, scope } from '@operate/shared';
import type { UserColumn } from '../../auth/session.service.js';
import type { AuthUser } from '../../auth/token.service.js';
import { ApiError, conflict, forbidden, notFound } from '../../common/http-errors.js';
import { EventsService } from '../../events/events.service.js';
import { PrismaService, type Tx } from '../../prisma/prisma.service.js';
import type { AddFamilyMemberDto } from './dto/shop.dto.js';

type FamilyRoleName = 'OWNER' | 'SPENDER' | 'VIEWER';

export interface FamilyView {
  readonly familyId: string;
  readonly name: string;
  readonly balance: number;
  readonly myRole: 'OWNER' | 'SPENDER' | 'VIEWER';
  readonly canSpend: boolean;
  readonly members: { readonly userId: string; readonly name: string; readonly role: 'OWNER' | 'SPENDER' | 'VIEWER' }[];
}

/** The families a user belongs to, as a list SQL reads beside the session at every socket handshake. */
export const familyIdsOf: UserColumn = (userId) => `ARRAY(SELECT "familyId"::text FROM "FamilyMember" WHERE "userId" = ${userId})`;

@Injectable()
export class FamiliesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: EventsService,
  ) {}

  /** A new family with the caller as its owner (an empty wallet). */
  async create(caller: AuthUser, name: string): Promise<FamilyView> {
    const familyId = await this.prisma.transaction(async (tx) => {
      const family = await tx.family.create({ data: { name, members: { create: { userId: caller.userId, role: 'OWNER' } } } });
      await this.announce(tx, family, caller.userId, FamilyChange.Added, 'OWNER', caller.userId);
      return family.id;
    });
    return this.view(caller, familyId);
  }

  /** The owner adds someone by email, as a spender or a viewer; they see the family (and its events) at once. */
  async addMember(caller: AuthUser, familyId: string, dto: AddFamilyMemberDto): Promise<FamilyView> {
    await this.prisma.transaction(async (tx) => {
      const family = await this.asOwner(tx, caller, familyId);
      const user = await tx.user.findFirst({ where: { email: dto.email.toLowerCase(), active: true }, select: { id: true } });
      if (!user) throw notFound('An active user with that email');
      const existing = await tx.familyMember.findUnique({ where: { familyId_userId: { familyId, userId: user.id } } });
      if (existing) throw conflict('already_a_member', 'That person is already in this family');
      await tx.familyMember.create({ data: { familyId, userId: user.id, role: dto.role } });
      await this.announce(tx, family, user.id, FamilyChange.Added, dto.role, caller.userId);
    });
    return this.view(caller, familyId);
  }

  /** The owner changes a member's role (a family keeps at least one owner). */
  async changeRole(caller: AuthUser, familyId: string, userId: string, role: FamilyRoleName): Promise<FamilyView> {
    await this.prisma.transaction(async (tx) => {
      const family = await this.asOwner(tx, caller, familyId);
      const member = await this.memberOf(tx, familyId, userId);
      if (member.role === role) return;
      if (member.role === 'OWNER') await this.keepAnOwner(tx, familyId);
      await tx.familyMember.update({ where: { familyId_userId: { familyId, userId } }, data: { role } });
      await this.announce(tx, family, userId, FamilyChange.RoleChanged, role, caller.userId);
    });
    return this.view(caller, familyId);
  }

  /** The owner removes a member: their sockets leave the family's room, and they receive nothing more from it. */
  async removeMember(caller: AuthUser, familyId: string, userId: string): Promise<FamilyView> {
    if (userId === caller.userId)
      throw new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, 'use_leave', 'To leave a family yourself, use POST /families/:id/leave');
    await this.prisma.transaction(async (tx) => {
      const family = await this.asOwner(tx, caller, familyId);
      const member = await this.memberOf(tx, familyId, userId);
      if (member.role === 'OWNER') await this.keepAnOwner(tx, familyId);
      await tx.familyMember.delete({ where: { familyId_userId: { familyId, userId } } });
      await this.announce(tx, family, userId, FamilyChange.Removed, null, caller.userId);
    });
    return this.view(caller, familyId);
  }

  /** The caller leaves a family (its last owner first hands ownership to someone else). */
  async leave(caller: AuthUser, familyId: string): Promise<void> {
    await this.prisma.transaction(async (tx) => {
      const family = await this.locked(tx, familyId);
      const member = await tx.familyMember.findUnique({ where: { familyId_userId: { familyId, userId: caller.userId } } });
      if (!family || !member) throw notFound('Family');
      const others = await tx.familyMember.count({ where: { familyId, userId: { not: caller.userId } } });
      if (member.role === 'OWNER' && others > 0) await this.keepAnOwner(tx, familyId);
      await tx.familyMember.delete({ where: { familyId_userId: { familyId, userId: caller.userId } } });
      await this.announce(tx, family, caller.userId, FamilyChange.Left, null, caller.userId);
    });
  }

  /** The family row, locked: membership changes of one family happen one after the other. */
  private async locked(tx: Tx, familyId: string): Promise<{ id: string; name: string } | null> {
    const [family] = await tx.$queryRaw<
      { id: string; name: string }[]
    >`SELECT id, name FROM "Family" WHERE id = ${familyId}::uuid FOR UPDATE`;
    return family ?? null;
  }

  /** The family, if the caller owns it: 404 to a non-member (as if it did not exist), 403 to a member who is not an owner. */
  private async asOwner(tx: Tx, caller: AuthUser, familyId: string): Promise<{ id: string; name: string }> {
    const family = await this.locked(tx, familyId);
    const me = family && (await tx.familyMember.findUnique({ where: { familyId_userId: { familyId, userId: caller.userId } } }));
    if (!family || !me) throw notFound('Family');
    if (me.role !== 'OWNER') throw forbidden('Only an owner of the family manages its members');
    return family;
  }

  private async memberOf(tx: Tx, familyId: string, userId: string) {
    const member = await tx.familyMember.findUnique({ where: { familyId_userId: { familyId, userId } } });
    if (!member) throw notFound('Member');
    return member;
  }

  /** Refuses a change that would leave the family without an owner. */
  private async keepAnOwner(tx: Tx, familyId: string): Promise<void> {
    const owners = await tx.familyMember.count({ where: { familyId, role: 'OWNER' } });
    if (owners <= 1) throw conflict('last_owner', 'A family keeps at least one owner: make someone else an owner first');
  }

  /** To the family's members and to the person concerned, in the change's transaction. */
  private async announce(
    tx: Tx,
    family: { id: string; name: string },
    userId: string,
    change: FamilyChange,
    role: FamilyRoleName | null,
    byId: string,
  ): Promise<void> {
    const person = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { name: true } });
    await this.events
      .to(scope.family(family.id), scope.user(userId))
      .emit(
        FamilyEvent.MemberChanged,
        { familyId: family.id, familyName: family.name, change, userId, name: person.name, role, byId, at: new Date().toISOString() },
        { tx },
      );
  }

  private async view(caller: AuthUser, familyId: string): Promise<FamilyView> {
    const view = (await this.mine(caller)).find((family) => family.familyId === familyId);
    if (!view) throw notFound('Family');
    return view;
  }

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
}
