'use client';

import type { RealtimeStatus } from '@operate/shared/client';
import { useRealtimeStatus } from './RealtimeProvider';

const labels: Record<RealtimeStatus, string> = {
  connecting: 'Connecting',
  live: 'Live',
  'catching-up': 'Catching up',
  offline: 'Offline',
};

/** Says what the connection is really doing: Live only when caught up and the heartbeat is answered. */
export function LiveIndicator() {
  const status = useRealtimeStatus();
  return (
    <span className={`live-indicator status-${status}`} data-testid="live-indicator" data-status={status} role="status">
      <span className="dot" aria-hidden="true" />
      {labels[status]}
    </span>
  );
}
