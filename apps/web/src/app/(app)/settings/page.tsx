'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ErrorText, formatTime, QueryView, Section } from '@/components/ui';
import { describeDevice } from '@/lib/devices';
import { useApi } from '@/lib/hooks';
import { queryKeys } from '@/lib/query-keys';

/** One row of GET /auth/sessions. */
interface SessionRow {
  readonly id: string;
  readonly userAgent: string | null;
  readonly ipAddress: string | null;
  readonly createdAt: string;
  readonly lastUsedAt: string;
  readonly current: boolean;
}

/** Where I am signed in: see every device, end any of them (its live connection is cut at once). */
export default function SettingsPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: queryKeys.sessions, queryFn: () => api.get<SessionRow[]>('/auth/sessions') });
  const end = useMutation({
    mutationFn: (sessionId: string) => api.delete(`/auth/sessions/${sessionId}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.sessions }),
  });
  const everywhere = useMutation({ mutationFn: () => api.logoutEverywhere() });

  return (
    <div className="page">
      <h1>Sessions</h1>
      <Section
        title="Signed-in devices"
        actions={
          <button type="button" className="secondary" disabled={everywhere.isPending} onClick={() => everywhere.mutate()}>
            Sign out everywhere
          </button>
        }
      >
        <p className="muted small">Ending a session signs that device out at once, its live connection included.</p>
        <ErrorText error={end.error ?? everywhere.error} />
        <QueryView query={sessions} empty="No other sessions." isEmpty={(rows) => rows.length === 0}>
          {(rows) => (
            <table className="table" data-testid="session-table">
              <thead>
                <tr>
                  <th>Device</th>
                  <th>Signed in</th>
                  <th>Last active</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.id} data-session-id={row.id}>
                    <td title={row.userAgent ?? undefined}>
                      <span>
                        {describeDevice(row.userAgent)}
                        {row.ipAddress ? <span className="muted small"> · {row.ipAddress}</span> : null}
                      </span>
                    </td>
                    <td data-label="Signed in">{formatTime(row.createdAt)}</td>
                    <td data-label="Last active">{formatTime(row.lastUsedAt)}</td>
                    <td>
                      {row.current ? (
                        <span className="badge-status">This device</span>
                      ) : (
                        <button type="button" className="link-button" disabled={end.isPending} onClick={() => end.mutate(row.id)}>
                          End session
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
      </Section>
    </div>
  );
}
