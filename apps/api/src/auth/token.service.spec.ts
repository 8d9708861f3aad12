import { describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { JwtService } from '@nestjs/jwt';
import { loadConfig } from '../config/config.js';
import { accessJwtOptions, JwtKeys } from './jwt-keys.js';
import { InvalidTokenError, TokenService } from './token.service.js';

const config = loadConfig({ JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32) });
const keys = new JwtKeys(config);
const tokens = new TokenService(new JwtService(accessJwtOptions(keys, config)), keys, config);
const user = { id: '0d9d6a8c-7b1e-4a43-9f0e-2b7f3f1a2c11', organizationId: '5b0c1f62-1e4b-4a43-9f0e-2b7f3f1a2c11', role: 'ADMIN' as const };
const session = { id: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c', refreshGeneration: 4 };

async function problem(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InvalidTokenError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe(TokenService.name, () => {
  it('issues a 15-minute access token naming the session, and a refresh token naming its generation', async () => {
    const pair = tokens.issue(user, session);
    const caller = await tokens.verifyAccess(pair.accessToken);
    expect(caller).toMatchObject({ userId: user.id, organizationId: user.organizationId, role: 'ADMIN', sessionId: session.id });
    expect(caller.expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(890);
    expect(caller.expiresAt - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(900);
    await expect(tokens.verifyRefresh(pair.refreshToken)).resolves.toEqual({ userId: user.id, sessionId: session.id, generation: 4 });
    expect(pair.sessionId).toBe(session.id);
  });

  it('signs with HS256 under the configured issuer and audience', () => {
    const { header, payload } = jwt.decode(tokens.issue(user, session).accessToken, { complete: true }) as jwt.Jwt;
    expect(header.alg).toBe('HS256');
    expect(payload).toMatchObject({ iss: config.jwt.issuer, aud: config.jwt.audience, typ: 'access', sid: session.id });
  });

  it('never takes one kind of token for the other', async () => {
    const pair = tokens.issue(user, session);
    expect(await problem(tokens.verifyAccess(pair.refreshToken))).toBe('unauthorized');
    expect(await problem(tokens.verifyRefresh(pair.accessToken))).toBe('unauthorized');
  });

  it('tells an expired token from a bad one', async () => {
    const claims = { sub: user.id, org: user.organizationId, role: 'ADMIN', sid: session.id, typ: 'access' };
    const options = { issuer: config.jwt.issuer, audience: config.jwt.audience };
    expect(await problem(tokens.verifyAccess(jwt.sign(claims, config.jwt.accessSecret, { ...options, expiresIn: -1 })))).toBe(
      'token_expired',
    );
    expect(await problem(tokens.verifyAccess(jwt.sign(claims, 'z'.repeat(32), { ...options, expiresIn: 60 })))).toBe('unauthorized');
    expect(
      await problem(tokens.verifyAccess(jwt.sign(claims, config.jwt.accessSecret, { ...options, issuer: 'evil', expiresIn: 60 }))),
    ).toBe('unauthorized');
    expect(await problem(tokens.verifyAccess(undefined))).toBe('unauthorized');
    expect(await problem(tokens.verifyAccess(42))).toBe('unauthorized');
    expect(await problem(tokens.verifyAccess('x'.repeat(5000)))).toBe('unauthorized');
    // A token without a session (as issued before sessions existed) is not an access token any more.
    const { sid: _sid, ...sessionless } = claims;
    expect(await problem(tokens.verifyAccess(jwt.sign(sessionless, config.jwt.accessSecret, { ...options, expiresIn: 60 })))).toBe(
      'unauthorized',
    );
    // A subject that is not a UUID never reaches the batched session query.
    expect(
      await problem(tokens.verifyAccess(jwt.sign({ ...claims, sub: 'x' }, config.jwt.accessSecret, { ...options, expiresIn: 60 }))),
    ).toBe('unauthorized');
  });
});
