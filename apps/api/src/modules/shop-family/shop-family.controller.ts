import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { CurrentUser, PlatformRoles } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { uuidParam } from '../../common/uuid-param.js';
import { CreatePurchaseDto, CreateShopItemDto, UpdateShopItemDto } from './dto/shop.dto.js';
import { FamiliesService } from './families.service.js';
import { ShopService } from './shop.service.js';
import { shopItem, walletView } from '@operate/shared';
import { z } from 'zod';
import { Returns } from '../../common/openapi.js';

@Controller('shop')
export class ShopController {
  constructor(private readonly shop: ShopService) {}

  /** The active catalog. */
  @Get('items')
  @Returns(z.array(shopItem))
  items() {
    return this.shop.listItems();
  }

  /** Adds an item. Emits `shop.updated` to everyone. */
  @Post('items')
  @PlatformRoles('OPERATOR')
  @Returns(shopItem)
  createItem(@Body() body: CreateShopItemDto) {
    return this.shop.createItem(body);
  }

  /** Renames or reprices an item. Emits `shop.updated`. */
  @Patch('items/:id')
  @PlatformRoles('OPERATOR')
  @Returns(shopItem)
  updateItem(@Param('id', uuidParam('id')) id: string, @Body() body: UpdateShopItemDto) {
    return this.shop.updateItem(id, body);
  }

  /** Retires an item (kept for history, no longer for sale). Emits `shop.updated`. */
  @Delete('items/:id')
  @PlatformRoles('OPERATOR')
  @Returns(shopItem)
  retireItem(@Param('id', uuidParam('id')) id: string) {
    return this.shop.retireItem(id);
  }

  /** Buys an item: with the family wallet (emits `family.shop_purchase` to every member and nobody else) or personal tokens (emits `shop.purchase_completed` to the purchaser). */
  @Post('purchases')
  purchase(@CurrentUser() user: AuthUser, @Body() body: CreatePurchaseDto) {
    return this.shop.purchase(user, body);
  }
}

@Controller('wallet')
export class WalletController {
  constructor(private readonly shop: ShopService) {}

  /** My personal wallet: its balance and my last 20 purchases paid from it. Changes come as `wallet.updated`. */
  @Get()
  @Returns(walletView)
  mine(@CurrentUser() user: AuthUser) {
    return this.shop.wallet(user);
  }
}

@Controller('families')
export class FamiliesController {
  constructor(private readonly families: FamiliesService) {}

  /** My families: balance, my role, whether I may spend, members. */
  @Get('mine')
  mine(@CurrentUser() user: AuthUser) {
    return this.families.mine(user);
  }
}
