import { DisputeOutcome, EscrowStatus, PaymentStatus, type EscrowSummary } from '@operate/shared';
import { formatMoney } from '../../common/money.js';
import type { Escrow } from '../../generated/prisma/client.js';
import { PaymentEventType } from './dto/escrow.dto.js';

export interface EscrowState {
  readonly status: EscrowStatus;
  readonly paymentStatus: PaymentStatus;
}

export type PaymentOutcome = { readonly ok: true; readonly next: EscrowState } | { readonly ok: false; readonly message: string };

const { Initiated, Held, Disputed, Refunded, Released } = EscrowStatus;
const { AwaitingPayment, Processing, Captured, Failed } = PaymentStatus;

/**
 * What a provider's payment event does to an escrow, or why it cannot apply. Capture moves the escrow
 * INITIATED → HELD; a refund moves HELD/DISPUTED → REFUNDED, or confirms the refund an admin ordered.
 */
export function applyPayment(type: PaymentEventType, current: EscrowState): PaymentOutcome {
  const refuse = (): PaymentOutcome => ({
    ok: false,
    message: `${type} does not apply to an escrow that is ${current.status} with payment ${current.paymentStatus}`,
  });
  const { status, paymentStatus } = current;
  switch (type) {
    case PaymentEventType.Processing:
      return status === Initiated && (paymentStatus === AwaitingPayment || paymentStatus === Failed)
        ? { ok: true, next: { status, paymentStatus: Processing } }
        : refuse();
    case PaymentEventType.Captured:
      return status === Initiated && paymentStatus !== Captured && paymentStatus !== PaymentStatus.Refunded
        ? { ok: true, next: { status: Held, paymentStatus: Captured } }
        : refuse();
    case PaymentEventType.Failed:
      return status === Initiated && (paymentStatus === AwaitingPayment || paymentStatus === Processing)
        ? { ok: true, next: { status, paymentStatus: Failed } }
        : refuse();
    case PaymentEventType.Refunded:
      return (status === Held || status === Disputed || status === Refunded) && paymentStatus === Captured
        ? { ok: true, next: { status: Refunded, paymentStatus: PaymentStatus.Refunded } }
        : refuse();
  }
}

/** Where a resolved dispute leaves the escrow. */
export function resolvedStatus(outcome: DisputeOutcome): EscrowStatus {
  return outcome === DisputeOutcome.Release ? Released : Refunded;
}

const outcomeOf = { RELEASE: DisputeOutcome.Release, REFUND: DisputeOutcome.Refund } as const;
export const storedOutcome = { [DisputeOutcome.Release]: 'RELEASE', [DisputeOutcome.Refund]: 'REFUND' } as const;

export function toEscrowSummary(escrow: Escrow): EscrowSummary {
  return {
    escrowId: escrow.id,
    buyerId: escrow.buyerId,
    sellerId: escrow.sellerId,
    amount: formatMoney(escrow.amount),
    currency: escrow.currency,
    description: escrow.description,
    status: escrow.status,
    paymentStatus: escrow.paymentStatus,
    paymentReference: escrow.paymentReference,
    buyerConfirmedAt: escrow.buyerConfirmedAt?.toISOString() ?? null,
    sellerConfirmedAt: escrow.sellerConfirmedAt?.toISOString() ?? null,
    dispute:
      escrow.disputedById && escrow.disputedAt
        ? {
            raisedById: escrow.disputedById,
            reason: escrow.disputeReason ?? '',
            raisedAt: escrow.disputedAt.toISOString(),
            outcome: escrow.disputeOutcome ? outcomeOf[escrow.disputeOutcome] : null,
            resolvedById: escrow.resolvedById,
            resolvedAt: escrow.resolvedAt?.toISOString() ?? null,
            note: escrow.resolutionNote,
          }
        : null,
    createdAt: escrow.createdAt.toISOString(),
    updatedAt: escrow.updatedAt.toISOString(),
  };
}
