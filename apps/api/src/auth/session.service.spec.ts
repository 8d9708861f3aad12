import { describe, expect, it } from '@jest/globals';
import { HANDSHAKE_LOOKUP_INTERVAL_MS } from '../common/batched-lookup.js';
import { loadConfig } from '../config/config.js';
import type { PrismaService, Statement } from '../prisma/prisma.service.js';
import { AuthService } from './auth.service.js';
import { SessionRevocations } from './session-revocations.js';
import { SessionService } from './session.service.js';
import { InvalidTokenError, type AuthUser, type TokenService } from './token.service.js';

const config = loadConfig({ JWT_ACCESS_SECRET: 'a'.repeat(32), JWT_REFRESH_SECRET: 'r'.repeat(32) });
const organizationId = '5b0c1f62-1e4b-4a43-9f0e-2b7f3f1a2c11';
const people = {
  ada: { userId: '0d9d6a8c-7b1e-4a43-9f0e-2b7f3f1a2c11', sessionId: '3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c' },
  bo: { userId: '9e107d9d-372b-4b68-8f5a-6c1c2b3d4e5f', sessionId: '7c6b5a49-3827-4f16-a5b4-c3d2e1f0a9b8' },
  cy: { userId: 'c4ca4238-a0b9-4382-8dcc-509a6f75849b', sessionId: 'a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d' },
};
const claims = (person: { userId: string; sessionId: string }): AuthUser => ({
  ...person,
  organizationId,
  role: 'MEMBER',
  expiresAt: 2_000_000_000,
});

/** The database as the session check's statement sees it: each row with the lists its extra columns computed. */
function database(rows: Record<string, unknown>[]) {
  const sent: { text: string; ids: string[]; at: number }[] = [];
  const prisma = {
    rows: (query: Statement, [ids]: [string[]]) => {
      sent.push({ text: query.text, ids, at: performance.now() });
      return Promise.resolve(rows.filter((row) => ids.includes(row.id as string)));
    },
  } as unknown as PrismaService;
  return { sent, sessions: new SessionService(prisma, {} as TokenService, new SessionRevocations(), config) };
}

const row = (person: { userId: string; sessionId: string }, extra: Record<string, unknown>) => ({
  id: person.sessionId,
  userId: person.userId,
  organizationId,
  active: true,
  role: 'ADMIN',
  platformRole: null,
  revoked: false,
  ...extra,
});

describe(SessionService.name, () => {
  it('reads the columns it is given in the session check, one statement for the lookups made together', async () => {
    const { sent, sessions } = database([
      row(people.ada, { c0: ['f1', 'f2'], c1: ['x'] }),
      row(people.bo, { c0: [], c1: null }),
      row(people.cy, { c0: ['f3'], c1: [], revoked: true }),
    ]);
    const current = sessions.withColumns([
      (userId) => `ARRAY(SELECT "familyId"::text FROM "FamilyMember" WHERE "userId" = ${userId})`,
      (userId) => `ARRAY(SELECT 'x' WHERE ${userId} IS NOT NULL)`,
    ]);
    const [ada, bo, cy] = await Promise.allSettled([current(claims(people.ada)), current(claims(people.bo)), current(claims(people.cy))]);

    expect(sent).toHaveLength(1);
    expect(sent[0]?.ids).toEqual([people.ada.sessionId, people.bo.sessionId, people.cy.sessionId]);
    expect(sent[0]?.text).toContain(`ARRAY(SELECT "familyId"::text FROM "FamilyMember" WHERE "userId" = u.id) AS c0`);
    expect(sent[0]?.text).toContain(`ARRAY(SELECT 'x' WHERE u.id IS NOT NULL) AS c1`);
    // Each caller gets its own lists and the role as the database has it now; a revoked one is refused alone.
    expect(ada).toEqual({
      status: 'fulfilled',
      value: { caller: expect.objectContaining({ userId: people.ada.userId, role: 'ADMIN' }), columns: [['f1', 'f2'], ['x']] },
    });
    expect(bo).toEqual({ status: 'fulfilled', value: expect.objectContaining({ columns: [[], []] }) });
    expect(cy).toEqual({ status: 'rejected', reason: new InvalidTokenError('session_revoked') });
  });

  it("batches a handshake's checks under load by HANDSHAKE_LOOKUP_INTERVAL_MS: fewer, larger statements", async () => {
    const { sent, sessions } = database([row(people.ada, {}), row(people.bo, {}), row(people.cy, {})]);
    const tokens = { verifyAccess: (token: string) => Promise.resolve(claims(people[token as keyof typeof people])) };
    const handshake = new AuthService({} as PrismaService, tokens as unknown as TokenService, sessions).authenticatorWith([]);
    await handshake('ada');
    // Two more right after it: their statement waits out the interval since the first one began.
    await Promise.all([handshake('bo'), handshake('cy')]);
    expect(sent.map((statement) => statement.ids)).toEqual([[people.ada.sessionId], [people.bo.sessionId, people.cy.sessionId]]);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(HANDSHAKE_LOOKUP_INTERVAL_MS - 1);
  });

  it('refuses a session of another user, or of a deactivated one, as `current` does', async () => {
    const { sessions } = database([row(people.ada, { c0: [] }), row(people.bo, { c0: [], active: false })]);
    const current = sessions.withColumns([(userId) => `ARRAY(SELECT ${userId}::text)`]);
    await expect(current({ ...claims(people.ada), userId: people.bo.userId })).rejects.toEqual(new InvalidTokenError('unauthorized'));
    await expect(current(claims(people.bo))).rejects.toEqual(new InvalidTokenError('unauthorized', 'The account is not active'));
    await expect(current(claims(people.cy))).rejects.toEqual(new InvalidTokenError('unauthorized'));
    await expect(sessions.current(claims(people.bo))).rejects.toEqual(new InvalidTokenError('unauthorized', 'The account is not active'));
  });
});
