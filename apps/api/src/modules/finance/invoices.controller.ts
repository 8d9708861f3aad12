import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentUser, Roles } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { uuidParam } from '../../common/uuid-param.js';
import { CreateInvoiceDto, ListInvoicesQuery, UpdateInvoiceDto } from './dto/invoice.dto.js';
import { InvoicesService } from './invoices.service.js';
import { invoiceSummary } from '@operate/shared';
import { pageOfSchema, Returns } from '../../common/openapi.js';

@Controller('invoices')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  /** Creates a DRAFT; `number` defaults to the organization's next `INV-nnnnn`. Emits `invoice.created`. */
  @Post()
  @Returns(invoiceSummary)
  create(@CurrentUser() user: AuthUser, @Body() body: CreateInvoiceDto) {
    return this.invoices.create(user, body);
  }

  /** The organization's invoices, newest first, optionally of one status. */
  @Get()
  @Returns(pageOfSchema(invoiceSummary))
  list(@CurrentUser() user: AuthUser, @Query() query: ListInvoicesQuery) {
    return this.invoices.list(user, query);
  }

  /** One invoice of the caller's organization (another organization's → 404). */
  @Get(':id')
  @Returns(invoiceSummary)
  get(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.invoices.get(user, id);
  }

  /** Edits a DRAFT (else 409 `invoice_not_editable`). Emits `invoice.updated` with `changedFields`. */
  @Patch(':id')
  @Returns(invoiceSummary)
  update(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: UpdateInvoiceDto) {
    return this.invoices.update(user, id, body);
  }

  /** DRAFT → SENT. Emits `invoice.updated`. */
  @Post(':id/send')
  @HttpCode(HttpStatus.OK)
  @Returns(invoiceSummary)
  send(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.invoices.send(user, id);
  }

  /** SENT or OVERDUE → PAID (409 `invoice_not_sent`, `invoice_already_paid`, `invoice_void`). Emits `invoice.paid` and stores a notification. */
  @Post(':id/pay')
  @HttpCode(HttpStatus.OK)
  @Returns(invoiceSummary)
  pay(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.invoices.pay(user, id);
  }

  /** SENT or OVERDUE: records `remindedAt`. Emits `invoice.reminder_sent` to the organization. */
  @Post(':id/remind')
  @HttpCode(HttpStatus.OK)
  @Returns(invoiceSummary)
  remind(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.invoices.remind(user, id);
  }

  /** Voids an unpaid invoice. Emits `invoice.updated`. */
  @Post(':id/void')
  @HttpCode(HttpStatus.OK)
  @Roles('OWNER', 'ADMIN')
  @Returns(invoiceSummary)
  void(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.invoices.void(user, id);
  }
}
