'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { NotificationPage } from '@operate/shared';
import { useEffect, useRef, useState } from 'react';
import { useApi } from '@/lib/hooks';
import { queryKeys } from '@/lib/query-keys';

export interface NotificationCenterProps {
  /** Which side of the bell the panel opens to. */
  readonly position?: 'left' | 'right';
  /** Notifications listed in the panel (unread first). */
  readonly maxVisible?: number;
  /** Close the open panel after this many milliseconds without interaction; 0 keeps it open. */
  readonly autoHideMs?: number;
}

/** The bell: unread count (live through `notification.created`/`read`), the list, mark read / all read. */
export function NotificationCenter({ position = 'right', maxVisible = 8, autoHideMs = 0 }: NotificationCenterProps) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const notifications = useQuery({
    queryKey: queryKeys.notificationList(maxVisible),
    queryFn: () => api.get<NotificationPage>(`/notifications?page=1&pageSize=${maxVisible}`),
  });
  // A read mark arrives as notification.read (to every tab of this person, this one included), which patches the list.
  const refused = () => queryClient.invalidateQueries({ queryKey: queryKeys.notifications });
  const markRead = useMutation({ mutationFn: (id: string) => api.post(`/notifications/${id}/read`), onError: refused });
  const markAll = useMutation({ mutationFn: () => api.post('/notifications/read-all'), onError: refused });

  useEffect(() => {
    if (!open || autoHideMs <= 0) return;
    const timer = setTimeout(() => setOpen(false), autoHideMs);
    return () => clearTimeout(timer);
  }, [open, autoHideMs, notifications.dataUpdatedAt]);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && setOpen(false);
    const onClick = (event: MouseEvent) => {
      if (panel.current && !panel.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const unread = notifications.data?.unread ?? 0;
  return (
    <div className="notification-center" ref={panel}>
      <button
        type="button"
        className="bell"
        aria-label={`Notifications, ${unread} unread`}
        aria-expanded={open}
        data-testid="notification-bell"
        onClick={() => setOpen((value) => !value)}
      >
        <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2">
          <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
          <path d="M13.7 21a2 2 0 0 1-3.4 0" />
        </svg>
        {unread > 0 ? (
          <span className="badge" data-testid="unread-count">
            {unread > 99 ? '99+' : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <div className={`notification-panel panel-${position}`} role="dialog" aria-label="Notifications">
          <div className="panel-header">
            <strong>Notifications</strong>
            <button type="button" className="link-button" disabled={unread === 0 || markAll.isPending} onClick={() => markAll.mutate()}>
              Mark all read
            </button>
          </div>
          {notifications.isPending ? <p className="muted">Loading…</p> : null}
          {notifications.isError ? <p className="error-text">Could not load notifications.</p> : null}
          {notifications.data?.items.length === 0 ? <p className="muted">Nothing yet.</p> : null}
          <ul className="notification-list">
            {notifications.data?.items.slice(0, maxVisible).map((item) => (
              <li
                key={item.notificationId}
                className={`notification priority-${item.priority} type-${item.type} ${item.readAt ? 'read' : 'unread'}`}
              >
                <div>
                  <strong>{item.title}</strong>
                  <p>{item.message}</p>
                  <time dateTime={item.createdAt}>{new Date(item.createdAt).toLocaleString()}</time>
                </div>
                {item.readAt ? null : (
                  <button type="button" className="link-button" onClick={() => markRead.mutate(item.notificationId)}>
                    Mark read
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
