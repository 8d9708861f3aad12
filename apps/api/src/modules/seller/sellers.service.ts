import { Injectable } from '@nestjs/common';
import type { OwnSellerView, SellerHistory, SellerReview, SellerView } from '@operate/shared';
import { pageOf, type Page, type PageQuery } from '../../common/page-query.js';
import type { AuthUser } from '../../auth/token.service.js';
import { conflict, notFound } from '../../common/http-errors.js';
import { formatMoney } from '../../common/money.js';
import type { SellerProfile } from '../../generated/prisma/client.js';
import { isUniqueViolation, PrismaService } from '../../prisma/prisma.service.js';
import type { CreateSellerProfileDto } from './dto/seller.dto.js';
import { SellerAnalyticsService } from './seller-analytics.service.js';
import { benefitsOf, TIERS, rankOf } from './tiers.js';

export function toSellerView(profile: SellerProfile): SellerView {
  const next = TIERS[rankOf(profile.tier) + 1];
  return {
    sellerId: profile.userId,
    displayName: profile.displayName,
    currency: profile.currency,
    tier: profile.tier,
    benefits: benefitsOf(profile.tier),
    completedSales: profile.completedSales,
    completedSalesVolume: formatMoney(profile.completedSalesVolume),
    nextTier: next ? { tier: next.tier, from: formatMoney(next.from) } : null,
  };
}

/** Seller profiles: becoming a seller, the public profile, and a seller's own figures. */
@Injectable()
export class SellersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly analytics: SellerAnalyticsService,
  ) {}

  async create(caller: AuthUser, dto: CreateSellerProfileDto): Promise<SellerView> {
    try {
      const profile = await this.prisma.sellerProfile.create({
        data: { userId: caller.userId, displayName: dto.displayName, currency: dto.currency },
      });
      return toSellerView(profile);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw conflict('already_a_seller', 'You already have a seller profile');
      }
      throw error;
    }
  }

  async get(sellerId: string): Promise<SellerView> {
    const profile = await this.prisma.sellerProfile.findUnique({ where: { userId: sellerId } });
    if (!profile) throw notFound('Seller');
    return toSellerView(profile);
  }

  async mine(caller: AuthUser): Promise<OwnSellerView> {
    const profile = await this.prisma.sellerProfile.findUnique({ where: { userId: caller.userId } });
    if (!profile) throw notFound('Seller profile');
    return { ...toSellerView(profile), analytics: await this.analytics.compute(caller.userId) };
  }

  /** The caller's last `days` days, for the chart to open with history before it goes live. */
  history(caller: AuthUser, days: number): Promise<SellerHistory> {
    return this.analytics.history(caller.userId, days);
  }

  /** A seller's reviews, newest first (public, like the profile); an unknown seller is 404. */
  async reviews(sellerId: string, query: PageQuery): Promise<Page<SellerReview>> {
    await this.get(sellerId);
    const where = { sellerId };
    return pageOf(
      query,
      (window) => this.prisma.review.findMany({ where, ...window }),
      () => this.prisma.review.count({ where }),
      (review) => ({
        reviewId: review.id,
        orderId: review.orderId,
        rating: review.rating,
        comment: review.comment,
        createdAt: review.createdAt.toISOString(),
      }),
    );
  }
}
