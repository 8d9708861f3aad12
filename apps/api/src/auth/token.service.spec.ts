import { describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../config/config.js';
import { InvalidTokenError, TokenService } from './token.service.js';

const config = loadConfig({ JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32) });
const tokens = new TokenService(config);
const user = { id: '0d9d6a8c-7b1e-4a43-9f0e-2b7f3f1a2c11', organizationId: '5b0c1f62-1e4b-4a43-9f0e-2b7f3f1a2c11', role: 'ADMIN' as const };

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
  it('issues a 15-minute access token and a refresh token that verify to the user', async () => {
    const pair = await tokens.issue(user);
    const caller = await tokens.verifyAccess(pair.accessToken);
    expect(caller).toMatchObject({ userId: user.id, organizationId: user.organizationId, role: 'ADMIN' });
    expect(caller.expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(890);
    expect(caller.expiresAt - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(900);
    await expect(tokens.verifyRefresh(pair.refreshToken)).resolves.toBe(user.id);
  });

  it('never takes one kind of token for the other', async () => {
    const pair = await tokens.issue(user);
    expect(await problem(tokens.verifyAccess(pair.refreshToken))).toBe('unauthorized');
    expect(await problem(tokens.verifyRefresh(pair.accessToken))).toBe('unauthorized');
  });

  it('tells an expired token from a bad one', async () => {
    const claims = { sub: user.id, org: user.organizationId, role: 'ADMIN', typ: 'access' };
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
  });
});
