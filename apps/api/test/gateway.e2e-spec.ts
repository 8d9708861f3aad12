import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { ErrorCode, MAX_CLIENT_MESSAGE_BYTES, ProtocolEvent, type Ack, type CommandResponse } from '@operate/shared';
import { startApp, type RunningApp } from './support/app.js';
import { TEST_ACCESS_SECRET } from './support/config.js';
import { RecordingClient } from './support/socket-client.js';

describe('socket gateway (e2e)', () => {
  let ctx: RunningApp;

  beforeAll(async () => {
    ctx = await startApp();
  });

  afterAll(async () => {
    await ctx.close();
  });

  function sign(
    claims: Record<string, unknown>,
    options: { secret?: string; expiresIn?: number; issuer?: string; audience?: string } = {},
  ) {
    return jwt.sign(claims, options.secret ?? TEST_ACCESS_SECRET, {
      expiresIn: options.expiresIn ?? 60,
      issuer: options.issuer ?? ctx.config.jwt.issuer,
      audience: options.audience ?? ctx.config.jwt.audience,
    });
  }

  const claimsOf = (user = ctx.tenants.a1) => ({ sub: user.id, org: user.organizationId, role: user.role, typ: 'access' });

  it('joins the caller rooms and sends connected { userId, organizationId }', async () => {
    const client = await ctx.connect(ctx.tenants.a2);
    const connected = client.ofType(ProtocolEvent.Connected)[0];
    expect(connected?.payload).toMatchObject({ userId: ctx.tenants.a2.id, organizationId: ctx.tenants.orgA, role: 'MEMBER' });
    expect(connected?.payload.socketId).toBe(client.socket.id);
  });

  it.each([
    ['no token', {}, 'unauthorized'],
    ['a forged token (wrong secret)', () => ({ token: sign(claimsOf(), { secret: 'x'.repeat(40) }) }), 'unauthorized'],
    ['a garbage token', { token: 'not.a.jwt' }, 'unauthorized'],
    ['an expired token', () => ({ token: sign(claimsOf(), { expiresIn: -5 }) }), 'token_expired'],
    ['a token for another audience', () => ({ token: sign(claimsOf(), { audience: 'someone-else' }) }), 'unauthorized'],
    ['an unsigned token (alg none)', () => ({ token: unsigned(claimsOf()) }), 'unauthorized'],
    ['a refresh token', () => ({ token: sign({ sub: ctx.tenants.a1.id, typ: 'refresh' }) }), 'unauthorized'],
    ['a deactivated user', () => ({ token: sign(claimsOf(ctx.tenants.inactive)) }), 'unauthorized'],
  ])('refuses the handshake for %s with connect_error "%s"', async (_name, auth, code) => {
    const handshakeAuth = typeof auth === 'function' ? (auth as () => Record<string, unknown>)() : auth;
    const error = await RecordingClient.refusal(ctx.url, handshakeAuth);
    expect(error.message).toBe(code);
    expect(error.data?.code).toBe(code);
    expect(error.data?.message.length).toBeGreaterThan(0);
  });

  it('answers ping through its ack', async () => {
    const client = await ctx.connect(ctx.tenants.a1);
    // socket.io-client types a timed ack loosely; the map says what ping answers.
    const answer = (await client.socket.timeout(5_000).emitWithAck('ping', { sentAt: new Date().toISOString() })) as Ack<
      CommandResponse<'ping'>
    >;
    expect(answer.ok).toBe(true);
    if (answer.ok) expect(Date.parse(answer.data.serverTime)).not.toBeNaN();
  });

  it('answers malformed messages with coded ack errors and keeps the socket usable', async () => {
    const client = await ctx.connect(ctx.tenants.a1);
    // An untyped view of the socket, to send what the typed client map would not let through.
    const raw = client.socket as unknown as {
      emit(event: string, ...args: unknown[]): void;
      timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
    };
    const send = (event: string, ...args: unknown[]) => raw.timeout(5_000).emitWithAck(event, ...args);

    await expect(send('ping', { sentAt: 42 })).resolves.toMatchObject({ ok: false, error: { code: ErrorCode.InvalidPayload } });
    await expect(send('ping', { extra: true })).resolves.toMatchObject({ ok: false, error: { code: ErrorCode.InvalidPayload } });
    await expect(send('ping', 'a', 'b')).resolves.toMatchObject({ ok: false, error: { code: ErrorCode.InvalidPayload } });
    await expect(send('ping', { pad: 'x'.repeat(MAX_CLIENT_MESSAGE_BYTES) })).resolves.toMatchObject({
      ok: false,
      error: { code: ErrorCode.PayloadTooLarge },
    });
    await expect(send('drop.tables', {})).resolves.toMatchObject({ ok: false, error: { code: ErrorCode.UnknownCommand } });

    // Without an ack callback there is nothing to answer: the error arrives as an `error` event.
    raw.emit('ping', {});
    const error = await client.waitFor(ProtocolEvent.Error);
    expect(error.payload.code).toBe(ErrorCode.AckRequired);

    expect(client.socket.connected).toBe(true);
    await expect(send('ping')).resolves.toMatchObject({ ok: true });
  });
});

function unsigned(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...claims, iat: now, exp: now + 60 })}.`;
}
