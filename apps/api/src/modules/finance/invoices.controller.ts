import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, Query } from '@nestjs/common';
import { CurrentUser, Roles } from '../../auth/decorators.js';
import type { AuthUser } from '../../auth/token.service.js';
import { uuidParam } from '../../common/uuid-param.js';
import { CreateInvoiceDto, ListInvoicesQuery, UpdateInvoiceDto } from './dto/invoice.dto.js';
import { InvoicesService } from './invoices.service.js';

@Controller('invoices')
export class InvoicesController {
  constructor(private readonly invoices: InvoicesService) {}

  @Post()
  create(@CurrentUser() user: AuthUser, @Body() body: CreateInvoiceDto) {
    return this.invoices.create(user, body);
  }

  @Get()
  list(@CurrentUser() user: AuthUser, @Query() query: ListInvoicesQuery) {
    return this.invoices.list(user, query);
  }

  @Get(':id')
  get(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.invoices.get(user, id);
  }

  @Patch(':id')
  update(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string, @Body() body: UpdateInvoiceDto) {
    return this.invoices.update(user, id, body);
  }

  @Post(':id/send')
  @HttpCode(HttpStatus.OK)
  send(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.invoices.send(user, id);
  }

  @Post(':id/pay')
  @HttpCode(HttpStatus.OK)
  pay(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.invoices.pay(user, id);
  }

  @Post(':id/remind')
  @HttpCode(HttpStatus.OK)
  remind(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.invoices.remind(user, id);
  }

  @Post(':id/void')
  @HttpCode(HttpStatus.OK)
  @Roles('OWNER', 'ADMIN')
  void(@CurrentUser() user: AuthUser, @Param('id', uuidParam('id')) id: string) {
    return this.invoices.void(user, id);
  }
}
