'use client';

import { QueryClient, QueryClientProvider, replaceEqualDeep } from '@tanstack/react-query';
import { sharePatchedViews } from '@operate/shared/cache';
import { ClientErrorCode, RealtimeClient, storageCursorStore } from '@operate/shared/client';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient } from '@/lib/api';
import { sameSiteLocation } from '@/lib/config';
import { ApiContext } from '@/lib/hooks';
import { useSession } from '@/lib/use-session';
import { RealtimeProvider } from '@/realtime/RealtimeProvider';
import { Toaster } from '@/realtime/Toaster';

export function Providers({ apiUrl, children }: { apiUrl: string; children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          // Views the event rules patched keep their unchanged parts already: not compared deeply again.
          queries: { staleTime: 60_000, retry: 1, refetchOnWindowFocus: false, structuralSharing: sharePatchedViews(replaceEqualDeep) },
        },
      }),
  );
  const [api] = useState(() => new ApiClient(apiUrl));
  const session = useSession();
  const userId = session?.user.id;

  // One realtime client per signed-in user and tab; the cursor is kept per tab (sessionStorage).
  const client = useMemo(
    () =>
      userId
        ? new RealtimeClient({
            url: apiUrl,
            getToken: (options) => api.token(options),
            cursorStore: storageCursorStore(window.sessionStorage, `operate.cursor.${userId}`),
          })
        : null,
    [api, apiUrl, userId],
  );

  // A page load (or a new tab) signs in through the refresh cookie, if there is a live session.
  useEffect(() => {
    const elsewhere = sameSiteLocation(apiUrl, window.location);
    if (elsewhere) window.location.replace(elsewhere);
    else void api.restore();
  }, [api, apiUrl]);

  // The server ended the session (signed out elsewhere, ended from another device, deactivated).
  useEffect(() => {
    if (!client) return;
    return client.onProblem((problem) => {
      if (problem.code === ClientErrorCode.AuthFailed) api.endLocally();
    });
  }, [api, client]);

  // Nothing of one user's data outlives their session in this tab.
  useEffect(() => {
    if (!userId) queryClient.clear();
  }, [queryClient, userId]);

  return (
    <ApiContext.Provider value={api}>
      <QueryClientProvider client={queryClient}>
        <RealtimeProvider client={client}>
          {children}
          <Toaster selfId={userId} />
        </RealtimeProvider>
      </QueryClientProvider>
    </ApiContext.Provider>
  );
}
