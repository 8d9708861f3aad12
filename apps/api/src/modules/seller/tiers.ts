import { SellerTier, type TierBenefits } from '@operate/shared';
import { Prisma } from '../../generated/prisma/client.js';

/** Tiers from lowest to highest, with the delivered-sales volume (seller's currency) each starts at. */
export const TIERS: readonly { readonly tier: SellerTier; readonly from: Prisma.Decimal; readonly benefits: TierBenefits }[] = [
  {
    tier: SellerTier.Bronze,
    from: new Prisma.Decimal(0),
    benefits: { commissionRate: '0.100', maxActiveListings: 10, payoutDays: 14, featuredListings: false },
  },
  {
    tier: SellerTier.Silver,
    from: new Prisma.Decimal(1_000),
    benefits: { commissionRate: '0.080', maxActiveListings: 50, payoutDays: 7, featuredListings: false },
  },
  {
    tier: SellerTier.Gold,
    from: new Prisma.Decimal(10_000),
    benefits: { commissionRate: '0.060', maxActiveListings: 200, payoutDays: 3, featuredListings: true },
  },
  {
    tier: SellerTier.Platinum,
    from: new Prisma.Decimal(50_000),
    benefits: { commissionRate: '0.040', maxActiveListings: 1_000, payoutDays: 1, featuredListings: true },
  },
];

/** The tier a delivered-sales volume earns. */
export function tierFor(volume: Prisma.Decimal): SellerTier {
  return TIERS.findLast((entry) => volume.greaterThanOrEqualTo(entry.from))!.tier;
}

export function benefitsOf(tier: SellerTier): TierBenefits {
  return TIERS.find((entry) => entry.tier === tier)!.benefits;
}

export function rankOf(tier: SellerTier): number {
  return TIERS.findIndex((entry) => entry.tier === tier);
}
