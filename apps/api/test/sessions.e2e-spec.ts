import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ErrorCode, ProtocolEvent } from '@operate/shared';
import type request from 'supertest';
import { SessionService } from '../src/auth/session.service.js';
import { startApp, type RunningApp, type SignedIn } from './support/app.js';
import { seedUser, TEST_PASSWORD, type TestUser } from './support/fixtures.js';
import { RecordingClient } from './support/socket-client.js';

interface SessionRow {
  readonly id: string;
  readonly userAgent: string | null;
  readonly current: boolean;
  readonly createdAt: string;
  readonly lastUsedAt: string;
}

const DASHBOARD = 'http://127.0.0.1:3001';

/** The refresh cookie's Set-Cookie line, if the response set one. */
function refreshCookie(response: request.Response): string | undefined {
  const header = response.headers['set-cookie'] as unknown as string[] | undefined;
  return header?.find((line) => line.startsWith('operate_refresh='));
}

/** The `name=value` part, as a browser sends it back. */
const cookiePair = (setCookie: string | undefined) => setCookie?.split(';')[0] ?? '';

describe('sessions (e2e): rotation with reuse detection, logout, logout-all, the sessions list', () => {
  let ctx: RunningApp;
  let person: TestUser;

  beforeAll(async () => {
    // A short sweep, so the test of a revocation made straight in the database runs quickly.
    ctx = await startApp({ SESSION_REVOCATION_SWEEP_MS: '200' });
    person = await seedUser(ctx.prisma, { name: 'traveller', organizationId: ctx.tenants.orgA });
  });

  afterAll(async () => {
    await ctx.close();
  });

  const refresh = (refreshToken: string) => ctx.http().post('/auth/refresh').send({ refreshToken });
  const me = (accessToken: string) => ctx.as(accessToken).get('/auth/me');

  async function connected(signedIn: SignedIn): Promise<RecordingClient> {
    return ctx.connect(person, { token: signedIn.accessToken });
  }

  async function cut(client: RecordingClient): Promise<void> {
    await client.waitFor(ProtocolEvent.Error, (e) => e.payload.code === ErrorCode.SessionRevoked, 1_000);
    expect(await client.disconnected(1_000)).toBe('io server disconnect');
  }

  it('rotates the refresh token on every use; presenting a rotated one ends the whole session', async () => {
    const first = await ctx.signIn(person);
    const socket = await connected(first);
    const second = (await refresh(first.refreshToken).expect(200)).body as SignedIn;
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const third = (await refresh(second.refreshToken).expect(200)).body as SignedIn;
    await me(third.accessToken).expect(200);

    // The first token again: somebody holds a copy. The session ends for everyone holding any of its tokens.
    const reused = await refresh(first.refreshToken).expect(401);
    expect(reused.body).toMatchObject({ code: 'refresh_token_reused' });
    await cut(socket);
    for (const token of [first.accessToken, second.accessToken, third.accessToken])
      expect((await me(token).expect(401)).body).toMatchObject({ code: 'session_revoked' });
    expect((await refresh(third.refreshToken).expect(401)).body).toMatchObject({ code: 'session_revoked' });
    expect((await RecordingClient.refusal(ctx.url, { token: third.accessToken })).message).toBe('session_revoked');
    const row = await ctx.prisma.session.findUniqueOrThrow({ where: { id: first.sessionId } });
    expect(row).toMatchObject({ revokedReason: 'refresh_reused', refreshGeneration: 2 });
  });

  it('lets exactly one of two refreshes with the same token through, and takes the other for a theft', async () => {
    const signedIn = await ctx.signIn(person);
    const answers = await Promise.all([refresh(signedIn.refreshToken), refresh(signedIn.refreshToken)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
    expect(answers.find((answer) => answer.status === 401)?.body).toMatchObject({ code: 'refresh_token_reused' });
    await me(signedIn.accessToken).expect(401);
  });

  it('keeps the refresh token in an httpOnly, SameSite=Strict cookie for the auth routes when asked', async () => {
    const login = await ctx
      .http()
      .post('/auth/login')
      .set('origin', DASHBOARD)
      .send({ email: person.email, password: TEST_PASSWORD, refreshTokenIn: 'cookie' })
      .expect(200);
    expect(login.body).not.toHaveProperty('refreshToken');
    expect(login.headers['access-control-allow-credentials']).toBe('true');
    const first = refreshCookie(login);
    expect(first).toMatch(/; Path=\/auth/);
    expect(first).toMatch(/; HttpOnly/);
    expect(first).toMatch(/; SameSite=Strict/);
    expect(first).not.toMatch(/; Secure/); // plain http on loopback

    // The cookie alone refreshes, and is replaced by the next one.
    const rotated = await ctx.http().post('/auth/refresh').set('origin', DASHBOARD).set('cookie', cookiePair(first)).send({}).expect(200);
    expect(rotated.body).not.toHaveProperty('refreshToken');
    await me((rotated.body as SignedIn).accessToken).expect(200);
    const second = refreshCookie(rotated);
    expect(cookiePair(second)).not.toBe(cookiePair(first));

    // Another site's page may not use it (the browser would also withhold a SameSite=Strict cookie from it).
    const foreign = await ctx.http().post('/auth/refresh').set('origin', 'https://evil.example').set('cookie', cookiePair(second)).send({});
    expect(foreign.status).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();

    // The old cookie replayed: the session ends, and the cookie is cleared.
    const replayed = await ctx.http().post('/auth/refresh').set('cookie', cookiePair(first)).send({}).expect(401);
    expect(replayed.body).toMatchObject({ code: 'refresh_token_reused' });
    expect(refreshCookie(replayed)).toMatch(/^operate_refresh=;.*Expires=Thu, 01 Jan 1970/);
    expect((await ctx.http().post('/auth/refresh').send({}).expect(401)).body).toMatchObject({ code: 'unauthorized' });
  });

  it('logout ends this session only: its tokens are refused and its sockets are cut within a second', async () => {
    const leaving = await ctx.signIn(person);
    const staying = await ctx.signIn(person);
    const [leavingSocket, stayingSocket] = [await connected(leaving), await connected(staying)];

    const started = Date.now();
    const loggedOut = await ctx.as(leaving.accessToken).post('/auth/logout').expect(204);
    expect(refreshCookie(loggedOut)).toMatch(/^operate_refresh=;/);
    await cut(leavingSocket);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await me(leaving.accessToken).expect(401)).body).toMatchObject({ code: 'session_revoked' });
    expect((await refresh(leaving.refreshToken).expect(401)).body).toMatchObject({ code: 'session_revoked' });

    await me(staying.accessToken).expect(200);
    expect(stayingSocket.socket.connected).toBe(true);
    await expect(stayingSocket.command('ping', null)).resolves.toMatchObject({ ok: true });
    // An in-band token refresh with a token of the ended session is refused too.
    await expect(stayingSocket.command('auth.refresh', { token: leaving.accessToken })).resolves.toMatchObject({
      ok: false,
      error: { code: 'session_revoked' },
    });
  });

  it('logout-all ends every session of the caller and no one else’s', async () => {
    const one = await ctx.signIn(person);
    const two = await ctx.signIn(person);
    const sockets = [await connected(one), await connected(two)];
    const bystander = await ctx.connect(ctx.tenants.a1);

    await ctx.as(one.accessToken).post('/auth/logout-all').expect(204);
    await Promise.all(sockets.map(cut));
    for (const signedIn of [one, two]) {
      await me(signedIn.accessToken).expect(401);
      await refresh(signedIn.refreshToken).expect(401);
    }
    expect(bystander.socket.connected).toBe(true);
    const live = await ctx.prisma.session.count({ where: { userId: person.id, revokedAt: null } });
    expect(live).toBe(0);
  });

  it('lists my sessions with device and times, and ends another device’s from here', async () => {
    const laptop = await ctx.signIn(person, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36' });
    const phone = await ctx.signIn(person, { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Safari/604.1' });
    const phoneSocket = await connected(phone);

    const listed = (await ctx.as(laptop.accessToken).get('/auth/sessions').expect(200)).body as SessionRow[];
    expect(listed.map((row) => row.id).sort()).toEqual([laptop.sessionId, phone.sessionId].sort());
    expect(listed.find((row) => row.id === laptop.sessionId)).toMatchObject({ current: true, userAgent: expect.stringMatching(/Linux/) });
    expect(listed.find((row) => row.id === phone.sessionId)).toMatchObject({ current: false, userAgent: expect.stringMatching(/iPhone/) });
    expect(Date.parse(listed[0]?.lastUsedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(listed[1]?.lastUsedAt ?? ''));

    await ctx.as(laptop.accessToken).delete(`/auth/sessions/${phone.sessionId}`).expect(204);
    await cut(phoneSocket);
    await me(phone.accessToken).expect(401);
    const after = (await ctx.as(laptop.accessToken).get('/auth/sessions').expect(200)).body as SessionRow[];
    expect(after.map((row) => row.id)).toEqual([laptop.sessionId]);

    // Ended already, someone else's, or not an id at all.
    await ctx.as(laptop.accessToken).delete(`/auth/sessions/${phone.sessionId}`).expect(404);
    const someoneElse = await ctx.signIn(ctx.tenants.a2);
    await ctx.as(laptop.accessToken).delete(`/auth/sessions/${someoneElse.sessionId}`).expect(404);
    await me(someoneElse.accessToken).expect(200);
    expect((await ctx.as(laptop.accessToken).delete('/auth/sessions/nope').expect(400)).body).toMatchObject({ code: 'validation_failed' });
  });

  it('forgets sessions that ended or expired more than 30 days ago, and keeps the rest', async () => {
    const day = 24 * 60 * 60 * 1000;
    const at = (daysAgo: number) => new Date(Date.now() - daysAgo * day);
    const rows = await Promise.all(
      [
        { revokedAt: at(31), expiresAt: at(20) },
        { revokedAt: null, expiresAt: at(31) },
        { revokedAt: at(29), expiresAt: at(-1) },
        { revokedAt: null, expiresAt: at(29) },
      ].map((times) => ctx.prisma.session.create({ data: { userId: person.id, ...times }, select: { id: true } })),
    );
    expect(await ctx.app.get(SessionService).prune()).toBe(2);
    const left = await ctx.prisma.session.findMany({ where: { id: { in: rows.map((row) => row.id) } }, select: { id: true } });
    expect(left.map((row) => row.id).sort()).toEqual([rows[2]?.id, rows[3]?.id].sort());
  });

  it('cuts the sockets of a session revoked straight in the database (a lost cross-node message) by its sweep', async () => {
    const signedIn = await ctx.signIn(person);
    const socket = await connected(signedIn);
    await ctx.prisma.session.update({ where: { id: signedIn.sessionId }, data: { revokedAt: new Date(), revokedReason: 'ended' } });
    await cut(socket);
  });
});
