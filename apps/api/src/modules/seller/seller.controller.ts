import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentUser } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { forbiddenWith } from '../../common/http-errors.js';
import { uuidParam } from '../../common/uuid-param.js';
import {
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

@Controller('sellers')
export class SellersController {
  constructor(private readonly sellers: SellersService) {}

  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateSellerProfileDto) {
    return this.sellers.create(user, body);
  }

  /** The caller's profile with tier benefits and today's analytics. */
  @Get('me')
  mine(@CurrentUser() user: AuthUser) {
    return this.sellers.mine(user);
  }

  @Get(':id')
  get(@Param('id', uuidParam('id')) id: string) {
    return this.sellers.get(id);
  }
}

@Controller('marketplace/listings')
export class ListingsController {
  constructor(private readonly marketplace: MarketplaceService) {}

  @Get()
  list(@Query() query: ListListingsQuery) {
    return this.marketplace.list(query);
  }

  @Get(':id')
  get(@Param('id', uuidParam('id')) id: string) {
    return this.marketplace.get(id);
  }

  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateListingDto) {
    return this.marketplace.create(user, body);
  }

  @Patch(':id')
  update(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: UpdateListingDto) {
    return this.marketplace.update(user, id, body);
  }

  @Delete(':id')
  cancel(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.marketplace.cancel(user, id);
  }
}

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateOrderDto) {
    return this.orders.create(user, body);
  }

  @Get()
  list(@CurrentUser() user: AuthUser, @Query() query: ListOrdersQuery) {
    return this.orders.list(user, query);
  }

  @Get(':id')
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

  @Post(':id/ship')
  @HttpCode(HttpStatus.OK)
  ship(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.orders.move(user, id, 'ship');
  }

  @Post(':id/deliver')
  @HttpCode(HttpStatus.OK)
  deliver(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.orders.move(user, id, 'deliver');
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  cancel(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.orders.move(user, id, 'cancel');
  }

  @Post(':id/review')
  review(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: CreateReviewDto) {
    return this.orders.review(user, id, body);
  }
}
