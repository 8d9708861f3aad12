import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { CurrentUser, PlatformRoles } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { uuidParam } from '../../common/uuid-param.js';
import { CreatePurchaseDto, CreateShopItemDto, UpdateShopItemDto } from './dto/shop.dto.js';
import { FamiliesService } from './families.service.js';
import { ShopService } from './shop.service.js';

@Controller('shop')
export class ShopController {
  constructor(private readonly shop: ShopService) {}

  @Get('items')
  items() {
    return this.shop.listItems();
  }

  @Post('items')
  @PlatformRoles('OPERATOR')
  createItem(@Body() body: CreateShopItemDto) {
    return this.shop.createItem(body);
  }

  @Patch('items/:id')
  @PlatformRoles('OPERATOR')
  updateItem(@Param('id', uuidParam('id')) id: string, @Body() body: UpdateShopItemDto) {
    return this.shop.updateItem(id, body);
  }

  @Delete('items/:id')
  @PlatformRoles('OPERATOR')
  retireItem(@Param('id', uuidParam('id')) id: string) {
    return this.shop.retireItem(id);
  }

  @Post('purchases')
  purchase(@CurrentUser() user: AuthUser, @Body() body: CreatePurchaseDto) {
    return this.shop.purchase(user, body);
  }
}

@Controller('families')
export class FamiliesController {
  constructor(private readonly families: FamiliesService) {}

  @Get('mine')
  mine(@CurrentUser() user: AuthUser) {
    return this.families.mine(user);
  }
}
