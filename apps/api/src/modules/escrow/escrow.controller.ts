import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CurrentUser, Public } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { uuidParam } from '../../common/uuid-param.js';
import { CreateEscrowDto, ListEscrowsQuery, PaymentWebhookDto, RaiseDisputeDto, ResolveDisputeDto } from './dto/escrow.dto.js';
import { ORDER_PAYMENT_PREFIX, OrdersService } from '../seller/orders.service.js';
import { EscrowService } from './escrow.service.js';
import { PaymentSignatureGuard } from './payment-signature.js';

@Controller('escrows')
export class EscrowController {
  constructor(private readonly escrows: EscrowService) {}

  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateEscrowDto) {
    return this.escrows.create(user, body);
  }

  @Get()
  listMine(@CurrentUser() user: AuthUser, @Query() query: ListEscrowsQuery) {
    return this.escrows.listMine(user, query);
  }

  /** Who the caller may open an escrow with: marketplace sellers (declared before `:id`, which would take the path). */
  @Get('counterparties')
  counterparties(@CurrentUser() user: AuthUser) {
    return this.escrows.counterparties(user);
  }

  @Get(':id')
  get(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.escrows.get(user, id);
  }

  @Post(':id/confirm')
  @HttpCode(HttpStatus.OK)
  confirm(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.escrows.confirm(user, id);
  }

  @Post(':id/dispute')
  @HttpCode(HttpStatus.OK)
  dispute(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: RaiseDisputeDto) {
    return this.escrows.raiseDispute(user, id, body.reason);
  }

  @Post(':id/resolve')
  @HttpCode(HttpStatus.OK)
  resolve(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: ResolveDisputeDto) {
    return this.escrows.resolveDispute(user, id, body.outcome, body.note);
  }
}

/** The payment provider's callback: no user token, a signature over the raw body instead (checked before validation). */
@Controller('webhooks')
export class PaymentWebhookController {
  constructor(
    private readonly escrows: EscrowService,
    private readonly orders: OrdersService,
  ) {}

  /** One endpoint for every payment: an order's reference starts with `pay_ord_`, anything else names an escrow. */
  @Post('payments')
  @Public()
  @UseGuards(PaymentSignatureGuard)
  @HttpCode(HttpStatus.OK)
  payment(@Body() body: PaymentWebhookDto) {
    return body.data.paymentReference.startsWith(ORDER_PAYMENT_PREFIX)
      ? this.orders.applyPaymentEvent(body)
      : this.escrows.applyPaymentEvent(body);
  }
}
