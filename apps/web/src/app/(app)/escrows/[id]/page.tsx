'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  DisputeOutcome,
  EscrowAction,
  EscrowEvent,
  EscrowStatus,
  type EnvelopeOf,
  type EscrowHistoryEntry,
  type EscrowSummary,
} from '@operate/shared';
import Link from 'next/link';
import { useParams } from 'next/navigation';
import { useState } from 'react';
import { ErrorText, Money, QueryView, Section, StatusBadge, formatTime } from '@/components/ui';
import { useApi, useCacheWrite } from '@/lib/hooks';
import { cacheWrites } from '@operate/shared/cache';
import { queryKeys } from '@/lib/query-keys';
import { useSession } from '@/lib/use-session';
import { useEscrowUpdates, type EscrowEventName } from '@/realtime/hooks';

interface Step {
  readonly key: string;
  readonly label: string;
  readonly done: boolean;
  readonly at?: string | null;
  readonly payment?: string;
}

/** Who did it, as the parties see it. */
function actorOf(entry: EscrowHistoryEntry, escrow: EscrowSummary): string {
  if (entry.actorId === null) return entry.action === EscrowAction.HistoryStarted ? '' : 'the payment provider';
  if (entry.actorId === escrow.buyerId) return 'the buyer';
  if (entry.actorId === escrow.sellerId) return 'the seller';
  return 'the platform arbiter';
}

function labelOf(entry: EscrowHistoryEntry): string {
  switch (entry.action) {
    case EscrowAction.Opened:
      return 'Escrow opened';
    case EscrowAction.Payment:
      if (entry.fromStatus === EscrowStatus.Initiated && entry.toStatus === EscrowStatus.Held) return 'Payment captured, funds held';
      return `Payment ${entry.paymentStatus.toLowerCase().replace('_', ' ')}`;
    case EscrowAction.Confirmed:
      return entry.toStatus === EscrowStatus.Released ? 'Delivery confirmed, funds released to the seller' : 'Delivery confirmed';
    case EscrowAction.Disputed:
      return `Disputed: ${entry.note ?? ''}`;
    case EscrowAction.Resolved:
      return `Dispute resolved: ${entry.toStatus === EscrowStatus.Refunded ? 'refunded to the buyer' : 'released to the seller'}${entry.note ? ` (${entry.note})` : ''}`;
    case EscrowAction.HistoryStarted:
      return `History kept from here (${entry.toStatus.toLowerCase()})`;
  }
}

function stepKeyOf(entry: EscrowHistoryEntry): string {
  if (entry.action === EscrowAction.Payment && entry.toStatus === EscrowStatus.Held && entry.fromStatus === EscrowStatus.Initiated)
    return 'held';
  return `${entry.action}-${entry.entryId}`;
}

/** What happened, from the recorded history (with times, after a reload too), then what is still to come. */
function timeline(escrow: EscrowSummary, history: readonly EscrowHistoryEntry[]): Step[] {
  const steps: Step[] = history.map((entry) => {
    const who = actorOf(entry, escrow);
    return {
      key: stepKeyOf(entry),
      label: `${labelOf(entry)}${who ? ` — ${who}` : ''}`,
      done: true,
      at: entry.at,
      payment: entry.paymentStatus,
    };
  });
  const next: Partial<Record<EscrowStatus, string>> = {
    [EscrowStatus.Initiated]: 'Payment captured, funds held',
    [EscrowStatus.Held]: 'Both parties confirm delivery',
    [EscrowStatus.Disputed]: 'The platform arbiter decides',
  };
  const upcoming = next[escrow.status];
  if (upcoming) steps.push({ key: escrow.status === EscrowStatus.Initiated ? 'held' : 'next', label: upcoming, done: false });
  return steps;
}

/** Why the Actions card has no button for this person now, or null when it has one. */
function nothingToDo(escrow: EscrowSummary, party: 'buyer' | 'seller' | null, confirmed: string | null, arbiter: boolean): string | null {
  if (escrow.status === EscrowStatus.Released) return 'Settled: the funds were released to the seller. Nothing is left to do.';
  if (escrow.status === EscrowStatus.Refunded) return 'Settled: the funds were refunded to the buyer. Nothing is left to do.';
  if (escrow.status === EscrowStatus.Initiated) return "Waiting for the buyer's payment to be captured.";
  if (escrow.status === EscrowStatus.Disputed)
    return arbiter ? null : 'The platform arbiter, who belongs to neither side, decides this dispute.';
  if (!party) return 'You follow this escrow as an admin of a party: only the buyer and the seller act on it.';
  return confirmed ? `You confirmed delivery; waiting for the ${party === 'buyer' ? 'seller' : 'buyer'}.` : null;
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
  // escrow.updated patches the escrow and fetches its history again (the event does not carry the new entry).
  const history = useQuery({
    queryKey: queryKeys.escrowHistory(id),
    queryFn: () => api.get<EscrowHistoryEntry[]>(`/escrows/${id}/history`),
  });
  const refetch = () => void queryClient.invalidateQueries({ queryKey: queryKeys.escrow(id) });
  const write = useCacheWrite();

  useEscrowUpdates(id, (envelope) => setLive((previous) => [envelope, ...previous].slice(0, 30)), refetch);

  const act = useMutation({
    mutationFn: (action: { path: string; body?: unknown }) => api.post<EscrowSummary>(`/escrows/${id}/${action.path}`, action.body),
    // The escrow.updated echo then fetches the history once and changes nothing else.
    onSuccess: (summary) => write((cache) => cacheWrites.escrow(cache, summary)),
    onError: refetch,
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
          const why = nothingToDo(data, party, confirmed, session?.user.platformRole === 'ARBITER');
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
                  {timeline(data, history.data ?? []).map((step) => (
                    <li key={step.key} className={step.done ? 'done' : 'pending'} data-step={step.key} data-done={step.done}>
                      <span className="marker" aria-hidden="true" />
                      <span>{step.label}</span>
                      {step.payment ? <StatusBadge status={step.payment} /> : null}
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
                  {why ? (
                    <p className="muted" data-testid="nothing-to-do">
                      {why}
                    </p>
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
