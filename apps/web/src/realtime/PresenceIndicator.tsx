'use client';

import { useQuery } from '@tanstack/react-query';
import type { PresenceView } from '@operate/shared';
import { useApi } from '@/lib/hooks';
import { queryKeys } from '@/lib/query-keys';

interface Member {
  readonly id: string;
  readonly name: string;
}

/** Who in my organization is online now (one entry per person, however many tabs); live via presence.changed. */
export function PresenceIndicator({ selfId }: { selfId: string }) {
  const api = useApi();
  const presence = useQuery({ queryKey: queryKeys.presence, queryFn: () => api.get<PresenceView>('/presence') });
  const members = useQuery({ queryKey: queryKeys.users, queryFn: () => api.get<Member[]>('/users'), staleTime: 60_000 });
  if (!presence.data) return null;
  const names = new Map((members.data ?? []).map((member) => [member.id, member.name]));
  const others = presence.data.online.filter((person) => person.userId !== selfId);
  const label = others.map((person) => names.get(person.userId) ?? 'A member').join(', ');
  const summary = others.length === 0 ? 'Only you online' : `${others.length} other${others.length === 1 ? '' : 's'} online`;
  return (
    <span
      className={`presence${others.length > 0 ? ' presence-others' : ''}`}
      data-testid="presence"
      data-online={others.length}
      title={label || 'Nobody else in your organization is online'}
      aria-label={label ? `${summary}: ${label}` : summary}
    >
      <span className="dot" aria-hidden="true" />
      {summary}
    </span>
  );
}
