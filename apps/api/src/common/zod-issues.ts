import type { z } from 'zod';

/** A zod error as one line naming each bad path: how the handshake, every command and every publish describe bad input. */
export function describeIssues(error: z.ZodError, root = '(payload)'): string {
  return error.issues.map((issue) => `${issue.path.join('.') || root}: ${issue.message}`).join('; ');
}
