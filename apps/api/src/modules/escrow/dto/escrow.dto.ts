import { Type } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { DisputeOutcome, EscrowStatus } from '@operate/shared';
import { IsCurrencyCode, MONEY_PATTERN } from '../../../common/money.js';
import { PageQuery } from '../../../common/page-query.js';

export class CreateEscrowDto {
  @IsUUID('all', { message: 'sellerId must be a UUID' })
  sellerId!: string;

  @IsString()
  @Matches(MONEY_PATTERN, { message: 'amount must be a positive decimal string with at most two places, e.g. "250.00"' })
  amount!: string;

  @IsCurrencyCode('currency')
  currency!: string;

  @IsString()
  @MinLength(1, { message: 'description must not be empty' })
  @MaxLength(500)
  description!: string;
}

export class ListEscrowsQuery extends PageQuery {
  @IsOptional()
  @IsIn(Object.values(EscrowStatus), { message: `status must be one of ${Object.values(EscrowStatus).join(', ')}` })
  status?: EscrowStatus;
}

export class RaiseDisputeDto {
  @IsString()
  @MinLength(1, { message: 'reason must not be empty' })
  @MaxLength(1000)
  reason!: string;
}

export class ResolveDisputeDto {
  @IsIn(Object.values(DisputeOutcome), { message: "outcome must be 'release' or 'refund'" })
  outcome!: DisputeOutcome;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

/** The payment provider's webhook types this API understands. */
export const PaymentEventType = {
  Processing: 'payment.processing',
  Captured: 'payment.captured',
  Failed: 'payment.failed',
  Refunded: 'payment.refunded',
} as const;
export type PaymentEventType = (typeof PaymentEventType)[keyof typeof PaymentEventType];

export class PaymentEventData {
  @IsString()
  @Length(1, 100)
  paymentReference!: string;

  @IsString()
  @Matches(MONEY_PATTERN, { message: 'data.amount must be a positive decimal string with at most two places' })
  amount!: string;

  @IsCurrencyCode('data.currency')
  currency!: string;

  /** The provider's own reference for the captured payment (an order's payment carries it to the seller). */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  transactionReference?: string;
}

/** `POST /webhooks/payments`: `{ id, type, data: { paymentReference, amount, currency } }`, signed. */
export class PaymentWebhookDto {
  /** The provider's event id: the idempotency key. */
  @IsString()
  @Length(1, 200)
  id!: string;

  @IsIn(Object.values(PaymentEventType), { message: `type must be one of ${Object.values(PaymentEventType).join(', ')}` })
  type!: PaymentEventType;

  @ValidateNested()
  @Type(() => PaymentEventData)
  data!: PaymentEventData;
}

export class CounterpartyQuery {
  /** Part of a shop's or a person's name, or a whole email address. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;
}
