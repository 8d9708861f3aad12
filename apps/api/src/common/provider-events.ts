import { HttpStatus } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client.js';
import type { Tx } from '../prisma/prisma.service.js';
import { ApiError } from './http-errors.js';
import { formatMoney } from './money.js';

/** What the payment provider's signed webhook says (already authenticated), for an escrow or an order. */
export interface ProviderEvent {
  readonly id: string;
  readonly type: 'payment.processing' | 'payment.captured' | 'payment.failed' | 'payment.refunded';
  readonly data: {
    readonly paymentReference: string;
    readonly amount: string;
    readonly currency: string;
    readonly transactionReference?: string;
  };
}

/**
 * Records the provider event against its escrow or order, in the transaction of the change it makes; false
 * when this event id was applied before (a replay: change and emit nothing). A refused event is rolled back
 * with the rest, so the provider's retry gets the same answer.
 */
export async function recordProviderEvent(
  tx: Tx,
  event: ProviderEvent,
  target: { escrowId: string } | { orderId: string },
): Promise<boolean> {
  const recorded = await tx.paymentEvent.createMany({
    data: [{ providerEventId: event.id, type: event.type, ...target }],
    skipDuplicates: true,
  });
  return recorded.count > 0;
}

/** 422 `payment_mismatch` unless the provider moved exactly what is owed. */
export function assertPaymentMatches(event: ProviderEvent, owed: { amount: Prisma.Decimal; currency: string }, what: string): void {
  if (owed.amount.equals(new Prisma.Decimal(event.data.amount)) && owed.currency === event.data.currency) return;
  throw new ApiError(
    HttpStatus.UNPROCESSABLE_ENTITY,
    'payment_mismatch',
    `The payment is ${event.data.amount} ${event.data.currency}; ${what} ${formatMoney(owed.amount)} ${owed.currency}`,
  );
}
