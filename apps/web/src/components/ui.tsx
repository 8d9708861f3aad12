'use client';

import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError } from '@/lib/api';

/** Loading, error and empty states for a query, then its data. */
export function QueryView<T>({
  query,
  empty,
  isEmpty,
  children,
}: {
  query: UseQueryResult<T>;
  empty: string;
  isEmpty: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending)
    return (
      <p className="muted" role="status">
        Loading…
      </p>
    );
  if (query.isError)
    return (
      <div className="error-box" role="alert">
        <p>{errorMessage(query.error)}</p>
        <button type="button" onClick={() => void query.refetch()}>
          Try again
        </button>
      </div>
    );
  if (isEmpty(query.data)) return <p className="empty">{empty}</p>;
  return <>{children(query.data)}</>;
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.status === 0 ? 'The API cannot be reached. Retrying when you act again.' : error.message;
  return error instanceof Error ? error.message : 'Something went wrong';
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error-text" role="alert">
      {errorMessage(error)}
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge-status status-${status.toLowerCase()}`}>{status.replace(/_/g, ' ').toLowerCase()}</span>;
}

/** An order's status as people read it: PENDING is waiting for the payment provider to confirm the payment. */
export function OrderStatusBadge({ status }: { status: string }) {
  if (status !== 'PENDING') return <StatusBadge status={status} />;
  return (
    <span className="badge-status status-pending" data-testid="awaiting-payment">
      awaiting payment
    </span>
  );
}

export function Money({ amount, currency }: { amount: string; currency: string }) {
  return (
    <span className="money">
      {amount} {currency}
    </span>
  );
}

export function Section({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="card">
      <div className="section-header">
        <h2>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString();
}
