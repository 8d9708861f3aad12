import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { OrderStatus } from '@operate/shared';
import { IsCurrencyCode, MONEY_PATTERN } from '../../../common/money.js';
import { PageQuery } from '../../../common/page-query.js';

const PRICE_MESSAGE = 'price must be a positive decimal string with at most two places, e.g. "49.90"';
const MAX_QUANTITY = 10_000;

export class CreateSellerProfileDto {
  @IsString()
  @MinLength(1, { message: 'displayName must not be empty' })
  @MaxLength(100)
  displayName!: string;

  /** Every listing of the seller is priced in it; tiers count sales in it. */
  @IsCurrencyCode('currency')
  currency!: string;
}

export class CreateListingDto {
  @IsString()
  @MinLength(1, { message: 'title must not be empty' })
  @MaxLength(200)
  title!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @IsString()
  @Matches(MONEY_PATTERN, { message: PRICE_MESSAGE })
  price!: string;

  @IsInt({ message: 'quantity must be a whole number' })
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}

export class UpdateListingDto {
  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'title must not be empty' })
  @MaxLength(200)
  title?: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @IsOptional()
  @IsString()
  @Matches(MONEY_PATTERN, { message: PRICE_MESSAGE })
  price?: string;

  /** Units available from now on (restock or reduce). */
  @IsOptional()
  @IsInt({ message: 'quantity must be a whole number' })
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity?: number;
}

export class ListListingsQuery extends PageQuery {
  @IsOptional()
  @IsUUID('all', { message: 'sellerId must be a UUID' })
  sellerId?: string;
}

export class CreateOrderDto {
  @IsUUID('all', { message: 'listingId must be a UUID' })
  listingId!: string;

  @IsInt({ message: 'quantity must be a whole number' })
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}

export class ListOrdersQuery extends PageQuery {
  /** Orders the caller placed (buyer) or received (seller); both when left out. */
  @IsOptional()
  @IsIn(['buyer', 'seller'], { message: "as must be 'buyer' or 'seller'" })
  as?: 'buyer' | 'seller';

  @IsOptional()
  @IsIn(Object.values(OrderStatus), { message: `status must be one of ${Object.values(OrderStatus).join(', ')}` })
  status?: OrderStatus;
}

export class CreateReviewDto {
  @Type(() => Number)
  @IsInt({ message: 'rating must be a whole number from 1 to 5' })
  @Min(1)
  @Max(5)
  rating!: number;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string;
}

export class AnalyticsQuery {
  /** How many UTC days back, today included. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(90)
  days = 30;
}
