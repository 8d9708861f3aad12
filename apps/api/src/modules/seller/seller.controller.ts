import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentUser } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { forbiddenWith } from '../../common/http-errors.js';
import { uuidParam } from '../../common/uuid-param.js';
import {
  AnalyticsQuery,
  CreateListingDto,
  CreateOrderDto,
  CreateReviewDto,
  CreateSellerProfileDto,
  ListListingsQuery,
  ListOrdersQuery,
  UpdateListingDto,
} from './dto/seller.dto.js';
import { MarketplaceService } from './marketplace.service.js';
import { OrdersService } from './orders.service.js';
import { SellersService } from './sellers.service.js';
import { listingSummary, orderSummary, sellerHistory, sellerReview } from '@operate/shared';
import { PageQuery } from '../../common/page-query.js';
import { pageOfSchema, Returns } from '../../common/openapi.js';

@Controller('sellers')
export class SellersController {
  constructor(private readonly sellers: SellersService) {}

  /** A seller profile for the caller, once (409 `already_a_seller`). */
  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateSellerProfileDto) {
    return this.sellers.create(user, body);
  }

  /** The caller's profile with tier benefits and today's analytics. */
  @Get('me')
  mine(@CurrentUser() user: AuthUser) {
    return this.sellers.mine(user);
  }

  /** The caller's last `days` UTC days (1–90, default 30): orders, revenue and rating per day, today last. */
  @Get('me/analytics')
  @Returns(sellerHistory)
  history(@CurrentUser() user: AuthUser, @Query() query: AnalyticsQuery) {
    return this.sellers.history(user, query.days);
  }

  /** A seller's reviews, newest first (public to every signed-in user, like the profile). */
  @Get(':id/reviews')
  @Returns(pageOfSchema(sellerReview))
  reviews(@Param('id', uuidParam('id')) id: string, @Query() query: PageQuery) {
    return this.sellers.reviews(id, query);
  }

  /** A seller's public profile. */
  @Get(':id')
  get(@Param('id', uuidParam('id')) id: string) {
    return this.sellers.get(id);
  }
}

@Controller('marketplace/listings')
export class ListingsController {
  constructor(private readonly marketplace: MarketplaceService) {}

  /** Active listings, newest first, optionally of one seller. */
  @Get()
  @Returns(pageOfSchema(listingSummary))
  list(@Query() query: ListListingsQuery) {
    return this.marketplace.list(query);
  }

  /** One listing. */
  @Get(':id')
  @Returns(listingSummary)
  get(@Param('id', uuidParam('id')) id: string) {
    return this.marketplace.get(id);
  }

  /** A seller lists an item; beyond the tier's active-listing limit → 409 `listing_limit_reached`. Emits `marketplace.listing_created`. */
  @Post()
  @Returns(listingSummary)
  create(@CurrentUser() user: AuthUser, @Body() body: CreateListingDto) {
    return this.marketplace.create(user, body);
  }

  /** Its seller edits or restocks it. Emits `marketplace.listing_updated`. */
  @Patch(':id')
  @Returns(listingSummary)
  update(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: UpdateListingDto) {
    return this.marketplace.update(user, id, body);
  }

  /** Its seller withdraws it. Emits `marketplace.listing_cancelled`. */
  @Delete(':id')
  @Returns(listingSummary)
  cancel(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.marketplace.cancel(user, id);
  }
}

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** A buyer orders: stock is reserved atomically; the order waits for the provider's payment (PENDING). Emits `seller.order_created` (+ a notification); the last unit emits `marketplace.listing_sold`. */
  @Post()
  @Returns(orderSummary)
  create(@CurrentUser() user: AuthUser, @Body() body: CreateOrderDto) {
    return this.orders.create(user, body);
  }

  /** Orders the caller placed or received, optionally of one status. */
  @Get()
  @Returns(pageOfSchema(orderSummary))
  list(@CurrentUser() user: AuthUser, @Query() query: ListOrdersQuery) {
    return this.orders.list(user, query);
  }

  /** One order, for its parties. */
  @Get(':id')
  @Returns(orderSummary)
  get(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.orders.get(user, id);
  }

  /** Kept to say why: the buyer pays the provider, and only the provider's signed webhook marks an order paid. */
  @Post(':id/pay')
  @HttpCode(HttpStatus.OK)
  async pay(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string): Promise<never> {
    const order = await this.orders.get(user, id);
    throw forbiddenWith(
      'paid_by_provider',
      `Pay the provider against ${order.paymentReference}; the order is marked paid when the provider confirms the payment`,
    );
  }

  /** The seller: PAID → SHIPPED. Emits `order.status_changed` to both parties. */
  @Post(':id/ship')
  @HttpCode(HttpStatus.OK)
  @Returns(orderSummary)
  ship(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.orders.move(user, id, 'ship');
  }

  /** The buyer: SHIPPED → DELIVERED. Emits `order.status_changed`; the sale may emit `seller.tier_upgraded`. */
  @Post(':id/deliver')
  @HttpCode(HttpStatus.OK)
  @Returns(orderSummary)
  deliver(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.orders.move(user, id, 'deliver');
  }

  /** Either party, before shipping. Emits `order.status_changed`. */
  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @Returns(orderSummary)
  cancel(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.orders.move(user, id, 'cancel');
  }

  /** The buyer, once, of a delivered order (409 `not_delivered`, `already_reviewed`). Emits `seller.review_received`. */
  @Post(':id/review')
  review(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: CreateReviewDto) {
    return this.orders.review(user, id, body);
  }
}
