import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { CurrentUser, PlatformRoles } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { uuidParam } from '../../common/uuid-param.js';
import {
  AddFamilyMemberDto,
  ChangeFamilyRoleDto,
  CreateFamilyDto,
  CreatePurchaseDto,
  CreateShopItemDto,
  UpdateShopItemDto,
} from './dto/shop.dto.js';
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

  /** A new family, with the caller as its owner and an empty wallet. Emits `family.member_changed` (added) to the caller. */
  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateFamilyDto) {
    return this.families.create(user, body.name);
  }

  /** An owner adds someone by email as a spender or a viewer (409 `already_a_member`). Emits `family.member_changed` to the family and the person, whose sockets join at once. */
  @Post(':id/members')
  addMember(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: AddFamilyMemberDto) {
    return this.families.addMember(user, id, body);
  }

  /** An owner changes a member's role (409 `last_owner` if none would be left). Emits `family.member_changed`. */
  @Patch(':id/members/:userId')
  changeRole(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Param('userId', uuidParam('userId')) userId: string,
    @Body() body: ChangeFamilyRoleDto,
  ) {
    return this.families.changeRole(user, id, userId, body.role);
  }

  /** An owner removes a member: their sockets leave the family's room at once and receive nothing more from it. */
  @Delete(':id/members/:userId')
  removeMember(
    @CurrentUser() user: AuthUser,
    @Param('id', uuidParam('id')) id: string,
    @Param('userId', uuidParam('userId')) userId: string,
  ) {
    return this.families.removeMember(user, id, userId);
  }

  /** The caller leaves the family (its last owner hands ownership on first: 409 `last_owner`). */
  @Post(':id/leave')
  @HttpCode(HttpStatus.NO_CONTENT)
  async leave(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.families.leave(user, id);
  }

  /** My families: balance, my role, whether I may spend, members. */
  @Get('mine')
  mine(@CurrentUser() user: AuthUser) {
    return this.families.mine(user);
  }
}
