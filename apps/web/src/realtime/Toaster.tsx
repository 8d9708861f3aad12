'use client';

import { useEffect, useState, useSyncExternalStore } from 'react';
import { useRealtimeClient } from './RealtimeProvider';
import { toastFor, ToastStore, type Toast } from './toasts';

export type CornerPosition = 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left';

export interface ToasterProps {
  /** The signed-in user's id ("You" in messages about their own actions). */
  readonly selfId?: string;
  readonly position?: CornerPosition;
  /** At most this many toasts show at once; older ones wait their turn. */
  readonly maxVisible?: number;
  /** Milliseconds before a toast hides by itself; high-priority toasts stay until dismissed when 0. */
  readonly autoHideMs?: number;
  /** How long high-priority toasts stay; defaults to twice `autoHideMs`. */
  readonly highPriorityHideMs?: number;
}

/** Toasts for important events (catalog-driven rules in `toasts.ts`). */
export function Toaster({ selfId, position = 'bottom-right', maxVisible = 3, autoHideMs = 6_000, highPriorityHideMs }: ToasterProps) {
  const client = useRealtimeClient();
  const [store] = useState(() => new ToastStore());
  const toasts = useSyncExternalStore(store.subscribe, store.snapshot, store.snapshot);

  useEffect(() => {
    if (!client) return;
    return client.onEvent((envelope) => {
      const toast = toastFor(envelope, selfId);
      if (toast) store.push(toast);
    });
  }, [client, selfId, store]);

  const visible = toasts.slice(0, maxVisible);
  return (
    <div className={`toaster toaster-${position}`} role="region" aria-label="Notifications" aria-live="polite">
      {visible.map((toast) => (
        <ToastCard
          key={toast.id}
          toast={toast}
          hideAfterMs={toast.priority === 'high' ? (highPriorityHideMs ?? autoHideMs * 2) : autoHideMs}
          store={store}
        />
      ))}
      {toasts.length > maxVisible ? <div className="toast-more">+{toasts.length - maxVisible} more</div> : null}
    </div>
  );
}

function ToastCard({ toast, hideAfterMs, store }: { toast: Toast; hideAfterMs: number; store: ToastStore }) {
  const onDismiss = () => store.dismiss(toast.id);
  useEffect(() => {
    if (hideAfterMs <= 0) return;
    const timer = setTimeout(() => store.dismiss(toast.id), hideAfterMs);
    return () => clearTimeout(timer);
  }, [hideAfterMs, store, toast.id]);
  return (
    <div className={`toast priority-${toast.priority}`} role="status" data-testid="toast">
      <div className="toast-body">
        <strong>{toast.title}</strong>
        <span>{toast.message}</span>
      </div>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
