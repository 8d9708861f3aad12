import { HttpStatus, Injectable } from '@nestjs/common';
import { FamilyEvent, ShopEvent, WalletEvent, type ShopItemView, type WalletMovement, type WalletView } from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';
import { ApiError, conflict, forbidden, notFound } from '../../common/http-errors.js';
import { EventsService } from '../../events/events.service.js';
import type { ShopItem } from '../../generated/prisma/client.js';
import { PrismaService, type Tx } from '../../prisma/prisma.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { CreatePurchaseDto, CreateShopItemDto, UpdateShopItemDto } from './dto/shop.dto.js';

export function toShopItemView(item: ShopItem): ShopItemView {
  return { itemId: item.id, type: item.type, name: item.name, price: item.price, active: item.active };
}

export interface PurchaseView {
  readonly purchaseId: string;
  readonly itemId: string;
  readonly itemType: ShopItemView['type'];
  readonly itemName: string;
  readonly price: number;
  readonly paidWith: 'personal' | 'family';
  readonly familyId: string | null;
  readonly newBalance: number;
  readonly purchasedAt: string;
}

/** What every purchase reports, to the buyer and in its event. */
function receiptOf(purchase: { id: string; createdAt: Date }, item: ShopItem, newBalance: number) {
  return {
    purchaseId: purchase.id,
    itemId: item.id,
    itemType: item.type,
    itemName: item.name,
    price: item.price,
    newBalance,
    purchasedAt: purchase.createdAt.toISOString(),
  };
}

/** A personal purchase as a movement of the wallet. */
export function movementOf(purchase: { id: string; price: number; createdAt: Date }, itemName: string): WalletMovement {
  return { movementId: purchase.id, amount: -purchase.price, reason: 'purchase', itemName, at: purchase.createdAt.toISOString() };
}

const insufficientFunds = () => conflict('insufficient_funds', 'The wallet does not hold enough SBD tokens for this item');

/** The shop catalog (changes go to everyone) and purchases from a personal or a family wallet. */
@Injectable()
export class ShopService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: EventsService,
    private readonly notifications: NotificationsService,
  ) {}

  async listItems(): Promise<ShopItemView[]> {
    const items = await this.prisma.shopItem.findMany({
      where: { active: true },
      orderBy: [{ type: 'asc' }, { price: 'asc' }, { id: 'asc' }],
    });
    return items.map(toShopItemView);
  }

  async createItem(dto: CreateShopItemDto): Promise<ShopItemView> {
    return this.prisma.transaction(async (tx) => {
      const item = toShopItemView(await tx.shopItem.create({ data: { type: dto.type, name: dto.name, price: dto.price } }));
      await this.events.broadcast().emit(ShopEvent.Updated, { newItems: [item], updatedItems: [] }, { tx });
      return item;
    });
  }

  async updateItem(id: string, dto: UpdateShopItemDto): Promise<ShopItemView> {
    if (dto.name === undefined && dto.price === undefined) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'Send at least one of name, price');
    }
    return this.changeItem(id, {
      ...(dto.name === undefined ? {} : { name: dto.name }),
      ...(dto.price === undefined ? {} : { price: dto.price }),
    });
  }

  /** Retired items can no longer be bought; purchase history keeps them. */
  retireItem(id: string): Promise<ShopItemView> {
    return this.changeItem(id, { active: false });
  }

  async purchase(caller: AuthUser, dto: CreatePurchaseDto): Promise<PurchaseView> {
    return this.prisma.transaction(async (tx) => {
      const item = await tx.shopItem.findFirst({ where: { id: dto.itemId, active: true } });
      if (!item) throw notFound('Shop item');
      return dto.payWith === 'family' ? this.payWithFamily(tx, caller, item, dto.familyId!) : this.payPersonally(tx, caller, item);
    });
  }

  private async payWithFamily(tx: Tx, caller: AuthUser, item: ShopItem, familyId: string): Promise<PurchaseView> {
    const membership = await tx.familyMember.findUnique({
      where: { familyId_userId: { familyId, userId: caller.userId } },
      select: { role: true, user: { select: { name: true } } },
    });
    // Not a member: the family is as good as unknown to this caller.
    if (!membership) throw notFound('Family');
    if (membership.role === 'VIEWER') throw forbidden('Your role in this family may not spend its wallet');
    // Debits only while the balance covers the price; concurrent purchases re-check after the row lock.
    const [family] = await tx.family.updateManyAndReturn({
      where: { id: familyId, balance: { gte: item.price } },
      data: { balance: { decrement: item.price } },
      select: { balance: true },
    });
    if (!family) throw insufficientFunds();
    const purchase = await tx.purchase.create({
      data: { itemId: item.id, userId: caller.userId, familyId, price: item.price, paidWith: 'FAMILY' },
    });
    const receipt = receiptOf(purchase, item, family.balance);
    await this.events
      .toFamily(familyId)
      .emit(
        FamilyEvent.ShopPurchase,
        { familyId, purchaserId: caller.userId, purchaserUsername: membership.user.name, ...receipt },
        { tx },
      );
    // The other members get a lasting record in their notification centers (each in their own organization).
    const others = await tx.familyMember.findMany({
      where: { familyId, userId: { not: caller.userId } },
      select: { userId: true, user: { select: { organizationId: true } }, family: { select: { name: true } } },
    });
    for (const member of others) {
      await this.notifications.create(
        {
          organizationId: member.user.organizationId,
          userId: member.userId,
          title: 'Family purchase',
          message: `${membership.user.name} bought ${item.name} for ${item.price} SBD from ${member.family.name}'s wallet (${family.balance} left).`,
        },
        { tx },
      );
    }
    return { ...receipt, paidWith: 'family', familyId };
  }

  private async payPersonally(tx: Tx, caller: AuthUser, item: ShopItem): Promise<PurchaseView> {
    const [user] = await tx.user.updateManyAndReturn({
      where: { id: caller.userId, sbdBalance: { gte: item.price } },
      data: { sbdBalance: { decrement: item.price } },
      select: { sbdBalance: true },
    });
    if (!user) throw insufficientFunds();
    const purchase = await tx.purchase.create({
      data: { itemId: item.id, userId: caller.userId, price: item.price, paidWith: 'PERSONAL' },
    });
    const receipt = receiptOf(purchase, item, user.sbdBalance);
    await this.events.toUser(caller.userId).emit(ShopEvent.PurchaseCompleted, receipt, { tx });
    await this.events
      .toUser(caller.userId)
      .emit(WalletEvent.Updated, { balance: user.sbdBalance, movement: movementOf(purchase, item.name) }, { tx });
    return { ...receipt, paidWith: 'personal', familyId: null };
  }

  /** The caller's personal wallet: balance and the last `limit` movements, newest first. */
  async wallet(caller: AuthUser, limit = 20): Promise<WalletView> {
    const [user, purchases] = await Promise.all([
      this.prisma.user.findUniqueOrThrow({ where: { id: caller.userId }, select: { sbdBalance: true } }),
      this.prisma.purchase.findMany({
        where: { userId: caller.userId, paidWith: 'PERSONAL' },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: limit,
        include: { item: { select: { name: true } } },
      }),
    ]);
    return { balance: user.sbdBalance, movements: purchases.map((purchase) => movementOf(purchase, purchase.item.name)) };
  }

  private async changeItem(id: string, data: { name?: string; price?: number; active?: boolean }): Promise<ShopItemView> {
    return this.prisma.transaction(async (tx) => {
      const [updated] = await tx.shopItem.updateManyAndReturn({ where: { id, active: true }, data });
      if (!updated) throw notFound('Shop item');
      const item = toShopItemView(updated);
      await this.events.broadcast().emit(ShopEvent.Updated, { newItems: [], updatedItems: [item] }, { tx });
      return item;
    });
  }
}
