import { IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { InvoiceStatus } from '@operate/shared';
import { IsCurrencyCode, MONEY_PATTERN as MONEY } from '../../../common/money.js';
import { PageQuery } from '../../../common/page-query.js';

const MONEY_MESSAGE = 'total must be a positive decimal string with at most two places, e.g. "1250.00"';

export class CreateInvoiceDto {
  /** Leave out to get the next number of the organization (INV-00001, …). */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9\-_/]{0,31}$/, { message: 'number must be 1–32 letters, digits, -, _ or /' })
  number?: string;

  @IsString()
  @MinLength(1, { message: 'customerName must not be empty' })
  @MaxLength(200)
  customerName!: string;

  @IsString()
  @Matches(MONEY, { message: MONEY_MESSAGE })
  total!: string;

  @IsCurrencyCode('currency')
  currency!: string;

  @IsISO8601({ strict: true }, { message: 'dueAt must be an ISO-8601 date, e.g. "2026-12-31T00:00:00Z"' })
  dueAt!: string;
}

export class UpdateInvoiceDto {
  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'customerName must not be empty' })
  @MaxLength(200)
  customerName?: string;

  @IsOptional()
  @IsString()
  @Matches(MONEY, { message: MONEY_MESSAGE })
  total?: string;

  @IsOptional()
  @IsCurrencyCode('currency')
  currency?: string;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'dueAt must be an ISO-8601 date, e.g. "2026-12-31T00:00:00Z"' })
  dueAt?: string;
}

export class ListInvoicesQuery extends PageQuery {
  @IsOptional()
  @IsIn(Object.values(InvoiceStatus))
  status?: InvoiceStatus;
}
