import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ErrorCode, type EventEnvelope } from '@operate/shared';
import type { AuthService } from '../../auth/auth.service.js';
import type { TokenService } from '../../auth/token.service.js';
import { SocketCommandRegistry } from './socket-commands.js';
import type { OperateSocket } from './socket-types.js';
import { TokenExpiry } from './token-expiry.js';

function socket(id: string, expiresAt: number) {
  const events: string[] = [];
  const fake = {
    id,
    data: { user: { userId: 'u1', organizationId: 'o1', sessionId: 's1', role: 'MEMBER', expiresAt } },
    emit: (_event: string, envelope: EventEnvelope) => events.push((envelope.payload as { code: string }).code) > 0,
    disconnect: () => events.push('disconnected') > 0,
  } as unknown as OperateSocket;
  return { fake, events };
}

describe(TokenExpiry.name, () => {
  const now = Date.UTC(2026, 11, 6, 12, 0, 0);
  beforeEach(() => {
    jest.useFakeTimers({ now });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('cuts each socket when its token expires; sockets due in the same second share one timer', () => {
    const expiry = new TokenExpiry({} as TokenService, {} as AuthService, new SocketCommandRegistry());
    const second = now / 1000 + 60;
    const a = socket('a', second);
    const b = socket('b', second);
    const later = socket('c', second + 1);
    for (const each of [a, b, later]) expiry.schedule(each.fake);
    expect(jest.getTimerCount()).toBe(2);
    jest.advanceTimersByTime(59_999);
    expect(a.events).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(a.events).toEqual([ErrorCode.TokenExpired, 'disconnected']);
    expect(b.events).toEqual([ErrorCode.TokenExpired, 'disconnected']);
    expect(later.events).toEqual([]);
    jest.advanceTimersByTime(1_000);
    expect(later.events).toEqual([ErrorCode.TokenExpired, 'disconnected']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('forgets a socket that disconnected, and moves one whose token was refreshed; the last one out clears the timer', () => {
    const expiry = new TokenExpiry({} as TokenService, {} as AuthService, new SocketCommandRegistry());
    const second = now / 1000 + 60;
    const gone = socket('gone', second);
    const refreshed = socket('refreshed', second);
    expiry.schedule(gone.fake);
    expiry.schedule(refreshed.fake);
    expiry.forget(gone.fake);
    refreshed.fake.data.user = { ...refreshed.fake.data.user, expiresAt: second + 900 };
    expiry.schedule(refreshed.fake);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(60_000);
    expect([gone.events, refreshed.events]).toEqual([[], []]);
    expiry.forget(refreshed.fake);
    expect(jest.getTimerCount()).toBe(0);
  });
});
