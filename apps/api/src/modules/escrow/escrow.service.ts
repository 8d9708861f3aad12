import { randomBytes } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  EscrowAction,
  EscrowEvent,
  EscrowParty,
  EscrowStatus,
  scope,
  type DisputeOutcome,
  type EscrowHistoryEntry,
  type EscrowSummary,
} from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';
import { ApiError, conflict, forbidden, notFound } from '../../common/http-errors.js';
import { pageOf, type Page } from '../../common/page-query.js';
import { formatMoney } from '../../common/money.js';
import { assertPaymentMatches, recordProviderEvent } from '../../common/provider-events.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { EventsService } from '../../events/events.service.js';
import { Prisma, type Escrow } from '../../generated/prisma/client.js';
import { PrismaService, type Tx } from '../../prisma/prisma.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { CreateEscrowDto, ListEscrowsQuery, PaymentWebhookDto } from './dto/escrow.dto.js';
import { applyPayment, resolvedStatus, storedOutcome, toEscrowSummary } from './escrow-rules.js';

/** What a change records in the escrow's history besides the statuses: what, who, and its details. */
interface HistoryEntry {
  readonly action: EscrowAction;
  /** null: the payment provider. */
  readonly actorId: string | null;
  readonly note?: string | null;
  readonly providerEventId?: string;
}

export type EscrowPage = Page<EscrowSummary>;

/** Someone one may open an escrow with (a marketplace seller). */
export interface Counterparty {
  readonly userId: string;
  readonly displayName: string;
  readonly name: string;
  readonly organizationName: string;
}

const HOUR_MS = 60 * 60 * 1000;

export interface WebhookReceipt {
  readonly received: true;
  /** True when this provider event id was applied before: nothing changed, nothing was emitted. */
  readonly duplicate: boolean;
  readonly escrowId: string;
}

const isAdmin = (caller: AuthUser) => caller.role === 'OWNER' || caller.role === 'ADMIN';

const isArbiter = (caller: AuthUser) => caller.platformRole === 'ARBITER';

/** Disputes an arbiter may see and decide: open ones, and those they decided, between parties not of their organization. */
function arbitrable(caller: AuthUser): Prisma.EscrowWhereInput {
  return {
    OR: [{ status: EscrowStatus.Disputed }, { resolvedById: caller.userId }],
    buyerOrganizationId: { not: caller.organizationId },
    sellerOrganizationId: { not: caller.organizationId },
  };
}

/**
 * Escrows a caller may see: their own (as a party); for an admin, those of a party of their organization; for
 * the platform arbiter, the disputes they may decide.
 */
function visibleTo(caller: AuthUser): Prisma.EscrowWhereInput {
  const own: Prisma.EscrowWhereInput[] = [{ buyerId: caller.userId }, { sellerId: caller.userId }];
  const organization: Prisma.EscrowWhereInput[] = isAdmin(caller)
    ? [{ buyerOrganizationId: caller.organizationId }, { sellerOrganizationId: caller.organizationId }]
    : [];
  return { OR: [...own, ...organization, ...(isArbiter(caller) ? [arbitrable(caller)] : [])] };
}

function partyOf(escrow: Escrow, userId: string): EscrowParty | undefined {
  if (escrow.buyerId === userId) return EscrowParty.Buyer;
  if (escrow.sellerId === userId) return EscrowParty.Seller;
  return undefined;
}

const illegal = (action: string, status: EscrowStatus) => conflict('illegal_transition', `Cannot ${action} an escrow that is ${status}`);

/**
 * Escrow between a buyer and a seller: INITIATED → HELD (payment captured) → RELEASED (both confirmed) or
 * REFUNDED; HELD → DISPUTED → RELEASED/REFUNDED by the platform arbiter. Each change locks the escrow row, so two
 * confirmations or a confirmation and a dispute at once are decided one after the other. Every event goes
 * to the escrow's room and to both parties, in the transaction of the change.
 */
@Injectable()
export class EscrowService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: EventsService,
    private readonly notifications: NotificationsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** People the caller may open an escrow with: active marketplace sellers other than the caller, by name. */
  async counterparties(caller: AuthUser, search?: string): Promise<Counterparty[]> {
    const q = search?.trim();
    const matching = q
      ? {
          OR: [
            { displayName: { contains: q, mode: 'insensitive' as const } },
            { user: { name: { contains: q, mode: 'insensitive' as const } } },
            // By email only when it is the whole address: a search cannot list who has which address.
            { user: { email: q.toLowerCase() } },
          ],
        }
      : {};
    const sellers = await this.prisma.sellerProfile.findMany({
      where: { userId: { not: caller.userId }, user: { active: true }, ...matching },
      take: 50,
      select: { userId: true, displayName: true, user: { select: { name: true, organization: { select: { name: true } } } } },
      orderBy: { displayName: 'asc' },
    });
    return sellers.map((seller) => ({
      userId: seller.userId,
      displayName: seller.displayName,
      name: seller.user.name,
      organizationName: seller.user.organization.name,
    }));
  }

  async create(caller: AuthUser, dto: CreateEscrowDto): Promise<EscrowSummary> {
    if (dto.sellerId === caller.userId) {
      throw new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, 'invalid_counterparty', 'The seller must be someone else');
    }
    return this.prisma.transaction(async (tx) => {
      const seller = await tx.user.findFirst({
        where: { id: dto.sellerId, active: true },
        select: { organizationId: true, sellerProfile: { select: { userId: true } } },
      });
      if (!seller) throw notFound('Seller');
      // Nobody can be named a counterparty (and notified) at will: only people who sell on the marketplace.
      if (!seller.sellerProfile)
        throw new ApiError(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'not_a_counterparty',
          'Escrows are opened with marketplace sellers; pick one from GET /escrows/counterparties',
        );
      const since = new Date(Date.now() - HOUR_MS);
      const recent = await tx.escrow.count({ where: { buyerId: caller.userId, sellerId: dto.sellerId, createdAt: { gte: since } } });
      if (recent >= this.config.escrowOpeningsPerSellerPerHour)
        throw new ApiError(
          HttpStatus.TOO_MANY_REQUESTS,
          'rate_limited',
          `At most ${this.config.escrowOpeningsPerSellerPerHour} escrows an hour with one seller; try again later`,
        );
      const escrow = await tx.escrow.create({
        data: {
          buyerId: caller.userId,
          sellerId: dto.sellerId,
          buyerOrganizationId: caller.organizationId,
          sellerOrganizationId: seller.organizationId,
          amount: new Prisma.Decimal(dto.amount),
          currency: dto.currency,
          description: dto.description,
          paymentReference: `pay_${randomBytes(12).toString('hex')}`,
        },
      });
      const summary = toEscrowSummary(escrow);
      await this.record(tx, null, escrow, { action: EscrowAction.Opened, actorId: caller.userId });
      await this.emitter(escrow).emit(EscrowEvent.Created, summary, { tx });
      await this.notifications.create(
        {
          organizationId: escrow.sellerOrganizationId,
          userId: escrow.sellerId,
          title: 'New escrow',
          message: `A buyer opened an escrow of ${summary.amount} ${summary.currency} with you: ${escrow.description}`,
        },
        { tx },
      );
      return summary;
    });
  }

  async get(caller: AuthUser, id: string): Promise<EscrowSummary> {
    const escrow = await this.prisma.escrow.findFirst({ where: { id, ...visibleTo(caller) } });
    if (!escrow) throw notFound('Escrow');
    return toEscrowSummary(escrow);
  }

  /** The caller's escrows (as buyer or seller; for the arbiter, also the disputes to decide), newest first. */
  async listMine(caller: AuthUser, query: ListEscrowsQuery): Promise<EscrowPage> {
    const where: Prisma.EscrowWhereInput = {
      OR: [{ buyerId: caller.userId }, { sellerId: caller.userId }, ...(isArbiter(caller) ? [arbitrable(caller)] : [])],
      ...(query.status ? { status: query.status } : {}),
    };
    return pageOf(
      query,
      (window) => this.prisma.escrow.findMany({ where, ...window }),
      () => this.prisma.escrow.count({ where }),
      toEscrowSummary,
    );
  }

  /** May this user follow the escrow's room? A party, an admin of a party's organization, or the arbiter of its dispute. */
  /** Which of these escrows the user may follow live (the ones they may see), in one query. */
  async followable(user: AuthUser, escrowIds: readonly string[]): Promise<ReadonlySet<string>> {
    const visible = await this.prisma.escrow.findMany({ where: { id: { in: [...escrowIds] }, ...visibleTo(user) }, select: { id: true } });
    return new Set(visible.map((escrow) => escrow.id));
  }

  /** A party confirms delivery; the second confirmation releases the money. */
  async confirm(caller: AuthUser, id: string): Promise<EscrowSummary> {
    return this.prisma.transaction(async (tx) => {
      const escrow = await this.lock(tx, caller, id);
      const party = partyOf(escrow, caller.userId);
      if (!party) throw forbidden('Only the buyer or the seller can confirm delivery');
      if (escrow.status !== EscrowStatus.Held) throw illegal('confirm delivery of', escrow.status);
      const field = party === EscrowParty.Buyer ? 'buyerConfirmedAt' : 'sellerConfirmedAt';
      if (escrow[field]) throw conflict('already_confirmed', `The ${party} has already confirmed delivery`);
      const now = new Date();
      const otherConfirmed = party === EscrowParty.Buyer ? escrow.sellerConfirmedAt !== null : escrow.buyerConfirmedAt !== null;
      const updated = await tx.escrow.update({
        where: { id },
        data: { [field]: now, ...(otherConfirmed ? { status: EscrowStatus.Released } : {}) },
      });
      await this.emitter(updated).emit(
        EscrowEvent.ConfirmationAdded,
        {
          escrowId: id,
          party,
          userId: caller.userId,
          confirmedAt: now.toISOString(),
          buyerConfirmed: updated.buyerConfirmedAt !== null,
          sellerConfirmed: updated.sellerConfirmedAt !== null,
        },
        { tx },
      );
      return this.changed(tx, escrow, updated, { action: EscrowAction.Confirmed, actorId: caller.userId });
    });
  }

  async raiseDispute(caller: AuthUser, id: string, reason: string): Promise<EscrowSummary> {
    return this.prisma.transaction(async (tx) => {
      const escrow = await this.lock(tx, caller, id);
      const party = partyOf(escrow, caller.userId);
      if (!party) throw forbidden('Only the buyer or the seller can raise a dispute');
      if (escrow.status !== EscrowStatus.Held) throw illegal('dispute', escrow.status);
      const now = new Date();
      const updated = await tx.escrow.update({
        where: { id },
        data: { status: EscrowStatus.Disputed, disputeReason: reason, disputedById: caller.userId, disputedAt: now },
      });
      await this.emitter(updated).emit(
        EscrowEvent.DisputeRaised,
        { escrowId: id, raisedById: caller.userId, party, reason, raisedAt: now.toISOString() },
        { tx },
      );
      return this.changed(tx, escrow, updated, { action: EscrowAction.Disputed, actorId: caller.userId, note: reason });
    });
  }

  /** An admin of a party's organization (not a party themselves) releases or refunds a disputed escrow. */
  async resolveDispute(caller: AuthUser, id: string, outcome: DisputeOutcome, note: string | undefined): Promise<EscrowSummary> {
    return this.prisma.transaction(async (tx) => {
      const escrow = await this.lock(tx, caller, id);
      if (!isArbiter(caller)) throw forbidden('Only the platform arbiter can resolve a dispute');
      const colleague = escrow.buyerOrganizationId === caller.organizationId || escrow.sellerOrganizationId === caller.organizationId;
      if (partyOf(escrow, caller.userId) || colleague)
        throw forbidden("An arbiter cannot resolve a dispute of their own or their organization's escrow");
      if (escrow.status !== EscrowStatus.Disputed) throw illegal('resolve a dispute of', escrow.status);
      const now = new Date();
      const updated = await tx.escrow.update({
        where: { id },
        data: {
          status: resolvedStatus(outcome),
          disputeOutcome: storedOutcome[outcome],
          resolvedById: caller.userId,
          resolvedAt: now,
          resolutionNote: note ?? null,
        },
      });
      await this.emitter(updated).emit(
        EscrowEvent.DisputeResolved,
        { escrowId: id, outcome, resolvedById: caller.userId, note: note ?? null, resolvedAt: now.toISOString() },
        { tx },
      );
      return this.changed(tx, escrow, updated, { action: EscrowAction.Resolved, actorId: caller.userId, note: note ?? null });
    });
  }

  /**
   * Applies the payment provider's (already authenticated) event, once: the event id is recorded in the
   * same transaction as the change, so a replay finds it and changes and emits nothing. A refused event
   * records nothing, and the provider's retry gets the same answer.
   */
  async applyPaymentEvent(event: PaymentWebhookDto): Promise<WebhookReceipt> {
    return this.prisma.transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "Escrow" WHERE "paymentReference" = ${event.data.paymentReference} FOR UPDATE`;
      if (!locked) throw notFound('Payment reference');
      if (!(await recordProviderEvent(tx, event, { escrowId: locked.id }))) return { received: true, duplicate: true, escrowId: locked.id };
      const escrow = await tx.escrow.findUniqueOrThrow({ where: { id: locked.id } });
      assertPaymentMatches(event, escrow, 'the escrow holds');
      const outcome = applyPayment(event.type, escrow);
      if (!outcome.ok) throw conflict('illegal_transition', outcome.message);
      const updated = await tx.escrow.update({ where: { id: escrow.id }, data: outcome.next });
      await this.emitter(updated).emit(
        EscrowEvent.PaymentStatus,
        {
          escrowId: escrow.id,
          previous: escrow.paymentStatus,
          paymentStatus: updated.paymentStatus,
          providerEventId: event.id,
          amount: formatMoney(updated.amount),
          currency: updated.currency,
          changedAt: updated.updatedAt.toISOString(),
        },
        { tx },
      );
      await this.changed(tx, escrow, updated, { action: EscrowAction.Payment, actorId: null, providerEventId: event.id });
      return { received: true, duplicate: false, escrowId: escrow.id };
    });
  }

  /** Writes one history entry in the change's transaction: a change without its entry cannot commit. */
  private async record(tx: Tx, before: Escrow | null, after: Escrow, entry: HistoryEntry): Promise<void> {
    await tx.escrowHistory.create({
      data: {
        escrowId: after.id,
        at: after.updatedAt,
        action: entry.action,
        actorId: entry.actorId,
        fromStatus: before && before.status !== after.status ? before.status : null,
        toStatus: after.status,
        paymentStatus: after.paymentStatus,
        providerEventId: entry.providerEventId ?? null,
        note: entry.note ?? null,
      },
    });
  }

  /** The escrow's changes, oldest first, for whoever may see the escrow (else 404, as for the escrow itself). */
  async history(caller: AuthUser, id: string): Promise<EscrowHistoryEntry[]> {
    const escrow = await this.prisma.escrow.findFirst({ where: { id, ...visibleTo(caller) }, select: { id: true } });
    if (!escrow) throw notFound('Escrow');
    const rows = await this.prisma.escrowHistory.findMany({ where: { escrowId: id }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
    return rows.map((row) => ({
      entryId: row.id,
      at: row.at.toISOString(),
      action: row.action as EscrowAction,
      actorId: row.actorId,
      fromStatus: row.fromStatus,
      toStatus: row.toStatus,
      paymentStatus: row.paymentStatus,
      providerEventId: row.providerEventId,
      note: row.note,
    }));
  }

  /** Every escrow event: to the escrow's room (subscribers) and to both parties, each socket once. */
  private emitter(escrow: Escrow) {
    return this.events.to(scope.escrow(escrow.id), scope.user(escrow.buyerId), scope.user(escrow.sellerId));
  }

  /** After any change: its history entry, the status change (if any), the escrow as it is now, and the parties' notifications. */
  private async changed(tx: Tx, before: Escrow, after: Escrow, entry: HistoryEntry): Promise<EscrowSummary> {
    await this.record(tx, before, after, entry);
    const summary = toEscrowSummary(after);
    if (before.status !== after.status) {
      await this.emitter(after).emit(
        EscrowEvent.StatusChanged,
        { escrowId: after.id, from: before.status, to: after.status, changedAt: summary.updatedAt },
        { tx },
      );
      if (after.status === EscrowStatus.Released || after.status === EscrowStatus.Refunded) await this.notifySettled(tx, after, summary);
    }
    await this.emitter(after).emit(EscrowEvent.Updated, summary, { tx });
    return summary;
  }

  private async notifySettled(tx: Tx, escrow: Escrow, summary: EscrowSummary): Promise<void> {
    const released = escrow.status === EscrowStatus.Released;
    const parties = [
      { organizationId: escrow.buyerOrganizationId, userId: escrow.buyerId },
      { organizationId: escrow.sellerOrganizationId, userId: escrow.sellerId },
    ];
    for (const party of parties) {
      await this.notifications.create(
        {
          ...party,
          title: released ? 'Escrow released' : 'Escrow refunded',
          message: `${summary.amount} ${summary.currency} (${escrow.description}) ${released ? 'was released to the seller' : 'was refunded to the buyer'}.`,
          type: released ? 'success' : 'info',
        },
        { tx },
      );
    }
  }

  /** Locks the escrow row for a change, after checking the caller may see it (else 404). */
  private async lock(tx: Tx, caller: AuthUser, id: string): Promise<Escrow> {
    await tx.$queryRaw`SELECT id FROM "Escrow" WHERE id = ${id}::uuid FOR UPDATE`;
    const escrow = await tx.escrow.findFirst({ where: { id, ...visibleTo(caller) } });
    if (!escrow) throw notFound('Escrow');
    return escrow;
  }
}
