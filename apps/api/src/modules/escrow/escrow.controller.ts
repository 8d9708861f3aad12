import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { CurrentUser, Public } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { uuidParam } from '../../common/uuid-param.js';
import {
  CounterpartyQuery,
  CreateEscrowDto,
  ListEscrowsQuery,
  PaymentWebhookDto,
  RaiseDisputeDto,
  ResolveDisputeDto,
} from './dto/escrow.dto.js';
import { ORDER_PAYMENT_PREFIX, OrdersService } from '../seller/orders.service.js';
import { EscrowService } from './escrow.service.js';
import { PaymentSignatureGuard, SIGNATURE_HEADER } from './payment-signature.js';
import { ApiHeader } from '@nestjs/swagger';
import { escrowHistoryEntry, escrowSummary } from '@operate/shared';
import { z } from 'zod';
import { pageOfSchema, Returns } from '../../common/openapi.js';

@Controller('escrows')
export class EscrowController {
  constructor(private readonly escrows: EscrowService) {}

  /** The buyer opens an escrow (INITIATED, with a `paymentReference` to pay with) with a marketplace seller (else 422 `not_a_counterparty`; at most ESCROW_OPENINGS_PER_SELLER_PER_HOUR an hour per pair → 429). Emits `escrow.created`; the seller is notified. */
  @Post()
  @Returns(escrowSummary)
  create(@CurrentUser() user: AuthUser, @Body() body: CreateEscrowDto) {
    return this.escrows.create(user, body);
  }

  /** Escrows where the caller is buyer or seller, optionally of one status. */
  @Get()
  @Returns(pageOfSchema(escrowSummary))
  listMine(@CurrentUser() user: AuthUser, @Query() query: ListEscrowsQuery) {
    return this.escrows.listMine(user, query);
  }

  /** Who the caller may open an escrow with: marketplace sellers, at most 50, found by shop or person name, or by their exact email (`?q=`). */
  @Get('counterparties')
  counterparties(@CurrentUser() user: AuthUser, @Query() query: CounterpartyQuery) {
    return this.escrows.counterparties(user, query.q);
  }

  /** One escrow, for its parties, an admin of a party's organization, or the arbiter of its dispute (else 404). */
  @Get(':id')
  @Returns(escrowSummary)
  get(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.escrows.get(user, id);
  }

  /** Every change of the escrow, oldest first: who, when, from → to, payment status, provider event, note. Parties and the arbiter; others 404. */
  @Get(':id/history')
  @Returns(z.array(escrowHistoryEntry))
  history(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.escrows.history(user, id);
  }

  /** HELD only; each party once. Emits `escrow.confirmation_added`; the second confirmation releases it (`escrow.status_changed`). */
  @Post(':id/confirm')
  @HttpCode(HttpStatus.OK)
  @Returns(escrowSummary)
  confirm(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.escrows.confirm(user, id);
  }

  /** A party: HELD → DISPUTED. Emits `escrow.dispute_raised`. */
  @Post(':id/dispute')
  @HttpCode(HttpStatus.OK)
  @Returns(escrowSummary)
  dispute(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: RaiseDisputeDto) {
    return this.escrows.raiseDispute(user, id, body.reason);
  }

  /** The platform arbiter, of neither party's organization: DISPUTED → RELEASED or REFUNDED. Emits `escrow.dispute_resolved`. */
  @Post(':id/resolve')
  @HttpCode(HttpStatus.OK)
  @Returns(escrowSummary)
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
  @ApiHeader({
    name: SIGNATURE_HEADER,
    required: true,
    description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> with PAYMENT_WEBHOOK_SECRET (no user token).',
  })
  @Public()
  @UseGuards(PaymentSignatureGuard)
  @HttpCode(HttpStatus.OK)
  payment(@Body() body: PaymentWebhookDto) {
    return body.data.paymentReference.startsWith(ORDER_PAYMENT_PREFIX)
      ? this.orders.applyPaymentEvent(body)
      : this.escrows.applyPaymentEvent(body);
  }
}
