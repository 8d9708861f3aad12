import { HttpStatus, Injectable } from '@nestjs/common';
import { ListingStatus, MarketplaceEvent, scope, type ListingSummary } from '@operate/shared';
import type { AuthUser } from '../../auth/token.service.js';
import { ApiError, conflict, notFound } from '../../common/http-errors.js';
import { pageOf, type Page } from '../../common/page-query.js';
import { EventsService } from '../../events/events.service.js';
import { Prisma } from '../../generated/prisma/client.js';
import { PrismaService, type Tx } from '../../prisma/prisma.service.js';
import type { CreateListingDto, ListListingsQuery, UpdateListingDto } from './dto/seller.dto.js';
import { toListingSummary, withSeller } from './seller-views.js';
import { benefitsOf } from './tiers.js';

export type ListingPage = Page<ListingSummary>;

/** Listings: anyone may browse; a seller lists, edits and withdraws their own. Changes go to the marketplace and the seller. */
@Injectable()
export class MarketplaceService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly events: EventsService,
  ) {}

  async list(query: ListListingsQuery): Promise<ListingPage> {
    const where: Prisma.ListingWhereInput = { status: ListingStatus.Active, ...(query.sellerId ? { sellerId: query.sellerId } : {}) };
    return pageOf(
      query,
      (window) => this.prisma.listing.findMany({ where, include: withSeller, ...window }),
      () => this.prisma.listing.count({ where }),
      toListingSummary,
    );
  }

  async get(id: string): Promise<ListingSummary> {
    const listing = await this.prisma.listing.findUnique({ where: { id }, include: withSeller });
    if (!listing) throw notFound('Listing');
    return toListingSummary(listing);
  }

  async create(caller: AuthUser, dto: CreateListingDto): Promise<ListingSummary> {
    return this.prisma.transaction(async (tx) => {
      // Locks the profile: two listings at once cannot both slip under the tier's limit.
      const [seller] = await tx.$queryRaw<{ tier: Parameters<typeof benefitsOf>[0]; currency: string }[]>`
        SELECT tier::text AS tier, currency FROM "SellerProfile" WHERE "userId" = ${caller.userId}::uuid FOR UPDATE`;
      if (!seller) throw conflict('not_a_seller', 'Create a seller profile first (POST /sellers)');
      const { maxActiveListings } = benefitsOf(seller.tier);
      const active = await tx.listing.count({ where: { sellerId: caller.userId, status: ListingStatus.Active } });
      if (active >= maxActiveListings) {
        throw conflict('listing_limit_reached', `Your tier (${seller.tier}) allows ${maxActiveListings} active listings`);
      }
      const listing = await tx.listing.create({
        data: {
          sellerId: caller.userId,
          title: dto.title,
          description: dto.description ?? '',
          price: new Prisma.Decimal(dto.price),
          currency: seller.currency,
          quantity: dto.quantity,
        },
        include: withSeller,
      });
      const summary = toListingSummary(listing);
      await this.announce(MarketplaceEvent.ListingCreated, summary, tx);
      return summary;
    });
  }

  async update(caller: AuthUser, id: string, dto: UpdateListingDto): Promise<ListingSummary> {
    if (Object.values(dto).every((value) => value === undefined)) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', 'Send at least one of title, description, price, quantity');
    }
    return this.prisma.transaction(async (tx) => {
      const current = await this.own(tx, caller, id);
      if (current.status === ListingStatus.Cancelled) throw conflict('listing_cancelled', 'A withdrawn listing cannot be changed');
      const listing = await tx.listing.update({
        where: { id },
        data: {
          ...(dto.title === undefined ? {} : { title: dto.title }),
          ...(dto.description === undefined ? {} : { description: dto.description }),
          ...(dto.price === undefined ? {} : { price: new Prisma.Decimal(dto.price) }),
          // Restocking a sold-out listing puts it back on sale.
          ...(dto.quantity === undefined ? {} : { quantity: dto.quantity, status: ListingStatus.Active }),
        },
        include: withSeller,
      });
      const summary = toListingSummary(listing);
      await this.announce(MarketplaceEvent.ListingUpdated, summary, tx);
      return summary;
    });
  }

  /** Withdraws a listing; orders already placed stand. */
  async cancel(caller: AuthUser, id: string): Promise<ListingSummary> {
    return this.prisma.transaction(async (tx) => {
      const current = await this.own(tx, caller, id);
      if (current.status === ListingStatus.Cancelled) throw conflict('listing_cancelled', 'The listing is already withdrawn');
      const listing = await tx.listing.update({ where: { id }, data: { status: ListingStatus.Cancelled }, include: withSeller });
      const summary = toListingSummary(listing);
      await this.announce(MarketplaceEvent.ListingCancelled, summary, tx);
      return summary;
    });
  }

  /** Takes `quantity` units for an order (never below zero) and announces the new stock, or the sell-out; false if too few. */
  async reserve(tx: Tx, listingId: string, quantity: number): Promise<boolean> {
    const [reserved] = await tx.listing.updateManyAndReturn({
      where: { id: listingId, status: ListingStatus.Active, quantity: { gte: quantity } },
      data: { quantity: { decrement: quantity } },
      include: withSeller,
    });
    if (!reserved) return false;
    if (reserved.quantity > 0) {
      await this.announce(MarketplaceEvent.ListingUpdated, toListingSummary(reserved), tx);
      return true;
    }
    const sold = await tx.listing.update({ where: { id: listingId }, data: { status: ListingStatus.Sold }, include: withSeller });
    await this.announce(MarketplaceEvent.ListingSold, toListingSummary(sold), tx);
    return true;
  }

  /** Returns a cancelled order's units (a sold-out listing is on sale again; a withdrawn one stays withdrawn). */
  async restock(tx: Tx, listingId: string, quantity: number): Promise<void> {
    const [listing] = await tx.listing.updateManyAndReturn({
      where: { id: listingId, status: { in: [ListingStatus.Active, ListingStatus.Sold] } },
      data: { quantity: { increment: quantity }, status: ListingStatus.Active },
      include: withSeller,
    });
    if (listing) await this.announce(MarketplaceEvent.ListingUpdated, toListingSummary(listing), tx);
  }

  /** To the marketplace's subscribers and the seller's own sockets: a seller sees their listing change without subscribing. */
  private async announce(event: (typeof MarketplaceEvent)[keyof typeof MarketplaceEvent], summary: ListingSummary, tx: Tx): Promise<void> {
    await this.events.to(scope.marketplace(), scope.user(summary.sellerId)).emit(event, summary, { tx });
  }

  private async own(tx: Tx, caller: AuthUser, id: string) {
    const listing = await tx.listing.findFirst({ where: { id, sellerId: caller.userId } });
    if (!listing) throw notFound('Listing');
    return listing;
  }
}
