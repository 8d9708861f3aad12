'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { DisputeOutcome, EscrowEvent, EscrowStatus, type EnvelopeOf, type EscrowSummary } from '@operate/shared';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import { ErrorText, Money, QueryView, Section, StatusBadge, formatTime } from '@/components/ui';
import { useApi } from '@/lib/hooks';
import { queryKeys } from '@/lib/query-keys';
import { useSession } from '@/lib/use-session';
import { useEscrowUpdates, type EscrowEventName } from '@/realtime/hooks';

interface Step {
  readonly key: string;
  readonly label: string;
  readonly done: boolean;
  readonly at?: string | null;
}

/** The escrow's life as steps: what happened (with times where known) and what is still to come. */
function timeline(escrow: EscrowSummary): Step[] {
  const settled = escrow.status === EscrowStatus.Released || escrow.status === EscrowStatus.Refunded;
  const held = escrow.status !== EscrowStatus.Initiated;
  const steps: Step[] = [
    { key: 'created', label: 'Escrow opened', done: true, at: escrow.createdAt },
    { key: 'held', label: 'Payment captured, funds held', done: held },
    { key: 'buyer', label: 'Buyer confirmed delivery', done: escrow.buyerConfirmedAt !== null, at: escrow.buyerConfirmedAt },
    { key: 'seller', label: 'Seller confirmed delivery', done: escrow.sellerConfirmedAt !== null, at: escrow.sellerConfirmedAt },
  ];
  if (escrow.dispute) {
    steps.push({ key: 'dispute', label: `Disputed: ${escrow.dispute.reason}`, done: true, at: escrow.dispute.raisedAt });
    if (escrow.dispute.resolvedAt)
      steps.push({ key: 'resolved', label: `Resolved: ${escrow.dispute.outcome ?? ''}`, done: true, at: escrow.dispute.resolvedAt });
  }
  steps.push({
    key: 'settled',
    label: escrow.status === EscrowStatus.Refunded ? 'Refunded to the buyer' : 'Released to the seller',
    done: settled,
    at: settled ? escrow.updatedAt : null,
  });
  return steps;
}

function describe(envelope: EnvelopeOf<EscrowEventName>): string {
  switch (envelope.type) {
    case EscrowEvent.Created:
      return 'Escrow opened';
    case EscrowEvent.Updated:
      return `Updated: ${envelope.payload.status}`;
    case EscrowEvent.PaymentStatus:
      return `Payment ${envelope.payload.paymentStatus.toLowerCase()}`;
    case EscrowEvent.StatusChanged: {
      const { from, to } = envelope.payload;
      return `${from} → ${to}`;
    }
    case EscrowEvent.ConfirmationAdded:
      return `The ${envelope.payload.party} confirmed`;
    case EscrowEvent.DisputeRaised:
      return 'Dispute raised';
    case EscrowEvent.DisputeResolved:
      return `Dispute resolved: ${envelope.payload.outcome}`;
  }
}

export default function EscrowDetailPage() {
  const { id } = useParams<{ id: string }>();
  const api = useApi();
  const session = useSession();
  const queryClient = useQueryClient();
  const [live, setLive] = useState<EnvelopeOf<EscrowEventName>[]>([]);
  const [reason, setReason] = useState('');
  const escrow = useQuery({ queryKey: queryKeys.escrow(id), queryFn: () => api.get<EscrowSummary>(`/escrows/${id}`) });
  const refetch = () => void queryClient.invalidateQueries({ queryKey: queryKeys.escrow(id) });

  useEscrowUpdates(id, (envelope) => setLive((previous) => [envelope, ...previous].slice(0, 30)), refetch);

  const act = useMutation({
    mutationFn: (action: { path: string; body?: unknown }) => api.post<EscrowSummary>(`/escrows/${id}/${action.path}`, action.body),
    onSuccess: (summary) => queryClient.setQueryData(queryKeys.escrow(id), summary),
    onSettled: refetch,
  });

  return (
    <div className="page">
      <p>
        <Link href="/escrows">← Escrows</Link>
      </p>
      <QueryView query={escrow} empty="" isEmpty={() => false}>
        {(data) => {
          const self = session?.user.id;
          const party = data.buyerId === self ? 'buyer' : data.sellerId === self ? 'seller' : null;
          const confirmed = party === 'buyer' ? data.buyerConfirmedAt : party === 'seller' ? data.sellerConfirmedAt : null;
          return (
            <>
              <h1>
                {data.description} <StatusBadge status={data.status} />
              </h1>
              <Section title="Details">
                <dl className="details">
                  <dt>Amount</dt>
                  <dd>
                    <Money amount={data.amount} currency={data.currency} />
                  </dd>
                  <dt>Payment</dt>
                  <dd data-testid="payment-status">
                    <StatusBadge status={data.paymentStatus} />
                  </dd>
                  <dt>Payment reference</dt>
                  <dd>
                    <code>{data.paymentReference}</code>
                  </dd>
                  <dt>You are</dt>
                  <dd>{party ?? 'an admin of a party'}</dd>
                </dl>
              </Section>
              <Section title="Timeline">
                <ol className="timeline" data-testid="escrow-timeline">
                  {timeline(data).map((step) => (
                    <li key={step.key} className={step.done ? 'done' : 'pending'} data-step={step.key} data-done={step.done}>
                      <span className="marker" aria-hidden="true" />
                      <span>{step.label}</span>
                      {step.at ? <time className="muted small">{formatTime(step.at)}</time> : null}
                    </li>
                  ))}
                </ol>
                {live.length > 0 ? (
                  <>
                    <h3>Live</h3>
                    <ul className="feed" data-testid="escrow-live">
                      {live.map((envelope) => (
                        <li key={envelope.id}>
                          <time className="muted small">{formatTime(envelope.occurredAt)}</time> {describe(envelope)}
                        </li>
                      ))}
                    </ul>
                  </>
                ) : null}
              </Section>
              <Section title="Actions">
                <div className="actions-row">
                  {party && data.status === EscrowStatus.Held && !confirmed ? (
                    <button type="button" disabled={act.isPending} onClick={() => act.mutate({ path: 'confirm' })}>
                      Confirm delivery
                    </button>
                  ) : null}
                  {party && data.status === EscrowStatus.Held ? (
                    <form
                      className="inline-form"
                      onSubmit={(event) => {
                        event.preventDefault();
                        act.mutate({ path: 'dispute', body: { reason } });
                      }}
                    >
                      <input
                        aria-label="Dispute reason"
                        placeholder="What went wrong?"
                        required
                        value={reason}
                        onChange={(e) => setReason(e.target.value)}
                      />
                      <button type="submit" className="danger" disabled={act.isPending}>
                        Dispute
                      </button>
                    </form>
                  ) : null}
                  {data.status === EscrowStatus.Disputed && session?.user.platformRole !== 'ARBITER' ? (
                    <p className="muted" data-testid="arbiter-note">
                      The platform arbiter, who belongs to neither side, decides this dispute.
                    </p>
                  ) : null}
                  {data.dispute?.resolvedAt ? (
                    <p className="muted" data-testid="arbiter-note">
                      Decided by the platform arbiter:{' '}
                      {data.dispute.outcome === DisputeOutcome.Refund ? 'refunded to the buyer' : 'released to the seller'}.
                    </p>
                  ) : null}
                  {session?.user.platformRole === 'ARBITER' && data.status === EscrowStatus.Disputed ? (
                    <>
                      <button
                        type="button"
                        disabled={act.isPending}
                        onClick={() => act.mutate({ path: 'resolve', body: { outcome: DisputeOutcome.Release } })}
                      >
                        Release to seller
                      </button>
                      <button
                        type="button"
                        disabled={act.isPending}
                        onClick={() => act.mutate({ path: 'resolve', body: { outcome: DisputeOutcome.Refund } })}
                      >
                        Refund buyer
                      </button>
                    </>
                  ) : null}
                  {data.status === EscrowStatus.Initiated ? (
                    <p className="muted">Waiting for the buyer&apos;s payment to be captured.</p>
                  ) : null}
                </div>
                <ErrorText error={act.error} />
              </Section>
            </>
          );
        }}
      </QueryView>
    </div>
  );
}
